//! Tokens of an OTTL statement, each with its byte span.
//!
//! Follows the token rules of otelcol's OTTL lexer (`pkg/ottl/grammar.go`):
//! byte slices `0x…`, floats `1.5`/`.5`, ints, double-quoted strings with Go
//! escapes, `and`/`or`/`not`, comparison and math operators, identifiers.
//! One deliberate difference: a leading `+`/`-` is its own token and the parser
//! joins it to a number where a value is expected, so `x - 1` is a subtraction
//! (otelcol's lexer reads `-1` as a number there and rejects the expression).

use std::fmt;

use super::ast::CmpOp;

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// `[A-Za-z][A-Za-z0-9_]*`; keywords (`where`, `and`, `nil`, ...) too.
    Ident(String),
    Str(String),
    Int(i64),
    Float(f64),
    Bytes(Vec<u8>),
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Comma,
    Dot,
    Colon,
    /// `=` (named arguments).
    Assign,
    /// `=>` (lambda expressions).
    Arrow,
    Cmp(CmpOp),
    Plus,
    Minus,
    Star,
    Slash,
    Eof,
}

#[derive(Clone, Debug)]
pub struct Token {
    pub tok: Tok,
    /// Byte offsets into the statement.
    pub start: usize,
    pub end: usize,
}

/// An error in a statement (lexing, parsing or resolving names) at a byte offset.
#[derive(Clone, Debug, PartialEq)]
pub struct PosError {
    pub at: usize,
    pub message: String,
}

impl PosError {
    pub fn new(at: usize, message: impl Into<String>) -> Self {
        PosError { at, message: message.into() }
    }
}

impl fmt::Display for Tok {
    /// How a token is named in "found ..." messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Ident(s) => write!(f, "{s:?}"),
            Tok::Str(s) => write!(f, "string {s:?}"),
            Tok::Int(i) => write!(f, "\"{i}\""),
            Tok::Float(x) => write!(f, "\"{x}\""),
            Tok::Bytes(b) => write!(f, "\"0x{}\"", hex::encode(b)),
            Tok::LParen => f.write_str("\"(\""),
            Tok::RParen => f.write_str("\")\""),
            Tok::LBracket => f.write_str("\"[\""),
            Tok::RBracket => f.write_str("\"]\""),
            Tok::LBrace => f.write_str("\"{\""),
            Tok::RBrace => f.write_str("\"}\""),
            Tok::Comma => f.write_str("\",\""),
            Tok::Dot => f.write_str("\".\""),
            Tok::Colon => f.write_str("\":\""),
            Tok::Assign => f.write_str("\"=\""),
            Tok::Arrow => f.write_str("\"=>\""),
            Tok::Cmp(op) => write!(f, "\"{}\"", op.as_str()),
            Tok::Plus => f.write_str("\"+\""),
            Tok::Minus => f.write_str("\"-\""),
            Tok::Star => f.write_str("\"*\""),
            Tok::Slash => f.write_str("\"/\""),
            Tok::Eof => f.write_str("end of statement"),
        }
    }
}

/// Split a statement into tokens, ending with `Eof`.
pub fn lex(src: &str) -> Result<Vec<Token>, PosError> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let tok = match c {
            b'(' => one(&mut i, Tok::LParen),
            b')' => one(&mut i, Tok::RParen),
            b'[' => one(&mut i, Tok::LBracket),
            b']' => one(&mut i, Tok::RBracket),
            b'{' => one(&mut i, Tok::LBrace),
            b'}' => one(&mut i, Tok::RBrace),
            b',' => one(&mut i, Tok::Comma),
            b':' => one(&mut i, Tok::Colon),
            b'+' => one(&mut i, Tok::Plus),
            b'-' => one(&mut i, Tok::Minus),
            b'*' => one(&mut i, Tok::Star),
            b'/' => one(&mut i, Tok::Slash),
            b'=' if b.get(i + 1) == Some(&b'=') => two(&mut i, Tok::Cmp(CmpOp::Eq)),
            b'=' if b.get(i + 1) == Some(&b'>') => two(&mut i, Tok::Arrow),
            b'=' => one(&mut i, Tok::Assign),
            b'!' if b.get(i + 1) == Some(&b'=') => two(&mut i, Tok::Cmp(CmpOp::Ne)),
            b'<' if b.get(i + 1) == Some(&b'=') => two(&mut i, Tok::Cmp(CmpOp::Le)),
            b'<' => one(&mut i, Tok::Cmp(CmpOp::Lt)),
            b'>' if b.get(i + 1) == Some(&b'=') => two(&mut i, Tok::Cmp(CmpOp::Ge)),
            b'>' => one(&mut i, Tok::Cmp(CmpOp::Gt)),
            b'"' => {
                let (s, end) = lex_string(src, i)?;
                i = end;
                Tok::Str(s)
            }
            b'.' if b.get(i + 1).is_some_and(u8::is_ascii_digit) => lex_number(src, &mut i)?,
            b'.' => one(&mut i, Tok::Dot),
            b'0' if matches!(b.get(i + 1), Some(b'x')) && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit) => {
                let mut j = i + 2;
                while j < b.len() && b[j].is_ascii_hexdigit() {
                    j += 1;
                }
                let digits = &src[i + 2..j];
                let bytes = hex::decode(digits).map_err(|_| {
                    PosError::new(i, format!("invalid byte slice 0x{digits}: it needs an even number of hex digits"))
                })?;
                i = j;
                Tok::Bytes(bytes)
            }
            b'0'..=b'9' => lex_number(src, &mut i)?,
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let mut j = i + 1;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                let word = src[i..j].to_string();
                i = j;
                Tok::Ident(word)
            }
            _ => {
                let ch = src[i..].chars().next().unwrap_or('?');
                return Err(PosError::new(i, format!("unexpected character {ch:?}")));
            }
        };
        out.push(Token { tok, start, end: i });
    }
    out.push(Token { tok: Tok::Eof, start: b.len(), end: b.len() });
    Ok(out)
}

fn one(i: &mut usize, t: Tok) -> Tok {
    *i += 1;
    t
}

fn two(i: &mut usize, t: Tok) -> Tok {
    *i += 2;
    t
}

/// `\d+` or `\d*\.\d+([eE][-+]?\d+)?`.
fn lex_number(src: &str, i: &mut usize) -> Result<Tok, PosError> {
    let b = src.as_bytes();
    let start = *i;
    let mut j = start;
    while j < b.len() && b[j].is_ascii_digit() {
        j += 1;
    }
    let mut float = false;
    if j < b.len() && b[j] == b'.' && b.get(j + 1).is_some_and(u8::is_ascii_digit) {
        float = true;
        j += 1;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j < b.len() && (b[j] == b'e' || b[j] == b'E') {
            let mut k = j + 1;
            if k < b.len() && (b[k] == b'+' || b[k] == b'-') {
                k += 1;
            }
            if k < b.len() && b[k].is_ascii_digit() {
                while k < b.len() && b[k].is_ascii_digit() {
                    k += 1;
                }
                j = k;
            }
        }
    }
    let text = &src[start..j];
    *i = j;
    if float {
        text.parse().map(Tok::Float).map_err(|_| PosError::new(start, format!("invalid number {text}")))
    } else {
        text.parse()
            .map(Tok::Int)
            .map_err(|_| PosError::new(start, format!("integer {text} is out of range for int64")))
    }
}

/// A double-quoted string starting at `start`, unescaped as Go's
/// `strconv.UnquoteChar` does: `\a \b \f \n \r \t \v \\ \"`, `\xHH`, octal `\NNN`,
/// `\uHHHH`, `\UHHHHHHHH`. Any other escape is an error, as in otelcol.
fn lex_string(src: &str, start: usize) -> Result<(String, usize), PosError> {
    let mut out = String::new();
    let mut chars = src[start + 1..].char_indices().peekable();
    let abs = |k: usize| start + 1 + k;
    while let Some((k, c)) = chars.next() {
        match c {
            '"' => return Ok((out, abs(k) + 1)),
            '\\' => {
                let Some((_, e)) = chars.next() else { break };
                let simple = match e {
                    'a' => Some('\u{7}'),
                    'b' => Some('\u{8}'),
                    'f' => Some('\u{c}'),
                    'n' => Some('\n'),
                    'r' => Some('\r'),
                    't' => Some('\t'),
                    'v' => Some('\u{b}'),
                    '\\' => Some('\\'),
                    '"' => Some('"'),
                    _ => None,
                };
                if let Some(s) = simple {
                    out.push(s);
                    continue;
                }
                let (len, radix) = match e {
                    'x' => (2, 16),
                    'u' => (4, 16),
                    'U' => (8, 16),
                    '0'..='7' => (2, 8),
                    _ => {
                        return Err(PosError::new(
                            abs(k),
                            format!("invalid escape \\{e} in string (write \\\\{e} for a backslash)"),
                        ))
                    }
                };
                let mut digits = String::new();
                if radix == 8 {
                    digits.push(e);
                }
                for _ in 0..len {
                    match chars.next() {
                        Some((_, d)) if d.is_digit(radix) => digits.push(d),
                        _ => return Err(PosError::new(abs(k), format!("invalid escape \\{e}{digits} in string"))),
                    }
                }
                let n = u32::from_str_radix(&digits, radix).unwrap_or(u32::MAX);
                match char::from_u32(n) {
                    Some(ch) if radix != 8 || n <= 255 => out.push(ch),
                    _ => return Err(PosError::new(abs(k), format!("invalid escape \\{e}{digits} in string"))),
                }
            }
            c => out.push(c),
        }
    }
    Err(PosError::new(start, "unterminated string: missing closing \""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn numbers_strings_bytes() {
        assert_eq!(
            toks(r#"1 1.5 .5 2.5e3 0x01ab "a\"b\n\u00e9""#),
            [
                Tok::Int(1),
                Tok::Float(1.5),
                Tok::Float(0.5),
                Tok::Float(2500.0),
                Tok::Bytes(vec![1, 0xab]),
                Tok::Str("a\"b\né".into()),
                Tok::Eof
            ]
        );
    }

    #[test]
    fn operators_and_idents() {
        assert_eq!(
            toks("a.b[\"k\"] >= -1 and not x != y"),
            [
                Tok::Ident("a".into()),
                Tok::Dot,
                Tok::Ident("b".into()),
                Tok::LBracket,
                Tok::Str("k".into()),
                Tok::RBracket,
                Tok::Cmp(CmpOp::Ge),
                Tok::Minus,
                Tok::Int(1),
                Tok::Ident("and".into()),
                Tok::Ident("not".into()),
                Tok::Ident("x".into()),
                Tok::Cmp(CmpOp::Ne),
                Tok::Ident("y".into()),
                Tok::Eof
            ]
        );
    }

    #[test]
    fn bad_input() {
        assert_eq!(lex("\"abc").unwrap_err(), PosError::new(0, "unterminated string: missing closing \""));
        assert_eq!(lex("x # y").unwrap_err().at, 2);
        assert_eq!(lex(r#""\d""#).unwrap_err().message, "invalid escape \\d in string (write \\\\d for a backslash)");
        assert!(lex("0x123").is_err());
        assert!(lex("99999999999999999999").is_err());
    }
}
