//! Linux audit records → SSH events. Parsing is [`crate::audit`]'s; this decides
//! which records are SSH (written by sshd or Teleport) and what each type means.
//!
//! | type | `ssh.event` |
//! |---|---|
//! | `USER_AUTH`, `USER_ACCT`, `CRED_ACQ` | `ssh.auth.success` / `ssh.auth.failure` (by `res`) |
//! | `USER_START`, `USER_ROLE_CHANGE` | `ssh.session.start` |
//! | `USER_LOGIN` | `ssh.session.start`; failed: `ssh.auth.failure` |
//! | `USER_END`, `USER_LOGOUT`, `CRED_DISP` | `ssh.session.end` |
//! | `USER_ERR` | `ssh.invalid_user` for `op=invalid_user`, else `ssh.auth.failure` |
//! | `CRYPTO_SESSION`, `CRYPTO_KEY_USER` | `ssh.network` (key exchange, host key use); session keys destroyed: `ssh.disconnect` |
//! | `ANOM_LOGIN_FAILURES` | `ssh.auth.failure` (pam_faillock / pam_tally: the failure limit was reached) |
//!
//! `USER_ACCT`, `CRED_ACQ`, `CRED_DISP` and `ANOM_LOGIN_FAILURES` are further views
//! of what `USER_AUTH` / `USER_END` already report: marked `duplicate`.

use crate::audit::AuditRecord;

use super::config::Source;
use super::normalize::{Facts, Outcome, SshEvent};
use crate::net::host_and_port;

/// `auid` / `ses` when unset (`(uint32)-1`).
const UNSET: &str = "4294967295";

/// The SSH event in `rec`, or `None` when the record is of another type or was not
/// written by sshd (`exe=` basename in `sshd_exes`, `terminal=ssh`) or Teleport.
pub fn facts(rec: &AuditRecord, sshd_exes: &[String]) -> Option<Facts> {
    let kind = rec.record_type()?;
    let teleport = is_teleport(rec);
    if !teleport && !is_sshd(rec, sshd_exes) {
        return None;
    }
    // The anomaly record says `res=success` (the record was written), yet reports failures.
    let outcome = if kind == "ANOM_LOGIN_FAILURES" { Outcome::Failure } else { outcome(rec.msg_field("res")) };
    let op = rec.msg_field("op").unwrap_or("");
    let event = event(kind, op, rec, outcome)?;
    let mut f = Facts::new(event, Source::Auditd, outcome);
    f.duplicate = matches!(kind, "USER_ACCT" | "CRED_ACQ" | "CRED_DISP" | "ANOM_LOGIN_FAILURES");
    let acct = rec.msg_field("acct").filter(|a| !a.is_empty() && *a != "?");
    f.login = acct.map(str::to_string);
    f.user = rec.msg_field("teleportUser").or(acct).map(str::to_string);
    f.user_id = rec.msg_field("id").or(rec.field("auid")).filter(|id| is_uid(id)).map(str::to_string);
    f.session_id = rec.field("ses").filter(|s| *s != UNSET && !s.is_empty()).map(str::to_string);
    if kind == "USER_AUTH" {
        f.method = auth_method(op).map(str::to_string);
    }
    if kind == "CRYPTO_KEY_USER" && rec.msg_field("kind").is_some_and(|k| k == "auth-key") {
        f.fingerprint = known(rec.msg_field("fp")).map(str::to_string);
    }
    addresses(rec, teleport, &mut f);
    Some(f)
}

fn event(kind: &str, op: &str, rec: &AuditRecord, outcome: Outcome) -> Option<SshEvent> {
    let auth = match outcome {
        Outcome::Success => SshEvent::AuthSuccess,
        Outcome::Failure => SshEvent::AuthFailure,
    };
    Some(match kind {
        "USER_AUTH" | "USER_ACCT" | "CRED_ACQ" => auth,
        "USER_START" | "USER_ROLE_CHANGE" => SshEvent::SessionStart,
        "USER_LOGIN" if outcome == Outcome::Failure => SshEvent::AuthFailure,
        "USER_LOGIN" => SshEvent::SessionStart,
        "USER_END" | "USER_LOGOUT" | "CRED_DISP" => SshEvent::SessionEnd,
        "USER_ERR" if op == "invalid_user" => SshEvent::InvalidUser,
        "USER_ERR" | "ANOM_LOGIN_FAILURES" => SshEvent::AuthFailure,
        "CRYPTO_SESSION" => SshEvent::Network,
        "CRYPTO_KEY_USER" => {
            let session_keys = rec.msg_field("kind") == Some("session") && op == "destroy";
            if session_keys {
                SshEvent::Disconnect
            } else {
                SshEvent::Network
            }
        }
        _ => return None,
    })
}

/// `res=success` (also `yes`, `1`) or anything else (`failed`, `no`, `0`).
fn outcome(res: Option<&str>) -> Outcome {
    Outcome::from_success(matches!(res, Some("success" | "yes" | "1")))
}

/// `op=` of USER_AUTH as an SSH method. `PAM:authentication` (password or
/// keyboard-interactive through PAM, indistinguishable here) gives none.
fn auth_method(op: &str) -> Option<&'static str> {
    match op {
        o if o.starts_with("pubkey") => Some("publickey"),
        o if o.starts_with("hostbased") => Some("hostbased"),
        "password" => Some("password"),
        "kbdint" | "keyboard-interactive" => Some("keyboard-interactive"),
        _ => None,
    }
}

fn basename(exe: &str) -> &str {
    exe.rsplit('/').next().unwrap_or(exe)
}

fn is_sshd(rec: &AuditRecord, sshd_exes: &[String]) -> bool {
    let exe = rec.msg_field("exe").map(basename);
    exe.is_some_and(|e| sshd_exes.iter().any(|s| s == e)) || rec.msg_field("terminal") == Some("ssh")
}

fn is_teleport(rec: &AuditRecord) -> bool {
    rec.msg_field("teleportUser").is_some() || rec.msg_field("exe").map(basename) == Some("teleport")
}

/// Numeric and set (`auid=4294967295` means no login uid).
fn is_uid(s: &str) -> bool {
    !s.is_empty() && s != UNSET && s.bytes().all(|b| b.is_ascii_digit())
}

/// `?` and empty mean unknown.
fn known(v: Option<&str>) -> Option<&str> {
    v.filter(|v| !v.is_empty() && *v != "?")
}

/// `addr` is the client (Teleport writes `host:port`); CRYPTO records add `rport`,
/// `laddr`, `lport`. For sshd, `hostname` is the client's name; for Teleport it is
/// the node's, so it becomes `server.address`.
fn addresses(rec: &AuditRecord, teleport: bool, f: &mut Facts) {
    if let Some(addr) = known(rec.msg_field("addr")) {
        f.set_client(addr);
    }
    if f.client_port.is_none() {
        f.client_port = rec.msg_field("rport").and_then(|p| p.parse().ok());
    }
    if let Some(laddr) = known(rec.msg_field("laddr")) {
        let (host, port) = host_and_port(laddr);
        f.server_address = Some(host.to_string());
        f.server_port = port.map(i64::from).or_else(|| rec.msg_field("lport").and_then(|p| p.parse().ok()));
    }
    if teleport && f.server_address.is_none() {
        f.server_address = known(rec.msg_field("hostname")).map(str::to_string);
    }
}
