//! Recall and precision on public real-world logs that nobody here wrote
//! (`testdata/real/`, sources in its SOURCES.md): LogPAI loghub's OpenSSH_2k (an
//! Internet-facing sshd, Ubuntu, OpenSSH 6.x/7.x era) and Linux_2k (Red Hat,
//! `sshd(pam_unix)` tag, among other programs' lines).
//!
//! Ground truth is loghub's own label of each line (`EventId` in the
//! `_structured.csv`): the table below says, per template, which event the line is
//! and which template parameter is the user, remote host, port and count — read from
//! the template's wording, never from what the processor prints. A template not in
//! the table, or another program's line, must stay untouched. Every line of both
//! files is fed, as the filelog receiver gives it (the syslog line as the body,
//! trailing whitespace trimmed), and compared field by field.

use std::collections::HashMap;
use std::net::IpAddr;

use regex::Regex;

use crate::event::{any_value::Value, str_value, LogRecord};

use super::{attr, loaders::testdata, processor};

/// Where a field's expected value comes from.
#[derive(Clone, Copy)]
enum P {
    No,
    /// The template's n-th `<*>`.
    Arg(usize),
    /// Spelled out in the template.
    Is(&'static str),
}
use P::*;

/// One template: the event it is, and where its fields are.
struct Form {
    kind: &'static str,
    outcome: &'static str,
    duplicate: bool,
    user: P,
    /// The remote end: an IP address (`client.address`) or a host name (`source.domain`).
    host: P,
    /// A host name besides the address.
    domain: P,
    port: P,
    count: P,
}

#[allow(clippy::too_many_arguments)]
const fn form(kind: &'static str, outcome: &'static str, duplicate: bool, user: P, host: P, port: P, count: P) -> Form {
    Form { kind, outcome, duplicate, user, host, domain: No, port, count }
}

const F: &str = "failure";
const S: &str = "success";
const AUTH_FAIL: &str = "ssh.auth.failure";
const DISCONNECT: &str = "ssh.disconnect";
const INVALID: &str = "ssh.invalid_user";

/// OpenSSH_2k.log_templates.csv, template by template (E18, `PAM service(sshd)
/// ignoring max retries; 6 > 3`, is a PAM configuration notice, not an event).
fn openssh_forms() -> HashMap<&'static str, Form> {
    HashMap::from([
        ("E1", form("ssh.auth.success", S, false, Arg(0), Arg(1), Arg(2), No)),
        ("E2", form(DISCONNECT, F, false, No, Arg(0), No, No)),
        ("E3", form(DISCONNECT, F, false, No, Arg(0), No, No)),
        ("E4", form(DISCONNECT, F, false, Is("admin"), No, No, No)),
        ("E5", form(DISCONNECT, F, false, Is("root"), No, No, No)),
        ("E6", form(DISCONNECT, F, false, No, Arg(0), No, No)),
        ("E7", form(DISCONNECT, F, false, No, Arg(0), No, No)),
        ("E8", form(AUTH_FAIL, F, false, Arg(0), Arg(1), Arg(2), No)),
        ("E9", form(AUTH_FAIL, F, false, Arg(0), Arg(1), Arg(2), No)),
        ("E10", form(AUTH_FAIL, F, false, Arg(0), Arg(1), Arg(2), No)),
        ("E11", form(DISCONNECT, F, false, No, No, No, No)),
        ("E12", form(INVALID, F, true, Arg(0), No, No, No)),
        ("E13", form(INVALID, F, false, Arg(0), Arg(1), No, No)),
        ("E14", form(AUTH_FAIL, F, false, Is("root"), Arg(1), Arg(2), Arg(0))),
        ("E15", form(AUTH_FAIL, F, true, No, Arg(3), No, Arg(0))),
        ("E16", form(AUTH_FAIL, F, true, No, Arg(3), No, Arg(0))),
        ("E17", form(AUTH_FAIL, F, true, Is("root"), Arg(3), No, Arg(0))),
        ("E19", form(AUTH_FAIL, F, true, No, Arg(2), No, No)),
        ("E20", form(AUTH_FAIL, F, true, Arg(3), Arg(2), No, No)),
        ("E21", form(INVALID, F, true, No, No, No, No)),
        ("E22", form("ssh.session.end", S, false, Arg(0), No, No, No)),
        ("E23", form("ssh.session.start", S, false, Arg(0), No, No, No)),
        ("E24", form(DISCONNECT, F, false, No, Arg(0), No, No)),
        ("E25", form(DISCONNECT, F, false, No, Arg(0), No, No)),
        ("E26", form(DISCONNECT, S, false, No, Arg(0), No, No)),
        ("E27", Form { domain: Arg(0), ..form("ssh.network", F, false, No, Arg(1), No, No) }),
    ])
}

/// Linux_2k's templates of the `sshd(pam_unix)` component.
fn linux_forms() -> HashMap<&'static str, Form> {
    HashMap::from([
        ("E16", form(AUTH_FAIL, F, true, No, Arg(0), No, No)),
        ("E17", form(AUTH_FAIL, F, true, Is("guest"), Arg(0), No, No)),
        ("E18", form(AUTH_FAIL, F, true, Is("root"), Arg(0), No, No)),
        ("E19", form(AUTH_FAIL, F, true, Is("test"), Arg(0), No, No)),
        ("E27", form(INVALID, F, true, No, No, No, No)),
        ("E101", form("ssh.session.end", S, false, Arg(0), No, No, No)),
        ("E102", form("ssh.session.start", S, false, Arg(0), No, No, No)),
    ])
}

/// The fields compared, as strings ("" when absent).
#[derive(Debug, PartialEq, Default)]
struct Event {
    kind: String,
    outcome: String,
    user: String,
    address: String,
    domain: String,
    port: String,
    count: String,
    duplicate: bool,
}

fn expected(form: &Form, args: &[&str]) -> Event {
    // A user name is what the client sent, spaces and all; the other fields are one word.
    let raw = |p: P| match p {
        No => String::new(),
        Arg(i) => args[i].to_string(),
        Is(s) => s.to_string(),
    };
    let get = |p: P| raw(p).split_whitespace().next().unwrap_or("").to_string();
    let host = get(form.host);
    let is_ip = host.parse::<IpAddr>().is_ok();
    let mut domain = get(form.domain);
    if !host.is_empty() && !is_ip {
        domain = host.clone();
    }
    Event {
        kind: form.kind.into(),
        outcome: form.outcome.into(),
        user: raw(form.user),
        address: if is_ip { host } else { String::new() },
        domain,
        port: get(form.port),
        count: get(form.count),
        duplicate: form.duplicate,
    }
}

fn got(r: &LogRecord) -> Event {
    let s = |k: &str| match attr(r, k) {
        Some(Value::StringValue(s)) => s.clone(),
        Some(Value::IntValue(i)) => i.to_string(),
        _ => String::new(),
    };
    Event {
        kind: r.event_name.clone(),
        outcome: s("event.outcome"),
        user: s("user.name"),
        address: s("client.address"),
        domain: s("source.domain"),
        port: s("client.port"),
        count: s("ssh.count"),
        duplicate: matches!(attr(r, "ssh.duplicate"), Some(Value::BoolValue(true))),
    }
}

/// RFC 4180 rows (quoted fields with doubled quotes; no newline inside a field).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|line| {
            let (mut fields, mut cur, mut quoted, mut chars) =
                (Vec::new(), String::new(), false, line.chars().peekable());
            while let Some(c) = chars.next() {
                match (c, quoted) {
                    ('"', true) if chars.peek() == Some(&'"') => {
                        cur.push('"');
                        chars.next();
                    }
                    ('"', _) => quoted = !quoted,
                    (',', false) => fields.push(std::mem::take(&mut cur)),
                    _ => cur.push(c),
                }
            }
            fields.push(cur);
            fields
        })
        .collect()
}

/// loghub's template as an anchored regex: `<*>` captures.
fn template_regex(template: &str) -> Regex {
    let parts: Vec<String> = template.trim().split("<*>").map(regex::escape).collect();
    Regex::new(&format!("^{}$", parts.join("(.*?)"))).unwrap()
}

#[derive(Default)]
struct Score {
    lines: usize,
    truth: usize,
    spoken: usize,
    right: usize,
    misses: Vec<String>,
}

/// Scores one dataset: `(log, structured csv, component prefix, forms)`.
fn score(log: &str, structured: &str, component: &str, forms: &HashMap<&str, Form>, total: &mut Score) {
    let raw = std::fs::read_to_string(testdata(&format!("real/{log}"))).unwrap();
    let rows = csv_rows(&std::fs::read_to_string(testdata(&format!("real/{structured}"))).unwrap());
    let head = &rows[0];
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let (c_comp, c_content, c_id, c_tpl) = (col("Component"), col("Content"), col("EventId"), col("EventTemplate"));
    let lines: Vec<&str> = raw.lines().collect();
    assert_eq!(lines.len(), rows.len() - 1, "{log}: one label per line");
    let p = processor(false);
    let mut regexes: HashMap<String, Regex> = HashMap::new();
    for (line, row) in lines.iter().zip(&rows[1..]) {
        let want = match forms.get(row[c_id].as_str()) {
            Some(form) if row[c_comp].starts_with(component) => {
                let re = regexes.entry(row[c_tpl].clone()).or_insert_with(|| template_regex(&row[c_tpl]));
                let content = row[c_content].trim();
                let caps = re.captures(content).unwrap_or_else(|| panic!("{log}: {content:?} is not its template"));
                let args: Vec<&str> = caps.iter().skip(1).map(|m| m.map_or("", |m| m.as_str())).collect();
                Some(expected(form, &args))
            }
            _ => None,
        };
        let mut r = LogRecord { body: Some(str_value(line.trim_end())), ..Default::default() };
        let have = p.process_record(&mut r).then(|| got(&r));
        total.lines += 1;
        total.truth += want.is_some() as usize;
        total.spoken += have.is_some() as usize;
        if want.is_some() && want == have {
            total.right += 1;
        } else if want != have && total.misses.len() < 20 {
            total.misses.push(format!("{log} {}: {line}\n  want {want:?}\n  have {have:?}", row[c_id]));
        }
    }
}

#[test]
fn recall_and_precision_on_real_logs() {
    let mut s = Score::default();
    score("OpenSSH_2k.log", "OpenSSH_2k.log_structured.csv", "", &openssh_forms(), &mut s);
    score("Linux_2k.log", "Linux_2k.log_structured.csv", "sshd", &linux_forms(), &mut s);
    let recall = s.right as f64 / s.truth as f64;
    let precision = s.right as f64 / s.spoken as f64;
    println!(
        "real logs: {} lines, {} SSH events by the labels, {} recognised, {} exactly right: recall {:.1}%, precision {:.1}%",
        s.lines,
        s.truth,
        s.spoken,
        s.right,
        recall * 100.0,
        precision * 100.0
    );
    for m in &s.misses {
        println!("{m}");
    }
    assert!(recall >= 0.95, "recall {recall:.3}");
    assert!(precision >= 0.98, "precision {precision:.3}");
}
