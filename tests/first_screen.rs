//! `make run`'s first screen: config.example.yaml on the bundled samples prints one
//! readable line per SSH event near the top, then stays quiet. Run as
//! scripts/run-example.sh runs it (from the repository, the journal built from
//! samples/journal), with its ports moved to free ones.

use std::time::Duration;

use crate::journal_util::fixture_journal;
use crate::util::{self, http_request, Running};

/// `2026-11-20T09:00:01Z ssh.…`: a one-line event as the example prints it.
fn is_event_line(line: &str) -> bool {
    let b = line.as_bytes();
    b.len() > 26 && b[4] == b'-' && b[10] == b'T' && b[19] == b'Z' && line[20..].starts_with(" ssh.")
}

/// The example with `extra` arguments: (the process, its otlp port, its health_check port).
fn start(journal: &str, extra: &[&str]) -> (Running, u16, u16) {
    let (otlp, health) = (util::free_port(), util::free_port());
    let otlp_set = format!("--set=receivers::otlp::protocols::http::endpoint=127.0.0.1:{otlp}");
    let health_set = format!("--set=extensions::health_check::endpoint=127.0.0.1:{health}");
    let mut args = vec!["--config", "config.example.yaml"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&[&otlp_set, &health_set, "--set=service::telemetry::metrics::level=none"]);
    (Running::start_with_env(&args, &[("FERROCOL_SAMPLE_JOURNAL", journal)]), otlp, health)
}

#[test]
fn the_example_prints_one_line_per_ssh_event_near_the_top() {
    assert_eq!(std::env::current_dir().unwrap(), util::repo(""), "cargo runs tests from the repository");
    let journal = fixture_journal();
    let (mut r, _, _) = start(journal.path().to_str().unwrap(), &[]);
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

/// `DETAILED=1 make run`: every field of the normalised samples (the journal's,
/// Teleport's and the posted OTLP/JSON sample), beside the one-line summaries.
#[test]
fn the_detailed_overlay_prints_every_field_of_the_normalised_samples() {
    let (code, _, err) =
        util::run(&["validate", "--config", "config.example.yaml", "--config", "examples/debug-detailed.yaml"]);
    assert_eq!(code, 0, "{err}");
    let journal = fixture_journal();
    let (mut r, otlp, health) = start(journal.path().to_str().unwrap(), &["--config", "examples/debug-detailed.yaml"]);
    util::wait_port(otlp, Duration::from_secs(20));
    let sample = std::fs::read(util::repo("samples/otlp/ssh-logins.json")).unwrap();
    let json = [("Content-Type", "application/json")];
    assert_eq!(http_request(otlp, "POST", "/v1/logs", &json, &sample).unwrap().0, 200);
    let (status, _, body) = http_request(health, "GET", "/", &[], b"").unwrap();
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("Server available"));
    // alice's publickey login from the journal, bob's Teleport session, the OTLP sample.
    let alice = "     -> user.name: Str(alice)";
    r.wait_for(Duration::from_secs(20), "the normalised samples", |out, _| {
        out.contains(alice)
            && out.contains("Str(ssh.session.start)")
            && out.contains("Body: Str(Accepted publickey for alice")
    });
    r.signal(libc::SIGTERM);
    assert_eq!(r.wait_exit(Duration::from_secs(20)), 0, "{}", r.stderr());
    let out = r.stdout();
    for source in ["teleport", "auditd", "sshd"] {
        assert!(out.contains(&format!("     -> ssh.source: Str({source})")), "{out}");
    }
    assert!(out.contains("     -> ssh.auth.method: Str(publickey)"), "{out}");
    // keep_only_ssh: cron's PAM session is not an SSH event.
    assert!(!out.contains("crond") && !out.contains("/usr/sbin/cron"), "{out}");
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
