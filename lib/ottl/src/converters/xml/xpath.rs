//! The XPath 1.0 subset the XML converters take (what otelcol's examples and
//! tests use through `xmlquery`): absolute and relative location paths with
//! `/` and `//`; steps `name`, `*`, `@name`, `@*`, `text()`, `comment()`,
//! `node()`, `.`, `..`; predicates `[n]` and `[expr]`, where an expression is
//! a path (true when it selects something), a string or number literal,
//! `=`/`!=`, `and`, `or`, parentheses, `not(x)`, `contains(a, b)`,
//! `starts-with(a, b)` and `string(x)`. Anything else is a config error.

use super::dom::Node;
pub use super::dom::{children, node, string_value};

/// A selected node: a node by its child indexes from the document, or an
/// attribute of an element. `Node(vec![])` is the document itself.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sel {
    Node(Vec<usize>),
    Attr(Vec<usize>, usize),
}

#[derive(Debug, Clone)]
pub struct XPath {
    absolute: bool,
    steps: Vec<Step>,
}

#[derive(Debug, Clone)]
struct Step {
    descendant: bool,
    test: Test,
    preds: Vec<Expr>,
}

#[derive(Debug, Clone)]
enum Test {
    Name(String),
    AnyElem,
    Text,
    Comment,
    AnyNode,
    Attr(Option<String>),
    SelfNode,
    Parent,
}

#[derive(Debug, Clone)]
enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Eq(Box<Expr>, bool, Box<Expr>),
    Path(XPath),
    Str(String),
    Num(f64),
    Call(String, Vec<Expr>),
}

enum XVal {
    Nodes(Vec<Sel>),
    Str(String),
    Num(f64),
    Bool(bool),
}

impl XPath {
    pub fn parse(src: &str) -> Result<XPath, String> {
        let mut p = P { s: src.as_bytes(), i: 0 };
        let xp = p.path()?;
        p.ws();
        if p.i != p.s.len() {
            return Err(format!("invalid xpath expression {src:?}: unexpected {:?} at {}", &src[p.i..], p.i));
        }
        Ok(xp)
    }

    /// The nodes this path selects in `doc`, in document order.
    pub fn select(&self, doc: &[Node]) -> Vec<Sel> {
        select(doc, self, &[Sel::Node(Vec::new())])
    }
}

struct P<'a> {
    s: &'a [u8],
    i: usize,
}

impl P<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, t: &str) -> bool {
        self.ws();
        if self.s[self.i..].starts_with(t.as_bytes()) {
            self.i += t.len();
            true
        } else {
            false
        }
    }

    fn name(&mut self) -> Option<String> {
        self.ws();
        let start = self.i;
        while self.i < self.s.len() && (self.s[self.i].is_ascii_alphanumeric() || b"_-.:".contains(&self.s[self.i])) {
            if self.s[self.i] == b'.' && self.i == start {
                break;
            }
            self.i += 1;
        }
        (self.i > start).then(|| String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    fn path(&mut self) -> Result<XPath, String> {
        self.ws();
        let mut absolute = false;
        let mut descendant = false;
        if self.eat("//") {
            absolute = true;
            descendant = true;
        } else if self.eat("/") {
            absolute = true;
            self.ws();
            if self.i == self.s.len() || matches!(self.s[self.i], b']' | b')' | b',' | b'=' | b'!') {
                return Ok(XPath { absolute, steps: Vec::new() });
            }
        }
        let mut steps = Vec::new();
        loop {
            steps.push(self.step(descendant)?);
            if self.eat("//") {
                descendant = true;
            } else if self.eat("/") {
                descendant = false;
            } else {
                return Ok(XPath { absolute, steps });
            }
        }
    }

    fn step(&mut self, descendant: bool) -> Result<Step, String> {
        let test = if self.eat("..") {
            Test::Parent
        } else if self.eat(".") {
            Test::SelfNode
        } else if self.eat("*") {
            Test::AnyElem
        } else if self.eat("@") {
            if self.eat("*") {
                Test::Attr(None)
            } else {
                Test::Attr(Some(self.name().ok_or("invalid xpath expression: expected an attribute name")?))
            }
        } else {
            let name =
                self.name().ok_or_else(|| format!("invalid xpath expression: unexpected character at {}", self.i))?;
            if self.eat("(") {
                if !self.eat(")") {
                    return Err(format!("invalid xpath expression: {name}() takes no arguments here"));
                }
                match name.as_str() {
                    "text" => Test::Text,
                    "comment" => Test::Comment,
                    "node" => Test::AnyNode,
                    _ => return Err(format!("invalid xpath expression: unsupported node test {name}()")),
                }
            } else {
                Test::Name(name)
            }
        };
        let mut preds = Vec::new();
        while self.eat("[") {
            preds.push(self.or()?);
            if !self.eat("]") {
                return Err("invalid xpath expression: expected ]".into());
            }
        }
        Ok(Step { descendant, test, preds })
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut l = self.and()?;
        while self.keyword("or") {
            l = Expr::Or(Box::new(l), Box::new(self.and()?));
        }
        Ok(l)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut l = self.eq()?;
        while self.keyword("and") {
            l = Expr::And(Box::new(l), Box::new(self.eq()?));
        }
        Ok(l)
    }

    fn keyword(&mut self, k: &str) -> bool {
        let save = self.i;
        if self.eat(k) && self.s.get(self.i).is_none_or(|c| !c.is_ascii_alphanumeric()) {
            return true;
        }
        self.i = save;
        false
    }

    fn eq(&mut self) -> Result<Expr, String> {
        let l = self.primary()?;
        if self.eat("!=") {
            return Ok(Expr::Eq(Box::new(l), true, Box::new(self.primary()?)));
        }
        if self.eat("=") {
            return Ok(Expr::Eq(Box::new(l), false, Box::new(self.primary()?)));
        }
        Ok(l)
    }

    fn primary(&mut self) -> Result<Expr, String> {
        self.ws();
        match self.s.get(self.i) {
            Some(q @ (b'\'' | b'"')) => {
                let q = *q;
                let start = self.i + 1;
                let end =
                    self.s[start..].iter().position(|c| *c == q).ok_or("invalid xpath expression: unclosed string")?;
                self.i = start + end + 1;
                Ok(Expr::Str(String::from_utf8_lossy(&self.s[start..start + end]).into_owned()))
            }
            Some(c) if c.is_ascii_digit() => {
                let start = self.i;
                while self.i < self.s.len() && (self.s[self.i].is_ascii_digit() || self.s[self.i] == b'.') {
                    self.i += 1;
                }
                let n = std::str::from_utf8(&self.s[start..self.i]).ok().and_then(|t| t.parse().ok());
                n.map(Expr::Num).ok_or_else(|| "invalid xpath expression: bad number".into())
            }
            Some(b'(') => {
                self.i += 1;
                let e = self.or()?;
                if !self.eat(")") {
                    return Err("invalid xpath expression: expected )".into());
                }
                Ok(e)
            }
            _ => {
                let save = self.i;
                if let Some(name) = self.name() {
                    if matches!(name.as_str(), "not" | "contains" | "starts-with" | "string") && self.eat("(") {
                        let mut args = Vec::new();
                        if !self.eat(")") {
                            loop {
                                args.push(self.or()?);
                                if self.eat(")") {
                                    break;
                                }
                                if !self.eat(",") {
                                    return Err("invalid xpath expression: expected , or )".into());
                                }
                            }
                        }
                        let want = if name == "not" || name == "string" { 1 } else { 2 };
                        if args.len() != want {
                            return Err(format!("invalid xpath expression: {name}() takes {want} argument(s)"));
                        }
                        return Ok(Expr::Call(name, args));
                    }
                }
                self.i = save;
                self.path().map(Expr::Path)
            }
        }
    }
}

fn select(doc: &[Node], xp: &XPath, ctx: &[Sel]) -> Vec<Sel> {
    let mut cur: Vec<Sel> = if xp.absolute { vec![Sel::Node(Vec::new())] } else { ctx.to_vec() };
    for step in &xp.steps {
        let mut next = Vec::new();
        for c in &cur {
            let bases = if step.descendant { self_and_descendants(doc, c) } else { vec![c.clone()] };
            for b in bases {
                let mut found = apply_test(doc, &b, &step.test);
                for p in &step.preds {
                    found = filter(doc, found, p);
                }
                next.extend(found);
            }
        }
        next.sort();
        next.dedup();
        cur = next;
    }
    cur
}

fn self_and_descendants(doc: &[Node], s: &Sel) -> Vec<Sel> {
    let Sel::Node(p) = s else { return vec![s.clone()] };
    let mut out = vec![s.clone()];
    fn walk(doc: &[Node], p: &[usize], out: &mut Vec<Sel>) {
        for (i, c) in children(doc, p).iter().enumerate() {
            let mut q = p.to_vec();
            q.push(i);
            out.push(Sel::Node(q.clone()));
            if matches!(c, Node::Elem(_)) {
                walk(doc, &q, out);
            }
        }
    }
    walk(doc, p, &mut out);
    out
}

fn apply_test(doc: &[Node], s: &Sel, t: &Test) -> Vec<Sel> {
    let Sel::Node(p) = s else {
        return if matches!(t, Test::SelfNode) { vec![s.clone()] } else { Vec::new() };
    };
    let child = |i: usize| {
        let mut q = p.clone();
        q.push(i);
        Sel::Node(q)
    };
    let kids = children(doc, p);
    let is_doc_or_elem = p.is_empty() || matches!(node(doc, p), Some(Node::Elem(_)));
    match t {
        Test::SelfNode => vec![s.clone()],
        Test::Parent => p.split_last().map(|(_, par)| vec![Sel::Node(par.to_vec())]).unwrap_or_default(),
        Test::Attr(name) => match node(doc, p) {
            Some(Node::Elem(e)) => e
                .attrs
                .iter()
                .enumerate()
                .filter(|(_, (k, _))| name.as_ref().is_none_or(|n| n == k))
                .map(|(i, _)| Sel::Attr(p.clone(), i))
                .collect(),
            _ => Vec::new(),
        },
        _ if !is_doc_or_elem => Vec::new(),
        t => kids
            .iter()
            .enumerate()
            .filter(|(_, n)| match (t, n) {
                (Test::Name(name), Node::Elem(e)) => e.name == *name,
                (Test::AnyElem, Node::Elem(_)) => true,
                (Test::Text, Node::Text(_) | Node::CData(_)) => true,
                (Test::Comment, Node::Comment(_)) => true,
                (Test::AnyNode, _) => true,
                _ => false,
            })
            .map(|(i, _)| child(i))
            .collect(),
    }
}

fn filter(doc: &[Node], found: Vec<Sel>, pred: &Expr) -> Vec<Sel> {
    if let Expr::Num(n) = pred {
        let n = *n as usize;
        return found.into_iter().nth(n.wrapping_sub(1)).into_iter().collect();
    }
    found.into_iter().filter(|s| truthy(&eval(doc, pred, s))).collect()
}

fn eval(doc: &[Node], e: &Expr, s: &Sel) -> XVal {
    match e {
        Expr::Or(a, b) => XVal::Bool(truthy(&eval(doc, a, s)) || truthy(&eval(doc, b, s))),
        Expr::And(a, b) => XVal::Bool(truthy(&eval(doc, a, s)) && truthy(&eval(doc, b, s))),
        Expr::Path(p) => XVal::Nodes(select(doc, p, std::slice::from_ref(s))),
        Expr::Str(t) => XVal::Str(t.clone()),
        Expr::Num(n) => XVal::Num(*n),
        Expr::Eq(a, ne, b) => {
            let (a, b) = (eval(doc, a, s), eval(doc, b, s));
            let strings = |v: &XVal| match v {
                XVal::Nodes(ns) => ns.iter().map(|n| string_value(doc, n)).collect(),
                v => vec![string(doc, v)],
            };
            let (xs, ys) = (strings(&a), strings(&b));
            XVal::Bool(xs.iter().any(|x| ys.iter().any(|y| (x == y) != *ne)))
        }
        Expr::Call(name, args) => {
            let arg = |i: usize| string(doc, &eval(doc, &args[i], s));
            match name.as_str() {
                "not" => XVal::Bool(!truthy(&eval(doc, &args[0], s))),
                "contains" => XVal::Bool(arg(0).contains(&arg(1))),
                "starts-with" => XVal::Bool(arg(0).starts_with(&arg(1))),
                _ => XVal::Str(arg(0)),
            }
        }
    }
}

fn truthy(v: &XVal) -> bool {
    match v {
        XVal::Nodes(n) => !n.is_empty(),
        XVal::Str(s) => !s.is_empty(),
        XVal::Num(n) => *n != 0.0,
        XVal::Bool(b) => *b,
    }
}

fn string(doc: &[Node], v: &XVal) -> String {
    match v {
        XVal::Nodes(n) => n.first().map(|n| string_value(doc, n)).unwrap_or_default(),
        XVal::Str(s) => s.clone(),
        XVal::Num(n) => n.to_string(),
        XVal::Bool(b) => b.to_string(),
    }
}
