//! `UserAgent(user_agent)`: a user-agent string's browser and OS under
//! semantic-convention names, parsed with the `ua-parser` crate over
//! uap-core's regexes (the list otelcol's uap-go uses, shipped in
//! `data/uap-regexes.json`). The parsers compile once, on first use.

use std::borrow::Cow;
use std::sync::OnceLock;

use opentelemetry_proto::tonic::common::v1::KeyValue;
use ua_parser::{os, user_agent};

use super::{conv, Converter, Spec};
use crate::compile::{req, Args};
use crate::eval::eval;
use crate::lexer::PosError;
use crate::pdata::str_value;
use crate::value::{map_put, EvalError, Value};

pub static SPECS: &[Spec] = &[Spec { name: "UserAgent", params: &[req("user_agent")], build: user_agent_fn }];

static REGEXES: &str = include_str!("../../data/uap-regexes.json");

struct Parsers {
    ua: user_agent::Extractor<'static>,
    os: os::Extractor<'static>,
}

fn parsers() -> Result<&'static Parsers, String> {
    static PARSERS: OnceLock<Result<Parsers, String>> = OnceLock::new();
    PARSERS
        .get_or_init(|| {
            let r: ua_parser::Regexes<'static> = serde_json::from_str(REGEXES).map_err(|e| e.to_string())?;
            let ua = user_agent::Builder::new()
                .push_all(r.user_agent_parsers)
                .map_err(|e| format!("{e:?}"))?
                .build()
                .map_err(|e| format!("{e:?}"))?;
            let os = os::Builder::new()
                .push_all(r.os_parsers)
                .map_err(|e| format!("{e:?}"))?
                .build()
                .map_err(|e| format!("{e:?}"))?;
            Ok(Parsers { ua, os })
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// uap-go's `ToVersionString`: the version parts up to the first missing one, joined by dots.
fn version<'a>(parts: impl IntoIterator<Item = Option<&'a str>>) -> String {
    let parts: Vec<&str> = parts.into_iter().map_while(|p| p.filter(|p| !p.is_empty())).collect();
    parts.join(".")
}

fn user_agent_fn(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let at = a.at;
    parsers().map_err(|e| a.err(at, format!("cannot load the user-agent regexes: {e}")))?;
    Ok(conv(move |ctx| {
        let v = eval(&target, ctx)?;
        let ua = v.expect_str()?;
        let p = parsers().map_err(EvalError::new)?;
        let (name, ver) = match p.ua.extract(ua) {
            Some(u) => (u.family.into_owned(), version([u.major, u.minor, u.patch])),
            None => ("Other".to_string(), String::new()),
        };
        let mut m: Vec<KeyValue> = Vec::with_capacity(5);
        map_put(&mut m, "user_agent.name", str_value(name));
        map_put(&mut m, "user_agent.version", str_value(ver));
        map_put(&mut m, "user_agent.original", str_value(ua));
        let (os_name, os_ver) = match p.os.extract(ua) {
            Some(o) => (o.os.into_owned(), version([o.major.as_deref(), o.minor.as_deref(), o.patch.as_deref()])),
            None => ("Other".to_string(), String::new()),
        };
        if !os_name.is_empty() {
            map_put(&mut m, "os.name", str_value(os_name));
        }
        if !os_ver.is_empty() {
            map_put(&mut m, "os.version", str_value(os_ver));
        }
        Ok(Value::Map(Cow::Owned(m)))
    }))
}
