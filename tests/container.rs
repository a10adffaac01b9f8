//! Container smoke test (issue 8): an image `FROM scratch` holding the binary and
//! the shared libraries `ldd` lists (packaging/build-image.sh, as `make image`),
//! run with podman as a non-root user with the journal and Teleport fixtures
//! mounted read-only and its config taken from
//! environment variables, exporting OTLP/HTTP to a sink this test runs. Checks
//! that every record arrives, health_check answers, and `podman stop` (SIGTERM)
//! exits 0 with everything flushed. Skips, saying so, only where podman is absent.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::journal_util::fixture_journal;
use crate::util::{self, http_request, write, Running};

/// podman as it works on these machines (root, no systemd, no overlay).
const PODMAN_OPTS: [&str; 5] = ["--storage-driver", "vfs", "--runtime", "runc", "--cgroup-manager=cgroupfs"];

fn podman(args: &[&str]) -> std::process::Output {
    Command::new("podman").args(PODMAN_OPTS).args(args).output().expect("run podman")
}

fn ok(out: &std::process::Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Build the image with packaging/build-image.sh (as `make image` does), with this
/// test's config.
fn build_image(tag: &str, dir: &Path) {
    let config = write(dir, "config.yaml", CONFIG);
    let out = Command::new(util::repo("packaging/build-image.sh"))
        .arg(util::shipped_binary())
        .arg(tag)
        .arg(&config)
        .env("CONTAINER_ENGINE", "podman")
        .env("ENGINE_OPTS", PODMAN_OPTS.join(" "))
        .output()
        .expect("run packaging/build-image.sh");
    ok(&out, "packaging/build-image.sh");
}

const CONFIG: &str = "\
receivers:
  journald:
    directory: /var/log/journal
    priority: \"7\"
    start_at: beginning
    storage: file_storage
  teleport:
    directory: /var/lib/teleport/log
    storage: file_storage
exporters:
  otlphttp:
    endpoint: ${env:FERRO_ENDPOINT}
    headers:
      Authorization: Bearer ${env:FERRO_TOKEN}
    compression: gzip
extensions:
  health_check:
    endpoint: ${env:FERRO_HEALTH}
  file_storage:
    directory: /var/lib/ferrocol
service:
  extensions: [health_check, file_storage]
  telemetry: {metrics: {level: none}}
  pipelines:
    logs:
      receivers: [journald, teleport]
      exporters: [otlphttp]
";

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Records the journal fixture holds at priority 7 and below, as journalctl counts them.
fn journal_records(dir: &Path) -> usize {
    let out = Command::new("journalctl")
        .args(["--directory", dir.to_str().unwrap(), "--priority", "7", "--output=json", "--no-pager"])
        .output()
        .expect("run journalctl");
    String::from_utf8_lossy(&out.stdout).lines().filter(|l| !l.is_empty()).count()
}

fn teleport_records() -> usize {
    let dir = util::teleport_fixture();
    let mut n = 0;
    for host in std::fs::read_dir(&dir).unwrap().flatten().filter(|e| e.path().is_dir()) {
        for f in std::fs::read_dir(host.path()).unwrap().flatten() {
            n += std::fs::read_to_string(f.path()).unwrap().lines().filter(|l| !l.trim().is_empty()).count();
        }
    }
    n
}

fn printed_records(stdout: &str) -> usize {
    stdout
        .lines()
        .filter_map(|l| l.split("\"log records\": ").nth(1))
        .filter_map(|rest| rest.trim_end_matches('}').parse::<usize>().ok())
        .sum()
}

#[test]
fn the_image_reads_journal_and_teleport_as_non_root_and_stops_cleanly() {
    if Command::new("podman").arg("--version").output().is_err() {
        eprintln!("SKIP container smoke test: podman is not installed and no container engine could be (make test installs it)");
        return;
    }
    let ctx = util::tempdir();
    let tag = format!("localhost/ferrocol-smoke:{}", std::process::id());
    build_image(&tag, ctx.path());

    let journal = fixture_journal();
    chmod(journal.path(), 0o755);
    for f in std::fs::read_dir(journal.path()).unwrap().flatten() {
        chmod(&f.path(), 0o644);
    }
    let expected = journal_records(journal.path()) + teleport_records();
    let storage = util::tempdir();
    chmod(storage.path(), 0o777);

    // The sink: another ferrocol taking OTLP/HTTP and counting what arrives.
    let (sink_port, health_port) = (util::free_port(), util::free_port());
    let sink_cfg = write(
        storage.path(),
        "sink.yaml",
        &format!(
            "receivers: {{otlp: {{protocols: {{http: {{endpoint: 127.0.0.1:{sink_port}}}}}}}}}\n\
             exporters: {{debug: {{use_internal_logger: false}}}}\n\
             service: {{telemetry: {{metrics: {{level: none}}}}, pipelines: {{logs: {{receivers: [otlp], exporters: [debug]}}}}}}\n"
        ),
    );
    let mut sink = Running::start(&["--config", &sink_cfg]);
    util::wait_port(sink_port, Duration::from_secs(20));

    let name = format!("ferrocol-smoke-{}", std::process::id());
    let journal_mount = format!("{}:/var/log/journal:ro", journal.path().display());
    let teleport_mount = format!("{}:/var/lib/teleport/log:ro", util::teleport_fixture().display());
    let storage_mount = format!("{}:/var/lib/ferrocol", storage.path().display());
    let endpoint = format!("FERRO_ENDPOINT=http://127.0.0.1:{sink_port}");
    let health = format!("FERRO_HEALTH=127.0.0.1:{health_port}");
    #[rustfmt::skip]
    let run = [
        "run", "-d", "--name", &name, "--user", "1000:1000", "--network", "host",
        "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1000:1000",
        "-v", &journal_mount, "-v", &teleport_mount, "-v", &storage_mount,
        "-e", &endpoint, "-e", "FERRO_TOKEN=t0ken-in-env", "-e", &health,
        &tag, "--config", "/etc/ferrocol/config.yaml",
    ];
    ok(&podman(&run), "podman run");
    let logs = || String::from_utf8_lossy(&podman(&["logs", &name]).stderr).into_owned();

    sink.wait_for(Duration::from_secs(60), "every record at the sink", |out, _| printed_records(out) >= expected);
    let (status, _, body) =
        http_request(health_port, "GET", "/", &[], b"").unwrap_or_else(|e| panic!("health: {e}\n{}", logs()));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));

    ok(&podman(&["stop", "-t", "20", &name]), "podman stop");
    let code = ok(&podman(&["inspect", "--format", "{{.State.ExitCode}}", &name]), "podman inspect");
    let container_logs = logs();
    let _ = podman(&["rm", "-f", &name]);
    let _ = podman(&["rmi", "-f", &tag]);
    assert_eq!(code.trim(), "0", "{container_logs}");
    assert!(container_logs.contains("shutdown complete"), "{container_logs}");
    assert!(!container_logs.contains("t0ken-in-env"), "secrets stay out of the logs");
    assert_eq!(printed_records(&sink.stdout()), expected, "each record exactly once");
    sink.signal(libc::SIGTERM);
    assert_eq!(sink.wait_exit(Duration::from_secs(20)), 0);
}
