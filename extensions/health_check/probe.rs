//! `ferrocol health`: the client side of this extension, for container
//! HEALTHCHECKs (a scratch image has no curl): one HTTP GET, exit 0 on 200.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

/// `ferrocol health`: one HTTP GET, exit 0 on 200, 1 otherwise.
pub fn probe(endpoint: &str, path: &str) -> ExitCode {
    let attempt = || -> std::io::Result<String> {
        let addr = endpoint.to_socket_addrs()?.next().ok_or(std::io::ErrorKind::AddrNotAvailable)?;
        let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(3))?;
        s.set_read_timeout(Some(Duration::from_secs(3)))?;
        write!(s, "GET {path} HTTP/1.1\r\nHost: {endpoint}\r\nConnection: close\r\n\r\n")?;
        let mut answer = String::new();
        s.read_to_string(&mut answer)?;
        Ok(answer)
    };
    match attempt() {
        Ok(answer) if answer.starts_with("HTTP/1.1 200") => {
            println!("{}", answer.split("\r\n\r\n").nth(1).unwrap_or_default());
            ExitCode::SUCCESS
        }
        Ok(answer) => {
            eprintln!("ferrocol: unhealthy: {}", answer.lines().next().unwrap_or_default());
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("ferrocol: health check at {endpoint}{path} failed: {e}");
            ExitCode::from(1)
        }
    }
}
