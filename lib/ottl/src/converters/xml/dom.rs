//! A small mutable XML tree, read with `quick-xml` as leniently as otelcol's
//! `xmlquery` reads (several top-level elements, a bare text document), and
//! written back as `xmlquery`'s `OutputXML` writes: every element with an end
//! tag (`<b></b>`), CDATA kept, whitespace-only text between elements dropped.

use quick_xml::events::Event;
use quick_xml::Reader;

use super::xpath::Sel;

/// otelcol's bound on nesting.
pub const MAX_DEPTH: usize = 10_000;

#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    Elem(Elem),
    Text(String),
    CData(String),
    Comment(String),
    /// A processing instruction or the declaration: what is between `<?` and `?>`.
    Pi(String),
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Elem {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
}

/// Parse a document (or fragment) into its top-level nodes.
pub fn parse(src: &str) -> Result<Vec<Node>, String> {
    let mut reader = Reader::from_str(src);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Elem> = vec![Elem::default()];
    loop {
        let ev = reader.read_event().map_err(|e| format!("{e} at position {}", reader.error_position()))?;
        match ev {
            Event::Start(e) | Event::Empty(e) if stack.len() > MAX_DEPTH => {
                let _ = e;
                return Err("exceeded maximum XML nesting depth".into());
            }
            Event::Start(e) => stack.push(start(&e)?),
            Event::Empty(e) => {
                let el = start(&e)?;
                push(&mut stack, Node::Elem(el));
            }
            Event::End(_) => {
                let el = stack.pop().filter(|_| !stack.is_empty()).ok_or("unexpected end tag")?;
                push(&mut stack, Node::Elem(el));
            }
            Event::Text(t) => {
                let s = t.decode().map_err(|e| e.to_string())?;
                add_text(&mut stack, &quick_xml::escape::unescape(&s).map_err(|e| e.to_string())?);
            }
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|e| e.to_string())?;
                let text = resolve_entity(&name).ok_or_else(|| format!("unknown entity &{name};"))?;
                add_text(&mut stack, &text);
            }
            Event::CData(c) => {
                let s = String::from_utf8(c.into_inner().into_owned()).map_err(|e| e.to_string())?;
                push(&mut stack, Node::CData(s));
            }
            Event::Comment(c) => {
                let s = String::from_utf8(c.into_inner().into_owned()).map_err(|e| e.to_string())?;
                push(&mut stack, Node::Comment(s));
            }
            Event::Decl(d) => {
                push(&mut stack, Node::Pi(String::from_utf8_lossy(&d).into_owned()));
            }
            Event::PI(p) => push(&mut stack, Node::Pi(String::from_utf8_lossy(&p).into_owned())),
            Event::DocType(_) => {}
            Event::Eof => break,
        }
    }
    if stack.len() != 1 {
        return Err(format!("unclosed element <{}>", stack.last().map_or("", |e| e.name.as_str())));
    }
    let mut root = stack.pop().unwrap_or_default();
    drop_blank_text(&mut root.children);
    Ok(root.children)
}

fn start(e: &quick_xml::events::BytesStart) -> Result<Elem, String> {
    let name = String::from_utf8(e.name().as_ref().to_vec()).map_err(|e| e.to_string())?;
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        let k = String::from_utf8(a.key.as_ref().to_vec()).map_err(|e| e.to_string())?;
        let v = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).map_err(|e| e.to_string())?.into_owned();
        attrs.push((k, v));
    }
    Ok(Elem { name, attrs, children: Vec::new() })
}

fn push(stack: &mut [Elem], n: Node) {
    if let Some(top) = stack.last_mut() {
        top.children.push(n);
    }
}

/// Text joins the text node before it (entity references split text events).
fn add_text(stack: &mut [Elem], s: &str) {
    if let Some(top) = stack.last_mut() {
        if let Some(Node::Text(prev)) = top.children.last_mut() {
            prev.push_str(s);
        } else {
            top.children.push(Node::Text(s.to_string()));
        }
    }
}

fn resolve_entity(name: &str) -> Option<String> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code).map(String::from);
    }
    quick_xml::escape::resolve_predefined_entity(name).map(str::to_string)
}

/// Whitespace-only text is dropped everywhere (indentation is not content).
fn drop_blank_text(nodes: &mut Vec<Node>) {
    nodes.retain(|n| !matches!(n, Node::Text(t) if t.trim().is_empty()));
    for n in nodes {
        if let Node::Elem(e) = n {
            drop_blank_text(&mut e.children);
        }
    }
}

/// The nodes written back, one after the other.
pub fn write(nodes: &[Node]) -> String {
    let mut out = String::new();
    for n in nodes {
        write_node(&mut out, n);
    }
    out
}

pub fn write_node(out: &mut String, n: &Node) {
    match n {
        Node::Elem(e) => {
            out.push('<');
            out.push_str(&e.name);
            for (k, v) in &e.attrs {
                out.push(' ');
                out.push_str(k);
                out.push_str("=\"");
                escape(out, v, true);
                out.push('"');
            }
            out.push('>');
            for c in &e.children {
                write_node(out, c);
            }
            out.push_str("</");
            out.push_str(&e.name);
            out.push('>');
        }
        Node::Text(t) => escape(out, t, false),
        Node::CData(t) => {
            out.push_str("<![CDATA[");
            out.push_str(t);
            out.push_str("]]>");
        }
        Node::Comment(t) => {
            out.push_str("<!--");
            out.push_str(t);
            out.push_str("-->");
        }
        Node::Pi(t) => {
            out.push_str("<?");
            out.push_str(t);
            out.push_str("?>");
        }
    }
}

fn escape(out: &mut String, s: &str, attr: bool) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

/// An element's text: its text and CDATA descendants, in order.
pub fn text_of(nodes: &[Node], out: &mut String) {
    for n in nodes {
        match n {
            Node::Text(t) | Node::CData(t) => out.push_str(t),
            Node::Elem(e) => text_of(&e.children, out),
            _ => {}
        }
    }
}

/// The nodes of `doc` at `path`: the document's top-level nodes for `[]`.
pub fn children<'d>(doc: &'d [Node], path: &[usize]) -> &'d [Node] {
    match node(doc, path) {
        None => doc,
        Some(Node::Elem(e)) => &e.children,
        Some(_) => &[],
    }
}

pub fn node<'d>(doc: &'d [Node], path: &[usize]) -> Option<&'d Node> {
    let (last, parents) = path.split_last()?;
    children(doc, parents).get(*last)
}

/// XPath's string-value: an attribute's value, a text's text, an element's
/// descendant text.
pub fn string_value(doc: &[Node], s: &Sel) -> String {
    match s {
        Sel::Attr(p, i) => match node(doc, p) {
            Some(Node::Elem(e)) => e.attrs.get(*i).map(|(_, v)| v.clone()).unwrap_or_default(),
            _ => String::new(),
        },
        Sel::Node(p) => match node(doc, p) {
            None => {
                let mut out = String::new();
                text_of(doc, &mut out);
                out
            }
            Some(Node::Text(t) | Node::CData(t) | Node::Comment(t) | Node::Pi(t)) => t.clone(),
            Some(Node::Elem(e)) => {
                let mut out = String::new();
                text_of(&e.children, &mut out);
                out
            }
        },
    }
}
