//! OTTL's comparison rules (`pkg/ottl/LANGUAGE.md`, `compare.go`) and
//! pcommon's equality of maps, slices and values.

use opentelemetry_proto::tonic::common::v1::any_value::Value as Av;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};

use super::Value;
use crate::ast::CmpOp;

/// OTTL's comparison rules (`pkg/ottl/LANGUAGE.md`, `compare.go`): numbers of
/// mixed kinds compare as float64; nil equals only nil (and an empty byte
/// slice); maps, slices, IDs, record slices and structs support only `==` and `!=` (an
/// ID never equals bytes); any other mix of types is "not equal", so only `!=`
/// is true.
pub fn compare(a: &Value, b: &Value, op: CmpOp) -> bool {
    use Value::*;
    let nilish = |v: &Value| matches!(v, Nil) || matches!(v, Bytes(b) if b.is_empty());
    match (a, b) {
        _ if nilish(a) && nilish(b) => matches!(op, CmpOp::Eq | CmpOp::Le | CmpOp::Ge),
        _ if nilish(a) || nilish(b) => op == CmpOp::Ne,
        (Bool(x), Bool(y)) => ordered(x, y, op),
        (Int(x), Int(y)) => ordered(x, y, op),
        (Int(x), Double(y)) => ordered(&(*x as f64), y, op),
        (Double(x), Int(y)) => ordered(x, &(*y as f64), op),
        (Double(x), Double(y)) => ordered(x, y, op),
        (Str(x), Str(y)) => ordered(x.as_ref(), y.as_ref(), op),
        (Bytes(x), Bytes(y)) => ordered(x.as_ref(), y.as_ref(), op),
        (Time(x), Time(y)) => ordered(&x.unix_nanos, &y.unix_nanos, op),
        (Duration(x), Duration(y)) => ordered(x, y, op),
        (Map(x), Map(y)) => equality(map_equal(x, y), op),
        (List(x), List(y)) => equality(list_equal(x, y), op),
        // Go's `==` on the typed values: same type and same content.
        (Id(x), Id(y)) => equality(x == y, op),
        (Records(x), Records(y)) => equality(x == y, op),
        (Struct(x), Struct(y)) => equality(x == y, op),
        _ => op == CmpOp::Ne,
    }
}

fn ordered<T: PartialOrd + ?Sized>(a: &T, b: &T, op: CmpOp) -> bool {
    match op {
        CmpOp::Eq => a == b,
        CmpOp::Ne => a != b,
        CmpOp::Lt => a < b,
        CmpOp::Le => a <= b,
        CmpOp::Gt => a > b,
        CmpOp::Ge => a >= b,
    }
}

fn equality(equal: bool, op: CmpOp) -> bool {
    match op {
        CmpOp::Eq => equal,
        CmpOp::Ne => !equal,
        _ => false,
    }
}

/// pcommon's `Map.Equal`: same size, and every key's value equal (order aside).
pub fn map_equal(a: &[KeyValue], b: &[KeyValue]) -> bool {
    a.len() == b.len()
        && a.iter().all(|kv| match b.iter().find(|o| o.key == kv.key) {
            Some(o) => any_equal(kv.value.as_ref(), o.value.as_ref()),
            None => false,
        })
}

pub fn list_equal(a: &[AnyValue], b: &[AnyValue]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| any_equal(Some(x), Some(y)))
}

/// pcommon's `Value.Equal`: same type and same value.
pub fn any_equal(a: Option<&AnyValue>, b: Option<&AnyValue>) -> bool {
    fn inner(v: Option<&AnyValue>) -> Option<&Av> {
        match v.and_then(|v| v.value.as_ref()) {
            Some(Av::StringValueStrindex(_)) | None => None,
            Some(v) => Some(v),
        }
    }
    match (inner(a), inner(b)) {
        (None, None) => true,
        (Some(Av::KvlistValue(x)), Some(Av::KvlistValue(y))) => map_equal(&x.values, &y.values),
        (Some(Av::ArrayValue(x)), Some(Av::ArrayValue(y))) => list_equal(&x.values, &y.values),
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::pdata::{kv, str_value};

    fn s(x: &str) -> Value<'_> {
        Value::str(x)
    }

    #[test]
    fn comparison_rules() {
        use CmpOp::*;
        assert!(compare(&Value::Int(1), &Value::Double(1.0), Eq));
        assert!(compare(&Value::Int(1), &Value::Double(1.5), Lt));
        assert!(compare(&Value::Nil, &Value::Nil, Eq));
        assert!(compare(&Value::Nil, &Value::Nil, Le));
        assert!(!compare(&Value::Nil, &Value::Nil, Lt));
        assert!(!compare(&Value::Nil, &Value::Int(0), Eq));
        assert!(compare(&Value::Nil, &Value::Int(0), Ne));
        assert!(!compare(&Value::Nil, &Value::Int(0), Lt));
        assert!(!compare(&s("1"), &Value::Int(1), Eq));
        assert!(compare(&s("1"), &Value::Int(1), Ne));
        assert!(!compare(&s("1"), &Value::Int(1), Gt));
        assert!(compare(&s("abc"), &s("abd"), Lt));
        assert!(compare(&Value::Bool(false), &Value::Bool(true), Lt));
        assert!(compare(&Value::Bytes(Cow::Borrowed(&[])), &Value::Nil, Eq));
        assert!(!compare(&Value::Double(f64::NAN), &Value::Double(f64::NAN), Eq));
        let m1 = vec![kv("a", str_value("x")), kv("b", str_value("y"))];
        let m2 = vec![kv("b", str_value("y")), kv("a", str_value("x"))];
        assert!(compare(&Value::Map(Cow::Borrowed(&m1)), &Value::Map(Cow::Borrowed(&m2)), Eq));
        assert!(!compare(&Value::Map(Cow::Borrowed(&m1)), &Value::Map(Cow::Borrowed(&m2)), Le));
    }
}
