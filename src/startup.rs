//! How `build` does its startup I/O, so that a config is known to start before
//! any task runs.
//!
//! A build runs in one of two [`Mode`]s:
//! - [`Mode::Check`] (`ferrocol validate`): parse, compile, resolve; bind, open
//!   and create nothing. The tasks it returns are never run.
//! - [`Mode::Start`]: also every fallible startup step — bind listeners, open
//!   journals, create directories, load TLS files. When it succeeds, the tasks
//!   only do what cannot fail for configuration reasons.
//!
//! Listening sockets go through [`Startup::listen`]. A build keeps every
//! socket it bound in its [`Listeners`]; a reload builds the new topology in
//! start mode *while the old one still runs*, handing it the old sockets, so an
//! address both configs use is taken over (a duplicate of the same socket, no
//! moment without a listener) while an address taken by another process fails
//! the new build at once and leaves the old pipelines running.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use crate::component::StageError;

/// What a build may do (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Check,
    Start,
}

/// The startup side of a build context: its mode and its sockets.
#[derive(Clone, Debug)]
pub struct Startup {
    mode: Mode,
    /// Sockets bound by this build.
    bound: Listeners,
    /// Sockets of the topology this build replaces (a reload), by address.
    inherited: Listeners,
}

impl Startup {
    /// A first start, or a check.
    pub fn new(mode: Mode) -> Startup {
        Startup { mode, bound: Listeners::default(), inherited: Listeners::default() }
    }

    /// A start that may take over the sockets of a running topology.
    pub fn replacing(inherited: Listeners) -> Startup {
        Startup { mode: Mode::Start, bound: Listeners::default(), inherited }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// True in start mode: do the startup I/O now.
    pub fn is_start(&self) -> bool {
        self.mode == Mode::Start
    }

    /// The sockets this build bound (handed to the next reload).
    pub fn listeners(&self) -> Listeners {
        self.bound.clone()
    }

    /// A TCP listener on `endpoint` (Go's `host:port`; an empty host means every
    /// interface, names resolve IPv4 first as Go does). In check mode only the
    /// endpoint's form is checked and nothing is bound.
    pub fn listen(&self, endpoint: &str) -> Result<Listener, StageError> {
        let fail = |e: &dyn std::fmt::Display| StageError::new(format!("cannot listen on {endpoint}: {e}"));
        let (host, port) = crate::net::endpoint_host_port(endpoint).map_err(|e| fail(&e))?;
        if self.mode == Mode::Check {
            return Ok(Listener(None));
        }
        let addrs: Vec<SocketAddr> = if host.is_empty() {
            vec![SocketAddr::from(([0u16; 8], port)), SocketAddr::from(([0u8; 4], port))]
        } else {
            let mut a: Vec<SocketAddr> =
                std::net::ToSocketAddrs::to_socket_addrs(&(host, port)).map_err(|e| fail(&e))?.collect();
            a.sort_by_key(|a| !a.is_ipv4());
            a
        };
        let mut last_error = None;
        for addr in addrs {
            let got = match self.inherited.take_over(addr) {
                Some(l) => l,
                None => std::net::TcpListener::bind(addr),
            };
            match got.and_then(|l| l.set_nonblocking(true).map(|()| l)) {
                Ok(l) => {
                    let local = l.local_addr().unwrap_or(addr);
                    let copy = l.try_clone().map_err(|e| fail(&e))?;
                    self.bound.0.lock().unwrap_or_else(|p| p.into_inner()).insert(local, copy);
                    return Ok(Listener(Some(l)));
                }
                Err(e) => last_error = Some(e),
            }
        }
        Err(match last_error {
            Some(e) => fail(&e),
            None => fail(&"no address found"),
        })
    }
}

/// Listening sockets by local address, shared by a build and the run after it.
#[derive(Clone, Debug, Default)]
pub struct Listeners(Arc<Mutex<HashMap<SocketAddr, std::net::TcpListener>>>);

impl Listeners {
    /// A second handle on the socket listening on `addr`, if there is one.
    fn take_over(&self, addr: SocketAddr) -> Option<std::io::Result<std::net::TcpListener>> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&addr).map(std::net::TcpListener::try_clone)
    }
}

/// A socket bound at build time (empty in check mode, whose tasks never run).
#[derive(Debug)]
pub struct Listener(Option<std::net::TcpListener>);

impl Listener {
    /// The tokio listener, inside the running task.
    pub fn into_tokio(self) -> Result<tokio::net::TcpListener, StageError> {
        let l = self.0.ok_or_else(|| StageError::new("a listener of a check-mode build was started"))?;
        tokio::net::TcpListener::from_std(l).map_err(|e| StageError::new(format!("cannot listen: {e}")))
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.0.as_ref().and_then(|l| l.local_addr().ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_mode_binds_nothing_but_checks_the_form() {
        let s = Startup::new(Mode::Check);
        assert!(s.listen("127.0.0.1:0").is_ok());
        assert!(s.listen("127.0.0.1").unwrap_err().to_string().contains("cannot listen on 127.0.0.1"));
        assert!(s.listeners().0.lock().unwrap().is_empty());
    }

    #[test]
    fn a_taken_port_fails_and_a_reload_takes_over_its_own() {
        let first = Startup::new(Mode::Start);
        let l = first.listen("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        // Another build without the sockets: the port is taken.
        let other = Startup::new(Mode::Start);
        let err = other.listen(&addr.to_string()).unwrap_err().to_string();
        assert!(err.contains("cannot listen on") && err.contains("in use"), "{err}");
        // A reload of the first: the same socket.
        let reload = Startup::replacing(first.listeners());
        let again = reload.listen(&addr.to_string()).unwrap();
        assert_eq!(again.local_addr(), Some(addr));
        drop(l);
        drop(first);
        // The old handle is gone; the reload's socket still accepts.
        let stream = std::net::TcpStream::connect(addr);
        assert!(stream.is_ok());
    }
}
