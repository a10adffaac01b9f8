//! File identity: the first `fingerprint_size` bytes of a file (fewer while the
//! file is shorter). A file that grows keeps its identity because its old
//! fingerprint is a prefix of the new one; a file replaced or truncated and
//! rewritten gets a new one. Device and inode are only a hint: inodes are
//! reused, and a copied file keeps its content but not its inode.

use std::fs::File;
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::time::SystemTime;

/// The first bytes of a file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fingerprint(pub Vec<u8>);

impl Fingerprint {
    /// Read up to `size` bytes from the start of `file`.
    pub fn read(file: &File, size: usize) -> io::Result<Fingerprint> {
        let mut buf = vec![0u8; size];
        let mut filled = 0;
        while filled < size {
            match file.read_at(&mut buf[filled..], filled as u64) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        buf.truncate(filled);
        Ok(Fingerprint(buf))
    }

    /// True when `self` is the fingerprint of the same file as `older`, seen
    /// again (possibly grown): `older` is a non-empty prefix of `self`.
    pub fn continues(&self, older: &Fingerprint) -> bool {
        !older.0.is_empty() && self.0.starts_with(&older.0)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What a `stat` says about a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    pub mtime: SystemTime,
    pub nlink: u64,
}

impl Stat {
    pub fn of(m: &std::fs::Metadata) -> Stat {
        Stat {
            dev: m.dev(),
            ino: m.ino(),
            size: m.len(),
            mtime: m.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            nlink: m.nlink(),
        }
    }

    pub fn same_inode(&self, other: &Stat) -> bool {
        self.dev == other.dev && self.ino == other.ino
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn prefix_identity() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let mut f = File::create(&path).unwrap();
        f.write_all(b"hello").unwrap();
        let small = Fingerprint::read(&File::open(&path).unwrap(), 8).unwrap();
        assert_eq!(small.0, b"hello");
        f.write_all(b" world").unwrap();
        let grown = Fingerprint::read(&File::open(&path).unwrap(), 8).unwrap();
        assert_eq!(grown.0, b"hello wo");
        assert!(grown.continues(&small));
        assert!(!small.continues(&grown));
        assert!(!grown.continues(&Fingerprint::default()), "an empty fingerprint identifies nothing");
    }
}
