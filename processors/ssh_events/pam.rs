//! PAM's lines from the sshd process: `pam_unix(sshd:auth|session): …`, `PAM <n>
//! more authentication failures; …`, sshd's own `error: PAM: …`, and the old Red
//! Hat form whose syslog tag is `sshd(pam_unix)[PID]:` (the message then lacks the
//! `pam_unix(sshd:…)` prefix).
//!
//! An authentication failure PAM reports is the attempt sshd reports too (`Failed
//! password …`), so it is marked `duplicate`; sessions are PAM's alone.

use super::config::Source;
use super::normalize::{Facts, Outcome, SshEvent};
use super::sshd::digits;

/// `pam_unix(sshd:<facility>): <message>` (`sshd-session`, `sshd-auth` too).
pub fn pam_unix(msg: &str) -> Option<Facts> {
    let rest = msg.strip_prefix("pam_unix(sshd")?;
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_lowercase() || c == '-');
    let (facility, message) = rest.strip_prefix(':')?.split_once("): ")?;
    match facility {
        "session" => session(message),
        "auth" => auth(message),
        _ => None,
    }
}

/// A message of the `sshd(pam_unix)` tag: a session or an auth message.
pub fn legacy(msg: &str) -> Option<Facts> {
    session(msg).or_else(|| auth(msg))
}

/// `session opened|closed for user <user>[(uid=<n>)][ by …]`.
fn session(rest: &str) -> Option<Facts> {
    let rest = rest.strip_prefix("session ")?;
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
    f.set_user(user);
    f.user_id = uid.map(str::to_string);
    Some(f)
}

/// `authentication failure; <fields>` or `check pass; user unknown`.
fn auth(rest: &str) -> Option<Facts> {
    if rest == "check pass; user unknown" {
        let mut f = Facts::new(SshEvent::InvalidUser, Source::Sshd, Outcome::Failure);
        f.duplicate = true;
        return Some(f);
    }
    failure(rest.strip_prefix("authentication failure; ")?, None)
}

/// After `PAM `: `<n> more authentication failure[s]; <fields>` — the `n` failures
/// after the first of one connection, each also reported by sshd.
pub fn more(rest: &str) -> Option<Facts> {
    let (n, rest) = digits(rest)?;
    let rest = rest.strip_prefix(" more authentication failure")?;
    let rest = rest.strip_prefix('s').unwrap_or(rest).strip_prefix("; ")?;
    failure(rest, Some(n.parse().ok()?))
}

/// `logname=<n> uid=<n> euid=<n> tty=<t> ruser=<u> rhost=<host>[  user=<user>]`: every
/// field known, `rhost` present (an address or a host name).
fn failure(fields: &str, count: Option<i64>) -> Option<Facts> {
    let mut f = Facts::new(SshEvent::AuthFailure, Source::Sshd, Outcome::Failure);
    let mut rhost = None;
    for field in fields.split_whitespace() {
        let (key, value) = field.split_once('=')?;
        match key {
            "logname" | "uid" | "euid" | "tty" | "ruser" => {}
            "rhost" => rhost = Some(value),
            "user" => f.set_user(value),
            _ => return None,
        }
    }
    f.set_remote(rhost?);
    f.count = count;
    f.duplicate = true;
    Some(f)
}

/// After sshd's `error: PAM: `: `Authentication failure|error for [illegal user ]<user> from <host>[ via <addr>]`
/// or `User not known to the underlying authentication module for illegal user <user> from <host>`.
pub fn sshd_error(rest: &str) -> Option<Facts> {
    let rest = rest.trim_end();
    let (event, rest) = match rest.strip_prefix("User not known to the underlying authentication module for ") {
        Some(r) => (SshEvent::InvalidUser, r),
        None => {
            let (what, r) = rest.split_once(" for ")?;
            if !what.eq_ignore_ascii_case("authentication failure")
                && !what.eq_ignore_ascii_case("authentication error")
            {
                return None;
            }
            (SshEvent::AuthFailure, r)
        }
    };
    let rest = rest.strip_prefix("illegal user ").unwrap_or(rest);
    let (user, host) = rest.rsplit_once(" from ")?;
    let host = host.split_once(" via ").map_or(host, |(h, _)| h);
    if user.is_empty() || host.is_empty() || host.contains(' ') {
        return None;
    }
    let mut f = Facts::new(event, Source::Sshd, Outcome::Failure);
    f.set_user(user);
    f.set_remote(host);
    f.duplicate = true;
    Some(f)
}
