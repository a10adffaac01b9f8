//! Cutting a byte stream into entries, as stanza's split functions do: by
//! newline, or by a regex that marks where entries start or end.

use std::ops::Range;

use regex::bytes::Regex;

use super::SplitConfig;

/// A compiled [`SplitConfig`].
#[derive(Clone, Debug)]
pub enum Splitter {
    Newline,
    LineStart { re: Regex, omit: bool },
    LineEnd { re: Regex, omit: bool },
}

/// One complete entry found in a buffer.
#[derive(Debug, PartialEq, Eq)]
pub struct Token {
    /// The entry's bytes within the buffer (before whitespace trimming).
    pub range: Range<usize>,
    /// Bytes consumed from the start of the buffer (the entry and its terminator).
    pub advance: usize,
}

impl Splitter {
    pub fn new(cfg: &SplitConfig) -> Result<Splitter, String> {
        // Go's `^`/`$` would match only at the ends of the buffer; stanza prepends (?m).
        let compile = |p: &str, key: &str| {
            if p.is_empty() {
                return Err(format!("multiline: {key} must not be empty"));
            }
            Regex::new(&format!("(?m){p}")).map_err(|e| format!("multiline: {key}: invalid regex: {e}"))
        };
        Ok(match cfg {
            SplitConfig::Newline => Splitter::Newline,
            SplitConfig::LineStart { pattern, omit_pattern } => {
                Splitter::LineStart { re: compile(pattern, "line_start_pattern")?, omit: *omit_pattern }
            }
            SplitConfig::LineEnd { pattern, omit_pattern } => {
                Splitter::LineEnd { re: compile(pattern, "line_end_pattern")?, omit: *omit_pattern }
            }
        })
    }

    /// The next complete entry at the start of `data`, if there is one.
    pub fn next(&self, data: &[u8]) -> Option<Token> {
        match self {
            Splitter::Newline => {
                let i = memchr::memchr(b'\n', data)?;
                let end = if i > 0 && data[i - 1] == b'\r' { i - 1 } else { i };
                Some(Token { range: 0..end, advance: i + 1 })
            }
            Splitter::LineStart { re, omit } => {
                let first = re.find(data)?;
                if first.start() != 0 {
                    // Data before the first start match is an entry of its own, so nothing is lost.
                    return Some(Token { range: 0..first.start(), advance: first.start() });
                }
                if first.end() == data.len() {
                    return None;
                }
                // As in stanza, the search for the next start begins one byte past this match.
                let from = first.end() + 1;
                let second = re.find(&data[from..])?;
                let next_start = from + second.start();
                let begin = if *omit { first.end() } else { 0 };
                Some(Token { range: begin..next_start, advance: next_start })
            }
            Splitter::LineEnd { re, omit } => {
                let m = re.find(data)?;
                // The match may continue in data not read yet.
                if m.end() + 1 >= data.len() && m.end() != data.len() {
                    return None;
                }
                if m.end() == data.len() && m.end() == m.start() {
                    return None;
                }
                let end = if *omit { m.start() } else { m.end() };
                Some(Token { range: 0..end, advance: m.end().max(1) })
            }
        }
    }

    /// The entry formed by all of `data` when it is flushed without a terminator.
    pub fn flush(&self, data: &[u8]) -> Range<usize> {
        match self {
            Splitter::LineStart { re, omit: true } => match re.find(data) {
                Some(m) if m.start() == 0 => m.end()..data.len(),
                _ => 0..data.len(),
            },
            _ => 0..data.len(),
        }
    }

    /// While skipping the rest of an overlong entry: how many bytes of `data`
    /// belong to it. `(n, true)` when the entry ends within `data`.
    pub fn skip(&self, data: &[u8]) -> (usize, bool) {
        match self {
            Splitter::Newline => match memchr::memchr(b'\n', data) {
                Some(i) => (i + 1, true),
                None => (data.len(), false),
            },
            Splitter::LineEnd { re, .. } => match re.find(data) {
                Some(m) if m.end() < data.len() => (m.end().max(1), true),
                // Keep a little, in case the end match straddles the next read.
                _ => (data.len().saturating_sub(KEEP), false),
            },
            Splitter::LineStart { re, .. } => match re.find_iter(data).find(|m| m.start() > 0) {
                Some(m) => (m.start(), true),
                None => (data.len().saturating_sub(KEEP), false),
            },
        }
    }
}

/// Bytes kept unconsumed while skipping with a regex, so that a pattern split
/// across two reads is still found.
const KEEP: usize = 4096;

/// Trim whitespace as stanza's default trimmer does.
pub fn trim(data: &[u8], leading: bool, trailing: bool) -> &[u8] {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let mut s = data;
    if leading {
        let n = s.iter().take_while(|b| ws(b)).count();
        s = &s[n..];
    }
    if trailing {
        let n = s.iter().rev().take_while(|b| ws(b)).count();
        s = &s[..s.len() - n];
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(s: &Splitter, data: &[u8]) -> (Vec<String>, usize) {
        let mut out = Vec::new();
        let mut at = 0;
        while let Some(t) = s.next(&data[at..]) {
            out.push(String::from_utf8_lossy(&data[at..][t.range]).into_owned());
            at += t.advance;
        }
        (out, at)
    }

    #[test]
    fn newline() {
        let s = Splitter::new(&SplitConfig::Newline).unwrap();
        assert_eq!(all(&s, b"a\r\nb\n\nc"), (vec!["a".into(), "b".into(), "".into()], 6));
    }

    #[test]
    fn line_start() {
        let cfg = SplitConfig::LineStart { pattern: r"^\d{4}-".into(), omit_pattern: false };
        let s = Splitter::new(&cfg).unwrap();
        let data = b"junk\n2024-01 a\n  more\n2024-02 b\n2024-03 c";
        let (tokens, used) = all(&s, data);
        assert_eq!(tokens, ["junk\n", "2024-01 a\n  more\n", "2024-02 b\n"]);
        assert_eq!(&data[used..], b"2024-03 c");
        assert_eq!(s.flush(b"2024-03 c"), 0..9);
        let omit = Splitter::new(&SplitConfig::LineStart { pattern: r"^START ".into(), omit_pattern: true }).unwrap();
        assert_eq!(all(&omit, b"START a\nSTART b").0, ["a\n"]);
        assert_eq!(omit.flush(b"START b"), 6..7);
    }

    #[test]
    fn line_end() {
        let s = Splitter::new(&SplitConfig::LineEnd { pattern: r"END\n".into(), omit_pattern: false }).unwrap();
        let (tokens, used) = all(&s, b"a\nb END\nc END\ndd");
        assert_eq!(tokens, ["a\nb END\n", "c END\n"]);
        assert_eq!(used, 14);
    }

    #[test]
    fn skip_to_the_end_of_an_entry() {
        let s = Splitter::new(&SplitConfig::Newline).unwrap();
        assert_eq!(s.skip(b"xxxx\nnext"), (5, true));
        assert_eq!(s.skip(b"xxxx"), (4, false));
    }

    #[test]
    fn trims_whitespace() {
        assert_eq!(trim(b" \ta b \r", true, true), b"a b");
        assert_eq!(trim(b" a ", false, true), b" a");
        assert_eq!(trim(b" a ", true, false), b"a ");
    }
}
