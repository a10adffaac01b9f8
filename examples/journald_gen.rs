//! Writes a synthetic bastion journal in the journal export format
//! (https://systemd.io/JOURNAL_EXPORT_FORMATS/) to stdout, for the journald
//! benchmark: `journald_gen N | systemd-journal-remote --output=D/bench.journal -`.
//!
//! Every login cycle is four entries: the PAM `USER_START op=PAM:session_open`
//! audit record (so ~25% of all entries), one other audit record, sshd's
//! "Accepted publickey" line and its pam_unix line; every MESSAGE is distinct.

use std::io::{BufWriter, Write};

const BOOT: &str = "6f1c0d2e9a8b4c7d8e9f0a1b2c3d4e5f";
const MACHINE: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const BASE_US: u64 = 1_795_165_200_000_000;
const OTHER_AUDIT: [(&str, u32, &str); 4] = [
    ("USER_AUTH", 1100, "op=PAM:authentication grantors=pam_unix"),
    ("USER_ACCT", 1101, "op=PAM:accounting grantors=pam_permit"),
    ("CRED_ACQ", 1103, "op=PAM:setcred grantors=pam_permit"),
    ("USER_END", 1106, "op=PAM:session_close grantors=pam_unix,pam_limits"),
];
const USERS: [&str; 6] = ["alice", "bob", "carol", "deploy", "root", "backup"];

fn main() -> std::io::Result<()> {
    let n: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    let mut line = String::with_capacity(1024);
    for i in 0..n {
        let cycle = i / 4;
        let pid = 2000 + cycle % 60000;
        let user = USERS[(cycle % USERS.len() as u64) as usize];
        let ip = format!("198.51.{}.{}", (cycle / 250) % 250, cycle % 250);
        let ses = 1 + cycle % 100_000;
        line.clear();
        header(&mut line, i);
        match i % 4 {
            0 => audit(&mut line, i, "USER_START", 1105, pid, ses, &format!(
                "op=PAM:session_open grantors=pam_selinux,pam_loginuid,pam_keyinit,pam_permit,pam_unix,pam_systemd,pam_limits acct=\"{user}\" exe=\"/usr/sbin/sshd\" hostname={ip} addr={ip} terminal=ssh res=success"
            )),
            1 => {
                let (name, num, op) = OTHER_AUDIT[(cycle % 4) as usize];
                audit(&mut line, i, name, num, pid, ses, &format!(
                    "{op} acct=\"{user}\" exe=\"/usr/sbin/sshd\" hostname={ip} addr={ip} terminal=ssh res=success"
                ))
            }
            2 => sshd(&mut line, pid, &format!(
                "Accepted publickey for {user} from {ip} port {} ssh2: ED25519 SHA256:Qm9vZ0F1ZGl0VGVzdEtleUZpbmdlcnByaW50{cycle:08}",
                30000 + cycle % 30000
            )),
            _ => sshd(&mut line, pid, &format!("pam_unix(sshd:session): session opened for user {user}(uid={}) by {user}(uid=0)", 1000 + cycle % 6)),
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    out.flush()
}

fn header(s: &mut String, i: u64) {
    use std::fmt::Write;
    let _ = write!(
        s,
        "__REALTIME_TIMESTAMP={}\n__MONOTONIC_TIMESTAMP={}\n_BOOT_ID={BOOT}\n_MACHINE_ID={MACHINE}\n_HOSTNAME=bastion\n",
        BASE_US + i * 1000,
        5_000_000 + i * 1000
    );
}

fn audit(s: &mut String, i: u64, kind: &str, num: u32, pid: u64, ses: u64, msg: &str) {
    use std::fmt::Write;
    let _ = write!(
        s,
        "_TRANSPORT=audit\nPRIORITY=5\nSYSLOG_FACILITY=4\nSYSLOG_IDENTIFIER=audit\n_AUDIT_TYPE={num}\n_AUDIT_TYPE_NAME={kind}\n\
         _AUDIT_ID={}\n_PID={pid}\n_UID=0\n_AUDIT_LOGINUID=1000\n_AUDIT_SESSION={ses}\n\
         MESSAGE={kind} pid={pid} uid=0 auid=1000 ses={ses} msg='{msg}'\n",
        4000 + i
    );
}

fn sshd(s: &mut String, pid: u64, msg: &str) {
    use std::fmt::Write;
    let _ = write!(
        s,
        "_TRANSPORT=syslog\nPRIORITY=6\nSYSLOG_FACILITY=4\nSYSLOG_IDENTIFIER=sshd\nSYSLOG_PID={pid}\n_PID={pid}\n_UID=0\n\
         _COMM=sshd\n_EXE=/usr/sbin/sshd\n_SYSTEMD_UNIT=ssh.service\n_SYSTEMD_CGROUP=/system.slice/ssh.service\nMESSAGE={msg}\n"
    );
}
