//! OTTL behaviour tests: statements and conditions from otelcol-contrib's
//! filter and transform processor docs and the `ottlfuncs` README, each with
//! an input record and the record (or answer) otelcol gives; parser errors.
//! The helpers are in [`crate::testkit`].

mod conditions;
mod contexts;
mod converters;
mod errors;
mod functions;
mod lambdas;
mod parsing;
mod statements;
mod structs;
mod time;
mod typed;
mod xml;

pub use crate::testkit::{check_cases, cond, transform, Case};

/// Run one statement in context `cx` with the standard functions.
pub fn run(text: &str, cx: crate::ContextKind, ctx: &mut crate::Ctx<'_>) -> Result<(), String> {
    let s = crate::Statement::parse(text, cx, &crate::Functions::standard()).map_err(|e| e.to_string())?;
    s.execute(ctx).map(|_| ()).map_err(|e| e.to_string())
}

/// Whether a condition holds in context `cx` (a parse or evaluation error panics).
pub fn holds(text: &str, cx: crate::ContextKind, ctx: &crate::Ctx<'_>) -> bool {
    let c = crate::Condition::parse(text, cx, &crate::Functions::standard()).unwrap_or_else(|e| panic!("{text}: {e}"));
    c.eval(ctx).unwrap_or_else(|e| panic!("{text}: {e}"))
}
