//! The floor for any JSON-lines reader: read every Teleport daily file under a
//! directory and parse each line into a `serde_json::Value`, nothing else.
//!
//! `cargo run --release --example bare_parse -- <dir>` prints
//! `<bytes> <lines> <seconds>` on one line.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn daily_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            daily_files(&p, out);
        } else if ft.is_file() && p.file_name().is_some_and(|n| n.to_string_lossy().ends_with(".00:00:00.log")) {
            out.push(p);
        }
    }
}

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "bench-data/log".into());
    let mut files = Vec::new();
    daily_files(Path::new(&dir), &mut files);
    files.sort();
    let start = Instant::now();
    let (mut bytes, mut lines, mut bad) = (0u64, 0u64, 0u64);
    let mut line = Vec::with_capacity(64 << 10);
    for f in &files {
        let mut r = BufReader::with_capacity(256 << 10, fs::File::open(f).expect("open"));
        loop {
            line.clear();
            let n = r.read_until(b'\n', &mut line).expect("read");
            if n == 0 {
                break;
            }
            bytes += n as u64;
            lines += 1;
            if serde_json::from_slice::<serde_json::Value>(line.trim_ascii_end()).is_err() {
                bad += 1;
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!("bare parse: {} files, {bad} lines not JSON", files.len());
    println!("{bytes} {lines} {secs:.3}");
}
