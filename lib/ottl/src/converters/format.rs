//! The part of Go's `fmt.Sprintf` that `Format` needs.
//!
//! Verbs: `%v %s %q %d %x %X %o %b %c %t %e %E %f %F %g %G %%`; flags `- + # 0`
//! and space; width and `.precision`. Go's error forms too: `%!d(string=x)` for
//! a verb that does not fit the value, `%!d(MISSING)`, `%!(EXTRA int64=1)`,
//! `<nil>` for nil. Not supported: `*` widths, `%[n]` argument indexes, `%T`,
//! `%p`, `%U`. Maps and slices print as JSON (Go would print pdata's internals).

use std::fmt::Write;

use crate::value::Value;

#[derive(Default, Clone, Copy)]
struct Spec {
    minus: bool,
    plus: bool,
    sharp: bool,
    zero: bool,
    space: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut next = 0;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut s = Spec::default();
        while let Some(&f) = chars.peek() {
            match f {
                '-' => s.minus = true,
                '+' => s.plus = true,
                '#' => s.sharp = true,
                '0' => s.zero = true,
                ' ' => s.space = true,
                _ => break,
            }
            chars.next();
        }
        s.width = digits(&mut chars);
        if chars.peek() == Some(&'.') {
            chars.next();
            s.prec = Some(digits(&mut chars).unwrap_or(0));
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        match args.get(next) {
            Some(arg) => {
                next += 1;
                out.push_str(&format_one(verb, s, arg));
            }
            None => {
                let _ = write!(out, "%!{verb}(MISSING)");
            }
        }
    }
    if next < args.len() {
        out.push_str("%!(EXTRA ");
        for (i, a) in args[next..].iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            if a.is_nil() {
                out.push_str("<nil>");
            } else {
                let _ = write!(out, "{}={}", a.type_name(), plain(a));
            }
        }
        out.push(')');
    }
    out
}

/// Go's `fmt.Sprint` of a float64 (`%v`): the shortest digits, in exponent
/// form below 1e-4 and from 1e21 (`1e+06`, `1.5e-05`, `+Inf`).
pub fn go_v(f: f64) -> String {
    float(f, 'g', Spec::default())
}

/// Go's `%f` of a float64: six decimals (`1.230000`, `+Inf`, `NaN`).
pub fn go_f(f: f64) -> String {
    float(f, 'f', Spec::default())
}

fn digits(chars: &mut std::iter::Peekable<std::str::Chars>) -> Option<usize> {
    let mut n: Option<usize> = None;
    while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
        n = Some(n.unwrap_or(0) * 10 + d as usize);
        chars.next();
    }
    n
}

/// `%v` without flags.
fn plain(v: &Value) -> String {
    format_one('v', Spec::default(), v)
}

fn bad(verb: char, v: &Value) -> String {
    if v.is_nil() {
        return format!("%!{verb}(<nil>)");
    }
    format!("%!{verb}({}={})", v.type_name(), plain(v))
}

fn format_one(verb: char, s: Spec, v: &Value) -> String {
    match (verb, v) {
        ('v', Value::Nil) => pad("<nil>", s, false),
        (_, Value::Nil) => bad(verb, v),
        ('v' | 't', Value::Bool(b)) => pad(&b.to_string(), s, false),
        ('v' | 'd', Value::Int(i)) => int(*i, 10, false, s),
        ('x', Value::Int(i)) => int(*i, 16, false, s),
        ('X', Value::Int(i)) => int(*i, 16, true, s),
        ('o', Value::Int(i)) => int(*i, 8, false, s),
        ('b', Value::Int(i)) => int(*i, 2, false, s),
        ('c', Value::Int(i)) => pad(&char::from_u32(*i as u32).unwrap_or('\u{fffd}').to_string(), s, false),
        ('e' | 'E' | 'f' | 'F' | 'g' | 'G', Value::Double(f)) => float(*f, verb, s),
        ('v', Value::Double(f)) => float(*f, 'g', s),
        ('v' | 's', Value::Str(x)) => pad(&truncate(x, s.prec), s, false),
        ('q', Value::Str(x)) => pad(&go_quote(x), s, false),
        ('x', Value::Str(x)) => pad(&hex::encode(x.as_bytes()), s, false),
        ('X', Value::Str(x)) => pad(&hex::encode_upper(x.as_bytes()), s, false),
        ('s', Value::Bytes(b)) => pad(&String::from_utf8_lossy(b), s, false),
        ('x', Value::Bytes(b)) => pad(&hex::encode(b), s, false),
        ('X', Value::Bytes(b)) => pad(&hex::encode_upper(b), s, false),
        ('v' | 'd', Value::Bytes(_) | Value::Id(_)) => {
            let b = match v {
                Value::Id(id) => id.bytes(),
                Value::Bytes(b) => b,
                _ => &[],
            };
            let items: Vec<String> = b.iter().map(u8::to_string).collect();
            pad(&format!("[{}]", items.join(" ")), s, false)
        }
        ('v', Value::Map(_) | Value::List(_)) => {
            let json = v.string_like().ok().flatten().map(|c| c.into_owned()).unwrap_or_default();
            pad(&json, s, false)
        }
        ('v' | 's', Value::Time(t)) => pad(&ferrocol_gotime::gofmt::go_time_string(*t), s, false),
        ('v' | 's', Value::Duration(d)) => pad(&go_duration(*d), s, false),
        ('d', Value::Duration(d)) => int(*d, 10, false, s),
        _ => bad(verb, v),
    }
}

fn go_duration(ns: i64) -> String {
    let s = ferrocol_gotime::gofmt::go_duration_string(std::time::Duration::from_nanos(ns.unsigned_abs()));
    if ns < 0 {
        format!("-{s}")
    } else {
        s
    }
}

fn truncate(s: &str, prec: Option<usize>) -> String {
    match prec {
        Some(p) => s.chars().take(p).collect(),
        None => s.to_string(),
    }
}

/// Pad to the width: left-justified with `-`, zeros with `0` (after the sign
/// for numbers), else spaces on the left.
fn pad(body: &str, s: Spec, numeric: bool) -> String {
    let len = body.chars().count();
    let Some(w) = s.width.filter(|w| *w > len) else { return body.to_string() };
    let fill = w - len;
    if s.minus {
        return format!("{body}{}", " ".repeat(fill));
    }
    if s.zero {
        if numeric {
            let (sign, rest) = match body.chars().next() {
                Some(c @ ('-' | '+' | ' ')) => (c.to_string(), &body[1..]),
                _ => (String::new(), body),
            };
            return format!("{sign}{}{rest}", "0".repeat(fill));
        }
        return format!("{}{body}", "0".repeat(fill));
    }
    format!("{}{body}", " ".repeat(fill))
}

fn sign(neg: bool, s: Spec) -> &'static str {
    if neg {
        "-"
    } else if s.plus {
        "+"
    } else if s.space {
        " "
    } else {
        ""
    }
}

fn int(i: i64, radix: u32, upper: bool, s: Spec) -> String {
    let mag = i.unsigned_abs();
    let mut digits = match radix {
        16 if upper => format!("{mag:X}"),
        16 => format!("{mag:x}"),
        8 => format!("{mag:o}"),
        2 => format!("{mag:b}"),
        _ => mag.to_string(),
    };
    if let Some(p) = s.prec {
        if digits.len() < p {
            digits = format!("{}{digits}", "0".repeat(p - digits.len()));
        }
        if p == 0 && mag == 0 {
            digits.clear();
        }
    }
    let prefix = match (s.sharp, radix) {
        (true, 16) if upper => "0X",
        (true, 16) => "0x",
        (true, 8) => "0",
        _ => "",
    };
    // Go ignores the 0 flag when a precision is given.
    let s2 = Spec { zero: s.zero && s.prec.is_none(), ..s };
    pad(&format!("{}{prefix}{digits}", sign(i < 0, s)), s2, true)
}

fn float(f: f64, verb: char, s: Spec) -> String {
    if f.is_nan() {
        return pad(
            &format!(
                "{}NaN",
                if s.plus {
                    "+"
                } else if s.space {
                    " "
                } else {
                    ""
                }
            ),
            Spec { zero: false, ..s },
            false,
        );
    }
    if f.is_infinite() {
        // Unlike a number, an infinity keeps its `+` without the plus flag.
        let sign = match sign(f < 0.0, s) {
            "" => "+",
            other => other,
        };
        return pad(&format!("{sign}Inf"), Spec { zero: false, ..s }, false);
    }
    let neg = f.is_sign_negative();
    let a = f.abs();
    let body = match verb {
        'e' | 'E' => exp_form(a, s.prec.unwrap_or(6), verb == 'E'),
        'f' | 'F' => format!("{:.*}", s.prec.unwrap_or(6), a),
        _ => g_form(a, s.prec, verb == 'G'),
    };
    pad(&format!("{}{body}", sign(neg, s)), s, true)
}

/// `1.234560e+06`: Go writes at least two exponent digits.
fn exp_form(a: f64, prec: usize, upper: bool) -> String {
    let s = format!("{:.*e}", prec, a);
    go_exponent(&s, upper)
}

fn go_exponent(s: &str, upper: bool) -> String {
    let (m, e) = s.split_once('e').unwrap_or((s, "0"));
    let (sign, digits) = match e.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', e),
    };
    let e_char = if upper { 'E' } else { 'e' };
    format!("{m}{e_char}{sign}{digits:0>2}")
}

/// The decimal digits of `a` (no trailing zeros) and the decimal point
/// position, shortest round-trip or rounded to `sig` significant digits.
fn decimal(a: f64, sig: Option<usize>) -> (String, i32) {
    if a == 0.0 {
        return ("0".to_string(), 1);
    }
    let s = match sig {
        Some(p) => format!("{:.*e}", p.max(1) - 1, a),
        None => format!("{a:e}"),
    };
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let mut digits: String = m.chars().filter(char::is_ascii_digit).collect();
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    (digits, e.parse::<i32>().unwrap_or(0) + 1)
}

/// strconv's `%g`: exponent form when the exponent is < -4 or >= the precision
/// (6 for the shortest form, which `%v` uses).
fn g_form(a: f64, prec: Option<usize>, upper: bool) -> String {
    let (digits, dp) = decimal(a, prec.map(|p| p.max(1)));
    let nd = digits.len() as i32;
    let shortest = prec.is_none();
    let mut p = prec.map_or(nd, |p| p.max(1) as i32);
    let mut eprec = p;
    if eprec > nd && nd >= dp {
        eprec = nd;
    }
    if shortest {
        eprec = 6;
    }
    let exp = dp - 1;
    if exp < -4 || exp >= eprec {
        if p > nd {
            p = nd;
        }
        let mut m = digits[..1].to_string();
        if p > 1 {
            m.push('.');
            m.push_str(&digits[1..]);
            for _ in nd..p {
                m.push('0');
            }
        }
        return go_exponent(&format!("{m}e{exp}"), upper);
    }
    if p > dp {
        p = nd;
    }
    let decimals = (p - dp).max(0) as usize;
    // Place the digits around the decimal point.
    let mut int_part = String::new();
    let mut frac = String::new();
    for i in 0..dp.max(1) {
        int_part.push(if i >= 0 && i < nd && dp > 0 { digits.as_bytes()[i as usize] as char } else { '0' });
    }
    for i in 0..decimals as i32 {
        let idx = dp + i;
        frac.push(if idx >= 0 && idx < nd { digits.as_bytes()[idx as usize] as char } else { '0' });
    }
    if frac.is_empty() {
        int_part
    } else {
        format!("{int_part}.{frac}")
    }
}

/// Go's `strconv.Quote`.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn s(x: &str) -> Value<'_> {
        Value::Str(Cow::Borrowed(x))
    }

    #[test]
    fn like_go_sprintf() {
        assert_eq!(sprintf("%02d", &[Value::Int(7)]), "07");
        assert_eq!(sprintf("%04d-%02d-%02d", &[Value::Int(2024), Value::Int(3), Value::Int(9)]), "2024-03-09");
        assert_eq!(sprintf("%s/%s.log", &[s("host"), s("sshd")]), "host/sshd.log");
        assert_eq!(sprintf("%5s|%-5s|", &[s("ab"), s("cd")]), "   ab|cd   |");
        assert_eq!(sprintf("%.2f", &[Value::Double(12.3456)]), "12.35");
        assert_eq!(
            sprintf("%v %v %v", &[Value::Double(1.5), Value::Double(1e6), Value::Double(123456.0)]),
            "1.5 1e+06 123456"
        );
        assert_eq!(sprintf("%e", &[Value::Double(1234.5678)]), "1.234568e+03");
        assert_eq!(sprintf("%g", &[Value::Double(0.00001234)]), "1.234e-05");
        assert_eq!(sprintf("%.3g", &[Value::Double(1.0)]), "1");
        assert_eq!(sprintf("%x %X %#x", &[Value::Int(255), Value::Int(255), Value::Int(255)]), "ff FF 0xff");
        assert_eq!(sprintf("%+d % d %05d", &[Value::Int(3), Value::Int(3), Value::Int(-42)]), "+3  3 -0042");
        assert_eq!(sprintf("%q", &[s("a\"b\n")]), "\"a\\\"b\\n\"");
        assert_eq!(sprintf("%t %v", &[Value::Bool(true), Value::Nil]), "true <nil>");
        assert_eq!(sprintf("100%%", &[]), "100%");
    }

    #[test]
    fn floats_like_go() {
        assert_eq!(go_v(99.573), "99.573");
        assert_eq!(go_v(1e6), "1e+06");
        assert_eq!(go_v(123456.0), "123456");
        assert_eq!(go_v(0.0001), "0.0001");
        assert_eq!(go_v(0.00001), "1e-05");
        assert_eq!(go_v(-0.0), "-0");
        assert_eq!(go_v(f64::INFINITY), "+Inf");
        assert_eq!(go_v(f64::NEG_INFINITY), "-Inf");
        assert_eq!(go_v(f64::NAN), "NaN");
        assert_eq!(go_f(1.23), "1.230000");
        assert_eq!(go_f(-1.0 / 2f64.sqrt()), "-0.707107");
        assert_eq!(go_f(f64::INFINITY), "+Inf");
        assert_eq!(
            sprintf(
                "% f|%+f|%5.1f",
                &[Value::Double(f64::INFINITY), Value::Double(f64::INFINITY), Value::Double(f64::INFINITY)]
            ),
            " Inf|+Inf| +Inf"
        );
    }

    #[test]
    fn go_error_forms() {
        assert_eq!(sprintf("%d", &[s("5")]), "%!d(string=5)");
        assert_eq!(sprintf("%s", &[Value::Int(5)]), "%!s(int64=5)");
        assert_eq!(sprintf("%d %d", &[Value::Int(1)]), "1 %!d(MISSING)");
        assert_eq!(sprintf("%d", &[Value::Int(1), s("x")]), "1%!(EXTRA string=x)");
        assert_eq!(sprintf("%d", &[Value::Nil]), "%!d(<nil>)");
        assert_eq!(sprintf("%f", &[Value::Int(2)]), "%!f(int64=2)");
    }
}
