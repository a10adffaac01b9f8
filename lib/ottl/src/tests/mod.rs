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
mod time;
mod typed;
mod xml;

pub use crate::testkit::{check_cases, cond, transform, Case};
