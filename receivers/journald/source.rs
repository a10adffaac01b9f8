//! Which journal files to open, from `directory`, `files`, `namespace`, `merge`
//! and `root_path`, the way journalctl picks them from the options otelcol
//! passes it; and the start-time checks that turn "nothing could be read" into
//! an error that names the path and the errno.

use std::io;
use std::path::{Path, PathBuf};

use globset::GlobBuilder;
use libsystemd_sys::journal as ffi;
use systemd::journal::{Journal, OpenDirectoryOptions, OpenFilesOptions, OpenOptions};

use super::config::JournaldConfig;

/// Where the journal system keeps its files when no directory is given.
const SYSTEM_DIRS: [&str; 2] = ["/var/log/journal", "/run/log/journal"];

const PERMISSION_HINT: &str =
    "run ferrocol as root or as a user in the systemd-journal (or adm) group, or grant it read access";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `--directory D`, or `--root R` (`os_root`: R's /var/log/journal and /run/log/journal).
    Directory { path: PathBuf, os_root: bool },
    /// `--file F…`; each may be a glob.
    Files(Vec<String>),
    /// The system journal of this machine (all machines with `merge`), or a namespace.
    System { namespace: Option<String>, flags: libc::c_int },
}

impl Source {
    pub fn from_config(c: &JournaldConfig) -> Source {
        let root = Path::new(&c.root_path);
        let rooted =
            |p: &str| if c.root_path.is_empty() { PathBuf::from(p) } else { root.join(p.trim_start_matches('/')) };
        if let Some(dir) = &c.directory {
            return Source::Directory { path: rooted(dir), os_root: false };
        }
        if !c.files.is_empty() {
            return Source::Files(c.files.iter().map(|f| rooted(f).to_string_lossy().into_owned()).collect());
        }
        if !c.root_path.is_empty() {
            return Source::Directory { path: root.to_path_buf(), os_root: true };
        }
        let (namespace, ns_flags) = match c.namespace.as_str() {
            "" => (None, 0),
            "*" => (None, ffi::SD_JOURNAL_ALL_NAMESPACES),
            n => match n.strip_prefix('+') {
                Some(n) => (Some(n.to_string()), ffi::SD_JOURNAL_INCLUDE_DEFAULT_NAMESPACE),
                None => (Some(n.to_string()), 0),
            },
        };
        let local = if c.merge { 0 } else { ffi::SD_JOURNAL_LOCAL_ONLY };
        Source::System { namespace, flags: local | ns_flags }
    }

    /// For log lines and errors.
    pub fn describe(&self) -> String {
        match self {
            Source::Directory { path, os_root: false } => format!("journal directory {}", path.display()),
            Source::Directory { path, os_root: true } => format!("journal below root {}", path.display()),
            Source::Files(f) => format!("journal files {f:?}"),
            Source::System { namespace: Some(n), .. } => format!("system journal (namespace {n})"),
            Source::System { namespace: None, .. } => "system journal".to_string(),
        }
    }

    /// Whether the source may carry entries of other boots than the running one
    /// (journalctl then takes `--dmesg`'s boot from the newest entry).
    pub fn is_local_system(&self) -> bool {
        matches!(self, Source::System { .. })
    }

    /// Open the files. Journal fields are read whole (no data threshold).
    pub fn open(&self) -> io::Result<Journal> {
        let mut j = match self {
            Source::Directory { path, os_root } => {
                OpenDirectoryOptions::default().os_root(*os_root).open_directory(path.as_os_str().as_encoded_bytes())
            }
            Source::Files(patterns) => OpenFilesOptions::default().open_files(expand_files(patterns)),
            Source::System { namespace, flags } => {
                let mut o = OpenOptions::default();
                o.extra_raw_flags(*flags);
                match namespace {
                    Some(ns) => o.open_namespace(ns.as_str()),
                    None => o.open(),
                }
            }
        }?;
        j.set_data_threshold(0)?;
        Ok(j)
    }

    /// Start-time check: a clear error (path, errno, hint) when the directory or
    /// files cannot be read; `Ok` with a warning when only some journal files can.
    pub fn check_readable(&self) -> Result<Option<String>, String> {
        let dirs: Vec<PathBuf> = match self {
            Source::Directory { path, os_root: false } => vec![path.clone()],
            Source::Directory { path, os_root: true } => SYSTEM_DIRS.iter().map(|d| path.join(&d[1..])).collect(),
            Source::Files(patterns) => {
                for f in expand_files(patterns) {
                    std::fs::File::open(&f).map_err(|e| open_error(&format!("journal file {f}"), &e))?;
                }
                return Ok(None);
            }
            Source::System { .. } => SYSTEM_DIRS.iter().map(PathBuf::from).collect(),
        };
        let explicit = matches!(self, Source::Directory { os_root: false, .. });
        let mut files = Vec::new();
        for dir in &dirs {
            match journal_files(dir) {
                Ok(mut f) => files.append(&mut f),
                Err(e) if explicit || e.kind() == io::ErrorKind::PermissionDenied => {
                    return Err(open_error(&self.describe(), &e));
                }
                Err(_) => {} // /run/log/journal may not exist
            }
        }
        let denied: Vec<&PathBuf> = files.iter().filter(|f| std::fs::File::open(f).is_err()).collect();
        if !files.is_empty() && denied.len() == files.len() {
            return Err(format!(
                "cannot read any journal file of the {} ({}: permission denied); {PERMISSION_HINT}",
                self.describe(),
                denied[0].display()
            ));
        }
        Ok(denied.first().map(|f| {
            format!(
                "cannot read {} of the {} journal files of the {} (e.g. {}: permission denied); their entries are \
                 skipped; {PERMISSION_HINT}",
                denied.len(),
                files.len(),
                self.describe(),
                f.display()
            )
        }))
    }

    /// (device, inode) of the directory or of each file: a change means they were
    /// removed or replaced, which libsystemd does not always report (a directory
    /// that is deleted and created again is not watched any more). Empty for the
    /// system journal, and for what does not exist.
    pub fn identity(&self) -> Vec<(u64, u64)> {
        use std::os::unix::fs::MetadataExt;
        let id = |p: &Path| std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino()));
        match self {
            Source::Directory { path, .. } => id(path).into_iter().collect(),
            Source::Files(patterns) => expand_files(patterns).iter().filter_map(|f| id(Path::new(f))).collect(),
            Source::System { .. } => Vec::new(),
        }
    }
}

/// An open error with the errno and, for EACCES, what to do about it.
pub fn open_error(what: &str, e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::PermissionDenied => format!("cannot open {what}: {e}; {PERMISSION_HINT}"),
        _ => format!("cannot open {what}: {e}"),
    }
}

/// `*.journal` and `*.journal~` in `dir` and its direct subdirectories (the
/// machine-id directories), as libsystemd looks for them.
fn journal_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            if let Ok(sub) = std::fs::read_dir(&path) {
                out.extend(sub.flatten().map(|e| e.path()).filter(|p| is_journal_file(p)));
            }
        } else if is_journal_file(&path) {
            out.push(path);
        }
    }
    Ok(out)
}

fn is_journal_file(p: &Path) -> bool {
    let name = p.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    name.ends_with(".journal") || name.ends_with(".journal~")
}

/// journalctl's `--file` glob expansion (`GLOB_NOCHECK`: a pattern that matches
/// nothing stays as it is, and opening it then fails).
pub fn expand_files(patterns: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for p in patterns {
        let mut found = glob_paths(p);
        if found.is_empty() {
            out.push(p.clone());
        } else {
            found.sort();
            out.extend(found);
        }
    }
    out
}

/// Paths matching `pattern`, expanded one component at a time.
fn glob_paths(pattern: &str) -> Vec<String> {
    if !pattern.contains(['*', '?', '[']) {
        return if Path::new(pattern).exists() { vec![pattern.to_string()] } else { Vec::new() };
    }
    let mut current = vec![if pattern.starts_with('/') { PathBuf::from("/") } else { PathBuf::from(".") }];
    for part in pattern.split('/').filter(|p| !p.is_empty()) {
        let mut next = Vec::new();
        if !part.contains(['*', '?', '[']) {
            next.extend(current.iter().map(|c| c.join(part)).filter(|p| p.exists()));
        } else if let Ok(glob) = GlobBuilder::new(part).literal_separator(true).build() {
            let m = glob.compile_matcher();
            for dir in &current {
                let Ok(entries) = std::fs::read_dir(dir) else { continue };
                for e in entries.flatten() {
                    let name = e.file_name();
                    // Like glob(3): `*` does not match a leading dot.
                    if name.to_string_lossy().starts_with('.') && !part.starts_with('.') {
                        continue;
                    }
                    if m.is_match(&name) {
                        next.push(dir.join(&name));
                    }
                }
            }
        }
        current = next;
    }
    let relative = !pattern.starts_with('/');
    current
        .into_iter()
        .map(|p| {
            let s = p.to_string_lossy().into_owned();
            if relative {
                s.trim_start_matches("./").to_string()
            } else {
                s
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::de::from_node;
    use crate::config::yaml::parse;

    fn source(yaml: &str) -> Source {
        Source::from_config(&from_node::<JournaldConfig>(&parse("c", yaml).unwrap()).unwrap())
    }

    #[test]
    fn options_pick_the_files_as_journalctl_does() {
        assert_eq!(source("directory: /d\nfiles: [/f]\n"), Source::Directory { path: "/d".into(), os_root: false });
        assert_eq!(source("files: [/f]\n"), Source::Files(vec!["/f".into()]));
        assert_eq!(
            source("directory: /var/log/journal\nroot_path: /host\njournalctl_path: /bin/journalctl\n"),
            Source::Directory { path: "/host/var/log/journal".into(), os_root: false }
        );
        assert_eq!(
            source("root_path: /host\njournalctl_path: /bin/journalctl\n"),
            Source::Directory { path: "/host".into(), os_root: true }
        );
        assert_eq!(source(""), Source::System { namespace: None, flags: ffi::SD_JOURNAL_LOCAL_ONLY });
        assert_eq!(source("merge: true\n"), Source::System { namespace: None, flags: 0 });
        assert_eq!(
            source("namespace: '*'\n"),
            Source::System { namespace: None, flags: ffi::SD_JOURNAL_LOCAL_ONLY | ffi::SD_JOURNAL_ALL_NAMESPACES }
        );
        assert_eq!(
            source("namespace: '+app'\nmerge: true\n"),
            Source::System { namespace: Some("app".into()), flags: ffi::SD_JOURNAL_INCLUDE_DEFAULT_NAMESPACE }
        );
    }

    #[test]
    fn file_globs_expand_or_stay() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["a.journal", "b.journal", "c.txt"] {
            std::fs::write(dir.path().join(f), b"").unwrap();
        }
        let d = dir.path().display();
        assert_eq!(expand_files(&[format!("{d}/*.journal")]), [format!("{d}/a.journal"), format!("{d}/b.journal")]);
        assert_eq!(expand_files(&[format!("{d}/none*")]), [format!("{d}/none*")]);
    }

    #[test]
    fn a_missing_directory_is_named_with_its_errno() {
        let s = source("directory: /nonexistent/journal\n");
        let e = s.check_readable().unwrap_err();
        assert_eq!(e, "cannot open journal directory /nonexistent/journal: No such file or directory (os error 2)");
        assert!(s.open().is_err());
    }
}
