//! Regular expressions with Go's meaning, on the `regex` crate.
//!
//! otelcol compiles OTTL patterns with Go's `regexp` (RE2 syntax). The `regex`
//! crate reads the same syntax, with three differences this module removes:
//! `\d \w \s \b` are ASCII in Go but Unicode in Rust (rewritten to ASCII
//! classes), a `[` inside a class is a literal in Go but a nested class in Rust
//! (escaped), and `\Q...\E` quoting exists only in Go (expanded). Replacement
//! templates are expanded by [`expand`], a port of Go's `Regexp.Expand`.
//!
//! Patterns neither engine can run (look-around, backreferences) are rejected
//! at load time with a message that says so.

use regex::{Captures, Regex};

/// Compile a Go (RE2) pattern.
pub fn compile(pattern: &str) -> Result<Regex, String> {
    if let Some(what) = unsupported(pattern) {
        return Err(format!("{what} is not supported (otelcol's RE2 syntax has no {what} either)"));
    }
    let translated = translate(pattern);
    Regex::new(&translated).map_err(|e| match e {
        regex::Error::Syntax(s) => {
            s.lines().last().unwrap_or("invalid pattern").trim_start_matches("error: ").to_string()
        }
        e => e.to_string(),
    })
}

/// Look-around or a backreference, which RE2 lacks, named for the message.
fn unsupported(p: &str) -> Option<&'static str> {
    for (needle, what) in [
        ("(?=", "look-ahead"),
        ("(?!", "negative look-ahead"),
        ("(?<=", "look-behind"),
        ("(?<!", "negative look-behind"),
    ] {
        if p.contains(needle) {
            return Some(what);
        }
    }
    let b = p.as_bytes();
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] == b'\\' {
            if b[i + 1].is_ascii_digit() && b[i + 1] != b'0' {
                return Some("backreference (\\1)");
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    None
}

const DIGIT: &str = "0-9";
const WORD: &str = "0-9A-Za-z_";
const SPACE: &str = "\\t\\n\\f\\r ";

fn translate(p: &str) -> String {
    let mut out = String::with_capacity(p.len() + 8);
    let mut chars = p.chars().peekable();
    // Inside a bracket class, and whether the next char is its first (where `]` is literal).
    let mut in_class = false;
    let mut class_start = false;
    while let Some(c) = chars.next() {
        let first = class_start;
        class_start = false;
        match c {
            '\\' => {
                let Some(e) = chars.next() else {
                    out.push('\\');
                    break;
                };
                match (in_class, e) {
                    (false, 'd') => out.push_str("[0-9]"),
                    (false, 'D') => out.push_str("[^0-9]"),
                    (false, 'w') => out.push_str("[0-9A-Za-z_]"),
                    (false, 'W') => out.push_str("[^0-9A-Za-z_]"),
                    (false, 's') => out.push_str("[\\t\\n\\f\\r ]"),
                    (false, 'S') => out.push_str("[^\\t\\n\\f\\r ]"),
                    (false, 'b') => out.push_str("(?-u:\\b)"),
                    (false, 'B') => out.push_str("(?-u:\\B)"),
                    (true, 'd') => out.push_str(DIGIT),
                    (true, 'w') => out.push_str(WORD),
                    (true, 's') => out.push_str(SPACE),
                    (true, 'D') => out.push_str("[^0-9]"),
                    (true, 'W') => out.push_str("[^0-9A-Za-z_]"),
                    (true, 'S') => out.push_str("[^\\t\\n\\f\\r ]"),
                    (_, 'Q') => {
                        // Literal text up to `\E` (or the end).
                        let mut lit = String::new();
                        while let Some(q) = chars.next() {
                            if q == '\\' && chars.peek() == Some(&'E') {
                                chars.next();
                                break;
                            }
                            lit.push(q);
                        }
                        out.push_str(&regex::escape(&lit));
                    }
                    (_, e) => {
                        out.push('\\');
                        out.push(e);
                    }
                }
            }
            '[' if !in_class => {
                in_class = true;
                class_start = true;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    chars.next();
                    out.push('^');
                }
            }
            '[' if chars.peek() == Some(&':') => {
                // A POSIX class such as `[:alpha:]`: copy it whole.
                out.push('[');
                for q in chars.by_ref() {
                    out.push(q);
                    if q == ']' {
                        break;
                    }
                }
            }
            '[' => out.push_str("\\["),
            ']' if in_class && first => out.push_str("\\]"),
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '&' | '~' if in_class => {
                out.push('\\');
                out.push(c);
            }
            // Go reads a `{` that starts no `{n}`, `{n,}` or `{n,m}` as a literal.
            '{' if !in_class && starts_repetition(chars.clone()) => {
                out.push('{');
                for q in chars.by_ref() {
                    out.push(q);
                    if q == '}' {
                        break;
                    }
                }
            }
            '{' | '}' if !in_class => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Whether the text after a `{` is a repetition's `n}`, `n,}` or `n,m}`.
fn starts_repetition(mut rest: impl Iterator<Item = char>) -> bool {
    let mut digits = 0;
    let mut comma = false;
    for c in rest.by_ref() {
        match c {
            '0'..='9' => digits += 1,
            ',' if !comma && digits > 0 => comma = true,
            '}' => return digits > 0,
            _ => return false,
        }
    }
    false
}

/// Go's `Regexp.Expand`: `$1`, `${1}`, `$name`, `${name}`, `$$` for `$`. A name
/// is as long as possible (`$1x` is group `1x`); a group that does not exist or
/// did not take part in the match expands to nothing; a malformed `$` stays.
pub fn expand(re: &Regex, template: &str, caps: &Captures, out: &mut String) {
    let mut t = template;
    while let Some(i) = t.find('$') {
        out.push_str(&t[..i]);
        t = &t[i + 1..];
        if let Some(rest) = t.strip_prefix('$') {
            out.push('$');
            t = rest;
            continue;
        }
        let Some((name, rest)) = extract(t) else {
            out.push('$');
            continue;
        };
        t = rest;
        let group = match group_number(name) {
            Some(n) => caps.get(n),
            None => re.capture_names().position(|n| n == Some(name)).and_then(|i| caps.get(i)),
        };
        if let Some(m) = group {
            out.push_str(m.as_str());
        }
    }
    out.push_str(t);
}

/// A group reference at the start of `s` (after the `$`): the name and the rest.
fn extract(s: &str) -> Option<(&str, &str)> {
    let (brace, body) = match s.strip_prefix('{') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let len: usize = body.chars().take_while(|c| c.is_alphanumeric() || *c == '_').map(char::len_utf8).sum();
    if len == 0 {
        return None;
    }
    let name = &body[..len];
    let mut rest = &body[len..];
    if brace {
        rest = rest.strip_prefix('}')?;
    }
    Some((name, rest))
}

/// `12` → 12; names with other characters, or a leading zero, are names.
fn group_number(name: &str) -> Option<usize> {
    if name.len() > 1 && name.starts_with('0') {
        return None;
    }
    if name.len() > 8 || !name.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    name.parse().ok()
}

/// Go's `ReplaceAllString`: every match replaced by the expanded template.
pub fn replace_all(re: &Regex, s: &str, template: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for caps in re.captures_iter(s) {
        let m = caps.get(0).expect("group 0 always matches");
        out.push_str(&s[last..m.start()]);
        expand(re, template, &caps, &mut out);
        last = m.end();
    }
    out.push_str(&s[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rep(p: &str, s: &str, t: &str) -> String {
        replace_all(&compile(p).unwrap(), s, t)
    }

    #[test]
    fn go_expand() {
        assert_eq!(rep("^kube_([0-9A-Za-z]+_)", "kube_pod_status", "k8s.$1."), "k8s.pod_.status");
        assert_eq!(rep("^kube_([0-9A-Za-z]+_)", "kube_pod_status", "k8s.${1}x"), "k8s.pod_xstatus");
        // `$1x` is the (missing) group named `1x`.
        assert_eq!(rep("(a)", "a", "$1x"), "");
        assert_eq!(rep("(a)", "a", "$$1"), "$1");
        assert_eq!(rep("(a)", "a", "$"), "$");
        assert_eq!(rep("(a)", "a", "${1"), "${1");
        assert_eq!(rep("(?P<who>a)", "a", "<$who>"), "<a>");
        assert_eq!(rep("(?P<who>a)", "a", "<${who}>"), "<a>");
        assert_eq!(rep("(a)|(b)", "b", "[$1]"), "[]");
        assert_eq!(rep("(a)", "a", "$01"), "");
        assert_eq!(rep("password=[^\\s]*(\\s?)", "x password=secret y", "password=***$1"), "x password=*** y");
    }

    #[test]
    fn ascii_classes_like_go() {
        let d = compile("^\\d+$").unwrap();
        assert!(d.is_match("123"));
        assert!(!d.is_match("١٢٣"), "Arabic-Indic digits are not \\d in Go");
        let w = compile("^[\\w.]+$").unwrap();
        assert!(w.is_match("a_b.c"));
        assert!(!w.is_match("é"));
        assert!(compile("^\\s$").unwrap().is_match("\t"));
        assert!(!compile("^\\s$").unwrap().is_match("\u{a0}"));
        assert!(compile("[[]").unwrap().is_match("["), "a [ in a class is literal in Go");
        assert!(compile("[]a]").unwrap().is_match("]"));
        assert!(compile("[a&&b]").unwrap().is_match("&"));
        assert!(compile("[[:digit:]x]").unwrap().is_match("7"));
        assert!(compile("\\Qa.b\\E").unwrap().is_match("a.b"));
        assert!(!compile("\\Qa.b\\E").unwrap().is_match("axb"));
        assert!(compile("(?i)USER_start").unwrap().is_match("user_START"));
        // A `{` that starts no repetition is a literal in Go.
        assert!(compile("^a{2}b{1,}c{1,2}$").unwrap().is_match("aabcc"));
        assert!(compile("^x: {y}$").unwrap().is_match("x: {y}"));
        assert!(compile("^{,3}$").unwrap().is_match("{,3}"));
    }

    #[test]
    fn unsupported_patterns_say_why() {
        assert_eq!(
            compile("a(?=b)").unwrap_err(),
            "look-ahead is not supported (otelcol's RE2 syntax has no look-ahead either)"
        );
        assert!(compile("(?<!x)y").unwrap_err().starts_with("negative look-behind"));
        assert!(compile("(a)\\1").unwrap_err().starts_with("backreference"));
        assert!(compile("a(").is_err());
    }
}
