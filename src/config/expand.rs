//! `${...}` expansion in config values, with otelcol's rules.
//!
//! - `${env:NAME}` and `${NAME}` read an environment variable, `${env:NAME:-default}`
//!   uses the default only when the variable is unset (not when it is empty);
//! - `${file:PATH}` reads a file, `${yaml:TEXT}` is inline YAML;
//! - `$$` is a literal `$`;
//! - a value that is exactly one reference is parsed as YAML (so `${env:PORTS}`
//!   can be a list); references inside a longer string are pasted in as text.
//!
//! Values read from the environment or a file are marked secret, so errors and
//! logs never repeat them; a `${env:NAME:-default}` whose variable is unset is
//! the config's own text (the default), not a secret.

use std::sync::OnceLock;

use regex::Regex;

use super::error::Errors;
use super::yaml::{parse_value, Node, Value};

/// Looks up a variable; the real environment in production, a map in tests.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Expand every scalar value (not keys) under `node`.
pub fn expand(node: &mut Node, env: Lookup, errors: &mut Errors) {
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| expand(n, env, errors)),
        Value::Map(entries) => entries.iter_mut().for_each(|(_, v)| expand(v, env, errors)),
        Value::Scalar { text, .. } => {
            if !text.contains('$') {
                return;
            }
            let text = text.clone();
            if let Some(inner) = whole_reference(&text) {
                if let Some((value, secret)) = resolve(inner, node, env, errors) {
                    let mut parsed = parse_value(&node.pos, &value);
                    if secret {
                        parsed.mark_secret();
                    }
                    *node = parsed;
                }
                return;
            }
            let (out, secret) = expand_embedded(&text, node, env, errors);
            node.value = Value::Scalar { text: out, quoted: true };
            node.secret |= secret;
        }
    }
}

/// `Some(inner)` when the whole value is one `${inner}`.
fn whole_reference(text: &str) -> Option<&str> {
    let inner = text.strip_prefix("${")?.strip_suffix('}')?;
    (!inner.contains('}') && !inner.contains("${")).then_some(inner)
}

/// Paste references inside a longer string; returns the text and whether a secret went into it.
fn expand_embedded(text: &str, node: &Node, env: Lookup, errors: &mut Errors) -> (String, bool) {
    let mut out = String::with_capacity(text.len());
    let mut secret = false;
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if let Some(r) = rest.strip_prefix("$$") {
            out.push('$');
            rest = r;
        } else if let Some(end) = rest.find('}').filter(|_| rest.starts_with("${")) {
            if let Some((v, s)) = resolve(&rest[2..end], node, env, errors) {
                out.push_str(&v);
                secret |= s;
            }
            rest = &rest[end + 1..];
        } else {
            // A lone `$` (or `$NAME`) is kept as written.
            out.push('$');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    (out, secret)
}

/// Resolve `env:NAME[:-default]`, `NAME`, `file:PATH` or `yaml:TEXT`: the value,
/// and whether it is a secret (it came from the environment or a file).
fn resolve(inner: &str, node: &Node, env: Lookup, errors: &mut Errors) -> Option<(String, bool)> {
    static NAME: OnceLock<Regex> = OnceLock::new();
    let name_re = NAME.get_or_init(|| Regex::new(r"^[a-zA-Z_][a-zA-Z0-9_]*$").expect("static regex"));
    let (scheme, rest) = match inner.split_once(':') {
        Some((s, r)) if s.chars().all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '.' || c == '-') => (s, r),
        _ => ("env", inner),
    };
    match scheme {
        "env" => {
            let (name, default) = match rest.split_once(":-") {
                Some((n, d)) => (n, Some(d)),
                None => (rest, None),
            };
            if !name_re.is_match(name) {
                errors.at(node, "", "", format!("environment variable {name:?} has an invalid name"));
                return None;
            }
            match (env(name), default) {
                (Some(v), _) => Some((v, true)),
                (None, Some(d)) => Some((d.to_string(), false)),
                (None, None) => {
                    errors.warn(format!(
                        "{}: configuration references unset environment variable {name:?}; using an empty value",
                        node.pos
                    ));
                    Some((String::new(), false))
                }
            }
        }
        "file" => match std::fs::read_to_string(rest) {
            Ok(v) => Some((v.trim_end_matches('\n').to_string(), true)),
            Err(e) => {
                errors.at(node, "", "", format!("cannot read ${{file:{rest}}}: {e}"));
                None
            }
        },
        "yaml" => Some((rest.to_string(), false)),
        other => {
            errors.at(node, "", "", format!("unsupported scheme {other:?} in ${{...}} (valid: env, file, yaml)"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::yaml::{parse, Resolved};
    use super::*;

    fn run(yaml: &str) -> (Node, Errors) {
        let env = |k: &str| match k {
            "PORT" => Some("4318".to_string()),
            "TOKEN" => Some("s3cret".to_string()),
            "EMPTY" => Some(String::new()),
            "LIST" => Some("[a, b]".to_string()),
            _ => None,
        };
        let mut n = parse("c", yaml).unwrap();
        let mut errors = Errors::default();
        expand(&mut n, &env, &mut errors);
        (n, errors)
    }

    #[test]
    fn expands_whole_and_embedded() {
        let (n, e) = run(
            "a: ${env:PORT}\nb: \"Bearer ${TOKEN}\"\nc: ${env:NOPE:-dflt}\nd: ${env:EMPTY:-dflt}\ne: $$HOME\nf: ${env:LIST}\n",
        );
        assert!(e.errors.is_empty() && e.warnings.is_empty());
        assert_eq!(n.lookup("a").resolve(), Some(Resolved::Int(4318)));
        assert!(n.lookup("a").secret);
        assert_eq!(n.lookup("b").scalar_text(), Some("Bearer s3cret"));
        assert!(n.lookup("b").secret);
        assert_eq!(n.lookup("c").scalar_text(), Some("dflt"));
        assert!(!n.lookup("c").secret, "a default is the config's own text");
        assert_eq!(n.lookup("d").scalar_text(), Some(""));
        assert!(n.lookup("d").secret, "a set variable is a secret, even when a default is given");
        assert_eq!(n.lookup("e").scalar_text(), Some("$HOME"));
        assert!(!n.lookup("e").secret);
        assert_eq!(n.lookup("f[1]").scalar_text(), Some("b"));
        assert!(n.lookup("f[1]").secret);
    }

    #[test]
    fn defaults_pasted_into_text_are_not_secret() {
        let (n, _) = run("a: \"dir=${env:NOPE:-/var/log/journal}\"\nb: \"${env:NOPE:-x}-${TOKEN}\"\n");
        assert_eq!(n.lookup("a").scalar_text(), Some("dir=/var/log/journal"));
        assert!(!n.lookup("a").secret);
        assert_eq!(n.lookup("b").scalar_text(), Some("x-s3cret"));
        assert!(n.lookup("b").secret);
    }

    #[test]
    fn unset_warns_and_bad_name_errors() {
        let (n, e) = run("a: ${env:NOPE}\nb: ${env:1BAD}\n");
        assert_eq!(n.lookup("a").scalar_text(), Some(""));
        assert_eq!(e.warnings.len(), 1);
        assert!(e.warnings[0].contains("NOPE"));
        assert_eq!(e.errors.len(), 1);
        assert_eq!(e.errors[0].pos.line, 2);
    }
}
