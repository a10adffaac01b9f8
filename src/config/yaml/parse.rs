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
    let mut builder =
        Builder { file: file.clone(), stack: Vec::new(), anchors: HashMap::new(), root: None, error: None };
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

enum Frame {
    Seq { node: Node, anchor: usize },
    Map { node: Node, anchor: usize, key: Option<Node> },
}

struct Builder {
    file: Arc<str>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    /// The first semantic error (a duplicate key, a bad merge key).
    error: Option<SyntaxError>,
}

impl Builder {
    fn pos(&self, m: &Marker) -> Pos {
        Pos { file: self.file.clone(), line: m.line(), col: m.col() + 1 }
    }

    fn push_value(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
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

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let pos = self.pos(&mark);
        match ev {
            Event::Scalar(text, style, anchor, _tag) => {
                let quoted = !matches!(style, TScalarStyle::Plain);
                self.push_value(Node::new(pos, Value::Scalar { text, quoted }), anchor);
            }
            Event::SequenceStart(anchor, _) => {
                self.stack.push(Frame::Seq { node: Node::new(pos, Value::Seq(Vec::new())), anchor })
            }
            Event::MappingStart(anchor, _) => {
                self.stack.push(Frame::Map { node: Node::new(pos, Value::Map(Vec::new())), anchor, key: None })
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(Frame::Seq { node, anchor } | Frame::Map { node, anchor, .. }) = self.stack.pop() {
                    let node = self.apply_merge_keys(node);
                    self.push_value(node, anchor);
                }
            }
            Event::Alias(id) => {
                let mut node = self.anchors.get(&id).cloned().unwrap_or_else(|| Node::string(pos.clone(), ""));
                node.pos = pos;
                self.push_value(node, 0);
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart | Event::DocumentEnd => {}
        }
    }
}
