//! Recursive-descent parser for OTTL statements and conditions (the grammar of
//! `pkg/ottl/LANGUAGE.md`):
//!
//! ```text
//! statement  := editor "(" args? ")" ("where" boolexpr)?
//! boolexpr   := term ("or" term)*          term := boolvalue ("and" boolvalue)*
//! boolvalue  := "not"? (value cmpop value | converter | "true" | "false" | "(" boolexpr ")")
//! value      := sum                         sum := product (("+"|"-") product)*
//! product    := factor (("*"|"/") factor)*  factor := "(" value ")" | primary
//! primary    := nil | true | false | int | float | string | bytes | ENUM
//!             | path | Converter "(" args? ")" key* | "[" values? "]" | "{" (string ":" value ","?)* "}"
//! path       := field ("." field)*          field := lowercase key*
//! key        := "[" value "]"   (a string or int when it runs)
//! args       := arg ("," arg)*              arg := (lowercase "=")? value
//! ```
//!
//! Errors carry the byte offset of the offending token and say what was expected.

use super::ast::{Arg, BoolExpr, Call, Lambda, LambdaBody, Statement, Value};
use super::lexer::{lex, PosError, Tok, Token};

mod values;

/// Parse `editor(...) [where ...]`.
pub fn parse_statement(src: &str) -> Result<Statement, PosError> {
    let toks = lex(src)?;
    let mut p = Parser { toks: &toks, pos: 0 };
    let s = p.statement()?;
    Ok(s)
}

/// Parse a boolean expression (a filter condition, or a `where` clause body).
pub fn parse_condition(src: &str) -> Result<BoolExpr, PosError> {
    let toks = lex(src)?;
    let mut p = Parser { toks: &toks, pos: 0 };
    if matches!(p.peek(), Tok::Eof) {
        return Err(p.expected("a condition"));
    }
    let c = p.bool_expr()?;
    if !matches!(p.peek(), Tok::Eof) {
        return Err(p.expected("\"and\", \"or\" or end of condition"));
    }
    Ok(c)
}

const KEYWORDS: [&str; 4] = ["and", "or", "not", "where"];

struct Parser<'t> {
    toks: &'t [Token],
    pos: usize,
}

fn starts_upper(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_uppercase())
}

impl Parser<'_> {
    fn tok(&self) -> &Token {
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn peek(&self) -> &Tok {
        &self.tok().tok
    }

    fn peek2(&self) -> &Tok {
        &self.toks[(self.pos + 1).min(self.toks.len() - 1)].tok
    }

    fn bump(&mut self) -> Token {
        let t = self.tok().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Ident(s) if s == kw)
    }

    fn expected(&self, what: &str) -> PosError {
        let t = self.tok();
        PosError::new(t.start, format!("expected {what}, found {}", t.tok))
    }

    fn expect(&mut self, t: Tok, what: &str) -> Result<Token, PosError> {
        if *self.peek() == t {
            Ok(self.bump())
        } else {
            Err(self.expected(what))
        }
    }

    fn statement(&mut self) -> Result<Statement, PosError> {
        let t = self.tok().clone();
        let Tok::Ident(name) = &t.tok else {
            return Err(self.expected("an editor call such as set(...)"));
        };
        if KEYWORDS.contains(&name.as_str()) || !matches!(self.peek2(), Tok::LParen) {
            return Err(self.expected("an editor call such as set(...)"));
        }
        if starts_upper(name) {
            return Err(PosError::new(
                t.start,
                format!("editor names must start with a lowercase letter but got '{name}'"),
            ));
        }
        self.bump();
        let args = self.call_args()?;
        if matches!(self.peek(), Tok::LBracket) {
            return Err(PosError::new(
                self.tok().start,
                format!("only paths and converters may be indexed, not editors, but got {name}[...]"),
            ));
        }
        let editor = Call { name: name.clone(), at: t.start, args, keys: Vec::new() };
        let condition = if self.is_kw("where") {
            self.bump();
            let c = self.bool_expr()?;
            if !matches!(self.peek(), Tok::Eof) {
                return Err(self.expected("\"and\", \"or\" or end of statement"));
            }
            Some(c)
        } else {
            if !matches!(self.peek(), Tok::Eof) {
                return Err(self.expected("\"where\" or end of statement"));
            }
            None
        };
        Ok(Statement { editor, condition })
    }

    /// `(` args `)`, the opening parenthesis being the current token.
    fn call_args(&mut self) -> Result<Vec<Arg>, PosError> {
        self.expect(Tok::LParen, "\"(\"")?;
        let mut args = Vec::new();
        if matches!(self.peek(), Tok::RParen) {
            self.bump();
            return Ok(args);
        }
        loop {
            let name = match (self.peek().clone(), self.peek2()) {
                (Tok::Ident(n), Tok::Assign) if !starts_upper(&n) => {
                    let at = self.bump().start;
                    self.bump();
                    Some((n, at))
                }
                _ => None,
            };
            let value = if self.at_lambda() { self.lambda()? } else { self.value()? };
            args.push(Arg { name, value });
            match self.peek() {
                Tok::Comma => {
                    self.bump();
                }
                Tok::RParen => {
                    self.bump();
                    return Ok(args);
                }
                _ => return Err(self.expected("\",\" or \")\"")),
            }
        }
    }

    /// Whether a lambda starts here: `(` names `)` `=>`.
    fn at_lambda(&self) -> bool {
        let tok = |i: usize| &self.toks[i.min(self.toks.len() - 1)].tok;
        if !matches!(tok(self.pos), Tok::LParen) {
            return false;
        }
        let mut i = self.pos + 1;
        if !matches!(tok(i), Tok::RParen) {
            loop {
                if !matches!(tok(i), Tok::Ident(_)) {
                    return false;
                }
                i += 1;
                match tok(i) {
                    Tok::Comma => i += 1,
                    Tok::RParen => break,
                    _ => return false,
                }
            }
        }
        matches!(tok(i + 1), Tok::Arrow)
    }

    /// `(a, b) => body`, the body a value or, failing that, a condition.
    fn lambda(&mut self) -> Result<Value, PosError> {
        let at = self.bump().start;
        let mut params = Vec::new();
        while let Tok::Ident(name) = self.peek().clone() {
            let t = self.bump();
            if starts_upper(&name) || KEYWORDS.contains(&name.as_str()) {
                return Err(PosError::new(t.start, format!("invalid lambda parameter name {name:?}")));
            }
            params.push((name, t.start));
            if matches!(self.peek(), Tok::Comma) {
                self.bump();
            }
        }
        self.expect(Tok::RParen, "\")\"")?;
        self.expect(Tok::Arrow, "\"=>\"")?;
        let save = self.pos;
        let body = match self.value() {
            Ok(v) if matches!(self.peek(), Tok::Comma | Tok::RParen) => LambdaBody::Value(v),
            _ => {
                self.pos = save;
                LambdaBody::Cond(self.bool_expr()?)
            }
        };
        Ok(Value::Lambda(Box::new(Lambda { at, params, body })))
    }

    fn bool_expr(&mut self) -> Result<BoolExpr, PosError> {
        let mut terms = vec![self.term()?];
        while self.is_kw("or") {
            self.bump();
            terms.push(self.term()?);
        }
        Ok(if terms.len() == 1 { terms.pop().unwrap_or(BoolExpr::Const(false)) } else { BoolExpr::Or(terms) })
    }

    fn term(&mut self) -> Result<BoolExpr, PosError> {
        let mut values = vec![self.bool_value()?];
        while self.is_kw("and") {
            self.bump();
            values.push(self.bool_value()?);
        }
        Ok(if values.len() == 1 { values.pop().unwrap_or(BoolExpr::Const(true)) } else { BoolExpr::And(values) })
    }

    fn bool_value(&mut self) -> Result<BoolExpr, PosError> {
        if self.is_kw("not") {
            self.bump();
            return Ok(BoolExpr::Not(Box::new(self.bool_operand()?)));
        }
        self.bool_operand()
    }

    fn bool_operand(&mut self) -> Result<BoolExpr, PosError> {
        if !matches!(self.peek(), Tok::LParen) {
            return self.comparison();
        }
        // `(` opens either a math group inside a comparison, `(1 + 2) == x`, or a
        // boolean group, `(a == b or c)`. Try the comparison, then the group, and
        // report whichever got further.
        let save = self.pos;
        let first = match self.comparison() {
            Ok(c) => return Ok(c),
            Err(e) => e,
        };
        self.pos = save;
        self.bump();
        let second = self.bool_expr().and_then(|b| {
            self.expect(Tok::RParen, "\")\"")?;
            Ok(b)
        });
        second.map_err(|e| if first.at > e.at { first } else { e })
    }

    /// `value op value`, or a converter / boolean literal on its own.
    fn comparison(&mut self) -> Result<BoolExpr, PosError> {
        let left = self.value()?;
        if let Tok::Cmp(op) = *self.peek() {
            self.bump();
            let right = self.value()?;
            return Ok(BoolExpr::Compare { left, op, right });
        }
        match left {
            Value::Converter(call) => Ok(BoolExpr::Converter(call)),
            Value::Bool(b, _) => Ok(BoolExpr::Const(b)),
            _ => Err(self.expected("a comparison operator (==, !=, <, <=, >, >=)")),
        }
    }
}
