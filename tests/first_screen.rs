//! `make run`'s first screen: config.example.yaml on the bundled samples prints one
//! readable line per SSH event near the top, then stays quiet. Run as
//! scripts/run-example.sh runs it (from the repository, the journal built from
//! samples/journal), with its ports moved to free ones.

use std::time::Duration;

use crate::journal_util::fixture_journal;
use crate::util::{self, Running};

/// `2026-11-20T09:00:01Z ssh.…`: a one-line event as the example prints it.
fn is_event_line(line: &str) -> bool {
    let b = line.as_bytes();
    b.len() > 26 && b[4] == b'-' && b[10] == b'T' && b[19] == b'Z' && line[20..].starts_with(" ssh.")
}

fn start(journal: &str, extra: &[&str]) -> Running {
    let (otlp, health) = (util::free_port(), util::free_port());
    let otlp = format!("--set=receivers::otlp::protocols::http::endpoint=127.0.0.1:{otlp}");
    let health = format!("--set=extensions::health_check::endpoint=127.0.0.1:{health}");
    let mut args = vec!["--config", "config.example.yaml"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&[&otlp, &health, "--set=service::telemetry::metrics::level=none"]);
    Running::start_with_env(&args, &[("FERROCOL_SAMPLE_JOURNAL", journal)])
}

#[test]
fn the_example_prints_one_line_per_ssh_event_near_the_top() {
    assert_eq!(std::env::current_dir().unwrap(), util::repo(""), "cargo runs tests from the repository");
    let journal = fixture_journal();
    let mut r = start(journal.path().to_str().unwrap(), &[]);
    r.wait_for(Duration::from_secs(30), "the journal's and Teleport's events", |out, _| {
        out.contains("alice@bastion") && out.contains("bob@example.com")
    });
    std::thread::sleep(Duration::from_millis(500));
    r.signal(libc::SIGTERM);
    assert_eq!(r.wait_exit(Duration::from_secs(20)), 0, "{}", r.stderr());
    let (out, err) = (r.stdout(), util::strip_ansi(&r.stderr()));

    // make run's first 20 lines hold ferrocol's start-up log, two lines of the
    // script's, and the first of these: at least three events must be among them.
    let startup = err.lines().take_while(|l| !l.contains("shutdown requested")).count();
    assert!(startup <= 8, "start-up log too long for the first screen:\n{err}");
    let head: Vec<&str> = out.lines().take(20 - 2 - startup).collect();
    assert!(head.iter().filter(|l| is_event_line(l)).count() >= 3, "{head:#?}");

    // Who, what, when, from where; each part from the event's normalised attributes.
    for line in [
        "2026-11-20T09:00:01Z ssh.session.start alice@bastion from 203.0.113.7 (auditd, session 7) success ",
        "2026-11-20T09:00:20Z ssh.auth.failure bob@bastion from 198.51.100.23 (sshd) failure ",
        "2026-11-20T09:00:30Z ssh.invalid_user admin@bastion from 192.0.2.200 (sshd) failure ",
        "2020-03-30T15:58:54Z ssh.session.start bob@example.com@planet from ::1 \
         (teleport, session 5b3555dc-729f-11ea-b66a-507b9dd95841) success ",
    ] {
        assert!(out.lines().any(|l| l == line), "missing {line:?} in\n{out}");
    }
    // Only the debug exporter's normal text: batch headers, resources, scopes, records,
    // and the blank line that ends each batch.
    for l in out.lines() {
        assert!(
            is_event_line(l)
                || l.is_empty()
                || l.starts_with("ResourceLog #")
                || l.starts_with("ScopeLog #")
                || l.starts_with("Logs\t"),
            "unexpected line {l:?}"
        );
    }
    assert!(!out.contains("ssh.network"), "key exchanges name no person and stay off the screen");
    // The journal path came from the environment: a secret, never printed.
    assert!(err.contains("reading the journal directory ***"), "{err}");
}

#[test]
fn the_detailed_overlay_adds_a_pipeline_with_every_field() {
    let (code, _, err) =
        util::run(&["validate", "--config", "config.example.yaml", "--config", "examples/debug-detailed.yaml"]);
    assert_eq!(code, 0, "{err}");
    let journal = fixture_journal();
    let mut r = start(journal.path().to_str().unwrap(), &["--config", "examples/debug-detailed.yaml"]);
    r.wait_for(Duration::from_secs(30), "detailed records", |out, _| {
        out.contains("EventName: ssh.session.start") && out.contains("bob@example.com")
    });
    r.signal(libc::SIGTERM);
    assert_eq!(r.wait_exit(Duration::from_secs(20)), 0, "{}", r.stderr());
    let out = r.stdout();
    assert!(out.contains("     -> ssh.source: Str(teleport)"), "{out}");
    assert!(out.lines().any(is_event_line), "the one-line pipeline still runs");
}

#[test]
fn a_path_from_an_unset_variables_default_is_logged_as_written() {
    let journal = fixture_journal();
    let work = util::tempdir();
    let cfg = util::write(
        work.path(),
        "c.yaml",
        &format!(
            "receivers: {{journald: {{directory: \"${{env:FERROCOL_UNSET_FOR_TEST:-{}}}\"}}}}\n\
             exporters: {{debug: {{}}}}\n\
             service: {{telemetry: {{metrics: {{level: none}}}}, pipelines: {{logs: {{receivers: [journald], exporters: [debug]}}}}}}\n",
            journal.path().display()
        ),
    );
    let mut r = Running::start(&["--config", &cfg]);
    r.wait_stderr("reading the journal directory");
    r.signal(libc::SIGTERM);
    assert_eq!(r.wait_exit(Duration::from_secs(20)), 0, "{}", r.stderr());
    let err = util::strip_ansi(&r.stderr());
    assert!(err.contains(&format!("reading the journal directory {}", journal.path().display())), "{err}");
}
