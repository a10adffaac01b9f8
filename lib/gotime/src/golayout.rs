//! Go reference-time layouts (`Mon Jan 2 15:04:05 MST 2006`), split into
//! elements as Go's `nextStdChunk` does; [`super::goread`] reads values with
//! them, [`super::parse`] resolves the zone.

/// One element of a Go layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    TzName,
    /// A numeric offset; `z`: `Z` stands for UTC; the form is the layout text after the sign.
    Offset {
        z: bool,
        form: &'static str,
    },
    /// `.000` (exactly n digits) or `.999` (any digits, or none).
    Frac {
        digits: usize,
        exact: bool,
    },
}

/// A compiled Go layout.
#[derive(Clone, Debug)]
pub struct Layout {
    text: String,
    /// Literal text before each element (Go's `skip`), the element and its layout text.
    pub(super) chunks: Vec<(String, Option<Std>, String)>,
    has_date: bool,
}

const TABLE: &[(&str, Std)] = &[
    ("January", Std::LongMonth),
    ("Jan", Std::Month),
    ("Monday", Std::LongWeekDay),
    ("Mon", Std::WeekDay),
    ("MST", Std::TzName),
    ("002", Std::ZeroYearDay),
    ("01", Std::ZeroMonth),
    ("02", Std::ZeroDay),
    ("03", Std::ZeroHour12),
    ("04", Std::ZeroMinute),
    ("05", Std::ZeroSecond),
    ("06", Std::Year),
    ("15", Std::Hour),
    ("1", Std::NumMonth),
    ("2006", Std::LongYear),
    ("2", Std::Day),
    ("__2", Std::UnderYearDay),
    ("_2", Std::UnderDay),
    ("3", Std::Hour12),
    ("4", Std::Minute),
    ("5", Std::Second),
    ("PM", Std::PM),
    ("pm", Std::Pm),
    ("Z070000", Std::Offset { z: true, form: "070000" }),
    ("Z07:00:00", Std::Offset { z: true, form: "07:00:00" }),
    ("Z0700", Std::Offset { z: true, form: "0700" }),
    ("Z07:00", Std::Offset { z: true, form: "07:00" }),
    ("Z07", Std::Offset { z: true, form: "07" }),
    ("-070000", Std::Offset { z: false, form: "070000" }),
    ("-07:00:00", Std::Offset { z: false, form: "07:00:00" }),
    ("-0700", Std::Offset { z: false, form: "0700" }),
    ("-07:00", Std::Offset { z: false, form: "07:00" }),
    ("-07", Std::Offset { z: false, form: "07" }),
];

/// The element at the start of `s` and its length (Go's `nextStdChunk` cases).
fn std_at(s: &str) -> Option<(Std, usize)> {
    let b = s.as_bytes();
    if matches!(b[0], b'.' | b',') && matches!(b.get(1), Some(b'0' | b'9')) {
        let n = b[1..].iter().take_while(|c| **c == b[1]).count();
        if !b.get(1 + n).is_some_and(u8::is_ascii_digit) {
            return Some((Std::Frac { digits: n, exact: b[1] == b'0' }, 1 + n));
        }
        return None;
    }
    if s.starts_with("_2006") {
        return None; // a literal `_` before the year
    }
    let (pat, std) = TABLE.iter().find(|(pat, _)| s.starts_with(pat))?;
    // `Jan`/`Mon` followed by a lowercase letter are words (`Janet`, `Month`).
    let word = matches!(std, Std::Month | Std::WeekDay) && s[pat.len()..].starts_with(|c: char| c.is_ascii_lowercase());
    (!word).then_some((*std, pat.len()))
}

impl Layout {
    pub fn new(text: &str) -> Layout {
        let mut chunks = Vec::new();
        let mut lit = String::new();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            match std_at(rest) {
                Some((std, n)) => {
                    chunks.push((std::mem::take(&mut lit), Some(std), rest[..n].to_string()));
                    rest = &rest[n..];
                }
                None => {
                    lit.push(c);
                    rest = &rest[c.len_utf8()..];
                }
            }
        }
        chunks.push((lit, None, String::new()));
        // otelcol's `hasDateElements`: the layout text holds a year, month, day or weekday element.
        let has_date = ["2006", "06", "January", "Jan", "01", "_1", "02", "_2", "Monday", "Mon", "002"]
            .iter()
            .any(|e| text.contains(e));
        Layout { text: text.to_string(), chunks, has_date }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the layout names a date (else a parsed time gets today's).
    pub fn has_date(&self) -> bool {
        self.has_date
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each element with the literal text before it, as `literal|element`.
    fn elems(layout: &str) -> Vec<String> {
        Layout::new(layout).chunks.iter().map(|(lit, _, e)| format!("{lit}|{e}")).collect()
    }

    #[test]
    fn elements_as_go_splits_them() {
        assert_eq!(
            elems("2006-01-02T15:04:05.000Z07:00"),
            ["|2006", "-|01", "-|02", "T|15", ":|04", ":|05", "|.000", "|Z07:00", "|"]
        );
        // `Janet` and `Month` are words; `_2006` is `_` and the year; `.0001` is no fraction, `00` no element.
        assert_eq!(elems("Janet Month _2006"), ["Janet Month _|2006", "|"]);
        assert_eq!(elems("05.0001"), ["|05", ".00|01", "|"]);
        assert_eq!(elems("__2 _2 002 -07 PM pm"), ["|__2", " |_2", " |002", " |-07", " |PM", " |pm", "|"]);
        assert!(Layout::new("Jan _2 15:04:05").has_date());
        assert!(!Layout::new("15:04:05,999").has_date());
    }
}
