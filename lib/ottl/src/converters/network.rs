//! `CommunityID` (the Community ID v1 flow hash) and `URL` (a URL's parts
//! under semantic-convention names, split as Go's `net/url.Parse` splits it).

use std::borrow::Cow;
use std::net::IpAddr;

use base64::Engine as _;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Av;
use opentelemetry_proto::tonic::common::v1::{AnyValue, ArrayValue, KeyValue, KeyValueList};
use sha1::{Digest, Sha1};

use super::{conv, Converter, Spec};
use crate::compile::{opt, req, Args};
use crate::eval::eval;
use crate::lexer::PosError;
use crate::pdata::str_value;
use crate::value::{map_put, EvalError, EvalResult, Value};

pub static SPECS: &[Spec] = &[
    Spec {
        name: "CommunityID",
        params: &[
            req("source_ip"),
            req("source_port"),
            req("destination_ip"),
            req("destination_port"),
            opt("protocol"),
            opt("seed"),
        ],
        build: community_id,
    },
    Spec { name: "URL", params: &[req("uri")], build: url },
];

const PROTOCOLS: [(&str, u8); 6] = [("ICMP", 1), ("TCP", 6), ("UDP", 17), ("RSVP", 46), ("ICMP6", 58), ("SCTP", 132)];

fn community_id(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let src_ip = a.getter(0)?;
    let src_port = a.getter(1)?;
    let dst_ip = a.getter(2)?;
    let dst_port = a.getter(3)?;
    let protocol = a.opt_getter(4)?;
    let seed = a.opt_getter(5)?;
    Ok(conv(move |ctx| {
        let wrap = |what: &'static str| move |e: EvalError| EvalError::new(format!("failed to get {what}: {e}"));
        let src = eval(&src_ip, ctx)?.into_str().map_err(wrap("source IP"))?;
        let dst = eval(&dst_ip, ctx)?.into_str().map_err(wrap("destination IP"))?;
        let sport = eval(&src_port, ctx)?.expect_int().map_err(wrap("source port"))?;
        let sport = port(sport, "source")?;
        let dport = eval(&dst_port, ctx)?.expect_int().map_err(wrap("destination port"))?;
        let dport = port(dport, "destination")?;
        let proto = match &protocol {
            None => 6,
            Some(p) => {
                let p = eval(p, ctx)?.into_str().map_err(wrap("protocol"))?;
                PROTOCOLS
                    .iter()
                    .find(|(n, _)| *n == p)
                    .map(|(_, v)| *v)
                    .ok_or_else(|| EvalError::new(format!("unsupported protocol: {p}")))?
            }
        };
        let src = ip_bytes(&src).ok_or_else(|| EvalError::new(format!("invalid source IP: {src}")))?;
        let dst = ip_bytes(&dst).ok_or_else(|| EvalError::new(format!("invalid destination IP: {dst}")))?;
        let seed = match &seed {
            None => 0,
            Some(s) => {
                let s = eval(s, ctx)?.expect_int().map_err(wrap("seed"))?;
                u16::try_from(s).map_err(|_| EvalError::new(format!("seed must be between 0 and 65535, got {s}")))?
            }
        };
        Ok(Value::string(flow_hash(src, sport, dst, dport, proto, seed)))
    }))
}

fn port(p: i64, which: &str) -> EvalResult<u16> {
    match u16::try_from(p) {
        Ok(p) if p >= 1 => Ok(p),
        _ => Err(EvalError::new(format!("{which} port must be between 1 and 65535, got {p}"))),
    }
}

/// Go's `net.ParseIP` then `To4`, else the 16 bytes.
fn ip_bytes(s: &str) -> Option<Vec<u8>> {
    match s.parse::<IpAddr>().ok()? {
        IpAddr::V4(v4) => Some(v4.octets().to_vec()),
        IpAddr::V6(v6) => Some(match v6.to_ipv4_mapped() {
            Some(v4) => v4.octets().to_vec(),
            None => v6.octets().to_vec(),
        }),
    }
}

/// `1:` + base64(SHA1(seed, lower endpoint's IP, other IP, protocol, 0,
/// lower endpoint's port, other port)), the endpoints ordered so both
/// directions of a flow hash alike.
fn flow_hash(mut src: Vec<u8>, mut sport: u16, mut dst: Vec<u8>, mut dport: u16, proto: u8, seed: u16) -> String {
    let swap = match src.len().cmp(&dst.len()) {
        std::cmp::Ordering::Equal => src > dst || (src == dst && sport > dport),
        o => o.is_gt(),
    };
    if swap {
        std::mem::swap(&mut src, &mut dst);
        std::mem::swap(&mut sport, &mut dport);
    }
    let mut h = Sha1::new();
    h.update(seed.to_be_bytes());
    h.update(&src);
    h.update(&dst);
    h.update([proto, 0]);
    h.update(sport.to_be_bytes());
    h.update(dport.to_be_bytes());
    format!("1:{}", base64::engine::general_purpose::STANDARD.encode(h.finalize()))
}

fn url(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let uri = a.getter(0)?;
    Ok(conv(move |ctx| {
        let v = eval(&uri, ctx)?;
        let s = v.expect_str()?;
        if s.is_empty() {
            return Err(EvalError::new("url cannot be empty"));
        }
        let kvs = if let Some(q) = s.strip_prefix('?') {
            query_map(q).map_err(|e| EvalError::new(format!("invalid URL escape {e:?}")))?
        } else {
            parse_url(s).map_err(|e| EvalError::new(format!("parse {s:?}: {e}")))?
        };
        Ok(Value::Map(Cow::Owned(kvs)))
    }))
}

/// A query string as `{"query": {"<param>": ["<value>", ...]}}`.
fn query_map(q: &str) -> Result<Vec<KeyValue>, String> {
    let mut params: Vec<KeyValue> = Vec::new();
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (unescape(&k.replace('+', " "))?, unescape(&v.replace('+', " "))?);
        match params.iter_mut().find(|kv| kv.key == k) {
            Some(KeyValue { value: Some(AnyValue { value: Some(Av::ArrayValue(a)) }), .. }) => {
                a.values.push(str_value(v))
            }
            _ => map_put(
                &mut params,
                &k,
                AnyValue { value: Some(Av::ArrayValue(ArrayValue { values: vec![str_value(v)] })) },
            ),
        }
    }
    let mut out = Vec::new();
    if !params.is_empty() {
        map_put(&mut out, "query", AnyValue { value: Some(Av::KvlistValue(KeyValueList { values: params })) });
    }
    Ok(out)
}

/// Go's `url.Unescape`: `%XX` decoded; a `%` without two hex digits is an
/// error naming the bad escape.
fn unescape(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if i + 2 >= b.len() || !b[i + 1].is_ascii_hexdigit() || !b[i + 2].is_ascii_hexdigit() {
                let end = (i + 3).min(b.len());
                return Err(String::from_utf8_lossy(&b[i..end]).into_owned());
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    Ok(percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned())
}

fn parse_url(raw: &str) -> Result<Vec<KeyValue>, String> {
    if raw.bytes().any(|c| c < 0x20 || c == 0x7f) {
        return Err("net/url: invalid control character in URL".into());
    }
    let (rest, fragment) = match raw.split_once('#') {
        Some((r, f)) => (r, Some(unescape(f).map_err(|e| format!("invalid URL escape {e:?}"))?)),
        None => (raw, None),
    };
    let (scheme, rest) = scheme(rest)?;
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let (mut user_info, mut host, mut path) = (None, String::new(), String::new());
    if !rest.starts_with('/') && !scheme.is_empty() {
        // Opaque: `mailto:x@y`; no host, no path.
    } else {
        let mut rest = rest;
        if rest.starts_with("//") && (!scheme.is_empty() || !rest.starts_with("///")) {
            let after = &rest[2..];
            let end = after.find('/').unwrap_or(after.len());
            let authority = &after[..end];
            rest = &after[end..];
            let hostport = match authority.rfind('@') {
                Some(i) => {
                    user_info = Some(&authority[..i]);
                    &authority[i + 1..]
                }
                None => authority,
            };
            host = hostport.to_string();
        } else if scheme.is_empty() {
            let first = rest.split('/').next().unwrap_or("");
            if first.contains(':') {
                return Err("first path segment in URL cannot contain colon".into());
            }
        }
        path = unescape(rest).map_err(|e| format!("invalid URL escape {e:?}"))?;
    }
    let (domain, port) = split_host(&host)?;
    let mut m: Vec<KeyValue> = Vec::new();
    let put = |m: &mut Vec<KeyValue>, k: &str, v: AnyValue| map_put(m, k, v);
    put(&mut m, "url.original", str_value(raw));
    put(&mut m, "url.domain", str_value(unescape(domain).map_err(|e| format!("invalid URL escape {e:?}"))?));
    put(&mut m, "url.scheme", str_value(scheme.to_ascii_lowercase()));
    put(&mut m, "url.path", str_value(path.clone()));
    if let Some(p) = port.filter(|p| !p.is_empty()) {
        let n: i64 = p.parse().map_err(|_| format!("strconv.Atoi: parsing {p:?}: value out of range"))?;
        put(&mut m, "url.port", AnyValue { value: Some(Av::IntValue(n)) });
    }
    if let Some(f) = fragment.filter(|f| !f.is_empty()) {
        put(&mut m, "url.fragment", str_value(f));
    }
    if let Some(ui) = user_info {
        put(&mut m, "url.user_info", str_value(ui));
        let (user, pass) = match ui.split_once(':') {
            Some((u, p)) => (u, Some(p)),
            None => (ui, None),
        };
        let user = unescape(user).map_err(|e| format!("invalid URL escape {e:?}"))?;
        if !user.is_empty() {
            put(&mut m, "url.username", str_value(user));
        }
        if let Some(p) = pass {
            put(&mut m, "url.password", str_value(unescape(p).map_err(|e| format!("invalid URL escape {e:?}"))?));
        }
    }
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        put(&mut m, "url.query", str_value(q));
    }
    if let Some(i) = path.rfind('.') {
        if i + 1 < path.len() {
            put(&mut m, "url.extension", str_value(&path[i + 1..]));
        }
    }
    Ok(m)
}

/// Go's `getScheme`: letters, then digits, `+`, `-`, `.`, up to a `:`.
fn scheme(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.char_indices() {
        match c {
            'a'..='z' | 'A'..='Z' => {}
            '0'..='9' | '+' | '-' | '.' if i > 0 => {}
            ':' if i == 0 => return Err("missing protocol scheme".into()),
            ':' => return Ok((&raw[..i], &raw[i + 1..])),
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

/// The host without its port (and without the brackets of an IPv6 address),
/// and the port's digits; a port that is not all digits is an error.
fn split_host(host: &str) -> Result<(&str, Option<&str>), String> {
    let (name, colon_port) = if let Some(inner) = host.strip_prefix('[') {
        let end = inner.find(']').ok_or("missing ']' in host")?;
        (&inner[..end], &inner[end + 1..])
    } else {
        match host.rfind(':') {
            Some(i) => (&host[..i], &host[i..]),
            None => (host, ""),
        }
    };
    if colon_port.is_empty() {
        return Ok((name, None));
    }
    match colon_port.strip_prefix(':') {
        Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => Ok((name, Some(p))),
        _ => Err(format!("invalid port {colon_port:?} after host")),
    }
}
