//! The value grammar: sums, products, factors, primaries (literals, enums,
//! paths, converter calls, lists and maps), paths and their index keys.

use super::{starts_upper, Parser, KEYWORDS};
use crate::ast::{Call, Field, Key, KeyKind, MathOp, Path, Value};
use crate::lexer::{PosError, Tok};

impl Parser<'_> {
    pub(super) fn value(&mut self) -> Result<Value, PosError> {
        let mut left = self.product()?;
        loop {
            let op = match self.peek() {
                Tok::Plus => MathOp::Add,
                Tok::Minus => MathOp::Sub,
                _ => return Ok(left),
            };
            let at = self.bump().start;
            let right = self.product()?;
            left = Value::Math { left: Box::new(left), op, right: Box::new(right), at };
        }
    }

    pub(super) fn product(&mut self) -> Result<Value, PosError> {
        let mut left = self.factor()?;
        loop {
            let op = match self.peek() {
                Tok::Star => MathOp::Mul,
                Tok::Slash => MathOp::Div,
                _ => return Ok(left),
            };
            let at = self.bump().start;
            let right = self.factor()?;
            left = Value::Math { left: Box::new(left), op, right: Box::new(right), at };
        }
    }

    pub(super) fn factor(&mut self) -> Result<Value, PosError> {
        if matches!(self.peek(), Tok::LParen) {
            self.bump();
            let v = self.value()?;
            self.expect(Tok::RParen, "\")\"")?;
            return Ok(v);
        }
        self.primary()
    }

    pub(super) fn primary(&mut self) -> Result<Value, PosError> {
        let t = self.tok().clone();
        let at = t.start;
        match t.tok {
            Tok::Minus | Tok::Plus => {
                // A sign written right before a number is part of it: `-1`, `+.5`.
                let next = &self.toks[(self.pos + 1).min(self.toks.len() - 1)];
                let neg = matches!(t.tok, Tok::Minus);
                let v = match next.tok {
                    Tok::Int(i) if next.start == t.end => Value::Int(if neg { -i } else { i }, at),
                    Tok::Float(f) if next.start == t.end => Value::Float(if neg { -f } else { f }, at),
                    _ => return Err(self.expected("a value")),
                };
                self.bump();
                self.bump();
                Ok(v)
            }
            Tok::Int(i) => {
                self.bump();
                Ok(Value::Int(i, at))
            }
            Tok::Float(f) => {
                self.bump();
                Ok(Value::Float(f, at))
            }
            Tok::Str(s) => {
                self.bump();
                Ok(Value::Str(s, at))
            }
            Tok::Bytes(b) => {
                self.bump();
                Ok(Value::Bytes(b, at))
            }
            Tok::LBracket => self.list(),
            Tok::LBrace => self.map(),
            Tok::Ident(name) => match name.as_str() {
                "nil" => {
                    self.bump();
                    Ok(Value::Nil(at))
                }
                "true" | "false" => {
                    self.bump();
                    Ok(Value::Bool(name == "true", at))
                }
                n if KEYWORDS.contains(&n) => Err(self.expected("a value")),
                _ if matches!(self.peek2(), Tok::LParen) => {
                    self.bump();
                    let args = self.call_args()?;
                    let keys = self.keys()?;
                    let call = Call { name: name.clone(), at, args, keys };
                    Ok(if starts_upper(&name) { Value::Converter(call) } else { Value::Editor(call) })
                }
                _ if starts_upper(&name) => {
                    self.bump();
                    Ok(Value::Enum(name, at))
                }
                _ => self.path().map(Value::Path),
            },
            _ => Err(self.expected("a value")),
        }
    }

    pub(super) fn list(&mut self) -> Result<Value, PosError> {
        let at = self.bump().start;
        let mut items = Vec::new();
        if matches!(self.peek(), Tok::RBracket) {
            self.bump();
            return Ok(Value::List(items, at));
        }
        loop {
            items.push(self.value()?);
            match self.peek() {
                Tok::Comma => {
                    self.bump();
                }
                Tok::RBracket => {
                    self.bump();
                    return Ok(Value::List(items, at));
                }
                _ => return Err(self.expected("\",\" or \"]\"")),
            }
        }
    }

    pub(super) fn map(&mut self) -> Result<Value, PosError> {
        let at = self.bump().start;
        let mut items = Vec::new();
        loop {
            match self.peek().clone() {
                Tok::RBrace => {
                    self.bump();
                    return Ok(Value::Map(items, at));
                }
                Tok::Str(k) => {
                    self.bump();
                    self.expect(Tok::Colon, "\":\"")?;
                    items.push((k, self.value()?));
                    if matches!(self.peek(), Tok::Comma) {
                        self.bump();
                    }
                }
                _ => return Err(self.expected("a string key or \"}\"")),
            }
        }
    }

    pub(super) fn path(&mut self) -> Result<Path, PosError> {
        let at = self.tok().start;
        let mut fields = Vec::new();
        loop {
            let t = self.tok().clone();
            match &t.tok {
                Tok::Ident(name) if !starts_upper(name) && !KEYWORDS.contains(&name.as_str()) => {
                    self.bump();
                    let keys = self.keys()?;
                    fields.push(Field { name: name.clone(), at: t.start, keys });
                }
                _ => return Err(self.expected("a lowercase path field")),
            }
            if !matches!(self.peek(), Tok::Dot) {
                return Ok(Path { at, fields });
            }
            self.bump();
        }
    }

    pub(super) fn keys(&mut self) -> Result<Vec<Key>, PosError> {
        let mut keys = Vec::new();
        while matches!(self.peek(), Tok::LBracket) {
            self.bump();
            let t = self.tok().clone();
            let kind = match (&t.tok, self.peek2()) {
                (Tok::Str(s), Tok::RBracket) => {
                    self.bump();
                    KeyKind::Str(s.clone())
                }
                (Tok::Int(i), Tok::RBracket) => {
                    self.bump();
                    KeyKind::Int(*i)
                }
                // Any value otherwise: a path, a converter, math (`[Len(x) - 1]`);
                // one that is no string or int fails when it runs, as in otelcol.
                _ => match self.value()? {
                    Value::Int(i, _) => KeyKind::Int(i),
                    Value::Str(s, _) => KeyKind::Str(s),
                    v => KeyKind::Expr(Box::new(v)),
                },
            };
            self.expect(Tok::RBracket, "\"]\"")?;
            keys.push(Key { at: t.start, kind });
        }
        Ok(keys)
    }
}
