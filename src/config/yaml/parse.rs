//! Building the [`Node`] tree from yaml-rust2's event stream: positions,
//! anchors and aliases, `<<` merge keys, and duplicate keys refused as go-yaml
//! refuses them.

use std::collections::HashMap;
use std::sync::Arc;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::{Node, Pos, Value};

/// A YAML syntax error, positioned.
#[derive(Debug)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

/// Parse one YAML document. An empty document is an empty map.
pub fn parse(file: &str, text: &str) -> Result<Node, SyntaxError> {
    let file: Arc<str> = Arc::from(file);
    let mut builder = Builder {
        file: file.clone(),
        stack: Vec::new(),
        anchors: HashMap::new(),
        root: None,
        error: None,
        decoded: 0,
        aliased: 0,
    };
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut builder, false) {
        let m = e.marker();
        return Err(SyntaxError { pos: Pos { file, line: m.line(), col: m.col() + 1 }, message: e.info().to_string() });
    }
    if let Some(e) = builder.error {
        return Err(e);
    }
    Ok(builder.root.unwrap_or_else(|| Node::empty_map(Pos { file, line: 1, col: 1 })))
}

/// Parse a value given outside a file (an environment variable, `--set`), as otelcol
/// does: as a YAML scalar or flow collection. Unparseable text stays a plain string.
pub fn parse_value(pos: &Pos, text: &str) -> Node {
    let mut node = match parse(&pos.file, text) {
        Ok(n) if !text.trim().is_empty() && !matches!(n.value, Value::Scalar { .. }) => n,
        // Keep scalars as written (`"007"` must stay `007` for string fields).
        _ => Node::new(pos.clone(), Value::Scalar { text: text.to_string(), quoted: false }),
    };
    relocate(&mut node, pos);
    node
}

/// Give a node and all its children one position (values that came from elsewhere).
fn relocate(node: &mut Node, pos: &Pos) {
    node.pos = pos.clone();
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| relocate(n, pos)),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            relocate(k, pos);
            relocate(v, pos);
        }),
        Value::Scalar { .. } => {}
    }
}

/// An open collection; `start` is the node count before it, so its size is known when it ends.
enum Frame {
    Seq { node: Node, anchor: usize, start: usize },
    Map { node: Node, anchor: usize, start: usize, key: Option<Node> },
}

struct Builder {
    file: Arc<str>,
    stack: Vec<Frame>,
    /// Anchored nodes with their size in nodes (what an alias to them adds).
    anchors: HashMap<usize, (Node, usize)>,
    root: Option<Node>,
    /// The first semantic error (a duplicate key, a bad merge key, excessive aliasing).
    error: Option<SyntaxError>,
    /// Nodes built so far, aliases counted in full (go-yaml's `decodeCount`).
    decoded: usize,
    /// Of those, nodes that came from alias expansion (go-yaml's `aliasCount`).
    aliased: usize,
}

/// Below this many nodes, aliases may make up 99% of a document; above the high
/// mark only 10%; in between the share scales down linearly. These are go-yaml
/// v3's figures (decode.go), so a config otelcol loads loads here and a
/// "billion laughs" document is refused before it is expanded.
const ALIAS_RATIO_RANGE: (usize, usize) = (400_000, 4_000_000);

fn allowed_alias_ratio(decoded: usize) -> f64 {
    let (low, high) = ALIAS_RATIO_RANGE;
    match decoded {
        d if d <= low => 0.99,
        d if d >= high => 0.10,
        d => 0.99 - 0.89 * ((d - low) as f64 / (high - low) as f64),
    }
}

/// go-yaml's test: more than 100 aliased nodes in a document of more than 1,000,
/// and the aliased share above what its size allows.
fn excessive_aliasing(decoded: usize, aliased: usize) -> bool {
    aliased > 100 && decoded > 1000 && aliased as f64 / decoded as f64 > allowed_alias_ratio(decoded)
}

impl Builder {
    fn pos(&self, m: &Marker) -> Pos {
        Pos { file: self.file.clone(), line: m.line(), col: m.col() + 1 }
    }

    fn push_value(&mut self, node: Node, anchor: usize, size: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { node: seq, .. }) => {
                if let Value::Seq(items) = &mut seq.value {
                    items.push(node);
                }
            }
            Some(Frame::Map { node: map, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => {
                    // A block collection or an empty value is reported at its key: the
                    // parser's own mark would be its first child or the next line.
                    let mut node = node;
                    let empty = matches!(&node.value, Value::Scalar { text, quoted: false } if text.is_empty());
                    if empty || matches!(node.value, Value::Map(_) | Value::Seq(_)) && node.pos.line > k.pos.line {
                        node.pos = k.pos.clone();
                    }
                    if let Value::Map(entries) = &mut map.value {
                        // go-yaml rejects a repeated key (merge keys aside).
                        let dup = entries
                            .iter()
                            .find(|(old, _)| old.scalar_text().is_some() && old.scalar_text() == k.scalar_text());
                        if let Some((old, _)) = dup.filter(|_| !is_merge_key(&k)) {
                            let message = format!(
                                "mapping key {:?} already defined at line {}",
                                k.scalar_text().unwrap_or_default(),
                                old.pos.line
                            );
                            self.error.get_or_insert(SyntaxError { pos: k.pos.clone(), message });
                        }
                        entries.push((k, node));
                    }
                }
            },
        }
    }
}

fn is_merge_key(k: &Node) -> bool {
    matches!(&k.value, Value::Scalar { text, quoted: false } if text == "<<")
}

impl Builder {
    /// `<<: *base` / `<<: [*a, *b]`: copy in the keys the map does not set itself
    /// (earlier sources win over later ones), as go-yaml does.
    fn apply_merge_keys(&mut self, mut node: Node) -> Node {
        let Value::Map(entries) = &mut node.value else { return node };
        if !entries.iter().any(|(k, _)| is_merge_key(k)) {
            return node;
        }
        let (merges, mut own): (Vec<_>, Vec<_>) =
            std::mem::take(entries).into_iter().partition(|(k, _)| is_merge_key(k));
        for (k, source) in merges {
            let sources = match source.value {
                Value::Seq(items) => items,
                _ => vec![source],
            };
            for src in sources {
                let Value::Map(src_entries) = src.value else {
                    let message = "a merge key (<<) takes a map or a list of maps".to_string();
                    self.error.get_or_insert(SyntaxError { pos: k.pos.clone(), message });
                    continue;
                };
                for (sk, sv) in src_entries {
                    if !own.iter().any(|(ok, _)| ok.scalar_text() == sk.scalar_text()) {
                        own.push((sk, sv));
                    }
                }
            }
        }
        *entries = own;
        node
    }
}

impl Builder {
    /// A copy of the anchored node, unless copying it would make aliases too large
    /// a share of the document: then the first such alias is reported and nothing
    /// more is copied, so memory stays bounded whatever the document.
    fn expand_alias(&mut self, id: usize, pos: &Pos) -> Node {
        let empty = || Node::string(pos.clone(), "");
        let Some((node, size)) = self.anchors.get(&id) else { return empty() };
        let (decoded, aliased) = (self.decoded.saturating_add(*size), self.aliased.saturating_add(*size));
        if excessive_aliasing(decoded, aliased) {
            let message = format!(
                "document contains excessive aliasing: this alias would expand to {size} nodes, \
                 {aliased} of {decoded} in all"
            );
            self.error.get_or_insert(SyntaxError { pos: pos.clone(), message });
            // Every later alias is refused too.
            self.aliased = usize::MAX;
            return empty();
        }
        (self.decoded, self.aliased) = (decoded, aliased);
        let mut node = node.clone();
        node.pos = pos.clone();
        node
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let pos = self.pos(&mark);
        match ev {
            Event::Scalar(text, style, anchor, _tag) => {
                self.decoded += 1;
                let quoted = !matches!(style, TScalarStyle::Plain);
                self.push_value(Node::new(pos, Value::Scalar { text, quoted }), anchor, 1);
            }
            Event::SequenceStart(anchor, _) => {
                let start = self.decoded;
                self.decoded += 1;
                self.stack.push(Frame::Seq { node: Node::new(pos, Value::Seq(Vec::new())), anchor, start })
            }
            Event::MappingStart(anchor, _) => {
                let start = self.decoded;
                self.decoded += 1;
                let node = Node::new(pos, Value::Map(Vec::new()));
                self.stack.push(Frame::Map { node, anchor, start, key: None })
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(Frame::Seq { node, anchor, start } | Frame::Map { node, anchor, start, .. }) =
                    self.stack.pop()
                {
                    let node = self.apply_merge_keys(node);
                    self.push_value(node, anchor, self.decoded - start);
                }
            }
            Event::Alias(id) => {
                let node = self.expand_alias(id, &pos);
                self.push_value(node, 0, 1);
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart | Event::DocumentEnd => {}
        }
    }
}
