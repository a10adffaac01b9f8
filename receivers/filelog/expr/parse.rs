//! The expression lexer and parser: source text to [`Node`]s, with the
//! column of anything outside the supported subset.

use std::fmt;

use regex::Regex;

use super::{CmpOp, Lit, Node};
use crate::receivers::filelog::entry::{Field, Root};

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Kind {
    Ident(String),
    Str(String),
    Int(i64),
    Float(f64),
    Op(&'static str),
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Ident(s) => write!(f, "`{s}`"),
            Kind::Str(s) => write!(f, "string {s:?}"),
            Kind::Int(i) => write!(f, "number {i}"),
            Kind::Float(x) => write!(f, "number {x}"),
            Kind::Op(o) => write!(f, "`{o}`"),
        }
    }
}

#[derive(Clone, Debug)]
pub(super) struct Token {
    pub(super) kind: Kind,
    /// Byte offset in the source.
    pub(super) pos: usize,
}

const OPS: [&str; 20] =
    ["==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "(", ")", "[", "]", ".", ",", "+", "-", "*", "/", "%"];

fn column(src: &str, pos: usize) -> usize {
    src[..pos.min(src.len())].chars().count() + 1
}

pub(super) fn lex(src: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let b = src.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let pos = i;
        if c == b'"' || c == b'\'' {
            let (s, end) = lex_string(src, i).map_err(|m| format!("{m} at column {}", column(src, pos)))?;
            out.push(Token { kind: Kind::Str(s), pos });
            i = end;
        } else if c.is_ascii_digit() {
            let mut end = i;
            while end < b.len() && (b[end].is_ascii_digit() || b[end] == b'.' || b[end] == b'_') {
                end += 1;
            }
            let text = src[i..end].replace('_', "");
            let kind = if text.contains('.') {
                Kind::Float(text.parse().map_err(|_| format!("invalid number at column {}", column(src, pos)))?)
            } else {
                Kind::Int(text.parse().map_err(|_| format!("invalid number at column {}", column(src, pos)))?)
            };
            out.push(Token { kind, pos });
            i = end;
        } else if c.is_ascii_alphabetic() || c == b'_' || c == b'$' {
            let mut end = i + 1;
            while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'_') {
                end += 1;
            }
            out.push(Token { kind: Kind::Ident(src[i..end].to_string()), pos });
            i = end;
        } else if let Some(op) = OPS.iter().find(|op| src[i..].starts_with(**op)) {
            out.push(Token { kind: Kind::Op(op), pos });
            i += op.len();
        } else {
            let ch = src[i..].chars().next().unwrap_or('?');
            return Err(format!("unexpected character {ch:?} at column {}", column(src, pos)));
        }
    }
    Ok(out)
}

/// A quoted string with expr-lang's escapes; returns it and the index after it.
fn lex_string(src: &str, start: usize) -> Result<(String, usize), String> {
    let quote = src.as_bytes()[start] as char;
    let mut out = String::new();
    let mut chars = src[start + 1..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            c if c == quote => return Ok((out, start + 1 + i + 1)),
            '\\' => match chars.next().map(|(_, c)| c) {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some(c @ ('\\' | '"' | '\'')) => out.push(c),
                Some(c) => {
                    // Regexes keep their escapes: `"\\d"` and `"\d"` both mean \d.
                    out.push('\\');
                    out.push(c);
                }
                None => break,
            },
            c => out.push(c),
        }
    }
    Err("unterminated string".to_string())
}

pub(super) struct Parser<'s> {
    pub(super) tokens: Vec<Token>,
    pub(super) at: usize,
    pub(super) src: &'s str,
}

impl Parser<'_> {
    pub(super) fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    pub(super) fn error_at(&self, pos: usize, msg: String) -> String {
        format!("{msg} at column {}", column(self.src, pos))
    }

    fn end_pos(&self) -> usize {
        self.src.len()
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Some(Token { kind: Kind::Op(o), .. }) if *o == op)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Token { kind: Kind::Ident(i), .. }) if i == w)
    }

    fn expect_op(&mut self, op: &str) -> Result<(), String> {
        if self.is_op(op) {
            self.at += 1;
            return Ok(());
        }
        Err(match self.peek() {
            Some(t) => self.error_at(t.pos, format!("expected `{op}`, found {}", t.kind)),
            None => self.error_at(self.end_pos(), format!("expected `{op}` at the end")),
        })
    }

    pub(super) fn or(&mut self) -> Result<Node, String> {
        let mut left = self.and()?;
        while self.is_op("||") || self.is_word("or") {
            self.at += 1;
            left = Node::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Node, String> {
        let mut left = self.not()?;
        while self.is_op("&&") || self.is_word("and") {
            self.at += 1;
            left = Node::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Node, String> {
        if self.is_op("!") || self.is_word("not") {
            self.at += 1;
            return Ok(Node::Not(Box::new(self.not()?)));
        }
        self.cmp()
    }

    fn cmp(&mut self) -> Result<Node, String> {
        let left = self.sum()?;
        // expr-lang's negated operators: `not in`, `not matches`, `not contains`,
        // `not startsWith`, `not endsWith`.
        let negated = self.is_word("not")
            && matches!(self.tokens.get(self.at + 1), Some(Token { kind: Kind::Ident(i), .. })
                if ["in", "matches", "contains", "startsWith", "endsWith"].contains(&i.as_str()));
        if !negated {
            return self.operator(left);
        }
        self.at += 1;
        if self.is_word("in") {
            self.at += 1;
            let right = self.sum()?;
            return Ok(Node::Cmp(CmpOp::NotIn, Box::new(left), Box::new(right)));
        }
        Ok(Node::Not(Box::new(self.operator(left)?)))
    }

    /// A binary operator and its right side after `left`, if one follows.
    fn operator(&mut self, left: Node) -> Result<Node, String> {
        let Some(t) = self.peek().cloned() else { return Ok(left) };
        let op = match &t.kind {
            Kind::Op("==") => CmpOp::Eq,
            Kind::Op("!=") => CmpOp::Ne,
            Kind::Op("<") => CmpOp::Lt,
            Kind::Op("<=") => CmpOp::Le,
            Kind::Op(">") => CmpOp::Gt,
            Kind::Op(">=") => CmpOp::Ge,
            Kind::Ident(w) if w == "contains" => CmpOp::Contains,
            Kind::Ident(w) if w == "startsWith" => CmpOp::StartsWith,
            Kind::Ident(w) if w == "endsWith" => CmpOp::EndsWith,
            Kind::Ident(w) if w == "in" => CmpOp::In,
            Kind::Ident(w) if w == "matches" => {
                self.at += 1;
                let Some(Token { kind: Kind::Str(pattern), pos }) = self.peek().cloned() else {
                    let pos = self.peek().map_or(self.end_pos(), |t| t.pos);
                    return Err(self.error_at(pos, "`matches` needs a string literal pattern".into()));
                };
                self.at += 1;
                let re = Regex::new(&pattern).map_err(|e| self.error_at(pos, format!("invalid regex: {e}")))?;
                return Ok(Node::Matches(Box::new(left), re));
            }
            _ => return Ok(left),
        };
        self.at += 1;
        let right = self.sum()?;
        Ok(Node::Cmp(op, Box::new(left), Box::new(right)))
    }

    fn sum(&mut self) -> Result<Node, String> {
        let mut left = self.primary()?;
        while self.is_op("+") {
            self.at += 1;
            left = Node::Add(Box::new(left), Box::new(self.primary()?));
        }
        Ok(left)
    }

    fn primary(&mut self) -> Result<Node, String> {
        let Some(t) = self.peek().cloned() else {
            return Err(self.error_at(self.end_pos(), "unexpected end of expression".into()));
        };
        self.at += 1;
        match t.kind {
            Kind::Str(s) => Ok(Node::Lit(Lit::Str(s))),
            Kind::Int(i) => Ok(Node::Lit(Lit::Int(i))),
            Kind::Float(f) => Ok(Node::Lit(Lit::Float(f))),
            Kind::Op("-") => match self.peek().map(|t| t.kind.clone()) {
                Some(Kind::Int(i)) => {
                    self.at += 1;
                    Ok(Node::Lit(Lit::Int(-i)))
                }
                Some(Kind::Float(f)) => {
                    self.at += 1;
                    Ok(Node::Lit(Lit::Float(-f)))
                }
                _ => Err(self.error_at(t.pos, "`-` is only supported before a number".into())),
            },
            Kind::Op("(") => {
                let inner = self.or()?;
                self.expect_op(")")?;
                Ok(inner)
            }
            Kind::Op("[") => {
                let mut items = Vec::new();
                if !self.is_op("]") {
                    loop {
                        items.push(self.or()?);
                        if self.is_op(",") {
                            self.at += 1;
                            continue;
                        }
                        break;
                    }
                }
                self.expect_op("]")?;
                Ok(Node::List(items))
            }
            Kind::Ident(w) => match w.as_str() {
                "true" => Ok(Node::Lit(Lit::Bool(true))),
                "false" => Ok(Node::Lit(Lit::Bool(false))),
                "nil" => Ok(Node::Lit(Lit::Nil)),
                "env" => {
                    self.expect_op("(")?;
                    let arg = self.or()?;
                    self.expect_op(")")?;
                    Ok(Node::Env(Box::new(arg)))
                }
                "body" | "$" | "attributes" | "resource" => self.path(&w),
                _ => Err(self.error_at(
                    t.pos,
                    format!("unknown name `{w}` (supported: body, attributes, resource, env(), true, false, nil)"),
                )),
            },
            kind => Err(self.error_at(t.pos, format!("unexpected {kind}"))),
        }
    }

    fn path(&mut self, root: &str) -> Result<Node, String> {
        let root = match root {
            "attributes" => Root::Attributes,
            "resource" => Root::Resource,
            _ => Root::Body,
        };
        let mut keys = Vec::new();
        loop {
            if self.is_op(".") {
                self.at += 1;
                match self.peek().cloned() {
                    Some(Token { kind: Kind::Ident(k), .. }) => {
                        self.at += 1;
                        keys.push(k);
                    }
                    Some(t) => return Err(self.error_at(t.pos, format!("expected a key after `.`, found {}", t.kind))),
                    None => return Err(self.error_at(self.end_pos(), "expected a key after `.`".into())),
                }
            } else if self.is_op("[") {
                self.at += 1;
                match self.peek().cloned() {
                    Some(Token { kind: Kind::Str(k), .. }) => {
                        self.at += 1;
                        keys.push(k);
                    }
                    Some(t) => {
                        return Err(self.error_at(t.pos, format!("expected a quoted key in `[...]`, found {}", t.kind)))
                    }
                    None => return Err(self.error_at(self.end_pos(), "expected a quoted key in `[...]`".into())),
                }
                self.expect_op("]")?;
            } else {
                break;
            }
        }
        Ok(Node::Path(Field { root, keys }))
    }
}
