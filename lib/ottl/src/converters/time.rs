//! Time converters: `Time`, `UnixNano`, `UnixSeconds`, `Now`.
//!
//! `Time(target, format, location?, locale?)` reads otelcol's ctime-like
//! directives with [`crate::time`]'s semantics, which filelog shares:
//! the format becomes a Go layout, zones come from the embedded tz database,
//! the default location is the local zone, or UTC when the format ends in a
//! literal `Z`. Only English names are read (`locale` must be empty or `en...`).

use super::{conv, Converter, Spec};
use crate::compile::{opt, req, Args, Expr};
use crate::eval::eval;
use crate::lexer::PosError;
use crate::paths::Ctx;
use crate::value::{EvalError, EvalResult, Time, Value};
use ferrocol_gotime::golayout::Layout;
use ferrocol_gotime::parse::{location_for, parse_in_location};
use ferrocol_gotime::strptime::to_go_layout;

pub static SPECS: &[Spec] = &[
    Spec { name: "Time", params: &[req("time"), req("format"), opt("location"), opt("locale")], build: time_fn },
    Spec { name: "UnixNano", params: &[req("time")], build: |a| unix(a, 1) },
    Spec { name: "UnixSeconds", params: &[req("time")], build: |a| unix(a, 1_000_000_000) },
    Spec { name: "Now", params: &[], build: |_| Ok(conv(|_| Ok(Value::Time(Time::now())))) },
];

fn unix(a: &mut Args, unit: i128) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    Ok(conv(move |ctx| Ok(Value::Int(eval(&target, ctx)?.expect_time()?.unix_nanos.div_euclid(unit) as i64))))
}

struct TimeConv {
    target: Expr,
    layout: Layout,
    location: Option<Expr>,
}

impl Converter for TimeConv {
    fn call<'c>(&'c self, ctx: &'c Ctx<'_>) -> EvalResult<Value<'c>> {
        let name = match &self.location {
            Some(l) => Some(eval(l, ctx)?),
            None => None,
        };
        let name = name.as_ref().map(Value::expect_str).transpose()?;
        let loc = location_for(name, self.layout.text()).map_err(EvalError::new)?;
        let v = eval(&self.target, ctx)?;
        let s = v.expect_str()?;
        if s.is_empty() {
            return Err(EvalError::new("time cannot be nil"));
        }
        Ok(Value::Time(parse_in_location(&self.layout, s, loc).map_err(EvalError::new)?))
    }
}

fn time_fn(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let at = a.at_of(1);
    let format = a.str_lit(1)?;
    if format.is_empty() {
        return Err(a.err(at, "format cannot be nil"));
    }
    let layout = Layout::new(&to_go_layout(&format).map_err(|e| a.err(at, e))?);
    let location = a.opt_getter(2)?;
    let locale_at = a.at_of(3);
    if let Some(l) = a.opt_str_lit(3)? {
        if !(l.is_empty() || l == "en" || l.starts_with("en-") || l.starts_with("en_")) {
            return Err(a.err(locale_at, format!("locale {l:?} is not supported: ferrocol reads English names only")));
        }
    }
    Ok(Box::new(TimeConv { target, layout, location }))
}
