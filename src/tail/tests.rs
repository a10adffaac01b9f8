//! Engine tests: stepped with `Tailer::poll`, so nothing depends on timing
//! except the forced flush, which is polled for with a generous timeout.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use super::*;

/// Collects what the engine hands over.
#[derive(Default)]
struct Collect {
    entries: Vec<(String, String, bool, u64)>,
    progress: Checkpoint,
    flushes: usize,
    /// Called on each entry (to act on the file system mid-read).
    on_entry: Option<Box<dyn FnMut(usize)>>,
    batch: usize,
    in_batch: usize,
}

impl Consumer for Collect {
    fn entry(&mut self, file: &FileInfo<'_>, entry: Entry<'_>) -> bool {
        let text = match entry.text {
            Text::Str(s) => s.into_owned(),
            Text::Bytes(b) => format!("bytes:{}", String::from_utf8_lossy(b)),
        };
        self.entries.push((file.name.to_string(), text, entry.truncated, entry.number));
        if let Some(f) = self.on_entry.as_mut() {
            f(self.entries.len());
        }
        self.in_batch += 1;
        self.batch > 0 && self.in_batch >= self.batch
    }

    fn flush(&mut self, progress: Progress) -> Result<(), Stopped> {
        self.in_batch = 0;
        self.flushes += 1;
        self.progress.apply(&progress);
        Ok(())
    }
}

impl Collect {
    fn texts(&self) -> Vec<&str> {
        self.entries.iter().map(|e| e.1.as_str()).collect()
    }
}

fn opts(dir: &Path, pattern: &str) -> Options {
    Options {
        include: vec![format!("{}/{pattern}", discovery::escape(&dir.to_string_lossy()))],
        start_at: StartAt::Beginning,
        use_notify: false,
        force_flush_period: Duration::ZERO,
        ..Options::default()
    }
}

fn append(path: &Path, text: &[u8]) {
    OpenOptions::new().create(true).append(true).open(path).unwrap().write_all(text).unwrap();
}

/// An engine on `o`, starting afresh, and an empty collector.
fn tailer(o: Options) -> (Tailer, Collect) {
    (Tailer::new(o, vec![]).unwrap(), Collect::default())
}

/// logrotate's copytruncate: copy the file to `copy`, truncate it in place.
fn copytruncate(log: &Path, copy: &Path) {
    fs::copy(log, copy).unwrap();
    OpenOptions::new().write(true).open(log).unwrap().set_len(0).unwrap();
}

fn poll(t: &mut Tailer, c: &mut Collect) {
    while t.poll(c).unwrap() {}
}

#[test]
fn reads_lines_and_holds_an_unfinished_one() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("a.log");
    append(&log, b"one\r\ntwo\n\n  \nthr");
    let (mut t, mut c) = tailer(opts(dir.path(), "*.log"));
    poll(&mut t, &mut c);
    assert_eq!(c.texts(), ["one", "two"]);
    append(&log, b"ee\nfour\n");
    poll(&mut t, &mut c);
    assert_eq!(c.texts(), ["one", "two", "three", "four"]);
    assert_eq!(c.entries.iter().map(|e| e.3).collect::<Vec<_>>(), [1, 2, 3, 4]);
    let f = c.progress.files.values().next().unwrap();
    assert_eq!((f.offset, f.records), (fs::metadata(&log).unwrap().len(), 4));
}

#[test]
fn forced_flush_of_an_unfinished_line() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("a.log");
    append(&log, b"done\npartial");
    let mut o = opts(dir.path(), "*.log");
    o.force_flush_period = Duration::from_millis(50);
    let (mut t, mut c) = tailer(o);
    poll(&mut t, &mut c);
    assert_eq!(c.texts(), ["done"]);
    let start = Instant::now();
    while c.entries.len() < 2 && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
        poll(&mut t, &mut c);
    }
    assert_eq!(c.texts(), ["done", "partial"]);
    append(&log, b" more\n");
    poll(&mut t, &mut c);
    assert_eq!(c.texts(), ["done", "partial", "more"], "the rest of a flushed line is an entry of its own");
}

#[test]
fn start_at_end_applies_to_the_first_poll_only() {
    let dir = tempfile::tempdir().unwrap();
    append(&dir.path().join("old.log"), b"old 1\nold 2\n");
    let mut o = opts(dir.path(), "*.log");
    o.start_at = StartAt::End;
    o.count_records = true;
    let (mut t, mut c) = tailer(o);
    poll(&mut t, &mut c);
    assert!(c.entries.is_empty());
    append(&dir.path().join("old.log"), b"old 3\n");
    append(&dir.path().join("new.log"), b"new 1\n");
    poll(&mut t, &mut c);
    let mut got: Vec<(String, u64)> = c.entries.iter().map(|e| (e.1.clone(), e.3)).collect();
    got.sort();
    assert_eq!(got, [("new 1".to_string(), 1), ("old 3".to_string(), 3)]);
}

#[test]
fn move_create_rotation_finishes_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    append(&log, b"a1\na2\n");
    let (mut t, mut c) = tailer(opts(dir.path(), "app.log"));
    poll(&mut t, &mut c);
    // The writer keeps writing to the renamed file until it reopens.
    fs::rename(&log, dir.path().join("app.log.1")).unwrap();
    append(&dir.path().join("app.log.1"), b"a3\n");
    append(&log, b"b1\n");
    poll(&mut t, &mut c);
    poll(&mut t, &mut c);
    let mut texts = c.texts();
    texts.sort();
    assert_eq!(texts, ["a1", "a2", "a3", "b1"]);
    // The old file is forgotten after a few polls once it is read to its end.
    for _ in 0..5 {
        poll(&mut t, &mut c);
    }
    assert_eq!(c.progress.files.len(), 1);
    assert!(c.progress.files.values().next().unwrap().path.ends_with("app.log"));
}

#[test]
fn copytruncate_out_of_the_pattern_restarts_at_zero() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    append(&log, b"first line\nsecond line\n");
    let (mut t, mut c) = tailer(opts(dir.path(), "app.log"));
    poll(&mut t, &mut c);
    copytruncate(&log, &dir.path().join("app.log.1"));
    append(&log, b"new\n");
    poll(&mut t, &mut c);
    assert_eq!(c.texts(), ["first line", "second line", "new"]);
}

#[test]
fn copytruncate_within_the_pattern_reads_everything_once() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    append(&log, b"line one of the log\n");
    let (mut t, mut c) = tailer(opts(dir.path(), "app.log*"));
    poll(&mut t, &mut c);
    // Written just before the rotation: only the copy has it.
    append(&log, b"late line\n");
    copytruncate(&log, &dir.path().join("app.log.1"));
    append(&log, b"after\n");
    poll(&mut t, &mut c);
    poll(&mut t, &mut c);
    let mut texts = c.texts();
    texts.sort();
    assert_eq!(texts, ["after", "late line", "line one of the log"]);
}

#[test]
fn copy_in_progress_is_not_read_twice() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    append(&log, b"x1\nx2\n");
    let (mut t, mut c) = tailer(opts(dir.path(), "app.log*"));
    poll(&mut t, &mut c);
    fs::copy(&log, dir.path().join("app.log.1")).unwrap();
    poll(&mut t, &mut c);
    assert_eq!(c.texts(), ["x1", "x2"]);
}

#[test]
fn same_inode_new_content_is_read_from_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("a.log");
    append(&log, b"aaaa\n");
    let (mut t, mut c) = tailer(opts(dir.path(), "a.log"));
    poll(&mut t, &mut c);
    // Rewritten in place, longer than before: only the first bytes tell.
    fs::write(&log, b"bbbbbbbb\ncccc\n").unwrap();
    poll(&mut t, &mut c);
    assert_eq!(c.texts(), ["aaaa", "bbbbbbbb", "cccc"]);
}

#[test]
fn file_deleted_while_being_read() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("a.log");
    let lines: Vec<String> = (0..2000).map(|i| format!("line {i:05}")).collect();
    append(&log, format!("{}\n", lines.join("\n")).as_bytes());
    let mut o = opts(dir.path(), "*.log");
    o.read_budget = 1000; // several rounds
    let mut t = Tailer::new(o, vec![]).unwrap();
    let path = log.clone();
    let mut c = Collect {
        on_entry: Some(Box::new(move |n| {
            if n == 10 {
                fs::remove_file(&path).unwrap()
            }
        })),
        ..Default::default()
    };
    for _ in 0..100 {
        poll(&mut t, &mut c);
    }
    assert_eq!(c.texts(), lines);
    assert!(c.progress.files.is_empty(), "the deleted file is forgotten once read");
}

#[test]
fn overlong_entries_are_truncated_not_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("a.log");
    let mut o = opts(dir.path(), "*.log");
    o.max_log_size = 1000;
    let long = "x".repeat(300_000);
    append(&log, format!("short\n{long}\nafter\n{}\n", "y".repeat(1001)).as_bytes());
    let (mut t, mut c) = tailer(o);
    poll(&mut t, &mut c);
    let got: Vec<(usize, bool)> = c.entries.iter().map(|e| (e.1.len(), e.2)).collect();
    assert_eq!(got, [(5, false), (1000, true), (5, false), (1000, true)]);
}

#[test]
fn overlong_entry_written_in_parts() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("a.log");
    let mut o = opts(dir.path(), "*.log");
    o.max_log_size = 100;
    let (mut t, mut c) = tailer(o);
    append(&log, "z".repeat(150).as_bytes());
    poll(&mut t, &mut c);
    append(&log, format!("{}\nok\n", "z".repeat(150)).as_bytes());
    poll(&mut t, &mut c);
    let got: Vec<(usize, bool)> = c.entries.iter().map(|e| (e.1.len(), e.2)).collect();
    assert_eq!(got, [(100, true), (2, false)]);
}

#[test]
fn invalid_utf8_is_replaced_and_nop_keeps_bytes() {
    let dir = tempfile::tempdir().unwrap();
    append(&dir.path().join("a.log"), b"ok \xff\xfe end\n");
    let (mut t, mut c) = tailer(opts(dir.path(), "*.log"));
    poll(&mut t, &mut c);
    assert_eq!(c.texts(), ["ok \u{fffd}\u{fffd} end"]);
    let mut o = opts(dir.path(), "*.log");
    o.encoding = Encoding::Nop;
    let (mut t, mut c) = tailer(o);
    poll(&mut t, &mut c);
    assert_eq!(c.entries[0].1, format!("bytes:{}", String::from_utf8_lossy(b"ok \xff\xfe end")));
}

#[test]
fn restart_from_a_checkpoint_resumes_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("a.log");
    append(&log, b"1\n2\n3\n");
    let mut o = opts(dir.path(), "*.log");
    o.start_at = StartAt::End; // stored offsets win over start_at
    let (mut t, mut c) = tailer(opts(dir.path(), "*.log"));
    poll(&mut t, &mut c);
    drop(t);
    let stored = c.progress.encode();
    append(&log, b"4\n5\n");
    append(&dir.path().join("b.log"), b"b1\n");
    let mut t = Tailer::new(o, Checkpoint::decode(&stored).unwrap()).unwrap();
    let mut c2 = Collect { progress: t.checkpoint(), ..Default::default() };
    poll(&mut t, &mut c2);
    // b.log is new on the first poll with start_at: end, so it is skipped.
    assert_eq!(c2.entries.iter().map(|e| (e.1.as_str(), e.3)).collect::<Vec<_>>(), [("4", 4), ("5", 5)]);
}

#[test]
fn a_symlink_and_its_target_are_read_once() {
    let dir = tempfile::tempdir().unwrap();
    append(&dir.path().join("2024-01-01.log"), b"only once\n");
    std::os::unix::fs::symlink(dir.path().join("2024-01-01.log"), dir.path().join("events.log")).unwrap();
    let (mut t, mut c) = tailer(opts(dir.path(), "*.log"));
    poll(&mut t, &mut c);
    poll(&mut t, &mut c);
    assert_eq!(c.texts(), ["only once"]);
}

#[test]
fn multiline_line_start() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("a.log");
    append(&log, b"2024-01-01 start\n  at x\n  at y\n2024-01-02 next\n");
    let mut o = opts(dir.path(), "*.log");
    o.split = SplitConfig::LineStart { pattern: r"^\d{4}-\d{2}-\d{2}".into(), omit_pattern: false };
    let (mut t, mut c) = tailer(o);
    poll(&mut t, &mut c);
    assert_eq!(c.texts(), ["2024-01-01 start\n  at x\n  at y"]);
    append(&log, b"2024-01-03 third\n");
    poll(&mut t, &mut c);
    assert_eq!(c.texts()[1], "2024-01-02 next");
}

#[test]
fn more_files_than_open_handles() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..6 {
        append(&dir.path().join(format!("{i}.log")), format!("file {i} line 1\n").as_bytes());
    }
    let mut o = opts(dir.path(), "*.log");
    o.max_concurrent_files = 2;
    let (mut t, mut c) = tailer(o);
    poll(&mut t, &mut c);
    for i in 0..6 {
        append(&dir.path().join(format!("{i}.log")), format!("file {i} line 2\n").as_bytes());
    }
    poll(&mut t, &mut c);
    assert_eq!(c.entries.len(), 12);
    let open = t.open_handles();
    assert!(open <= 2, "{open} handles open");
}

#[test]
fn files_are_read_in_name_order_and_batches_flush_when_full() {
    let dir = tempfile::tempdir().unwrap();
    for (sub, day) in [("b", "2024-01-02"), ("a", "2024-01-03"), ("c", "2024-01-01")] {
        fs::create_dir_all(dir.path().join(sub)).unwrap();
        append(&dir.path().join(sub).join(format!("{day}.log")), format!("{day}\n{day}\n").as_bytes());
    }
    let mut o = opts(dir.path(), "*/*.log");
    o.order = Order::FileName;
    let mut t = Tailer::new(o, vec![]).unwrap();
    let mut c = Collect { batch: 4, ..Default::default() };
    poll(&mut t, &mut c);
    assert_eq!(c.texts(), ["2024-01-01", "2024-01-01", "2024-01-02", "2024-01-02", "2024-01-03", "2024-01-03"]);
    assert_eq!(c.flushes, 2, "one flush when the batch filled, one at the end of the round");
}

#[test]
fn run_stops_on_request() {
    let dir = tempfile::tempdir().unwrap();
    append(&dir.path().join("a.log"), b"x\n");
    let mut o = opts(dir.path(), "*.log");
    o.use_notify = true;
    let t = Tailer::new(o, vec![]).unwrap();
    let stop = t.stop_handle();
    let h = std::thread::spawn(move || {
        let mut c = Collect::default();
        t.run(&mut c);
        c.texts().into_iter().map(String::from).collect::<Vec<_>>()
    });
    std::thread::sleep(Duration::from_millis(50));
    stop.stop();
    let got = h.join().unwrap();
    assert!(got.len() <= 1);
}
