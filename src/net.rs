//! Host and port: the one parser of `host:port` strings, with Go's
//! `net.SplitHostPort` semantics (what otelcol's configs and the addresses in
//! Teleport and auditd events are written for): `host:port`, `[v6]:port`,
//! `:port` (empty host), the port taken as text. [`host_and_port`] is the
//! lenient form for addresses seen in events, which may carry no port.

use std::fmt;

/// Why a string is not `host:port` (Go's messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SplitError {
    MissingPort,
    MissingBracket,
    TooManyColons,
    UnexpectedOpenBracket,
    UnexpectedCloseBracket,
}

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SplitError::MissingPort => "missing port in address",
            SplitError::MissingBracket => "missing ']' in address",
            SplitError::TooManyColons => "too many colons in address",
            SplitError::UnexpectedOpenBracket => "unexpected '[' in address",
            SplitError::UnexpectedCloseBracket => "unexpected ']' in address",
        })
    }
}

impl std::error::Error for SplitError {}

/// Split `host:port` or `[host]:port` into host and port, as Go's
/// `net.SplitHostPort` does: the brackets are removed, an IPv6 host must be in
/// them, and the port is not checked (it may be a service name or empty).
pub fn split_host_port(hostport: &str) -> Result<(&str, &str), SplitError> {
    let colon = hostport.rfind(':').ok_or(SplitError::MissingPort)?;
    // `[` may not appear from `open` on, nor `]` from `close` on.
    let (host, open, close) = if hostport.starts_with('[') {
        let end = hostport.find(']').ok_or(SplitError::MissingBracket)?;
        // The first `]` must come just before the last `:`.
        if end + 1 == hostport.len() {
            return Err(SplitError::MissingPort);
        }
        if end + 1 != colon {
            return Err(match hostport.as_bytes()[end + 1] {
                b':' => SplitError::TooManyColons,
                _ => SplitError::MissingPort,
            });
        }
        (&hostport[1..end], 1, end + 1)
    } else {
        let host = &hostport[..colon];
        if host.contains(':') {
            return Err(SplitError::TooManyColons);
        }
        (host, 0, 0)
    };
    if hostport[open..].contains('[') {
        return Err(SplitError::UnexpectedOpenBracket);
    }
    if hostport[close..].contains(']') {
        return Err(SplitError::UnexpectedCloseBracket);
    }
    Ok((host, &hostport[colon + 1..]))
}

/// An address as events carry it: `host:port` or `[v6]:port` with a numeric
/// port gives both; anything else is a host alone (`[v6]` without its brackets,
/// a bare IPv6 address, or the text as it is).
pub fn host_and_port(addr: &str) -> (&str, Option<u16>) {
    if let Ok((host, port)) = split_host_port(addr) {
        if let Ok(port) = port.parse() {
            return (host, Some(port));
        }
    }
    let bare = addr.strip_prefix('[').and_then(|a| a.strip_suffix(']'));
    (bare.unwrap_or(addr), None)
}

/// A listen endpoint's host and numeric port, with the endpoint in the message.
pub fn endpoint_host_port(endpoint: &str) -> Result<(&str, u16), String> {
    let bad = |why: &dyn std::fmt::Display| format!("invalid endpoint {endpoint:?}: {why}");
    let (host, port) = split_host_port(endpoint).map_err(|e| bad(&e))?;
    let port = port.parse().map_err(|_| bad(&"the port must be a number from 0 to 65535"))?;
    Ok((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_as_go_does() {
        assert_eq!(split_host_port("localhost:4318"), Ok(("localhost", "4318")));
        assert_eq!(split_host_port(":4318"), Ok(("", "4318")));
        assert_eq!(split_host_port("[::1]:80"), Ok(("::1", "80")));
        assert_eq!(split_host_port("[fe80::1%eth0]:80"), Ok(("fe80::1%eth0", "80")));
        assert_eq!(split_host_port("host:http"), Ok(("host", "http")));
        assert_eq!(split_host_port("host:"), Ok(("host", "")));
        assert_eq!(split_host_port("localhost"), Err(SplitError::MissingPort));
        assert_eq!(split_host_port("[::1]"), Err(SplitError::MissingPort));
        assert_eq!(split_host_port("[::1]x:80"), Err(SplitError::MissingPort));
        assert_eq!(split_host_port("[::1]:80:90"), Err(SplitError::TooManyColons));
        assert_eq!(split_host_port("::1:80"), Err(SplitError::TooManyColons));
        assert_eq!(split_host_port("[::1:80"), Err(SplitError::MissingBracket));
        assert_eq!(split_host_port("a[b:80"), Err(SplitError::UnexpectedOpenBracket));
        assert_eq!(split_host_port("a]b:80"), Err(SplitError::UnexpectedCloseBracket));
        assert_eq!(split_host_port("[a[b]:80"), Err(SplitError::UnexpectedOpenBracket));
    }

    #[test]
    fn event_addresses_may_have_no_port() {
        assert_eq!(host_and_port("127.0.0.1:3022"), ("127.0.0.1", Some(3022)));
        assert_eq!(host_and_port("[::1]:37718"), ("::1", Some(37718)));
        assert_eq!(host_and_port("[::1]"), ("::1", None));
        assert_eq!(host_and_port("::1"), ("::1", None));
        assert_eq!(host_and_port("2001:db8::1"), ("2001:db8::1", None));
        assert_eq!(host_and_port("203.0.113.7"), ("203.0.113.7", None));
        assert_eq!(host_and_port("localhost"), ("localhost", None));
        assert_eq!(host_and_port("host:http"), ("host:http", None));
        assert_eq!(host_and_port("host:99999"), ("host:99999", None));
    }
}
