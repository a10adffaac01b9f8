//! OpenSSH's syslog messages (the text after `sshd[PID]: ` / `sshd-session[PID]: `).
//!
//! A hand-written matcher per form (a regex with captures cost more than the rest of
//! the processor together). Each form must match the whole message: one that
//! matches none of them entirely — a new wording, an extra clause — is not
//! recognised and passes through untouched, never half-parsed. The first word picks
//! the form.

use super::config::Source;
use super::normalize::{Facts, Outcome, SshEvent};

/// The event in one sshd message, or `None` for any other message.
pub fn parse(msg: &str) -> Option<Facts> {
    let (first, rest) = msg.split_once(' ')?;
    match first {
        "Accepted" => auth(rest, Outcome::Success),
        "Failed" => auth(rest, Outcome::Failure),
        "Invalid" => invalid(rest.strip_prefix("user ")?),
        "Connection" => connection(rest),
        "Disconnected" => disconnected(rest.strip_prefix("from ")?),
        "User" => not_allowed(rest),
        _ if first.starts_with("pam_unix(sshd") => pam_session(msg),
        _ => None,
    }
}

/// `Accepted|Failed <method> for [invalid user ]<user> from <addr> port <port>[ ssh2][: <key type> <fingerprint>]`;
/// an accepted certificate adds ` ID <key id> (serial <n>) CA <type> <fingerprint>`.
fn auth(rest: &str, outcome: Outcome) -> Option<Facts> {
    let (method, rest) = rest.split_once(" for ")?;
    if !is_method(method) {
        return None;
    }
    let rest = match outcome {
        Outcome::Failure => rest.strip_prefix("invalid user ").unwrap_or(rest),
        Outcome::Success => rest,
    };
    // The user may contain " from " itself: the last split whose tail parses wins.
    for (i, _) in rest.rmatch_indices(" from ") {
        let (user, tail) = (&rest[..i], &rest[i + 6..]);
        if user.is_empty() {
            continue;
        }
        if let Some((addr, port, key)) = auth_tail(tail, outcome == Outcome::Success) {
            let event = if outcome == Outcome::Success { SshEvent::AuthSuccess } else { SshEvent::AuthFailure };
            let mut f = facts(event, outcome, user, addr, Some(port));
            let key_type = key.map(|(t, _)| t);
            let base = method.split('/').next().unwrap_or(method);
            f.method = Some(match key_type {
                Some(t) if base == "publickey" && t.ends_with("-CERT") => "certificate".to_string(),
                _ => base.to_string(),
            });
            f.key_type = key_type.map(str::to_string);
            f.fingerprint = key.map(|(_, fp)| fp.to_string());
            return Some(f);
        }
    }
    None
}

/// A key as sshd logs it: (type, fingerprint).
type Key<'a> = (&'a str, &'a str);

/// `<addr> port <port>[ ssh2][: <type> <fingerprint>[ <certificate>]]` →
/// (addr, port, key).
fn auth_tail(t: &str, cert_allowed: bool) -> Option<(&str, &str, Option<Key<'_>>)> {
    let (addr, rest) = t.split_once(' ')?;
    if !is_addr(addr) {
        return None;
    }
    let (port, rest) = digits(rest.strip_prefix("port ")?)?;
    let rest = rest.strip_prefix(" ssh2").unwrap_or(rest);
    if rest.is_empty() {
        return Some((addr, port, None));
    }
    let (key_type, rest) = rest.strip_prefix(": ")?.split_once(' ')?;
    let (fp, cert) = rest.split_once(' ').unwrap_or((rest, ""));
    if key_type.is_empty() || fp.is_empty() || !(cert.is_empty() || cert_allowed && is_cert(cert)) {
        return None;
    }
    Some((addr, port, Some((key_type, fp))))
}

/// `ID <key id> (serial <n>) CA <type> <fingerprint>` (after the key's fingerprint).
fn is_cert(s: &str) -> bool {
    let Some((before_ca, ca)) = s.strip_prefix("ID ").and_then(|s| s.rsplit_once(" CA ")) else { return false };
    let ca_ok = matches!(ca.split_once(' '), Some((t, fp)) if !t.is_empty() && !fp.is_empty() && !fp.contains(' '));
    let serial = before_ca.strip_suffix(')').and_then(|s| s.rsplit_once(" (serial "));
    ca_ok && serial.is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// `Invalid user <user> from <addr>[ port <port>]` (the user may be empty).
fn invalid(rest: &str) -> Option<Facts> {
    for (i, _) in rest.rmatch_indices(" from ") {
        let (user, tail) = (&rest[..i], &rest[i + 6..]);
        if let Some((addr, port)) = endpoint(tail) {
            return Some(facts(SshEvent::InvalidUser, Outcome::Failure, user, addr, port));
        }
    }
    None
}

/// `closed|reset by [[authenticating |invalid ]user <user> ]<addr>[ port <port>][ [preauth]]`.
fn connection(rest: &str) -> Option<Facts> {
    let rest = rest.strip_prefix("closed by ").or_else(|| rest.strip_prefix("reset by "))?;
    closed(rest, false)
}

/// `[[authenticating |invalid ]user <user> ]<addr> port <port>[ [preauth]]`.
fn disconnected(rest: &str) -> Option<Facts> {
    closed(rest, true)
}

fn closed(rest: &str, port_required: bool) -> Option<Facts> {
    let (rest, preauth) = match rest.strip_suffix(" [preauth]") {
        Some(r) => (r, true),
        None => (rest, false),
    };
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

/// `pam_unix(sshd:session): session opened|closed for user <user>[(uid=<n>)][ by …]`
/// (`sshd-session:session` too).
fn pam_session(msg: &str) -> Option<Facts> {
    let rest = msg.strip_prefix("pam_unix(sshd")?;
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_lowercase() || c == '-');
    let rest = rest.strip_prefix(":session): session ")?;
    let (event, rest) = match rest.strip_prefix("opened for user ") {
        Some(r) => (SshEvent::SessionStart, r),
        None => (SshEvent::SessionEnd, rest.strip_prefix("closed for user ")?),
    };
    let end = rest.find(|c: char| c.is_whitespace() || c == '(').unwrap_or(rest.len());
    let (user, mut rest) = rest.split_at(end);
    let mut uid = None;
    if let Some(r) = rest.strip_prefix("(uid=") {
        let (n, r) = digits(r)?;
        rest = r.strip_prefix(')')?;
        uid = Some(n);
    }
    if user.is_empty() || !(rest.is_empty() || rest.starts_with(" by ")) {
        return None;
    }
    let mut f = Facts::new(event, Source::Sshd, Outcome::Success);
    f.user = Some(user.to_string());
    f.login = f.user.clone();
    f.user_id = uid.map(str::to_string);
    Some(f)
}

/// `<user> from <host> not allowed because <reason>`.
fn not_allowed(rest: &str) -> Option<Facts> {
    for (i, _) in rest.rmatch_indices(" not allowed because ") {
        let reason = &rest[i + 21..];
        let Some((user, host)) = rest[..i].rsplit_once(" from ") else { continue };
        if reason.starts_with(|c: char| !c.is_whitespace())
            && !user.is_empty()
            && !host.is_empty()
            && !host.contains(' ')
        {
            let mut f = Facts::new(SshEvent::AuthFailure, Source::Sshd, Outcome::Failure);
            f.user = Some(user.to_string());
            f.login = f.user.clone();
            f.client_address = Some(host.to_string());
            return Some(f);
        }
    }
    None
}

fn facts(event: SshEvent, outcome: Outcome, user: &str, addr: &str, port: Option<&str>) -> Facts {
    let mut f = Facts::new(event, Source::Sshd, outcome);
    if !user.is_empty() {
        f.user = Some(user.to_string());
        f.login = f.user.clone();
    }
    f.client_address = Some(addr.to_string());
    f.client_port = port.and_then(|p| p.parse().ok());
    f
}

/// `<addr>[ port <port>]` and nothing after.
fn endpoint(t: &str) -> Option<(&str, Option<&str>)> {
    match t.split_once(" port ") {
        Some((addr, port)) if is_addr(addr) && is_digits(port) => Some((addr, Some(port))),
        Some(_) => None,
        None => is_addr(t).then_some((t, None)),
    }
}

/// The leading digits of `s` (at least one) and the rest.
fn digits(s: &str) -> Option<(&str, &str)> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    (n > 0).then(|| s.split_at(n))
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `publickey`, `password`, `keyboard-interactive/pam`, `none`, `hostbased`, …
fn is_method(m: &str) -> bool {
    let (base, sub) = m.split_once('/').unwrap_or((m, "a"));
    base.starts_with(|c: char| c.is_ascii_lowercase())
        && base.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !sub.is_empty()
        && sub.bytes().all(|b| b.is_ascii_lowercase())
}

/// A numeric client address as sshd logs it: IPv4, or IPv6 with an optional zone —
/// so that `Connection reset by peer` is not read as a client called `peer`.
fn is_addr(a: &str) -> bool {
    let (ip, zone) = a.split_once('%').unwrap_or((a, "x"));
    let zone_ok = !zone.is_empty() && zone.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    let v4 = {
        let mut n = 0;
        let ok = ip.split('.').all(|p| {
            n += 1;
            (1..=3).contains(&p.len()) && is_digits(p)
        });
        ok && n == 4 && zone == "x"
    };
    let v6 = ip.contains(':') && ip.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
    v4 || (v6 && zone_ok)
}

#[cfg(test)]
#[path = "sshd_tests.rs"]
mod tests;
