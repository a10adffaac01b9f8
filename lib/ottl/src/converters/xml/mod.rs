//! The XML converters: `ParseXML`, `ParseSimplifiedXML`, `GetXML`,
//! `InsertXML`, `RemoveXML`, `ConvertAttributesToElementsXML`,
//! `ConvertTextToElementsXML`. Documents are read with [`dom`] (`quick-xml`)
//! and selected with the XPath subset of [`xpath`]; edited documents are
//! written back as otelcol writes them.

pub mod dom;
pub mod simplified;
pub mod xpath;

use std::borrow::Cow;

use opentelemetry_proto::tonic::common::v1::any_value::Value as Av;
use opentelemetry_proto::tonic::common::v1::{AnyValue, ArrayValue, KeyValue, KeyValueList};

use super::{conv, Converter, Spec};
use crate::compile::{opt, req, Args};
use crate::eval::eval;
use crate::lexer::PosError;
use crate::pdata::str_value;
use crate::value::{EvalError, EvalResult, Value};
use dom::{Elem, Node};
use xpath::{Sel, XPath};

pub static SPECS: &[Spec] = &[
    Spec { name: "ParseXML", params: &[req("target")], build: parse_xml },
    Spec { name: "ParseSimplifiedXML", params: &[req("target")], build: simplified::parse_simplified_xml },
    Spec { name: "GetXML", params: &[req("target"), req("x_path")], build: get_xml },
    Spec { name: "InsertXML", params: &[req("target"), req("x_path"), req("sub_document")], build: insert_xml },
    Spec { name: "RemoveXML", params: &[req("target"), req("x_path")], build: remove_xml },
    Spec { name: "ConvertAttributesToElementsXML", params: &[req("target"), opt("x_path")], build: attrs_to_elements },
    Spec {
        name: "ConvertTextToElementsXML",
        params: &[req("target"), opt("x_path"), opt("element_name")],
        build: text_to_elements,
    },
];

/// The target's document.
fn doc_of(target: &crate::compile::Expr, ctx: &crate::paths::Ctx<'_>) -> EvalResult<Vec<Node>> {
    let v = eval(target, ctx)?;
    dom::parse(v.expect_str()?).map_err(EvalError::new)
}

fn xpath_arg(a: &mut Args, i: usize, default: &str) -> Result<XPath, PosError> {
    let at = a.at_of(i);
    let src = a.opt_str_lit(i)?.filter(|s| !s.is_empty()).unwrap_or_else(|| default.to_string());
    XPath::parse(&src).map_err(|e| a.err(at, e))
}

fn map(kvs: Vec<KeyValue>) -> AnyValue {
    AnyValue { value: Some(Av::KvlistValue(KeyValueList { values: kvs })) }
}

fn kv(k: &str, v: AnyValue) -> KeyValue {
    KeyValue { key: k.to_string(), value: Some(v), ..Default::default() }
}

/// `ParseXML(target)`: the first element as `{"tag", "content", "attributes",
/// "children"}`, content being its trimmed text pieces joined.
fn parse_xml(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    Ok(conv(move |ctx| {
        let doc = doc_of(&target, ctx).map_err(|e| EvalError::new(format!("unmarshal xml: {e}")))?;
        let root = doc.iter().find_map(|n| if let Node::Elem(e) = n { Some(e) } else { None });
        let root = root.ok_or_else(|| EvalError::new("unmarshal xml: EOF"))?;
        match element_map(root).value {
            Some(Av::KvlistValue(m)) => Ok(Value::Map(Cow::Owned(m.values))),
            _ => Ok(Value::Map(Cow::Owned(Vec::new()))),
        }
    }))
}

fn element_map(e: &Elem) -> AnyValue {
    let mut kvs = vec![kv("tag", str_value(e.name.trim()))];
    let content: String = e
        .children
        .iter()
        .filter_map(|c| match c {
            Node::Text(t) | Node::CData(t) => Some(t.trim()),
            _ => None,
        })
        .collect();
    if !content.is_empty() {
        kvs.push(kv("content", str_value(content)));
    }
    if !e.attrs.is_empty() {
        kvs.push(kv("attributes", map(e.attrs.iter().map(|(k, v)| kv(k, str_value(v.as_str()))).collect())));
    }
    let children: Vec<AnyValue> =
        e.children.iter().filter_map(|c| if let Node::Elem(c) = c { Some(element_map(c)) } else { None }).collect();
    if !children.is_empty() {
        kvs.push(kv("children", AnyValue { value: Some(Av::ArrayValue(ArrayValue { values: children })) }));
    }
    map(kvs)
}

/// `GetXML(target, xpath)`: the selected elements written out one after the
/// other; a selected attribute or text gives its text.
fn get_xml(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let xp = xpath_arg(a, 1, "/")?;
    Ok(conv(move |ctx| {
        let doc = doc_of(&target, ctx)?;
        let mut out = String::new();
        for s in xp.select(&doc) {
            match &s {
                Sel::Node(p) => match xpath::node(&doc, p) {
                    None => out.push_str(&dom::write(&doc)),
                    Some(Node::Text(t) | Node::CData(t)) => out.push_str(t),
                    Some(n) => dom::write_node(&mut out, n),
                },
                Sel::Attr(..) => out.push_str(&xpath::string_value(&doc, &s)),
            }
        }
        Ok(Value::string(out))
    }))
}

fn elem_mut<'d>(doc: &'d mut [Node], path: &[usize]) -> Option<&'d mut Elem> {
    let (first, rest) = path.split_first()?;
    let mut cur = match doc.get_mut(*first)? {
        Node::Elem(e) => e,
        _ => return None,
    };
    for i in rest {
        cur = match cur.children.get_mut(*i)? {
            Node::Elem(e) => e,
            _ => return None,
        };
    }
    Some(cur)
}

/// The children of the document (`[]`) or of the element at `path`.
fn children_mut<'d>(doc: &'d mut Vec<Node>, path: &[usize]) -> Option<&'d mut Vec<Node>> {
    if path.is_empty() {
        Some(doc)
    } else {
        elem_mut(doc, path).map(|e| &mut e.children)
    }
}

/// `InsertXML(target, xpath, sub_document)`: the sub-document's nodes added
/// as the last children of each selected element (or of the document, `/`).
fn insert_xml(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let xp = xpath_arg(a, 1, "/")?;
    let sub = a.getter(2)?;
    Ok(conv(move |ctx| {
        let mut doc = doc_of(&target, ctx)?;
        let sub = doc_of(&sub, ctx)?;
        for s in xp.select(&doc) {
            let Sel::Node(p) = &s else {
                let name = match &s {
                    Sel::Attr(p, i) => elem_mut(&mut doc, p).and_then(|e| e.attrs.get(*i)).map(|a| a.0.clone()),
                    _ => None,
                };
                return Err(EvalError::new(format!(
                    "InsertXML XPath selected non-element: {:?}",
                    name.unwrap_or_default()
                )));
            };
            let text = xpath::string_value(&doc, &s);
            match children_mut(&mut doc, p) {
                Some(kids) => kids.extend(sub.iter().cloned()),
                None => return Err(EvalError::new(format!("InsertXML XPath selected non-element: {text:?}"))),
            }
        }
        Ok(Value::string(dom::write(&doc)))
    }))
}

/// `RemoveXML(target, xpath)`: the document without the selected nodes or attributes.
fn remove_xml(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let xp = xpath_arg(a, 1, "/")?;
    Ok(conv(move |ctx| {
        let mut doc = doc_of(&target, ctx)?;
        // Last first, so the positions of the ones before stay valid.
        for s in xp.select(&doc).into_iter().rev() {
            match s {
                Sel::Attr(p, i) => {
                    if let Some(e) = elem_mut(&mut doc, &p) {
                        e.attrs.remove(i);
                    }
                }
                Sel::Node(p) => {
                    if let Some((last, parent)) = p.split_last() {
                        if let Some(kids) = children_mut(&mut doc, parent) {
                            kids.remove(*last);
                        }
                    }
                }
            }
        }
        Ok(Value::string(dom::write(&doc)))
    }))
}

/// Apply `f` to the selected elements (or the document) and all elements below.
type Attrs = Vec<(String, String)>;
type Edit<'f> = &'f dyn Fn(&mut Vec<Node>, Option<&mut Attrs>);

fn edit_selected(doc: &mut Vec<Node>, xp: &XPath, f: Edit) {
    fn walk(kids: &mut Vec<Node>, attrs: Option<&mut Attrs>, f: Edit) {
        for k in kids.iter_mut() {
            if let Node::Elem(e) = k {
                walk(&mut e.children, Some(&mut e.attrs), f);
            }
        }
        f(kids, attrs);
    }
    let mut sels: Vec<Vec<usize>> =
        xp.select(doc).into_iter().filter_map(|s| if let Sel::Node(p) = s { Some(p) } else { None }).collect();
    // An element inside another selected one is edited with it.
    sels.sort();
    sels.dedup_by(|b, a| b.starts_with(a));
    for p in sels {
        if p.is_empty() {
            walk(doc, None, f);
        } else if let Some(e) = elem_mut(doc, &p) {
            walk(&mut e.children, Some(&mut e.attrs), f);
        }
    }
}

/// `ConvertAttributesToElementsXML(target, xpath = "/")`: each attribute of
/// the selected elements (and those below) becomes a child element after
/// the existing children.
fn attrs_to_elements(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let xp = xpath_arg(a, 1, "/")?;
    Ok(conv(move |ctx| {
        let mut doc = doc_of(&target, ctx)?;
        edit_selected(&mut doc, &xp, &|kids, attrs| {
            if let Some(attrs) = attrs {
                for (k, v) in attrs.drain(..) {
                    kids.push(Node::Elem(Elem { name: k, attrs: Vec::new(), children: vec![Node::Text(v)] }));
                }
            }
        });
        Ok(Value::string(dom::write(&doc)))
    }))
}

/// `ConvertTextToElementsXML(target, xpath = "/", element_name = "value")`:
/// where an element has more than one child and some are text, each text
/// child is wrapped in an element of its own.
fn text_to_elements(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let xp = xpath_arg(a, 1, "/")?;
    let name = a.opt_str_lit(2)?.filter(|s| !s.is_empty()).unwrap_or_else(|| "value".to_string());
    Ok(conv(move |ctx| {
        let mut doc = doc_of(&target, ctx)?;
        edit_selected(&mut doc, &xp, &|kids, _| {
            let texts = kids.iter().filter(|k| matches!(k, Node::Text(_))).count();
            let elems = kids.iter().filter(|k| matches!(k, Node::Elem(_))).count();
            if texts == 0 || texts + elems <= 1 {
                return;
            }
            for k in kids.iter_mut() {
                if let Node::Text(t) = k {
                    let t = std::mem::take(t);
                    *k = Node::Elem(Elem { name: name.clone(), attrs: Vec::new(), children: vec![Node::Text(t)] });
                }
            }
        });
        Ok(Value::string(dom::write(&doc)))
    }))
}
