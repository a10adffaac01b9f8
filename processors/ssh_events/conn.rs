//! sshd's lines about a connection rather than an authentication: how it ended
//! (`ssh.disconnect`; before authentication, `[preauth]`, it is a failed attempt)
//! and what sshd noticed about the client (`ssh.network`).

use super::config::Source;
use super::normalize::{Facts, Outcome, SshEvent};
use super::sshd::{digits, endpoint, facts, is_addr, is_digits};

/// The message whose first word is `first` (and the rest `rest`), if it is one of these forms.
pub fn parse(first: &str, rest: &str) -> Option<Facts> {
    match first {
        "Connection" => connection(rest),
        "Disconnected" => closed(rest.strip_prefix("from ")?, true),
        "Received" => received_disconnect(rest.strip_prefix("disconnect from ")?),
        "Disconnecting:" => too_many(rest),
        "Disconnecting" => disconnecting(rest),
        "Did" => no_banner(rest.strip_prefix("not receive identification string from ")?),
        "Timeout" => preauth_end(rest.strip_prefix("before authentication for ")?),
        "Unable" => negotiation(rest.strip_prefix("to negotiate with ")?),
        "fatal:" => reset_by_peer(rest),
        "reverse" => reverse_mapping(rest.strip_prefix("mapping checking getaddrinfo for ")?),
        "Address" => maps_to(rest),
        _ => None,
    }
}

/// The forms sshd prefixes with `error: `.
pub fn error(rest: &str) -> Option<Facts> {
    let (first, tail) = rest.split_once(' ')?;
    match first {
        "Received" => received_disconnect(tail.strip_prefix("disconnect from ")?),
        "maximum" => max_attempts(tail.strip_prefix("authentication attempts exceeded for ")?),
        _ => None,
    }
}

fn split_preauth(rest: &str) -> (&str, bool) {
    match rest.strip_suffix(" [preauth]") {
        Some(r) => (r, true),
        None => (rest, false),
    }
}

/// `closed|reset by …` (see [`closed`]), or `from <addr> port <n> on <addr> port <n>[ rdomain "<d>"]`.
fn connection(rest: &str) -> Option<Facts> {
    if let Some(from) = rest.strip_prefix("from ") {
        return connection_from(from);
    }
    let rest = rest.strip_prefix("closed by ").or_else(|| rest.strip_prefix("reset by "))?;
    closed(rest, false)
}

/// `Connection from <addr> port <n> on <addr> port <n>[ rdomain "<d>"]`: a new
/// connection (LogLevel VERBOSE).
fn connection_from(rest: &str) -> Option<Facts> {
    let (client, server) = rest.split_once(" on ")?;
    let server = server.split_once(" rdomain ").map_or(server, |(s, _)| s);
    let (caddr, cport) = endpoint(client)?;
    let (saddr, sport) = endpoint(server)?;
    let mut f = facts(SshEvent::Network, Outcome::Success, "", caddr, cport);
    f.server_address = Some(saddr.to_string());
    f.server_port = sport.and_then(|p| p.parse().ok());
    Some(f)
}

/// `[[authenticating |invalid ]user <user> ]<addr>[ port <port>][ [preauth]]`.
fn closed(rest: &str, port_required: bool) -> Option<Facts> {
    let (rest, preauth) = split_preauth(rest);
    // `<addr> port <n>` or `<addr>` at the end, after an optional user part.
    let (head, addr, port) = match rest.rsplit_once(" port ") {
        Some((h, p)) if is_digits(p) => {
            let (head, addr) = h.rsplit_once(' ').map_or(("", h), |(a, b)| (a, b));
            (head, addr, Some(p))
        }
        _ if port_required => return None,
        _ => rest.rsplit_once(' ').map_or(("", rest, None), |(a, b)| (a, b, None)),
    };
    if !is_addr(addr) {
        return None;
    }
    let user = if head.is_empty() {
        ""
    } else {
        let h = head.strip_prefix("authenticating ").or_else(|| head.strip_prefix("invalid ")).unwrap_or(head);
        let user = h.strip_prefix("user ")?;
        if user.is_empty() {
            return None;
        }
        user
    };
    // Closed before authentication (`[preauth]`) means the login attempt failed.
    Some(facts(SshEvent::Disconnect, Outcome::from_success(!preauth), user, addr, port))
}

/// `<addr>[ port <port>]:[ ]<code>: <reason>[ [preauth]]` (the port came with OpenSSH 7.3).
fn received_disconnect(rest: &str) -> Option<Facts> {
    let (rest, preauth) = split_preauth(rest);
    let (addr, port, tail) = match rest.split_once(" port ") {
        Some((addr, r)) => {
            let (port, tail) = digits(r)?;
            (addr, Some(port), tail.strip_prefix(':')?)
        }
        None => {
            let (addr, tail) = rest.split_once(": ")?;
            (addr, None, tail)
        }
    };
    let (_code, reason) = digits(tail.trim_start())?;
    if !is_addr(addr) || !reason.starts_with(": ") {
        return None;
    }
    Some(facts(SshEvent::Disconnect, Outcome::from_success(!preauth), "", addr, port))
}

/// `Disconnecting: Too many authentication failures[ for <user>][ [preauth]]` (before 7.x).
fn too_many(rest: &str) -> Option<Facts> {
    let (rest, _) = split_preauth(rest);
    let rest = rest.strip_prefix("Too many authentication failures")?;
    let user = match rest {
        "" => "",
        r => r.strip_prefix(" for ").filter(|u| !u.is_empty())?,
    };
    let mut f = Facts::new(SshEvent::Disconnect, Source::Sshd, Outcome::Failure);
    f.set_user(user);
    Some(f)
}

/// `Disconnecting [authenticating |invalid ]user <user> <addr> port <port>: <reason>[ [preauth]]`.
fn disconnecting(rest: &str) -> Option<Facts> {
    let (rest, preauth) = split_preauth(rest);
    let (who, reason) = rest.split_once(": ")?;
    if reason.is_empty() {
        return None;
    }
    let mut f = closed(who, true)?;
    f.outcome = Outcome::from_success(!preauth);
    Some(f)
}

/// `maximum authentication attempts exceeded for [invalid user ]<user> from <addr> port <port> ssh2[ [preauth]]`.
fn max_attempts(rest: &str) -> Option<Facts> {
    let (rest, _) = split_preauth(rest);
    let rest = rest.strip_suffix(" ssh2").unwrap_or(rest);
    let rest = rest.strip_prefix("invalid user ").unwrap_or(rest);
    let (user, tail) = rest.rsplit_once(" from ")?;
    let (addr, port) = endpoint(tail)?;
    (!user.is_empty()).then(|| facts(SshEvent::Disconnect, Outcome::Failure, user, addr, port))
}

/// `<addr>[ port <port>]`: the client sent no SSH banner (a scanner).
fn no_banner(rest: &str) -> Option<Facts> {
    let (addr, port) = endpoint(rest)?;
    Some(facts(SshEvent::Disconnect, Outcome::Failure, "", addr, port))
}

/// `Timeout before authentication for <addr> port <port>`.
fn preauth_end(rest: &str) -> Option<Facts> {
    let (addr, port) = endpoint(rest)?;
    Some(facts(SshEvent::Disconnect, Outcome::Failure, "", addr, port))
}

/// `Unable to negotiate with <addr> port <port>: no matching <what> found. …[ [preauth]]`.
fn negotiation(rest: &str) -> Option<Facts> {
    let (rest, _) = split_preauth(rest);
    let (who, reason) = rest.split_once(": ")?;
    if !reason.starts_with("no matching ") {
        return None;
    }
    let (addr, port) = endpoint(who)?;
    Some(facts(SshEvent::Disconnect, Outcome::Failure, "", addr, port))
}

/// `fatal: Write failed|Read from socket failed: Connection reset by peer[ [preauth]]`:
/// the client went away (no address in the line).
fn reset_by_peer(rest: &str) -> Option<Facts> {
    let (rest, preauth) = split_preauth(rest);
    let what = rest.strip_suffix(": Connection reset by peer")?;
    if what != "Write failed" && what != "Read from socket failed" {
        return None;
    }
    Some(Facts::new(SshEvent::Disconnect, Source::Sshd, Outcome::from_success(!preauth)))
}

/// `reverse mapping checking getaddrinfo for <name> [<addr>] failed - POSSIBLE BREAK-IN ATTEMPT!`:
/// the client's name does not resolve back to its address.
fn reverse_mapping(rest: &str) -> Option<Facts> {
    let rest = rest.strip_suffix(" failed - POSSIBLE BREAK-IN ATTEMPT!")?;
    let (name, addr) = rest.split_once(" [")?;
    network_mismatch(name, addr.strip_suffix(']')?)
}

/// `Address <addr> maps to <name>, but this does not map back to the address - POSSIBLE BREAK-IN ATTEMPT!`.
fn maps_to(rest: &str) -> Option<Facts> {
    let rest = rest.strip_suffix(" - POSSIBLE BREAK-IN ATTEMPT!")?;
    let rest = rest.strip_suffix(", but this does not map back to the address")?;
    let (addr, name) = rest.split_once(" maps to ")?;
    network_mismatch(name, addr)
}

fn network_mismatch(name: &str, addr: &str) -> Option<Facts> {
    if !is_addr(addr) || name.is_empty() || name.contains(' ') {
        return None;
    }
    let mut f = Facts::new(SshEvent::Network, Source::Sshd, Outcome::Failure);
    f.client_address = Some(addr.to_string());
    f.client_domain = Some(name.to_string());
    Some(f)
}
