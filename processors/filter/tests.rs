//! filter processor tests: OTTL drop and keep conditions, the legacy
//! include/exclude, error modes and acks, config errors with positions, and
//! the journal fixture filtered three ways.

use std::sync::atomic::Ordering;

use std::sync::Arc;

use super::*;
use crate::ack::{Ack, Acks, Outcome};
use crate::component::{ProcessorConfig, ProcessorContext};
use crate::config::yaml::parse;
use crate::event::LogBatch;
use crate::event::{kv, str_value, AnyValue, LogRecord, Resource, ScopeLogs};
use crate::processors::ottl_config::BatchProgram;

pub(crate) fn program(yaml: &str) -> Arc<Program> {
    let cfg = crate::config::de::from_node::<FilterConfig>(&parse("t", yaml).unwrap()).unwrap();
    match Filter::compile(&cfg).0 {
        Ok(p) => p,
        Err(e) => panic!("{e:?}"),
    }
}

pub(super) fn errors(yaml: &str) -> Vec<String> {
    let cfg = crate::config::de::from_node::<FilterConfig>(&parse("t", yaml).unwrap()).unwrap();
    Filter::compile(&cfg).validate().into_iter().map(|e| format!("{}: {}", e.key, e.message)).collect()
}

/// A record with a string body, a severity and attributes.
fn rec(body: &str, severity: i32, attrs: &[(&str, AnyValue)]) -> LogRecord {
    LogRecord {
        body: Some(str_value(body)),
        severity_number: severity,
        attributes: attrs.iter().map(|(k, v)| kv(*k, v.clone())).collect(),
        ..Default::default()
    }
}

/// Resource attributes and the resource's records.
type ResourceSpec<'a> = (Vec<(&'a str, &'a str)>, Vec<LogRecord>);

fn batch_of(resources: Vec<ResourceSpec>) -> Vec<ResourceLogs> {
    resources
        .into_iter()
        .map(|(attrs, records)| ResourceLogs {
            resource: Some(Resource {
                attributes: attrs.into_iter().map(|(k, v)| kv(k, str_value(v))).collect(),
                ..Default::default()
            }),
            scope_logs: vec![ScopeLogs { log_records: records, ..Default::default() }],
            ..Default::default()
        })
        .collect()
}

fn bodies(rls: &[ResourceLogs]) -> Vec<String> {
    rls.iter()
        .flat_map(|r| &r.scope_logs)
        .flat_map(|s| &s.log_records)
        .map(|r| {
            let mut s = String::new();
            crate::otlp::value::write_as_string(&mut s, r.body.as_ref());
            s
        })
        .collect()
}

fn run(yaml: &str, mut rls: Vec<ResourceLogs>) -> Vec<String> {
    program(yaml).filter(&mut rls).unwrap();
    bodies(&rls)
}

fn sample() -> Vec<ResourceLogs> {
    batch_of(vec![
        (
            vec![("host.name", "bastion")],
            vec![
                rec("user password=hunter2", 9, &[]),
                rec("debug noise", 5, &[("k", str_value("v"))]),
                rec("disk full", 17, &[("n", AnyValue { value: Some(crate::event::any_value::Value::IntValue(3)) })]),
            ],
        ),
        (vec![("host.name", "web-1")], vec![rec("GET /", 9, &[]), rec("no severity", 0, &[])]),
    ])
}

#[test]
fn ottl_conditions_drop_matches() {
    // The filter processor README's example.
    let yaml = r#"
error_mode: ignore
logs:
  log_record:
    - 'IsMatch(body, ".*password.*")'
    - 'severity_number < SEVERITY_NUMBER_WARN'
"#;
    assert_eq!(run(yaml, sample()), ["disk full"]);
}

#[test]
fn resource_conditions_drop_whole_resources() {
    let yaml = "logs:\n  resource:\n    - 'attributes[\"host.name\"] == \"web-1\"'\n";
    assert_eq!(run(yaml, sample()), ["user password=hunter2", "debug noise", "disk full"]);
    let mut rls = sample();
    program(yaml).filter(&mut rls).unwrap();
    assert_eq!(rls.len(), 1, "the emptied resource is removed");
}

#[test]
fn flat_log_conditions_infer_their_context() {
    let yaml = "log_conditions:\n  - 'log.severity_number < SEVERITY_NUMBER_WARN'\n";
    assert_eq!(run(yaml, sample()), ["disk full"]);
    let yaml = "log_conditions:\n  - 'resource.attributes[\"host.name\"] == \"bastion\"'\n";
    assert_eq!(run(yaml, sample()), ["GET /", "no severity"]);
    let yaml = "log_conditions:\n  - context: resource\n    conditions: ['attributes[\"host.name\"] == \"web-1\"']\n  - context: log\n    conditions: ['IsMatch(body, \"noise\")']\n";
    assert_eq!(run(yaml, sample()), ["user password=hunter2", "disk full"]);
}

#[test]
fn keep_keeps_only_matches() {
    let yaml = "logs:\n  keep:\n    - 'IsMatch(body, \"^(GET|disk)\")'\n    - 'attributes[\"k\"] == \"v\"'\n";
    assert_eq!(run(yaml, sample()), ["debug noise", "disk full", "GET /"]);
    // Combined with drop conditions: kept when no drop and some keep condition holds.
    let yaml =
        "logs:\n  keep: ['severity_number >= SEVERITY_NUMBER_INFO']\n  log_record: ['IsMatch(body, \"password\")']\n";
    assert_eq!(run(yaml, sample()), ["disk full", "GET /"]);
}

#[test]
fn legacy_include_and_exclude() {
    let inc = |props: &str| run(&format!("logs:\n  include:\n{props}"), sample());
    let exc = |props: &str| run(&format!("logs:\n  exclude:\n{props}"), sample());
    assert_eq!(inc("    match_type: strict\n    bodies: ['GET /', 'disk']\n"), ["GET /"]);
    assert_eq!(
        inc("    match_type: regexp\n    bodies: ['^d', 'pass']\n"),
        ["user password=hunter2", "debug noise", "disk full"]
    );
    assert_eq!(exc("    match_type: regexp\n    bodies: ['^d', 'pass']\n"), ["GET /", "no severity"]);
    assert_eq!(
        inc("    match_type: strict\n    resource_attributes: [{key: host.name, value: web-1}]\n"),
        ["GET /", "no severity"]
    );
    assert_eq!(inc("    match_type: regexp\n    resource_attributes: [{key: host.name, value: '^bas'}]\n").len(), 3);
    assert_eq!(inc("    match_type: strict\n    record_attributes: [{key: n, value: 3}]\n"), ["disk full"]);
    assert_eq!(inc("    match_type: strict\n    record_attributes: [{key: n, value: '3'}]\n"), Vec::<String>::new());
    assert_eq!(inc("    match_type: regexp\n    record_attributes: [{key: n, value: '^3$'}]\n"), ["disk full"]);
    assert_eq!(inc("    match_type: strict\n    record_attributes: [{key: k}]\n"), ["debug noise"]);
    // severity_number: min as a name or number; records without one match only with match_undefined.
    assert_eq!(inc("    severity_number: {min: INFO}\n"), ["user password=hunter2", "disk full", "GET /"]);
    assert_eq!(
        inc("    severity_number: {min: info, match_undefined: true}\n"),
        ["user password=hunter2", "disk full", "GET /", "no severity"]
    );
    assert_eq!(inc("    severity_number: {min: 17}\n"), ["disk full"]);
    // Every given property must match.
    assert_eq!(inc("    match_type: regexp\n    bodies: ['.*']\n    severity_number: {min: ERROR}\n"), ["disk full"]);
    // include first, then exclude.
    let both = "logs:\n  include:\n    match_type: regexp\n    bodies: ['^d']\n  exclude:\n    match_type: strict\n    bodies: ['disk full']\n";
    assert_eq!(run(both, sample()), ["debug noise"]);
}

#[test]
fn legacy_severity_texts_and_map_bodies() {
    let mut rls = sample();
    rls[0].scope_logs[0].log_records[0].severity_text = "INFO2".into();
    rls[0].scope_logs[0].log_records[1].severity_text = "DEBUG".into();
    let yaml = "logs:\n  include:\n    match_type: regexp\n    severity_texts: ['INFO[2-4]?', 'WARN[2-4]?']\n";
    assert_eq!(run(yaml, rls), ["user password=hunter2"]);
    // A map body is matched as its JSON text (pdata's AsString), keys sorted.
    let mut rls = sample();
    rls[1].scope_logs[0].log_records[0].body = Some(AnyValue {
        value: Some(crate::event::any_value::Value::KvlistValue(crate::event::KeyValueList {
            values: vec![kv("MESSAGE", str_value("USER_START ok")), kv("A", str_value("x"))],
        })),
    });
    let yaml = "logs:\n  include:\n    match_type: regexp\n    bodies: ['^\\{\"A\":\"x\",\"MESSAGE\":\"USER_START']\n";
    assert_eq!(run(yaml, rls), [r#"{"A":"x","MESSAGE":"USER_START ok"}"#]);
}

#[test]
fn config_errors_name_the_entry() {
    assert_eq!(
        errors("logs:\n  log_record: ['IsMatch(body, \"x\")', 'severity_number <']\n"),
        ["logs::log_record[1]: invalid condition \"severity_number <\": column 18: expected a value, found end of statement"]
    );
    assert_eq!(
        errors("logs:\n  include: {match_type: strict, bodies: [a]}\n  log_record: ['true']\n"),
        ["logs: cannot use ottl conditions and include/exclude for logs at the same time"]
    );
    assert_eq!(
        errors("logs:\n  include: {match_type: fuzzy, bodies: [a]}\n"),
        ["logs::include::match_type: unrecognized match_type: 'fuzzy', valid types are: [regexp strict]"]
    );
    assert_eq!(
        errors("logs:\n  exclude: {match_type: regexp, bodies: ['a(?=b)']}\n"),
        ["logs::exclude::bodies[0]: invalid regex \"a(?=b)\": look-ahead is not supported (otelcol's RE2 syntax has no look-ahead either)"]
    );
    assert_eq!(
        errors("logs:\n  include: {severity_number: {min: LOUD}}\n"),
        ["logs::include::severity_number::min: 'LOUD' is not a valid severity: not a valid severity"]
    );
    assert_eq!(
        errors("logs:\n  include: {match_type: regexp, record_attributes: [{key: n, value: 3}]}\n"),
        ["logs::include::record_attributes[0]::value: match_type=regexp for \"n\" only supports Str, but found Int"]
    );
    assert_eq!(
        errors("log_conditions:\n  - 'true'\n  - context: span\n    conditions: ['true']\n  - 'body =='\n"),
        [
            "log_conditions[1]::context: unknown context \"span\" (valid values: log, scope, resource)",
            "log_conditions[2]: invalid condition \"body ==\": column 8: expected a value, found end of statement"
        ]
    );
    assert_eq!(errors("logs:\n  include: {}\n")[0], "logs::include: at least one of record_attributes, resource_attributes, bodies, severity_texts or severity_number must be set");
}

#[test]
fn config_errors_are_positioned_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.yaml");
    std::fs::write(
        &path,
        "receivers:\n  otlp:\n    protocols:\n      http:\nprocessors:\n  filter/ssh:\n    logs:\n      log_record:\n        - 'IsMatch(body, \"sshd\")'\n        - 'attributes[\"x\"] = 1'\nexporters:\n  debug:\nservice:\n  pipelines:\n    logs:\n      receivers: [otlp]\n      processors: [filter/ssh]\n      exporters: [debug]\n",
    )
    .unwrap();
    let sources = [crate::config::Source::File(path.to_string_lossy().into_owned())];
    let errs = crate::config::load(&sources, &|_| None, &crate::registry::Registry::builtin()).unwrap_err();
    // (This worktree may have no receivers registered: look at the filter's errors only.)
    let msgs: Vec<String> = errs.iter().map(|e| e.to_string()).filter(|m| m.contains("processors::")).collect();
    assert_eq!(
        msgs,
        [format!(
            "{}:10:11: processors::filter/ssh: logs::log_record[1]: invalid condition \"attributes[\\\"x\\\"] = 1\": column 17: expected a comparison operator (==, !=, <, <=, >, >=), found \"=\"",
            path.display()
        )]
    );
}

fn acked_batch(rls: Vec<ResourceLogs>) -> (LogBatch, crate::ack::AckWaiter) {
    let (ack, waiter) = Ack::new();
    (LogBatch::new(rls, Acks::one(ack)), waiter)
}

#[tokio::test]
async fn error_modes() {
    // `attributes["n"] + 1.5` mixes an int and a float: an evaluation error on the record that has `n`.
    let conds = "logs:\n  log_record: ['attributes[\"n\"] + 1.5 > 0', 'IsMatch(body, \"noise\")']\n";
    for (mode, kept, outcome) in
        [("propagate", 0, Outcome::Rejected), ("ignore", 4, Outcome::Delivered), ("silent", 4, Outcome::Delivered)]
    {
        let p = program(&format!("error_mode: {mode}\n{conds}"));
        let (mut batch, waiter) = acked_batch(sample());
        p.process(&mut batch);
        assert_eq!(batch.record_count(), kept, "{mode}");
        batch.acks.deliver();
        assert_eq!(waiter.wait().await, outcome, "{mode}");
        let failed = p.counters.failed_batches.load(Ordering::Relaxed);
        assert_eq!(failed, u64::from(mode == "propagate"), "{mode}");
    }
    // A group's error_mode overrides the processor's.
    let p = program(
        "error_mode: propagate\nlog_conditions:\n  - error_mode: ignore\n    conditions: ['attributes[\"n\"] + 1.5 > 0']\n",
    );
    let mut rls = sample();
    p.filter(&mut rls).unwrap();
    assert_eq!(bodies(&rls).len(), 5);
}

#[tokio::test]
async fn dropped_records_are_delivered_through_the_stage() {
    let cfg =
        crate::config::de::from_node::<FilterConfig>(&parse("t", "logs:\n  log_record: ['true']\n").unwrap()).unwrap();
    let filter = Filter::compile(&cfg);
    let (in_tx, in_rx) = tokio::sync::mpsc::channel(4);
    let (out_tx, mut out_rx) = tokio::sync::mpsc::channel(4);
    let cx = ProcessorContext::new(
        crate::config::ComponentId::new("filter", None),
        in_rx,
        crate::topology::Fanout::new(vec![out_tx]),
    );
    let task = tokio::spawn(filter.build(cx).unwrap());
    let (batch, waiter) = acked_batch(sample());
    in_tx.send(batch).await.unwrap();
    assert_eq!(waiter.wait().await, Outcome::Delivered);
    drop(in_tx);
    task.await.unwrap().unwrap();
    assert!(out_rx.recv().await.is_none(), "nothing left to send");
    assert_eq!(filter.program().unwrap().counters.dropped_records.load(Ordering::Relaxed), 5);
}

/// The journal fixture, filtered to the USER_START session_open audit records
/// three ways: legacy `include` with `match_type: regexp`, OTTL `keep` on
/// `body["MESSAGE"]`, and `journalctl --grep`, which stands in for the journald
/// receiver's own `grep` until that receiver is in this tree. To add it: read
/// the built journal directory with the receiver configured with
/// `grep: USER_START.*op=PAM:session_open`, take each record's `__CURSOR` body
/// field (as [`journal_fixture::three_ways_agree`] does for the other two) and
/// compare with the same list.
mod journal_fixture {
    use super::*;
    use std::process::Command;

    const PATTERN: &str = "USER_START.*op=PAM:session_open";

    /// Build the journal from the repository's export (`samples/journal`) with
    /// `scripts/build-journal.sh`.
    fn journal_dir(dir: &std::path::Path) -> Result<std::path::PathBuf, String> {
        let repo = env!("CARGO_MANIFEST_DIR");
        let export = format!("{repo}/samples/journal/ssh-logins.export");
        let out = dir.join("journal");
        let st = Command::new("sh")
            .arg(format!("{repo}/scripts/build-journal.sh"))
            .arg(&export)
            .arg(&out)
            .output()
            .map_err(|e| format!("build-journal.sh: {e}"))?;
        if !st.status.success() {
            return Err(format!("build-journal.sh failed: {}", String::from_utf8_lossy(&st.stderr)));
        }
        Ok(out)
    }

    fn journalctl(dir: &std::path::Path, extra: &[&str]) -> Vec<serde_json::Value> {
        let out = Command::new("journalctl")
            .arg(format!("--directory={}", dir.display()))
            .args(["--output=json", "--no-pager"])
            .args(extra)
            .output()
            .expect("journalctl runs (install the systemd package: make deps)");
        assert!(out.status.success() || out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    /// A journal entry as otelcol's journald receiver makes it: the body is a
    /// map of every field but `__REALTIME_TIMESTAMP`, which becomes the time.
    /// Strings stay strings; binary fields (arrays of numbers) become slices of
    /// doubles, as Go's JSON decoder gives them.
    pub fn entry_to_record(e: &serde_json::Value) -> LogRecord {
        use crate::event::any_value::Value as Av;
        use crate::ottl::converters::parse::json_to_any;
        let obj = e.as_object().unwrap();
        let micros: u64 = obj["__REALTIME_TIMESTAMP"].as_str().unwrap().parse().unwrap();
        let values = obj
            .iter()
            .filter(|(k, _)| *k != "__REALTIME_TIMESTAMP")
            .map(|(k, v)| kv(k.clone(), json_to_any(v.clone(), false)))
            .collect();
        LogRecord {
            time_unix_nano: micros * 1000,
            body: Some(AnyValue { value: Some(Av::KvlistValue(crate::event::KeyValueList { values })) }),
            ..Default::default()
        }
    }

    fn cursor(r: &LogRecord) -> String {
        use crate::event::any_value::Value as Av;
        let Some(Av::KvlistValue(m)) = r.body.as_ref().and_then(|b| b.value.as_ref()) else { panic!("map body") };
        let kv = m.values.iter().find(|kv| kv.key == "__CURSOR").unwrap();
        let mut s = String::new();
        crate::otlp::value::write_as_string(&mut s, kv.value.as_ref());
        s
    }

    fn filtered(yaml: &str, records: &[LogRecord]) -> Vec<String> {
        let mut rls = vec![ResourceLogs {
            scope_logs: vec![ScopeLogs { log_records: records.to_vec(), ..Default::default() }],
            ..Default::default()
        }];
        program(yaml).filter(&mut rls).unwrap();
        rls.iter().flat_map(|r| &r.scope_logs).flat_map(|s| &s.log_records).map(cursor).collect()
    }

    #[test]
    fn three_ways_agree() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = journal_dir(tmp.path()).unwrap_or_else(|e| panic!("journal fixture: {e} (run `make deps`)"));
        let all: Vec<LogRecord> = journalctl(&dir, &[]).iter().map(entry_to_record).collect();
        assert!(all.len() > 30, "the fixture has {} entries", all.len());

        // 1. journalctl's own grep (PCRE2 on MESSAGE).
        let grep: Vec<String> = journalctl(&dir, &["--grep", PATTERN])
            .iter()
            .map(|e| e["__CURSOR"].as_str().unwrap().to_string())
            .collect();
        // 2. The legacy include, on the body (a map body matches as its JSON text).
        let legacy = filtered(&format!("logs:\n  include:\n    match_type: regexp\n    bodies: ['{PATTERN}']\n"), &all);
        // 3. OTTL keep on the MESSAGE field.
        let keep = filtered(&format!("logs:\n  keep:\n    - 'IsMatch(body[\"MESSAGE\"], \"{PATTERN}\")'\n"), &all);

        assert_eq!(grep.len(), 2, "the fixture has two USER_START session_open records: {grep:?}");
        assert_eq!(legacy, grep, "legacy include");
        assert_eq!(keep, grep, "OTTL keep");
    }
}
