//! Statements and conditions for traces, metrics and profiles in `filter` and
//! `transform` configs, checked as otelcol checks them at load time — group
//! keys, the context of each group, the syntax of every statement and
//! condition, the editor each statement calls and the first name of every
//! path — so a config otelcol refuses is refused here too, each error at its
//! entry. Traces and metrics settings that pass are then compiled and run by
//! the processors (the OTTL span, span event, metric and data point
//! contexts); profiles settings are checked only (no profiles pipelines).

use crate::config::FieldError;
use crate::ottl::ast;
use crate::ottl::lexer::PosError;
use crate::ottl::parser::{parse_condition, parse_statement};
use crate::ottl::OttlError;
use crate::processors::ottl_config::Entry;

/// The contexts otelcol's parser collections accept for each signal.
pub const TRACE_CONTEXTS: &[&str] = &["resource", "scope", "span", "spanevent"];
pub const METRIC_CONTEXTS: &[&str] = &["resource", "scope", "metric", "datapoint"];
pub const PROFILE_CONTEXTS: &[&str] = &["resource", "scope", "profile"];

/// The fields of each context, from the OTTL context docs (`pkg/ottl/contexts`);
/// a context not listed here (profile) has its paths left unchecked.
const FIELDS: &[(&str, &[&str])] = &[
    ("resource", &["attributes", "dropped_attributes_count", "schema_url", "cache"]),
    ("scope", &["name", "version", "attributes", "dropped_attributes_count", "schema_url", "cache"]),
    (
        "span",
        &[
            "trace_id",
            "span_id",
            "parent_span_id",
            "trace_state",
            "name",
            "kind",
            "start_time_unix_nano",
            "end_time_unix_nano",
            "start_time",
            "end_time",
            "attributes",
            "dropped_attributes_count",
            "events",
            "dropped_events_count",
            "links",
            "dropped_links_count",
            "status",
            "flags",
            "cache",
        ],
    ),
    (
        "spanevent",
        &["time_unix_nano", "time", "name", "attributes", "dropped_attributes_count", "event_index", "cache"],
    ),
    (
        "metric",
        &[
            "name",
            "description",
            "unit",
            "type",
            "aggregation_temporality",
            "is_monotonic",
            "data_points",
            "metadata",
            "cache",
        ],
    ),
    (
        "datapoint",
        &[
            "attributes",
            "start_time_unix_nano",
            "time_unix_nano",
            "start_time",
            "time",
            "value_double",
            "value_int",
            "exemplars",
            "flags",
            "count",
            "sum",
            "min",
            "max",
            "bucket_counts",
            "explicit_bounds",
            "scale",
            "zero_count",
            "positive",
            "negative",
            "quantile_values",
            "cache",
        ],
    ),
];

/// Every OTTL context id otelcol knows (`common.ContextID`).
const ALL_CONTEXTS: [&str; 9] =
    ["resource", "scope", "span", "spanevent", "metric", "datapoint", "exemplar", "log", "profile"];

/// Editors otelcol offers in span, metric or data point statements that
/// ferrocol's OTTL does not have (yet): the standard `clear`, and transform's
/// span function `set_semconv_span_name`.
const OTELCOL_ONLY_EDITORS: &[&str] = &["clear", "set_semconv_span_name"];

/// Whether the entries hold statements (transform) or conditions (filter).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Texts {
    Statements,
    Conditions,
}

/// Check `entries`, the list at `key`, whose groups may name `contexts` (the
/// signal's, lowest last); a text without a group may use any of them.
pub fn check_entries(entries: &[Entry], key: &str, contexts: &[&str], texts: Texts, errors: &mut Vec<FieldError>) {
    for (i, e) in entries.iter().enumerate() {
        let at = format!("{key}[{i}]");
        match e {
            Entry::Text(t) => check_text(t, &at, texts, &Names::of(contexts, None), errors),
            Entry::Group(g) => {
                let mut context = None;
                if let Some(c) = &g.context {
                    match context_error(c, key, contexts) {
                        Some(message) => errors.push(FieldError::new(format!("{at}::context"), message)),
                        None => context = Some(c.to_lowercase()),
                    }
                }
                let names = Names::of(contexts, context.as_deref());
                check_texts(&g.conditions, &format!("{at}::conditions"), Texts::Conditions, &names, errors);
                check_texts(&g.statements, &format!("{at}::statements"), Texts::Statements, &names, errors);
            }
        }
    }
}

/// The names a path may start with: a context prefix, or a field of the
/// context (of any of the signal's contexts when none is named). `None`: not checked.
pub struct Names(Option<Vec<&'static str>>);

impl Names {
    /// For texts of a signal with `contexts`, in `context` if one is named.
    pub fn of(contexts: &[&str], context: Option<&str>) -> Names {
        let mut names = vec!["resource", "scope", "instrumentation_scope", "cache"];
        let own: Vec<&str> = context.map_or_else(|| contexts.to_vec(), |c| vec![c]);
        for c in contexts {
            names.extend(ALL_CONTEXTS.iter().filter(|x| *x == c));
        }
        for c in own {
            match FIELDS.iter().find(|(name, _)| *name == c) {
                Some((_, fields)) => names.extend_from_slice(fields),
                None => return Names(None),
            }
        }
        Names(Some(names))
    }

    fn allows(&self, name: &str) -> bool {
        self.0.as_ref().is_none_or(|names| names.contains(&name))
    }
}

/// Check each text of the list at `key`.
pub fn check_texts(list: &[String], key: &str, texts: Texts, names: &Names, errors: &mut Vec<FieldError>) {
    for (i, t) in list.iter().enumerate() {
        check_text(t, &format!("{key}[{i}]"), texts, names, errors);
    }
}

fn check_text(text: &str, key: &str, texts: Texts, names: &Names, errors: &mut Vec<FieldError>) {
    let mut paths = Vec::new();
    let problem = match texts {
        Texts::Conditions => match parse_condition(text) {
            Err(e) => Some(("condition", e)),
            Ok(c) => {
                ast::visit_bool_paths(&c, &mut |p| paths.push((p.at, p.dotted(), first(p))));
                None
            }
        },
        Texts::Statements => match parse_statement(text) {
            Err(e) => Some(("statement", e)),
            Ok(s) if !known_editor(&s.editor.name) => {
                let message = format!("undefined function {:?}", s.editor.name);
                Some(("statement", PosError { at: s.editor.at, message }))
            }
            Ok(s) => {
                ast::visit_statement_paths(&s, &mut |p| paths.push((p.at, p.dotted(), first(p))));
                None
            }
        },
    };
    let what = if texts == Texts::Statements { "statement" } else { "condition" };
    let problem = problem.or_else(|| {
        let (at, dotted, name) = paths.into_iter().find(|(_, _, name)| !names.allows(name))?;
        Some((what, PosError { at, message: format!("invalid path {dotted:?}: {name:?} is not a known field") }))
    });
    if let Some((what, e)) = problem {
        let e = OttlError::at(text, e);
        errors.push(FieldError::new(key, format!("invalid {what} {text:?}: {e}")));
    }
}

fn first(p: &ast::Path) -> String {
    p.fields.first().map_or_else(String::new, |f| f.name.clone())
}

fn known_editor(name: &str) -> bool {
    crate::ottl::functions().editor(name).is_some() || OTELCOL_ONLY_EDITORS.contains(&name)
}

/// What is wrong with a group's `context` (any case, as otelcol reads it).
fn context_error(context: &str, key: &str, valid: &[&str]) -> Option<String> {
    let context = context.to_lowercase();
    if !ALL_CONTEXTS.contains(&context.as_str()) {
        Some(format!("unknown context {context}"))
    } else if !valid.contains(&context.as_str()) {
        Some(format!("unknown context \"{context}\" for {key} (valid values: {})", valid.join(", ")))
    } else {
        None
    }
}

/// otelcol refuses a `*_conditions` list that mixes plain conditions and
/// groups (its flat and structured styles).
pub fn check_one_style(entries: &[Entry], key: &str, errors: &mut Vec<FieldError>) {
    let texts = entries.iter().any(|e| matches!(e, Entry::Text(_)));
    let groups = entries.iter().any(|e| matches!(e, Entry::Group(_)));
    if texts && groups {
        errors.push(FieldError::new(
            key,
            "configuring multiple configuration styles is not supported, please use only Basic configuration or only Advanced configuration",
        ));
    }
}
