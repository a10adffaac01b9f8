//! The `filelog` receiver end to end: rotation schemes on a plain log file,
//! operators, and positioned config errors.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use crate::teleport::printed_records;
use crate::util::{self, write, Running};

const WAIT: Duration = Duration::from_secs(30);

fn config(dir: &Path, receiver: &str) -> String {
    let text = format!(
        "receivers:\n  filelog:\n{receiver}\
         exporters:\n  debug:\n    verbosity: normal\n    use_internal_logger: false\n\
         service:\n  pipelines:\n    logs:\n      receivers: [filelog]\n      exporters: [debug]\n"
    );
    write(dir, "config.yaml", &text)
}

fn append(path: &Path, text: &str) {
    OpenOptions::new().create(true).append(true).open(path).unwrap().write_all(text.as_bytes()).unwrap();
}

/// The record lines of `normal` output (body, then attributes).
fn bodies(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| {
            !l.starts_with("Logs\t") && !l.starts_with("ResourceLog #") && !l.starts_with("ScopeLog #") && !l.is_empty()
        })
        .map(|l| l.split(" log.file.name=").next().unwrap_or(l).to_string())
        .collect()
}

fn wait_records(r: &Running, n: usize) {
    r.wait_for(WAIT, &format!("{n} records"), |out, _| printed_records(out) >= n);
}

/// Read the files matching `include` (a path or glob) from the beginning.
fn start(work: &Path, include: &Path) -> Running {
    let receiver = format!("    include: [{:?}]\n    start_at: beginning\n", include.to_string_lossy());
    Running::start(&["--config", &config(work, &receiver)])
}

/// logrotate's copytruncate: copy the file to `copy`, truncate it in place.
fn copytruncate(log: &Path, copy: &Path) {
    fs::copy(log, copy).unwrap();
    OpenOptions::new().write(true).open(log).unwrap().set_len(0).unwrap();
}

/// Stop cleanly; the record lines printed.
fn stop(mut r: Running) -> Vec<String> {
    r.stop();
    bodies(&r.stdout())
}

#[test]
fn copytruncate_rotation_reads_new_lines_once() {
    let work = util::tempdir();
    let log = work.path().join("app.log");
    append(&log, "before 1\nbefore 2\nbefore 3\n");
    let r = start(work.path(), &log);
    wait_records(&r, 3);
    // The copy is set aside outside the pattern.
    copytruncate(&log, &work.path().join("app.log.1"));
    append(&log, "after 1\n");
    wait_records(&r, 4);
    append(&log, "after 2\n");
    wait_records(&r, 5);
    assert_eq!(stop(r), ["before 1", "before 2", "before 3", "after 1", "after 2"]);
}

#[test]
fn copytruncate_with_the_copy_inside_the_pattern() {
    let work = util::tempdir();
    let log = work.path().join("app.log");
    append(&log, "first line of the log\n");
    let r = start(work.path(), &work.path().join("app.log*"));
    wait_records(&r, 1);
    copytruncate(&log, &work.path().join("app.log.1"));
    append(&log, "after\n");
    wait_records(&r, 2);
    // One more line proves later polls did not re-read the copy.
    append(&log, "later\n");
    wait_records(&r, 3);
    assert_eq!(stop(r), ["first line of the log", "after", "later"]);
}

#[test]
fn move_create_rotation_finishes_the_old_file() {
    let work = util::tempdir();
    let log = work.path().join("app.log");
    append(&log, "old 1\n");
    let r = start(work.path(), &log);
    wait_records(&r, 1);
    let rotated = work.path().join("app.log.1");
    fs::rename(&log, &rotated).unwrap();
    // The writer still has the old file open until it is told to reopen.
    append(&rotated, "old 2\n");
    append(&log, "new 1\n");
    wait_records(&r, 3);
    append(&log, "new 2\n");
    wait_records(&r, 4);
    let mut got = stop(r);
    got.sort();
    assert_eq!(got, ["new 1", "new 2", "old 1", "old 2"]);
}

#[test]
fn operators_parse_ssh_lines() {
    let work = util::tempdir();
    let log = work.path().join("auth.log");
    append(
        &log,
        "2024-05-01T10:00:00Z sshd[1]: Accepted publickey for alice from 10.0.0.1 port 5022 ssh2\n\
         2024-05-01T10:00:01Z cron[2]: session opened for user root\n\
         2024-05-01T10:00:02Z sshd[3]: Failed password for root from 10.0.0.2 port 4242 ssh2\n",
    );
    let receiver = format!(
        r#"    include: [{:?}]
    start_at: beginning
    include_file_path: true
    attributes: {{source: auth}}
    operators:
      - type: regex_parser
        regex: '^(?P<ts>\S+) (?P<prog>\w+)\[(?P<pid>\d+)\]: (?P<msg>.*)$'
        timestamp: {{parse_from: attributes.ts, layout: '%Y-%m-%dT%H:%M:%SZ'}}
      - type: filter
        expr: 'attributes.prog != "sshd"'
      - type: regex_parser
        parse_from: attributes.msg
        regex: '^(?P<result>Accepted|Failed) \w+ for (?P<user>\S+) from (?P<ip>\S+)'
        parse_to: attributes["ssh"]
      - type: add
        field: attributes.level
        value: 'EXPR(attributes.ssh.result == "Failed" ? "warn" : "info")'
        if: 'false'
      - {{type: remove, field: attributes.ts}}
      - type: move
        from: attributes.msg
        to: body
"#,
        log.to_string_lossy()
    );
    let cfg = config(work.path(), &receiver);
    // `?:` is outside the supported expression subset: a positioned config error.
    let (code, _, err) = util::run(&["validate", "--config", &cfg]);
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "config.yaml:19:16: receivers::filelog: operators[3]::value: unexpected character '?' at column 35"
        ),
        "{err}"
    );

    let cfg = write(
        work.path(),
        "config.yaml",
        &fs::read_to_string(&cfg).unwrap().replace(
            r#"'EXPR(attributes.ssh.result == "Failed" ? "warn" : "info")'"#,
            r#"'EXPR(attributes.prog + "-" + attributes.ssh.result)'"#,
        ),
    );
    let mut r = Running::start(&["--config", &cfg]);
    wait_records(&r, 2);
    r.stop();
    let out = r.stdout();
    let lines = bodies(&out);
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with("Accepted publickey for alice from 10.0.0.1 port 5022 ssh2"), "{}", lines[0]);
    assert!(out.contains("ssh={\"ip\":\"10.0.0.1\",\"result\":\"Accepted\",\"user\":\"alice\"}"), "{out}");
    assert!(out.contains("source=auth"), "{out}");
    assert!(out.contains(&format!("log.file.path={}", log.to_string_lossy())), "{out}");
    assert!(!out.contains("level="), "`if: false` skips the operator: {out}");
    assert!(!out.contains(" ts="), "{out}");
    assert!(!out.contains("cron"), "{out}");
}

#[test]
fn unknown_operator_type_is_a_positioned_config_error() {
    let work = util::tempdir();
    let cfg = config(
        work.path(),
        "    include: [/var/log/*.log]\n    operators:\n      - type: json_parser\n      - type: key_value_parser\n",
    );
    let (code, _, err) = util::run(&["validate", "--config", &cfg]);
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "config.yaml:6:15: receivers::filelog: operators[1]::type: unknown operator type \"key_value_parser\""
        ),
        "{err}"
    );
    let cfg = config(work.path(), "    include: []\n    start_at: middle\n    encoding: ebcdic\n");
    let (code, _, err) = util::run(&["validate", "--config", &cfg]);
    assert_eq!(code, 1);
    assert!(err.contains("receivers::filelog: include: 'include' must be specified"), "{err}");
    assert!(err.contains("receivers::filelog: start_at: invalid value 'middle'"), "{err}");
    assert!(err.contains("receivers::filelog: encoding: unsupported encoding 'ebcdic'"), "{err}");
}
