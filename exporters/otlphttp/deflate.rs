//! gzip and zlib bodies from a deflate state kept per thread and reset for each
//! body. A fresh state per request (what `flate2::write::GzEncoder` makes) is
//! about 300 KB of tables, allocated and zeroed every time: new pages for the
//! allocator to fault in. A reset clears them in place.
//!
//! The gzip framing is the one `GzEncoder` writes: no name, no mtime, OS 255,
//! XFL 2 at level 9 and 4 at level 1; then the deflate stream, CRC-32 and the
//! input size modulo 2^32 (RFC 1952).

use std::cell::RefCell;

use flate2::{Compress, Compression, Crc, FlushCompress, Status};

thread_local! {
    /// Deflate states of this thread, by level and zlib framing.
    static STATES: RefCell<Vec<(u32, bool, Compress)>> = const { RefCell::new(Vec::new()) };
}

/// `raw` as a gzip member.
pub fn gzip(raw: &[u8], level: Compression) -> Vec<u8> {
    let xfl = match level.level() {
        9.. => 2,
        0..=1 => 4,
        _ => 0,
    };
    let mut out = Vec::with_capacity(raw.len() / 4 + 64);
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 255]);
    deflate(raw, level, false, &mut out);
    let mut crc = Crc::new();
    crc.update(raw);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(raw.len() as u32).to_le_bytes());
    out
}

/// `raw` as a zlib stream (RFC 1950), which is what `deflate` means in HTTP.
pub fn zlib(raw: &[u8], level: Compression) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() / 4 + 64);
    deflate(raw, level, true, &mut out);
    out
}

/// Append the whole deflate stream of `raw` to `out`.
fn deflate(raw: &[u8], level: Compression, zlib_header: bool, out: &mut Vec<u8>) {
    STATES.with(|states| {
        let mut states = states.borrow_mut();
        let at = match states.iter().position(|(l, z, _)| *l == level.level() && *z == zlib_header) {
            Some(at) => at,
            None => {
                states.push((level.level(), zlib_header, Compress::new(level, zlib_header)));
                states.len() - 1
            }
        };
        let state = &mut states[at].2;
        state.reset();
        let mut consumed = 0;
        loop {
            if out.capacity() - out.len() < 1024 {
                out.reserve(out.capacity().max(4096));
            }
            let before = state.total_in();
            // Compressing into a Vec with room to spare cannot fail.
            let status = state.compress_vec(&raw[consumed..], out, FlushCompress::Finish).expect("deflating to a Vec");
            consumed += (state.total_in() - before) as usize;
            if status == Status::StreamEnd {
                break;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use std::io::{Read as _, Write as _};

    use super::*;

    fn sample(n: usize) -> Vec<u8> {
        (0..n)
            .flat_map(|i| format!("{{\"key\":\"k{}\",\"value\":{{\"intValue\":\"{i}\"}}}},", i % 37).into_bytes())
            .collect()
    }

    /// What flate2's encoders write, up to how the stream ends (they close it
    /// with an empty final block, one-shot compression marks the last block
    /// final): the same gzip header, the same data back, sizes within a few
    /// bytes; and the same output call after call on one thread (the state is
    /// reset), at every level and for empty input.
    #[test]
    fn like_flate2_encoders() {
        for n in [0, 1, 100, 20_000] {
            let raw = sample(n);
            for level in [1, 6, 9] {
                let level = Compression::new(level);
                let mut g = flate2::write::GzEncoder::new(Vec::new(), level);
                g.write_all(&raw).unwrap();
                let theirs = g.finish().unwrap();
                let ours = gzip(&raw, level);
                assert_eq!(ours[..10], theirs[..10], "gzip header, level {level:?}");
                assert!(ours.len() <= theirs.len() + 8 && theirs.len() <= ours.len() + 8, "n={n} {level:?}");
                assert_eq!(gzip(&raw, level), ours, "a second call, n={n} {level:?}");
                let mut back = Vec::new();
                flate2::read::GzDecoder::new(&ours[..]).read_to_end(&mut back).unwrap();
                assert_eq!(back, raw);
                let ours = zlib(&raw, level);
                assert_eq!(zlib(&raw, level), ours);
                let mut back = Vec::new();
                flate2::read::ZlibDecoder::new(&ours[..]).read_to_end(&mut back).unwrap();
                assert_eq!(back, raw);
            }
        }
        let big = sample(20_000);
        assert!(gzip(&big, Compression::new(9)).len() < gzip(&big, Compression::new(1)).len());
    }
}
