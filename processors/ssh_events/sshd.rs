//! OpenSSH's syslog messages (the text after `sshd[PID]: ` / `sshd-session[PID]: `).
//!
//! Each form is one anchored pattern; a message that matches none of them entirely —
//! a new wording, an extra clause — is not recognised and passes through untouched,
//! never half-parsed. The first word picks the pattern, so most lines cost one
//! comparison.

use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::config::Source;
use super::normalize::{Facts, Outcome, SshEvent};

/// A numeric client address as sshd logs it (IPv4, or IPv6 with an optional zone), so
/// that `Connection reset by peer` is not read as a client called `peer`.
const ADDR: &str = r"(\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]*:[0-9A-Fa-f:.]+(?:%[\w.-]+)?)";

fn re(pattern: &str) -> Regex {
    Regex::new(&pattern.replace("ADDR", ADDR)).expect("sshd patterns are valid")
}

/// `Accepted publickey for alice from 203.0.113.7 port 51234 ssh2: ED25519 SHA256:…`,
/// with a certificate: `… ssh2: ED25519-CERT SHA256:… ID alice@corp (serial 7) CA ED25519 SHA256:…`.
static ACCEPTED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^Accepted ([a-z][a-z0-9-]*(?:/[a-z]+)?) for (.+) from ADDR port (\d+)(?: ssh2)?(?:: (\S+) (\S+)(?: ID .* \(serial \d+\) CA \S+ \S+)?)?$",
    )
});
/// `Failed password for [invalid user ]root from 45.155.205.9 port 4242 ssh2[: RSA SHA256:…]`.
static FAILED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^Failed ([a-z][a-z0-9-]*(?:/[a-z]+)?) for (invalid user )?(.+) from ADDR port (\d+)(?: ssh2)?(?:: (\S+) (\S+))?$",
    )
});
/// `Invalid user admin from 192.0.2.200[ port 60122]`.
static INVALID: LazyLock<Regex> = LazyLock::new(|| re(r"^Invalid user (.*) from ADDR(?: port (\d+))?$"));
/// `Connection closed|reset by [authenticating |invalid ]user bob 198.51.100.23[ port 40022][ [preauth]]`,
/// or without a user: `Connection closed by 198.51.100.23 port 40022 [preauth]`.
static CONNECTION: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^Connection (?:closed|reset) by (?:(?:authenticating |invalid )?user (.+) )?ADDR(?: port (\d+))?( \[preauth\])?$",
    )
});
/// `Disconnected from [authenticating |invalid ]user alice 203.0.113.7 port 51234[ [preauth]]`.
static DISCONNECTED: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^Disconnected from (?:(?:authenticating |invalid )?user (.+) )?ADDR port (\d+)( \[preauth\])?$")
});
/// `pam_unix(sshd:session): session opened for user alice(uid=1000) by alice(uid=0)`;
/// older: `… session opened for user alice by (uid=0)`; `… session closed for user alice`.
static PAM_SESSION: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^pam_unix\(sshd[a-z-]*:session\): session (opened|closed) for user ([^\s(]+)(?:\(uid=(\d+)\))?(?: by .*)?$")
});
/// `User root from 198.143.107.142 not allowed because none of user's groups are listed in AllowGroups`.
static NOT_ALLOWED: LazyLock<Regex> = LazyLock::new(|| re(r"^User (.+) from (\S+) not allowed because \S.*$"));

/// The event in one sshd message, or `None` for any other message.
pub fn parse(msg: &str) -> Option<Facts> {
    let first = msg.split(' ').next().unwrap_or("");
    match first {
        "Accepted" => ACCEPTED.captures(msg).map(accepted),
        "Failed" => FAILED.captures(msg).map(failed),
        "Invalid" => INVALID.captures(msg).map(invalid),
        "Connection" => CONNECTION.captures(msg).map(connection),
        "Disconnected" => DISCONNECTED.captures(msg).map(disconnected),
        "User" => NOT_ALLOWED.captures(msg).map(not_allowed),
        _ if first.starts_with("pam_unix(sshd") => PAM_SESSION.captures(msg).map(pam_session),
        _ => None,
    }
}

fn text(c: &Captures, i: usize) -> Option<String> {
    c.get(i).map(|m| m.as_str().to_string()).filter(|s| !s.is_empty())
}

fn port(c: &Captures, i: usize) -> Option<i64> {
    c.get(i).and_then(|m| m.as_str().parse().ok())
}

fn facts(event: SshEvent, outcome: Outcome, user: Option<String>, c: &Captures, addr: usize) -> Facts {
    let mut f = Facts::new(event, Source::Sshd, outcome);
    f.login = user.clone();
    f.user = user;
    f.client_address = text(c, addr);
    f.client_port = port(c, addr + 1);
    f
}

/// `keyboard-interactive/pam` is reported as `keyboard-interactive`; a `-CERT` key as `certificate`.
fn method(c: &Captures, key_type: Option<&str>) -> String {
    let m = c[1].split('/').next().unwrap_or(&c[1]);
    match key_type {
        Some(t) if m == "publickey" && t.ends_with("-CERT") => "certificate".to_string(),
        _ => m.to_string(),
    }
}

fn accepted(c: Captures) -> Facts {
    let mut f = facts(SshEvent::AuthSuccess, Outcome::Success, text(&c, 2), &c, 3);
    f.method = Some(method(&c, c.get(5).map(|m| m.as_str())));
    f.key_type = text(&c, 5);
    f.fingerprint = text(&c, 6);
    f
}

fn failed(c: Captures) -> Facts {
    let mut f = facts(SshEvent::AuthFailure, Outcome::Failure, text(&c, 3), &c, 4);
    f.method = Some(method(&c, c.get(6).map(|m| m.as_str())));
    f.key_type = text(&c, 6);
    f.fingerprint = text(&c, 7);
    f
}

fn invalid(c: Captures) -> Facts {
    facts(SshEvent::InvalidUser, Outcome::Failure, text(&c, 1), &c, 2)
}

/// Closed before authentication (`[preauth]`) means the login attempt failed.
fn connection(c: Captures) -> Facts {
    let outcome = Outcome::from_success(c.get(4).is_none());
    facts(SshEvent::Disconnect, outcome, text(&c, 1), &c, 2)
}

fn disconnected(c: Captures) -> Facts {
    let outcome = Outcome::from_success(c.get(4).is_none());
    facts(SshEvent::Disconnect, outcome, text(&c, 1), &c, 2)
}

fn pam_session(c: Captures) -> Facts {
    let event = if &c[1] == "opened" { SshEvent::SessionStart } else { SshEvent::SessionEnd };
    let mut f = Facts::new(event, Source::Sshd, Outcome::Success);
    f.user = text(&c, 2);
    f.login = f.user.clone();
    f.user_id = text(&c, 3);
    f
}

fn not_allowed(c: Captures) -> Facts {
    let mut f = Facts::new(SshEvent::AuthFailure, Source::Sshd, Outcome::Failure);
    f.user = text(&c, 1);
    f.login = f.user.clone();
    f.client_address = text(&c, 2);
    f
}

#[cfg(test)]
#[path = "sshd_tests.rs"]
mod tests;
