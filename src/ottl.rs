//! OTTL as ferrocol runs it: the `ferrocol-ottl` crate (lib/ottl, see its
//! README), with ferrocol's own converter `ParseLinuxAudit` and the transform
//! processor's metric and data point editors registered, and the
//! lambda converters behind otelcol's `ottl.functions.enableLambda` gate.

use std::borrow::Cow;
use std::sync::OnceLock;

pub use ferrocol_ottl::*;

use ferrocol_ottl::compile::{req, Args};
use ferrocol_ottl::converters::{conv, Converter, Spec};
use ferrocol_ottl::eval::eval;
use ferrocol_ottl::lexer::PosError;

/// The feature gate that enables the lambda converters (`Filter`, `MapEach`, ...).
pub const LAMBDA_GATE: &str = "ottl.functions.enableLambda";

static FUNCTIONS: OnceLock<Functions> = OnceLock::new();
static LAMBDAS: OnceLock<bool> = OnceLock::new();

/// Record whether `--feature-gates` enabled the lambda converters; called once,
/// before any config is compiled (later calls are ignored).
pub fn set_lambdas(enabled: bool) {
    let _ = LAMBDAS.set(enabled);
}

/// The functions ferrocol's statements may call.
pub fn functions() -> &'static Functions {
    FUNCTIONS.get_or_init(|| {
        let lambdas = *LAMBDAS.get_or_init(|| false);
        use crate::processors::transform::metric_funcs::{METRIC_SPECS, POINT_SPECS};
        Functions::standard()
            .with_converters(FERROCOL_CONVERTERS)
            .with_editors_in(ContextKind::Metric, METRIC_SPECS)
            .with_editors_in(ContextKind::DataPoint, POINT_SPECS)
            .with_lambdas(lambdas)
    })
}

static FERROCOL_CONVERTERS: &[Spec] =
    &[Spec { name: "ParseLinuxAudit", params: &[req("target")], build: parse_linux_audit }];

/// `ParseLinuxAudit(target)` (ferrocol's own): a Linux audit record, in auditd's
/// `type=... msg=audit(...)` form or journald's `USER_START pid=... msg='...'`
/// form, as a map: `type`, `time`, `serial`, the kernel fields, and `msg` as a
/// map of the userspace part, quotes removed and hex values decoded (see
/// [`crate::audit::parse_linux_audit`]). Text that is no audit record is an error.
fn parse_linux_audit(a: &mut Args<'_>) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    Ok(conv(move |ctx| {
        let v = eval(&target, ctx)?;
        match crate::audit::parse_linux_audit(v.expect_str()?) {
            Some(map) => Ok(Value::Map(Cow::Owned(map.values))),
            None => Err(EvalError::new("ParseLinuxAudit: not a Linux audit record")),
        }
    }))
}

#[cfg(test)]
mod tests {
    use ferrocol_ottl::testkit::check_cases_with;
    use serde_json::json;

    #[test]
    fn parse_linux_audit_on_a_journald_record() {
        check_cases_with(
            super::functions(),
            vec![(
                vec![
                    r#"set(log.attributes["audit"], ParseLinuxAudit(log.body))"#,
                    r#"set(log.attributes["who"], log.attributes["audit"]["msg"]["acct"]) where log.attributes["audit"]["type"] == "USER_START""#,
                ],
                json!({"body": "USER_START pid=2101 uid=0 auid=1000 ses=7 msg='op=PAM:session_open grantors=pam_unix acct=616C696365 exe=\"/usr/sbin/sshd\" hostname=203.0.113.7 addr=203.0.113.7 terminal=ssh res=success'"}),
                json!({"body": "USER_START pid=2101 uid=0 auid=1000 ses=7 msg='op=PAM:session_open grantors=pam_unix acct=616C696365 exe=\"/usr/sbin/sshd\" hostname=203.0.113.7 addr=203.0.113.7 terminal=ssh res=success'",
                    "attributes": {"who": "alice", "audit": {"type": "USER_START", "pid": "2101", "uid": "0", "auid": "1000", "ses": "7",
                        "msg": {"op": "PAM:session_open", "grantors": "pam_unix", "acct": "alice", "exe": "/usr/sbin/sshd",
                            "hostname": "203.0.113.7", "addr": "203.0.113.7", "terminal": "ssh", "res": "success"}}}}),
            )],
        );
    }

    #[test]
    fn lambdas_are_off_without_the_gate() {
        assert!(!ferrocol_ottl::Functions::standard().lambdas());
    }
}
