//! Integration tests: the journald receiver in the real binary, with journal
//! files built from the bundled sample (samples/journal). The seed config runs with only
//! its directory changed; a restart with `file_storage` resumes without gap or
//! duplicate; config mistakes are positioned errors; `validate` does not open
//! the journal.

use std::path::Path;
use std::time::Duration;

use serde_json::Value as Json;

use crate::journal_util::*;
use crate::util::{self, run, write, Running};

/// The config, `directory` pointed at `dir`; the otlphttp exporter it
/// carries (unused by the pipeline) is kept once ferrocol has that exporter.
fn seed_config(dir: &Path) -> String {
    let (_, components, _) = run(&["components"]);
    let otlphttp = if components.contains("- name: otlphttp\n") {
        "  otlphttp:\n    logs_endpoint: http://127.0.0.1:9/api/events\n    headers:\n      \
         Authorization: Bearer *****\n      Content-Type: application/json\n    encoding: json\n    \
         compression: none\n"
    } else {
        ""
    };
    format!(
        "\
receivers:
  journald:
    directory: {}
    priority: \"7\"
    matches:
      - _TRANSPORT: audit
    grep: \"USER_START.*op=PAM:session_open\"
exporters:
{otlphttp}  debug:
    verbosity: normal
    use_internal_logger: false
service:
  pipelines:
    logs:
      receivers: [journald]
      exporters: [debug]
",
        dir.display()
    )
}

/// The bodies the debug exporter printed at `normal` verbosity: one JSON map per record line.
fn bodies(stdout: &str) -> Vec<Json> {
    stdout.lines().filter(|l| l.starts_with('{')).map(|l| serde_json::from_str(l.trim_end()).unwrap()).collect()
}

/// journalctl's entries without `__REALTIME_TIMESTAMP` (the record's time, not in its body).
fn without_realtime(entries: Vec<Json>) -> Vec<Json> {
    entries
        .into_iter()
        .map(|mut e| {
            e.as_object_mut().unwrap().remove("__REALTIME_TIMESTAMP");
            e
        })
        .collect()
}

fn wait_records(r: &Running, n: usize) {
    r.wait_for(Duration::from_secs(20), &format!("{n} records"), |out, _| bodies(out).len() >= n);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(bodies(&r.stdout()).len(), n, "{}", r.stdout());
}

#[test]
fn the_seed_config_yields_exactly_the_two_session_opens() {
    let dir = util::tempdir();
    let journal = dir.path().join("journal");
    std::fs::create_dir(&journal).unwrap();
    let cfg = write(dir.path(), "seed.yaml", &seed_config(&journal));
    // `start_at` is `end`: the fixture's entries are written once ferrocol runs.
    let mut r = Running::start(&["--config", &cfg]);
    r.wait_stderr("reading the journal directory");
    build_journal(&fixture_export(), &journal);
    wait_records(&r, 2);
    let expected =
        journalctl_json(&journal, &["-p", "7", "_TRANSPORT=audit", "--grep", "USER_START.*op=PAM:session_open"]);
    let got = bodies(&r.stdout());
    assert_eq!(got, without_realtime(expected));
    assert!(got[0]["MESSAGE"].as_str().unwrap().contains("acct=\"alice\" exe=\"/usr/sbin/sshd\""));
    assert_eq!(got[0]["_AUDIT_SESSION"], "7");
    assert!(got[1]["MESSAGE"].as_str().unwrap().contains("acct=\"root\" exe=\"/usr/sbin/cron\""));
    r.signal(libc::SIGTERM);
    assert_eq!(r.wait_exit(Duration::from_secs(10)), 0, "{}", r.stderr());
}

#[test]
fn restart_with_file_storage_resumes_without_gap_or_duplicate() {
    let dir = util::tempdir();
    let journal = fixture_journal();
    let storage = dir.path().join("storage");
    std::fs::create_dir(&storage).unwrap();
    let cfg = write(
        dir.path(),
        "c.yaml",
        &format!(
            "\
extensions:
  file_storage: {{directory: '{}'}}
receivers:
  journald: {{directory: '{}', priority: '7', start_at: beginning, storage: file_storage}}
exporters:
  debug: {{verbosity: normal, use_internal_logger: false}}
service:
  extensions: [file_storage]
  pipelines:
    logs: {{receivers: [journald], exporters: [debug]}}
",
            storage.display(),
            journal.path().display()
        ),
    );
    let mut first = Running::start(&["--config", &cfg]);
    wait_records(&first, 37);
    first.signal(libc::SIGTERM);
    assert_eq!(first.wait_exit(Duration::from_secs(10)), 0, "{}", first.stderr());

    append_journal(journal.path(), &sshd_entries(0, 3));
    let mut second = Running::start(&["--config", &cfg]);
    wait_records(&second, 3);
    second.signal(libc::SIGTERM);
    assert_eq!(second.wait_exit(Duration::from_secs(10)), 0, "{}", second.stderr());
    assert!(second.stderr().contains("resuming after the stored cursor"), "{}", second.stderr());

    let seen: Vec<Json> = bodies(&first.stdout()).into_iter().chain(bodies(&second.stdout())).collect();
    assert_eq!(seen, without_realtime(journalctl_json(journal.path(), &["-p", "7"])), "each entry exactly once");
}

#[test]
fn start_at_end_emits_nothing_old_then_follows() {
    let dir = util::tempdir();
    let journal = fixture_journal();
    let cfg = write(
        dir.path(),
        "c.yaml",
        &format!(
            "receivers:\n  journald: {{directory: '{}', units: [ssh]}}\nexporters:\n  debug: {{verbosity: normal, \
             use_internal_logger: false}}\nservice:\n  pipelines:\n    logs: {{receivers: [journald], exporters: [debug]}}\n",
            journal.path().display()
        ),
    );
    let r = Running::start(&["--config", &cfg]);
    r.wait_stderr("reading the journal directory");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(bodies(&r.stdout()).len(), 0, "{}", r.stdout());
    append_journal(journal.path(), &sshd_entries(0, 2));
    wait_records(&r, 2);
    assert!(bodies(&r.stdout())[0]["MESSAGE"].as_str().unwrap().starts_with("Accepted publickey for user0 "));
}

#[test]
fn config_mistakes_are_positioned_errors() {
    let dir = util::tempdir();
    let cfg = write(
        dir.path(),
        "bad.yaml",
        "\
receivers:
  journald:
    priority: warn
    grep: 'USER_START('
    matches:
      - _TRANSPORT: audit
        _systemd_unit: ssh
exporters:
  debug: {}
service:
  pipelines:
    logs: {receivers: [journald], exporters: [debug]}
",
    );
    let (code, _, err) = run(&["validate", "--config", &cfg]);
    assert_eq!(code, 1, "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines[0].starts_with(&format!("{cfg}:3:15: receivers::journald: priority: unknown log level \"warn\"")),
        "{err}"
    );
    assert!(
        lines[1].starts_with(&format!("{cfg}:4:11: receivers::journald: grep: invalid regular expression")),
        "{err}"
    );
    assert_eq!(
        lines[2],
        format!(
            "{cfg}:7:24: receivers::journald: matches[0]::_systemd_unit: '_systemd_unit' is not a valid Systemd field name"
        ),
        "{err}"
    );
    assert_eq!(lines[3], "ferrocol: invalid configuration: 3 error(s)", "{err}");
}

#[test]
fn validate_does_not_open_the_journal_but_the_start_fails_clearly() {
    let dir = util::tempdir();
    let missing = dir.path().join("no-such-journal");
    let cfg = write(
        dir.path(),
        "c.yaml",
        &format!(
            "receivers:\n  journald: {{directory: '{}'}}\nexporters:\n  debug: {{}}\nservice:\n  pipelines:\n    \
             logs: {{receivers: [journald], exporters: [debug]}}\n",
            missing.display()
        ),
    );
    let (code, _, err) = run(&["validate", "--config", &cfg]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&["--config", &cfg]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!(
            "receivers::journald: directory: cannot open journal directory {}: No such file or directory (os error 2)",
            missing.display()
        )),
        "{err}"
    );
}

/// Run ferrocol as an unprivileged user: `nobody` via runuser when the tests run
/// as root (as `make test` does), else as the current user.
fn run_unprivileged(args: &[&str]) -> (i32, String) {
    let mut cmd = if unsafe { libc::geteuid() } == 0 {
        let mut c = std::process::Command::new("runuser");
        c.args(["-u", "nobody", "--", util::BIN]);
        c
    } else {
        std::process::Command::new(util::BIN)
    };
    let out = cmd.args(args).env_remove("FERROCOL_LOG").output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn an_unreadable_journal_fails_the_start_with_a_hint() {
    use std::os::unix::fs::PermissionsExt;
    let dir = util::tempdir();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let journal = dir.path().join("journal");
    build_journal(&fixture_export(), &journal);
    let config = |name: &str| {
        let text = format!(
            "receivers:\n  journald: {{directory: '{}'}}\nexporters:\n  debug: {{}}\nservice:\n  pipelines:\n    \
             logs: {{receivers: [journald], exporters: [debug]}}\n",
            journal.display()
        );
        let path = write(dir.path(), name, &text);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        path
    };
    let hint = "run ferrocol as root or as a user in the systemd-journal (or adm) group, or grant it read access";

    // The directory can be listed, its files cannot be read.
    std::fs::set_permissions(&journal, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(journal.join("remote.journal"), std::fs::Permissions::from_mode(0o600)).unwrap();
    let (code, err) = run_unprivileged(&["--config", &config("files.yaml")]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!(
            "receivers::journald: directory: cannot read any journal file of the journal directory {} ({}/remote.journal: permission denied); {hint}",
            journal.display(),
            journal.display()
        )),
        "{err}"
    );

    // The directory itself cannot be read.
    std::fs::set_permissions(&journal, std::fs::Permissions::from_mode(0o700)).unwrap();
    let (code, err) = run_unprivileged(&["--config", &config("dir.yaml")]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!(
            "receivers::journald: directory: cannot open journal directory {}: Permission denied (os error 13); {hint}",
            journal.display()
        )),
        "{err}"
    );
}
