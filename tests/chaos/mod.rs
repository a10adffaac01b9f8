//! Fault injection (issue 16): ferrocol killed with SIGKILL at random moments
//! while journald, teleport and filelog (with rotation) read into the otlphttp
//! exporter, a backend that goes down and comes back, and SIGHUP under load.
//! The backend is an in-test [`sink::Sink`] that records every record's
//! identity, so the tests assert what matters to a user:
//!
//! - nothing is lost: every input record arrives;
//! - duplicates per kill stay within about one batch per receiver (the
//!   checkpoint follows delivery closely);
//! - every restart makes progress (the checkpoint moved while it ran).
//!
//! The pipeline is the common production one (receiver → `batch` with its
//! defaults → otlphttp) with one sending consumer, so that requests complete in
//! order. With otelcol's default of 10 consumers a request that is slow to be
//! answered holds the checkpoint while the others go on; the duplicates of a
//! kill are then whatever was delivered after it (up to several batches), which
//! no checkpoint of one position per receiver can avoid.
//!
//! `CHAOS_CONSUMERS=10` (otelcol's default) measures that case: the per-kill
//! bound is then that many requests plus one, and the report shows what each
//! kill re-sent.
//!
//! The moments are drawn from a seeded RNG whose seed is printed
//! (`CHAOS_SEED=N` replays a run). `make test` runs a short form
//! ([`SHORT_KILLS`] kills each); `make chaos` runs `CHAOS_KILLS=20`.

mod sink;

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use crate::journal_util::write_journal_file;
use crate::util::{shipped_binary, tempdir, write, Running};
use sink::{Identity, Sink};

/// Kills per receiver in the short form.
const SHORT_KILLS: usize = 3;
/// Records per request: the batch processor's default `send_batch_size`.
const BATCH: usize = 8192;
/// Duplicates allowed per kill: the request answered just before the process
/// died, and at most one more answered while the checkpoint covering it was
/// being written (two fsyncs, tens of milliseconds on a loaded machine).
/// Most kills re-send nothing or one request.
const DUPLICATES_PER_KILL: usize = 2 * BATCH;
/// Kill between these many milliseconds after the first delivery of a run.
const KILL_AFTER_MS: (u64, u64) = (100, 600);

/// `sending_queue::num_consumers`: 1 unless `CHAOS_CONSUMERS` says otherwise.
fn consumers() -> usize {
    std::env::var("CHAOS_CONSUMERS").ok().and_then(|v| v.parse().ok()).unwrap_or(1)
}

/// Duplicates allowed per kill: [`DUPLICATES_PER_KILL`] with one consumer;
/// with more, one request more than may be in flight at once.
fn duplicates_per_kill() -> usize {
    match consumers() {
        1 => DUPLICATES_PER_KILL,
        n => (n + 1) * BATCH,
    }
}

fn kills() -> usize {
    std::env::var("CHAOS_KILLS").ok().and_then(|v| v.parse().ok()).unwrap_or(SHORT_KILLS)
}

/// splitmix64: small, seedable, good enough to pick moments.
struct Rng(u64);

impl Rng {
    fn seeded(test: &str) -> Rng {
        let seed = std::env::var("CHAOS_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
        });
        eprintln!("{test}: chaos seed {seed} (CHAOS_SEED={seed} replays it)");
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn millis(&mut self, (lo, hi): (u64, u64)) -> Duration {
        Duration::from_millis(lo + self.next() % (hi - lo + 1))
    }
}

/// A config with `receiver` (YAML of `receivers:`, keyed by its id) into the otlphttp exporter.
fn config(dir: &Path, receiver_id: &str, receiver: &str, sink: &Sink) -> String {
    let storage = dir.join("storage");
    let text = format!(
        "extensions:\n  file_storage:\n    directory: {storage}\n    create_directory: true\n\
         receivers:\n{receiver}\
         processors:\n  batch:\n\
         exporters:\n  otlphttp:\n    endpoint: http://127.0.0.1:{port}\n    compression: none\n\
         \x20   sending_queue: {{num_consumers: {consumers}}}\n\
         \x20   retry_on_failure: {{initial_interval: 100ms, max_interval: 500ms}}\n\
         service:\n  extensions: [file_storage]\n\
         \x20 pipelines:\n    logs: {{receivers: [{receiver_id}], processors: [batch], exporters: [otlphttp]}}\n",
        storage = storage.display(),
        port = sink.port,
        consumers = consumers(),
    );
    write(dir, "chaos.yaml", &text)
}

/// Start ferrocol as run `n` (its deliveries count for epoch `n`): the release
/// build when there is one (`make test` builds it), whose speed is the one that
/// ships; a debug build encodes some 20 times slower.
fn start(sink: &Sink, n: usize, cfg: &str) -> Running {
    sink.set_epoch(n);
    Running::start_binary(&shipped_binary(), &["--config", cfg], &[])
}

/// `kills` runs killed with SIGKILL at random moments after their first
/// delivery, then one run until `expected` distinct records arrived; then the
/// assertions on loss, duplicates and progress.
fn crash_loop(name: &str, cfg: &str, sink: &Sink, expected: usize) {
    let kills = kills();
    let mut rng = Rng::seeded(name);
    for k in 0..kills {
        let mut p = start(sink, k, cfg);
        sink.wait(Duration::from_secs(60), "a first delivery", |s| s.epoch(k).first_answer.is_some());
        let delay = rng.millis(KILL_AFTER_MS);
        std::thread::sleep(delay);
        p.signal(libc::SIGKILL);
        sink.killed(k);
        p.wait_exit(Duration::from_secs(10));
        eprintln!("{name}: run {k} killed {delay:?} after its first delivery: {:?}", sink.epoch(k));
    }
    let mut p = start(sink, kills, cfg);
    p.wait_stderr("everything is ready");
    sink.wait(Duration::from_secs(180), "every record", |s| s.unique() >= expected);
    p.stop();
    eprintln!("{name}: last run: {:?}", sink.epoch(kills));
    let mut report = String::new();
    for k in 0..kills {
        let (run, next) = (sink.epoch(k), sink.epoch(k + 1));
        writeln!(
            report,
            "kill {k}: the run delivered {} records ({} new); the next one re-sent {}",
            run.records, run.new, next.resent
        )
        .unwrap();
        assert!(next.resent <= duplicates_per_kill(), "{name}: too many duplicates after kill {k}:\n{report}");
        // Had the checkpoint not moved, the next run would re-send all of it.
        assert!(next.resent < run.records, "{name}: run {k} made no progress:\n{report}");
    }
    for (n, e) in sink.epochs().iter().enumerate() {
        assert_eq!(e.repeated, 0, "{name}: run {n} sent records twice itself: {e:?}");
    }
    assert_eq!(sink.unique(), expected, "{name}: records that were not in the input");
    eprintln!("{name}: {expected} records, 0 lost; largest request {}\n{report}", sink.largest_request());
}

/// A journal of `n` entries whose MESSAGEs are `chaos-NNNNNNN`.
fn journal(dir: &Path, n: usize) {
    let mut export = String::with_capacity(n * 200);
    for i in 0..n {
        writeln!(
            export,
            "__REALTIME_TIMESTAMP={}\n__MONOTONIC_TIMESTAMP={}\n_BOOT_ID=6f1c0d2e9a8b4c7d8e9f0a1b2c3d4e5f\n\
             _TRANSPORT=journal\nPRIORITY=6\nSYSLOG_IDENTIFIER=chaos\nMESSAGE=chaos-{i:07}\n",
            1_795_165_200_000_000u64 + i as u64 * 1000,
            5_000_000 + i as u64 * 1000
        )
        .unwrap();
    }
    write_journal_file(dir, "chaos.journal", export.as_bytes());
}

/// Teleport's `dir` backend: `n` events in two daily files, `uid` `chaos-NNNNNNN`.
fn teleport_log(dir: &Path, n: usize) {
    for (day, range) in [(1, 0..n / 2), (2, n / 2..n)] {
        let mut text = String::with_capacity(range.len() * 200);
        for i in range {
            writeln!(
                text,
                "{{\"code\":\"T1000I\",\"event\":\"user.login\",\"method\":\"local\",\"success\":true,\
                 \"time\":\"2026-01-0{day}T00:00:00Z\",\"uid\":\"chaos-{i:07}\",\"user\":\"user{}@example.com\"}}",
                i % 100
            )
            .unwrap();
        }
        std::fs::write(dir.join(format!("2026-01-0{day}.00:00:00.log")), text).unwrap();
    }
}

/// Enough input that every killed run still has some to read: a release build
/// reads some 90,000 records a second.
fn records_for(kills: usize) -> usize {
    50_000 + kills * 50_000
}

/// A journal of `n` entries in `dir`, a sink that tells them by MESSAGE, the config.
fn journald_setup(dir: &Path, n: usize) -> (Sink, String) {
    let journal_dir = dir.join("journal");
    std::fs::create_dir(&journal_dir).unwrap();
    journal(&journal_dir, n);
    let sink = Sink::start(Identity::BodyKey("MESSAGE"));
    let receiver = format!(
        "  journald:\n    directory: {}\n    start_at: beginning\n    storage: file_storage\n",
        journal_dir.display()
    );
    let cfg = config(dir, "journald", &receiver, &sink);
    (sink, cfg)
}

/// A Teleport audit log of `n` events in `dir`, a sink that tells them by uid, the config.
fn teleport_setup(dir: &Path, n: usize) -> (Sink, String) {
    let log = dir.join("log");
    std::fs::create_dir(&log).unwrap();
    teleport_log(&log, n);
    let sink = Sink::start(Identity::BodyKey("uid"));
    let receiver = format!("  teleport:\n    directory: {}\n    storage: file_storage\n", log.display());
    let cfg = config(dir, "teleport", &receiver, &sink);
    (sink, cfg)
}

#[test]
fn journald_survives_kill_9_at_random_moments() {
    let dir = tempdir();
    let n = records_for(kills());
    let (sink, cfg) = journald_setup(dir.path(), n);
    crash_loop("journald", &cfg, &sink, n);
}

#[test]
fn teleport_survives_kill_9_at_random_moments() {
    let dir = tempdir();
    let n = records_for(kills());
    let (sink, cfg) = teleport_setup(dir.path(), n);
    crash_loop("teleport", &cfg, &sink, n);
}

/// A writer that appends `line-NNNNNNN` lines to `app.log` and rotates it
/// (rename to `app.log.K`, new `app.log`) every `rotate_every` lines, while
/// ferrocol is killed and restarted.
fn filelog_writer(dir: &Path, total: usize, rotate_every: usize) -> std::thread::JoinHandle<()> {
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        use std::io::Write;
        let path = dir.join("app.log");
        let mut file = std::fs::File::create(&path).unwrap();
        let mut rotations = 0;
        let pad = "x".repeat(100);
        for chunk in (0..total).step_by(500) {
            let mut text = String::new();
            for i in chunk..(chunk + 500).min(total) {
                writeln!(text, "line-{i:07} {pad}").unwrap();
                if (i + 1) % rotate_every == 0 {
                    file.write_all(text.as_bytes()).unwrap();
                    text.clear();
                    rotations += 1;
                    std::fs::rename(&path, dir.join(format!("app.log.{rotations}"))).unwrap();
                    file = std::fs::File::create(&path).unwrap();
                }
            }
            file.write_all(text.as_bytes()).unwrap();
            std::thread::sleep(Duration::from_millis(20));
        }
    })
}

#[test]
fn filelog_with_rotation_survives_kill_9_at_random_moments() {
    let dir = tempdir();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let n = records_for(kills());
    let sink = Sink::start(Identity::Body);
    let receiver = format!(
        "  filelog:\n    include: [{}/app.log*]\n    start_at: beginning\n    storage: file_storage\n",
        logs.display()
    );
    let cfg = config(dir.path(), "filelog", &receiver, &sink);
    // About 25,000 lines a second, rotated every 5,000.
    let writer = filelog_writer(&logs, n, 5000);
    crash_loop("filelog", &cfg, &sink, n);
    writer.join().unwrap();
}

#[test]
fn a_backend_outage_loses_nothing() {
    let dir = tempdir();
    let n = 40_000;
    let (sink, cfg) = teleport_setup(dir.path(), n);
    let mut p = start(&sink, 0, &cfg);
    sink.wait(Duration::from_secs(60), "a first delivery", |s| s.epoch(0).first_answer.is_some());
    sink.set_down(true);
    let before = sink.unique();
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(sink.unique(), before, "nothing is accepted while the backend is down");
    sink.set_down(false);
    sink.wait(Duration::from_secs(120), "every record after the outage", |s| s.unique() >= n);
    p.stop();
    let e = sink.epoch(0);
    assert_eq!((sink.unique(), e.repeated), (n, 0), "{e:?}");
}

#[test]
fn sighup_under_load_loses_nothing() {
    let dir = tempdir();
    let n = 60_000;
    let (sink, cfg) = journald_setup(dir.path(), n);
    let mut rng = Rng::seeded("sighup");
    let mut p = start(&sink, 0, &cfg);
    sink.wait(Duration::from_secs(60), "a first delivery", |s| s.epoch(0).first_answer.is_some());
    let reloads = 3;
    for r in 1..=reloads {
        std::thread::sleep(rng.millis((100, 400)));
        p.signal(libc::SIGHUP);
        p.wait_for(Duration::from_secs(20), "the reload", |_, err| err.matches("configuration reloaded").count() == r);
    }
    sink.wait(Duration::from_secs(120), "every record", |s| s.unique() >= n);
    p.stop();
    let e = sink.epoch(0);
    assert_eq!(sink.unique(), n);
    // A reload stops the old pipelines cleanly, so their checkpoint is written
    // and the new ones resume right after it.
    assert!(e.repeated <= reloads * DUPLICATES_PER_KILL, "{e:?}");
    eprintln!("sighup: {reloads} reloads, {n} records, {} sent twice", e.repeated);
}
