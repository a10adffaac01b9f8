//! `ssh_alerts` end to end: a brute-force episode from a real log (loghub's
//! OpenSSH_2k, every line of source 183.62.140.253) tailed by filelog, normalised by
//! ssh_events, alerted on by ssh_alerts, printed by debug.

use std::fs::OpenOptions;
use std::io::Write;
use std::time::Duration;

use crate::teleport::printed_records;
use crate::util::{self, Running};

const WAIT: Duration = Duration::from_secs(30);
const SOURCE: &str = "183.62.140.253";

/// The episode: the real log's lines that name the source, in order.
fn episode() -> Vec<String> {
    let log = std::fs::read_to_string(util::repo("processors/ssh_events/testdata/real/OpenSSH_2k.log")).unwrap();
    log.lines().filter(|l| l.contains(SOURCE)).map(|l| l.trim_end().to_string()).collect()
}

fn append(path: &std::path::Path, lines: &[String]) {
    let mut f = OpenOptions::new().create(true).append(true).open(path).unwrap();
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
}

fn count(out: &str, event_name: &str) -> usize {
    out.matches(&format!("EventName: {event_name}\n")).count()
}

#[test]
fn a_real_brute_force_episode_alerts_once_and_its_success_once() {
    let dir = util::tempdir();
    let log = dir.path().join("auth.log");
    let lines = episode();
    assert_eq!(lines.len(), 867, "the fixture's episode");
    append(&log, &lines);
    let config = format!(
        "receivers:\n  filelog:\n    include: [{:?}]\n    start_at: beginning\n\
         processors:\n  ssh_events: {{keep_only_ssh: true}}\n  ssh_alerts: {{}}\n\
         exporters:\n  debug: {{verbosity: detailed, use_internal_logger: false}}\n\
         service:\n  pipelines:\n    logs: {{receivers: [filelog], processors: [ssh_events, ssh_alerts], exporters: [debug]}}\n",
        log.to_string_lossy()
    );
    let path = util::write(dir.path(), "config.yaml", &config);
    let mut r = Running::start(&["--config", &path]);
    // Every line of the episode is an SSH event; the alerts come on top.
    r.wait_for(WAIT, "the episode", |out, _| printed_records(out) > lines.len());
    // The episode ends in a login from the same source (the log's one Accepted
    // line, from another address, moved onto this source).
    let accepted =
        format!("Dec 10 11:05:02 LabSZ sshd[25550]: Accepted password for fztu from {SOURCE} port 49116 ssh2");
    append(&log, &[accepted]);
    r.wait_for(WAIT, "the success alert", |out, _| count(out, "ssh.alert.success_after_failures") == 1);
    r.signal(libc::SIGTERM);
    assert_eq!(r.wait_exit(WAIT), 0, "stderr: {}", r.stderr());
    let out = r.stdout();
    // The attempts of the episode: sshd's `Failed …` and `Invalid user …` lines (PAM's
    // views of the same attempts are duplicates and do not count).
    let attempts = lines
        .iter()
        .filter(|l| {
            l.split_once("]: ").is_some_and(|(_, m)| m.starts_with("Failed ") || m.starts_with("Invalid user "))
        })
        .count();
    assert_eq!(count(&out, "ssh.alert.brute_force"), 1, "{out}");
    assert_eq!(count(&out, "ssh.alert.success_after_failures"), 1);
    assert!(
        out.contains(&format!(
            "SeverityText: ERROR\nSeverityNumber: Error(17)\nEventName: ssh.alert.success_after_failures\n\
         Body: Str(successful login as fztu from {SOURCE} after {attempts} failed attempts within 10m)\n"
        )),
        "{out}"
    );
    assert!(out.contains(&format!("Body: Str(brute force: 10 failed attempts from {SOURCE} within 5m)")), "{out}");
    assert!(out.contains("     -> ssh.alert.rule: Str(brute_force)\n     -> ssh.alert.count: Int(10)\n"), "{out}");
    // Other rules may speak (the source tried many user names), never twice within a window.
    assert!(count(&out, "ssh.alert.password_spraying") <= 1);
    assert_eq!(count(&out, "ssh.alert.root_login") + count(&out, "ssh.alert.new_source"), 0);
}

/// `new_source` keeps what it learnt in file_storage: after a restart, alice's known
/// source is still known and only the new one alerts.
#[test]
fn new_source_state_survives_a_restart() {
    let dir = util::tempdir();
    let log = dir.path().join("auth.log");
    let store = dir.path().join("storage");
    std::fs::create_dir(&store).unwrap();
    let config = format!(
        "extensions:\n  file_storage: {{directory: {:?}}}\n\
         receivers:\n  filelog: {{include: [{:?}], start_at: beginning, storage: file_storage}}\n\
         processors:\n  ssh_events: {{keep_only_ssh: true}}\n  ssh_alerts: {{storage: file_storage}}\n\
         exporters:\n  debug: {{verbosity: detailed, use_internal_logger: false}}\n\
         service:\n  extensions: [file_storage]\n  pipelines:\n    logs: {{receivers: [filelog], processors: [ssh_events, ssh_alerts], exporters: [debug]}}\n",
        store.to_string_lossy(),
        log.to_string_lossy()
    );
    let path = util::write(dir.path(), "config.yaml", &config);
    let login = |ip: &str| {
        format!(
            "Nov 20 09:00:01 bastion sshd[1]: Accepted publickey for alice from {ip} port 5000 ssh2: ED25519 SHA256:k"
        )
    };
    append(&log, &[login("10.0.0.1")]);
    let mut r = Running::start(&["--config", &path]);
    r.wait_for(WAIT, "the first login", |out, _| printed_records(out) >= 1);
    r.signal(libc::SIGTERM);
    assert_eq!(r.wait_exit(WAIT), 0, "stderr: {}", r.stderr());
    assert_eq!(count(&r.stdout(), "ssh.alert.new_source"), 0, "a first login only teaches");

    append(&log, &[login("10.0.0.1"), login("10.0.0.2")]);
    let mut r = Running::start(&["--config", &path]);
    r.wait_for(WAIT, "two logins and an alert", |out, _| printed_records(out) >= 3);
    r.signal(libc::SIGTERM);
    assert_eq!(r.wait_exit(WAIT), 0, "stderr: {}", r.stderr());
    let out = r.stdout();
    assert_eq!(count(&out, "ssh.alert.new_source"), 1, "{out}");
    assert!(out.contains("Body: Str(alice logged in from 10.0.0.2, new after 1 known source(s))"), "{out}");
}
