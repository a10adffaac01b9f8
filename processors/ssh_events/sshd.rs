//! OpenSSH's syslog messages (the text after `sshd[PID]: ` / `sshd-session[PID]: `):
//! authentication results and user checks here, connection ends in [`conn`], PAM's
//! lines in [`pam`].
//!
//! A hand-written matcher per form (a regex with captures cost more than the rest of
//! the processor together). Each form must match the whole message: one that
//! matches none of them entirely — a new wording, an extra clause — is not
//! recognised and passes through untouched, never half-parsed. The first word picks
//! the form.

use super::config::Source;
use super::normalize::{Facts, Outcome, SshEvent};
use super::{conn, pam};

/// The event in one sshd message, or `None` for any other message.
pub fn parse(msg: &str) -> Option<Facts> {
    let (first, rest) = msg.split_once(' ')?;
    match first {
        "Accepted" => auth(rest, Outcome::Success),
        "Failed" => auth(rest, Outcome::Failure),
        "Invalid" | "Illegal" => invalid(rest.strip_prefix("user ")?),
        "User" => not_allowed(rest),
        "ROOT" => root_refused(rest.strip_prefix("LOGIN REFUSED FROM ")?),
        "input_userauth_request:" => repeated_invalid(rest),
        "message" => repeated(rest.strip_prefix("repeated ")?),
        "PAM" => pam::more(rest),
        "error:" => error(rest),
        _ if first.starts_with("pam_unix(") => pam::pam_unix(msg),
        _ => conn::parse(first, rest),
    }
}

/// `error: …`: a PAM failure sshd reports, or a connection end.
fn error(rest: &str) -> Option<Facts> {
    match rest.strip_prefix("PAM: ") {
        Some(pam) => pam::sshd_error(pam),
        None => conn::error(rest),
    }
}

/// rsyslog's `message repeated <n> times: [ <message>]`: the message, `n` times.
fn repeated(rest: &str) -> Option<Facts> {
    let (n, rest) = digits(rest)?;
    let inner = rest.strip_prefix(" times: [ ")?.strip_suffix(']')?;
    let mut f = parse(inner)?;
    f.count = Some(n.parse().ok()?);
    Some(f)
}

/// `input_userauth_request: invalid|illegal user <user>[ [preauth]]`: the user
/// `Invalid user` already reported, seen again.
fn repeated_invalid(rest: &str) -> Option<Facts> {
    let rest = rest.strip_suffix(" [preauth]").unwrap_or(rest);
    let user = rest.strip_prefix("invalid user ").or_else(|| rest.strip_prefix("illegal user "))?;
    let mut f = Facts::new(SshEvent::InvalidUser, Source::Sshd, Outcome::Failure);
    f.set_user(user);
    f.duplicate = true;
    Some(f)
}

/// `ROOT LOGIN REFUSED FROM <addr>[ port <port>][ [preauth]]` (PermitRootLogin no,
/// OpenSSH before 7).
fn root_refused(rest: &str) -> Option<Facts> {
    let rest = rest.strip_suffix(" [preauth]").unwrap_or(rest);
    let (addr, port) = endpoint(rest)?;
    Some(facts(SshEvent::AuthFailure, Outcome::Failure, "root", addr, port))
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
    let rest = rest.strip_prefix(" ssh2").or_else(|| rest.strip_prefix(" ssh1")).unwrap_or(rest);
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

/// `<user>[ from <host>] not allowed because <reason>` (AllowUsers, DenyGroups, a
/// locked account, …); the host may be a name.
fn not_allowed(rest: &str) -> Option<Facts> {
    let (head, reason) = rest.rsplit_once(" not allowed because ")?;
    if reason.is_empty() || reason.starts_with(char::is_whitespace) || head.is_empty() {
        return None;
    }
    let mut f = Facts::new(SshEvent::AuthFailure, Source::Sshd, Outcome::Failure);
    match head.rsplit_once(" from ") {
        Some((user, host)) if !user.is_empty() && !host.is_empty() && !host.contains(' ') => {
            f.set_user(user);
            f.set_remote(host);
        }
        _ if !head.contains(' ') => f.set_user(head),
        _ => return None,
    }
    Some(f)
}

pub fn facts(event: SshEvent, outcome: Outcome, user: &str, addr: &str, port: Option<&str>) -> Facts {
    let mut f = Facts::new(event, Source::Sshd, outcome);
    f.set_user(user);
    f.client_address = Some(addr.to_string());
    f.client_port = port.and_then(|p| p.parse().ok());
    f
}

/// `<addr>[ port <port>]` and nothing after.
pub fn endpoint(t: &str) -> Option<(&str, Option<&str>)> {
    match t.split_once(" port ") {
        Some((addr, port)) if is_addr(addr) && is_digits(port) => Some((addr, Some(port))),
        Some(_) => None,
        None => is_addr(t).then_some((t, None)),
    }
}

/// The leading digits of `s` (at least one) and the rest.
pub fn digits(s: &str) -> Option<(&str, &str)> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    (n > 0).then(|| s.split_at(n))
}

pub fn is_digits(s: &str) -> bool {
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
pub fn is_addr(a: &str) -> bool {
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
