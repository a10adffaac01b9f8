//! A YAML document as a tree of [`Node`]s that remember where they were written.
//!
//! serde_yaml's `Value` forgets positions, and every config error must say
//! `file:line:col`, so we build our own tree from yaml-rust2's event stream.
//! Scalars keep their source text and whether they were quoted; their YAML type
//! (null, bool, int, float, string) is resolved on demand with the YAML 1.2 core
//! schema, which is what otelcol's YAML library does too.

mod parse;
mod scalar;

use std::fmt;
use std::sync::Arc;

pub use parse::{parse, parse_value, SyntaxError};
use scalar::resolve_plain;

/// Where a node was written: file name (or a pseudo-source such as `--set`), 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub file: Arc<str>,
    pub line: usize,
    pub col: usize,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

/// One node of the config tree.
#[derive(Clone, Debug)]
pub struct Node {
    pub pos: Pos,
    pub value: Value,
    /// True when any part of the value came from `${...}` expansion: it may be a
    /// secret, so it is never echoed in errors or logs.
    pub secret: bool,
}

#[derive(Clone, Debug)]
pub enum Value {
    /// A scalar with its source text; `quoted` scalars are always strings.
    Scalar {
        text: String,
        quoted: bool,
    },
    Seq(Vec<Node>),
    /// Keys keep their own position so "unknown key" errors point at the key.
    Map(Vec<(Node, Node)>),
}

/// A scalar's resolved YAML type.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolved<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
}

impl Node {
    pub fn new(pos: Pos, value: Value) -> Node {
        Node { pos, value, secret: false }
    }

    pub fn string(pos: Pos, text: impl Into<String>) -> Node {
        Node::new(pos, Value::Scalar { text: text.into(), quoted: true })
    }

    pub fn empty_map(pos: Pos) -> Node {
        Node::new(pos, Value::Map(Vec::new()))
    }

    /// Mark this node and everything under it as coming from `${...}`.
    pub fn mark_secret(&mut self) {
        self.secret = true;
        match &mut self.value {
            Value::Seq(items) => items.iter_mut().for_each(Node::mark_secret),
            Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
                k.mark_secret();
                v.mark_secret();
            }),
            Value::Scalar { .. } => {}
        }
    }

    /// The texts of every secret scalar at or under this node.
    pub fn secret_texts(&self, out: &mut Vec<String>) {
        match &self.value {
            Value::Scalar { text, .. } if self.secret && !text.is_empty() => out.push(text.clone()),
            Value::Scalar { .. } => {}
            Value::Seq(items) => items.iter().for_each(|n| n.secret_texts(out)),
            Value::Map(entries) => entries.iter().for_each(|(k, v)| {
                k.secret_texts(out);
                v.secret_texts(out);
            }),
        }
    }

    /// `message` with every secret value found at or under this node replaced by `***`.
    pub fn redact(&self, message: String) -> String {
        let mut secrets = Vec::new();
        self.secret_texts(&mut secrets);
        // Longest first, so a secret that contains another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.iter().filter(|s| s.len() >= 3).fold(message, |m, s| m.replace(s.as_str(), "***"))
    }

    /// The node's scalar text, if it is a scalar (whatever its YAML type).
    pub fn scalar_text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.resolve(), Some(Resolved::Null))
    }

    /// Resolve a scalar's type (YAML 1.2 core schema); `None` for maps and sequences.
    pub fn resolve(&self) -> Option<Resolved<'_>> {
        let Value::Scalar { text, quoted } = &self.value else { return None };
        if *quoted {
            return Some(Resolved::Str(text));
        }
        Some(resolve_plain(text))
    }

    /// Map entries, if this is a map.
    pub fn entries(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The value under `key` in a map node.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()?.iter().find(|(k, _)| k.scalar_text() == Some(key)).map(|(_, v)| v)
    }

    /// A short name of the node's kind for "expected X, found Y" messages.
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Seq(_) => "a sequence",
            Value::Map(_) => "a map",
            Value::Scalar { .. } => match self.resolve() {
                Some(Resolved::Null) => "null",
                Some(Resolved::Bool(_)) => "a boolean",
                Some(Resolved::Int(_)) => "an integer",
                Some(Resolved::Float(_)) => "a float",
                _ => "a string",
            },
        }
    }

    /// Find the node at a key path such as `protocols::http::endpoint` or `units[2]`,
    /// returning the deepest node that exists (so an error about a missing key points
    /// at the map that lacks it).
    pub fn lookup(&self, path: &str) -> &Node {
        let mut node = self;
        for seg in split_path(path) {
            let next = match seg {
                PathSeg::Key(k) => node.get(k),
                PathSeg::Index(i) => match &node.value {
                    Value::Seq(items) => items.get(i),
                    _ => None,
                },
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node
    }
}

enum PathSeg<'a> {
    Key(&'a str),
    Index(usize),
}

fn split_path(path: &str) -> Vec<PathSeg<'_>> {
    let mut out = Vec::new();
    for part in path.split("::").filter(|p| !p.is_empty()) {
        // `units[2][0]` → key `units`, then indexes.
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(PathSeg::Key(key));
        }
        while let Some(end) = rest.find(']') {
            if let Ok(i) = rest[1..end].parse() {
                out.push(PathSeg::Index(i));
            }
            rest = &rest[end + 1..];
        }
    }
    out
}

/// Deep-merge `over` into `base`: maps merge key by key, everything else is replaced
/// (lists too), as otelcol merges repeated `--config` sources.
pub fn merge(base: &mut Node, over: Node) {
    match (&mut base.value, over.value) {
        (Value::Map(base_entries), Value::Map(over_entries)) => {
            for (k, v) in over_entries {
                match base_entries.iter_mut().find(|(bk, _)| bk.scalar_text() == k.scalar_text()) {
                    Some((_, bv)) => merge(bv, v),
                    None => base_entries.push((k, v)),
                }
            }
        }
        (_, value) => {
            base.value = value;
            base.pos = over.pos;
            base.secret = over.secret;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_types() {
        let n = parse("c.yaml", "a:\n  b: 7\n  c: \"7\"\n  d: [x, 1.5]\n").unwrap();
        let b = n.lookup("a::b");
        assert_eq!((b.pos.line, b.pos.col), (2, 6));
        assert_eq!(b.resolve(), Some(Resolved::Int(7)));
        assert_eq!(n.lookup("a::c").resolve(), Some(Resolved::Str("7")));
        assert_eq!(n.lookup("a::d[1]").resolve(), Some(Resolved::Float(1.5)));
        assert_eq!(n.lookup("a::d[1]").pos.line, 4);
        // Missing keys resolve to the deepest existing node.
        assert_eq!(n.lookup("a::zz").pos.line, 1);
    }

    #[test]
    fn integers_resolve_like_go_yaml() {
        let n = parse("c", "a: 1_000\nb: 010\nc: 0x1F\nd: -0b101\ne: 09\nf: 1e3\n").unwrap();
        assert_eq!(n.lookup("a").resolve(), Some(Resolved::Int(1000)));
        assert_eq!(n.lookup("b").resolve(), Some(Resolved::Int(8)));
        assert_eq!(n.lookup("c").resolve(), Some(Resolved::Int(31)));
        assert_eq!(n.lookup("d").resolve(), Some(Resolved::Int(-5)));
        assert_eq!(n.lookup("f").resolve(), Some(Resolved::Float(1000.0)));
        assert!(!matches!(n.lookup("e").resolve(), Some(Resolved::Int(_))));
    }

    #[test]
    fn syntax_error_is_positioned() {
        let e = parse("c.yaml", "a: [1, 2\nb: 3\n").unwrap_err();
        assert_eq!(&*e.pos.file, "c.yaml");
        assert!(e.pos.line >= 1);
    }

    #[test]
    fn merge_replaces_lists_and_merges_maps() {
        let mut a = parse("a", "x: {p: 1, q: [1, 2]}\n").unwrap();
        let b = parse("b", "x: {q: [3], r: 2}\n").unwrap();
        merge(&mut a, b);
        assert_eq!(a.lookup("x::p").resolve(), Some(Resolved::Int(1)));
        assert_eq!(a.lookup("x::q[0]").resolve(), Some(Resolved::Int(3)));
        assert!(matches!(&a.lookup("x::q").value, Value::Seq(v) if v.len() == 1));
        assert_eq!(&*a.lookup("x::r").pos.file, "b");
    }

    #[test]
    fn collections_and_empty_values_are_placed_at_their_key() {
        let n = parse("c", "a:\n  tls:\n    ca: x\n  grpc:\n  list:\n    - 1\n  flow: {k: v}\n").unwrap();
        assert_eq!((n.lookup("a::tls").pos.line, n.lookup("a::tls").pos.col), (2, 3));
        assert_eq!((n.lookup("a::grpc").pos.line, n.lookup("a::grpc").pos.col), (4, 3));
        assert_eq!(n.lookup("a::list").pos.line, 5);
        assert_eq!((n.lookup("a::flow").pos.line, n.lookup("a::flow").pos.col), (7, 9));
    }

    #[test]
    fn merge_keys_and_duplicate_keys_like_go_yaml() {
        let n = parse("c", "base: &b {x: 1, y: 2}\nmore: &m {z: 3}\nuse:\n  <<: [*b, *m]\n  y: 20\n").unwrap();
        assert_eq!(n.lookup("use::x").resolve(), Some(Resolved::Int(1)));
        assert_eq!(n.lookup("use::y").resolve(), Some(Resolved::Int(20)), "explicit keys win");
        assert_eq!(n.lookup("use::z").resolve(), Some(Resolved::Int(3)));
        assert!(n.lookup("use").get("<<").is_none());
        let e = parse("c", "a:\n  v: 1\n  v: 2\n").unwrap_err();
        assert_eq!(e.message, "mapping key \"v\" already defined at line 2");
        assert_eq!((e.pos.line, e.pos.col), (3, 3));
    }

    #[test]
    fn anchors_and_aliases() {
        let n = parse("c", "a: &x {k: v}\nb: *x\n").unwrap();
        assert_eq!(n.lookup("b::k").scalar_text(), Some("v"));
    }

    #[test]
    fn an_alias_bomb_is_refused_at_the_alias_that_tips_it() {
        let bomb = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/billion-laughs.yaml"));
        let e = parse("bomb.yaml", &bomb.unwrap()).unwrap_err();
        assert!(e.message.starts_with("document contains excessive aliasing"), "{}", e.message);
        // Levels a..c (820 nodes) expand; the second `*c` of level d makes
        // aliases more than 99% of some 2,500 nodes.
        assert_eq!((e.pos.line, e.pos.col), (6, 11), "{}", e.pos);
    }

    #[test]
    fn moderate_aliasing_is_accepted_as_go_yaml_accepts_it() {
        // 3 levels of 9 aliases (820 nodes) is under go-yaml's 1,000-node floor.
        let mut text = "a: &a [l, l, l, l, l, l, l, l, l]\n".to_string();
        text += "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n";
        let n = parse("c", &text).unwrap();
        assert_eq!(n.lookup("c[8][8][8]").scalar_text(), Some("l"));
        // A large document may alias a lot as long as aliases stay under 99% of it.
        let mut big = String::from("base: &b {x: 1, y: 2, z: 3}\nlist:\n");
        big += &"  - {own: 1, <<: *b}\n".repeat(2000);
        assert!(parse("c", &big).is_ok());
    }
}
