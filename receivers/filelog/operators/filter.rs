//! `filter`: drop the entries for which `expr` is true (a `drop_ratio` of
//! them; all by default).

use std::time::{SystemTime, UNIX_EPOCH};

use super::super::entry::LogEntry;
use super::super::expr::Expr;
use super::{Kind, OperatorConfig};

operator_config! {
    pub struct FilterConfig {
        expr: Option<Expr>,
        drop_ratio: Option<f64>,
    }
}

pub struct Filter {
    expr: Expr,
    drop_ratio: f64,
    /// xorshift state for `drop_ratio` below 1.
    rng: u64,
}

impl OperatorConfig for FilterConfig {
    fn build(self) -> super::KeyResult<Kind> {
        let expr = self.expr.ok_or(("expr", "missing required field 'expr'".to_string()))?;
        let drop_ratio = self.drop_ratio.unwrap_or(1.0);
        if !(0.0..=1.0).contains(&drop_ratio) {
            return Err(("drop_ratio", "drop_ratio must be a number between 0 and 1".into()));
        }
        let seed = SystemTime::now().duration_since(UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64) | 1;
        Ok(Kind::Filter(Filter { expr, drop_ratio, rng: seed }))
    }
}

impl Filter {
    /// False when the entry is dropped.
    pub fn keep(&mut self, e: &LogEntry) -> Result<bool, String> {
        if !self.expr.test(e)? {
            return Ok(true);
        }
        if self.drop_ratio >= 1.0 {
            return Ok(false);
        }
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        Ok((self.rng % 1000) as f64 >= self.drop_ratio * 1000.0)
    }
}
