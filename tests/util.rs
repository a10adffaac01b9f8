//! Test harness: run the real binary in a temp dir, find free ports, wait for output.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_ferrocol");

/// Path of a file in the repository.
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// `samples/teleport/log`: the bundled Teleport audit log directory (`dir` backend).
pub fn teleport_fixture() -> PathBuf {
    repo("samples/teleport/log")
}

/// The release binary when `make test` built one (the one that ships), else the test build.
pub fn shipped_binary() -> PathBuf {
    let release = repo("target/release/ferrocol");
    if release.is_file() {
        release
    } else {
        PathBuf::from(BIN)
    }
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A fresh temporary directory.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Write `text` to `dir/name` and return its path as a string.
pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

/// Run `ferrocol ARGS` to completion: (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    run_with_env(args, &[])
}

/// [`run`] with these environment variables set.
pub fn run_with_env(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(BIN).args(args).env_remove("FERROCOL_LOG").envs(env.iter().copied()).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A running `ferrocol` whose stdout and stderr are collected as they come.
pub struct Running {
    pub child: Child,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

fn collect(r: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let buf = Arc::new(Mutex::new(String::new()));
    let b = buf.clone();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(r);
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 {
            b.lock().unwrap().push_str(&line);
            line.clear();
        }
    });
    buf
}

impl Running {
    pub fn start(args: &[&str]) -> Running {
        Self::start_with_env(args, &[])
    }

    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Running {
        Self::start_binary(Path::new(BIN), args, env)
    }

    /// [`Running::start_with_env`] with another build of ferrocol (see [`shipped_binary`]).
    pub fn start_binary(bin: &Path, args: &[&str], env: &[(&str, &str)]) -> Running {
        let mut cmd = Command::new(bin);
        cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd.env_remove("FERROCOL_LOG");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stdout = collect(child.stdout.take().unwrap());
        let stderr = collect(child.stderr.take().unwrap());
        Running { child, stdout, stderr }
    }

    pub fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Wait until `pred(stdout, stderr)` holds; panics with both outputs after `timeout`.
    pub fn wait_for(&self, timeout: Duration, what: &str, pred: impl Fn(&str, &str) -> bool) {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if pred(&self.stdout(), &self.stderr()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("timed out waiting for {what}\n--- stdout ---\n{}\n--- stderr ---\n{}", self.stdout(), self.stderr());
    }

    /// Wait until stderr contains `needle`.
    pub fn wait_stderr(&self, needle: &str) {
        self.wait_for(Duration::from_secs(20), needle, |_, e| e.contains(needle));
    }

    /// Send a signal (libc::SIGTERM, ...).
    /// SIGTERM, then a clean exit (0) within 20 s.
    pub fn stop(&mut self) {
        self.signal(libc::SIGTERM);
        assert_eq!(self.wait_exit(Duration::from_secs(20)), 0, "{}", self.stderr());
    }

    pub fn signal(&self, sig: i32) {
        unsafe {
            libc::kill(self.child.id() as i32, sig);
        }
    }

    /// Wait for exit (panics after `timeout`); returns the exit code.
    pub fn wait_exit(&mut self, timeout: Duration) -> i32 {
        let (tx, rx) = mpsc::channel();
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let _ = tx.send(());
                // Let the reader threads drain the pipes.
                std::thread::sleep(Duration::from_millis(100));
                return status.code().unwrap_or(-1);
            }
            if start.elapsed() > timeout {
                let _ = self.child.kill();
                panic!("ferrocol did not exit in {timeout:?}\n--- stderr ---\n{}", self.stderr());
            }
            let _ = rx.try_recv();
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The body of the next request on an HTTP/1.1 keep-alive connection (its
/// `Content-Length` bytes); `None` once the peer closed or died mid-request.
pub fn read_request_body(reader: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut len = 0usize;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(body)
}

/// Status, lower-cased headers, body.
pub type Response = (u16, Vec<(String, String)>, Vec<u8>);

/// A minimal HTTP/1.1 client for loopback tests: POST `body`, return (status, headers, body).
pub fn http_request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Response> {
    use std::io::Write;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes())?;
    s.write_all(body)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or(std::io::ErrorKind::InvalidData)?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status: u16 = lines.next().and_then(|l| l.split_whitespace().nth(1)).and_then(|c| c.parse().ok()).unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string())))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked")) {
        body = dechunk(&body);
    }
    Ok((status, headers, body))
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(i) = b.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&b[..i]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&b[i + 2..i + 2 + size]);
        b = &b[i + 2 + size + 2..];
    }
    out
}

/// Wait until something accepts TCP connections on 127.0.0.1:`port`.
pub fn wait_port(port: u16, timeout: Duration) {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("nothing listens on 127.0.0.1:{port} after {timeout:?}");
}

/// Remove ANSI color escapes (ferrocol's own log colors its fields).
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// Compare texts; on a mismatch, show the first differing line of each.
pub fn assert_text_eq(expected: &str, got: &str) {
    if expected == got {
        return;
    }
    let (e, g): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), got.lines().collect());
    let i = e.iter().zip(&g).position(|(a, b)| a != b).unwrap_or(e.len().min(g.len()));
    panic!(
        "texts differ at line {}:\nexpected: {:?}\n     got: {:?}\n(expected {} lines, got {})\n--- got ---\n{got}",
        i + 1,
        e.get(i),
        g.get(i),
        e.len(),
        g.len()
    );
}
