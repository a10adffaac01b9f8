//! `ParseCSV(target, header, delimiter = ",", header_delimiter = delimiter,
//! mode = "strict")`: one CSV row as a map from header names to field strings,
//! read as Go's `encoding/csv` reads it (quotes, `""` escapes, lazy quotes),
//! where a newline outside quotes is kept inside the field it falls in
//! (otelcol's `parseutils.ReadCSVRow` stitches rows back together).

use std::borrow::Cow;

use opentelemetry_proto::tonic::common::v1::KeyValue;

use super::{conv, Converter, Spec};
use crate::compile::{opt, req, Args};
use crate::eval::eval;
use crate::lexer::PosError;
use crate::pdata::str_value;
use crate::value::{map_put, EvalError, Value};

pub static SPECS: &[Spec] = &[Spec {
    name: "ParseCSV",
    params: &[req("target"), req("header"), opt("delimiter"), opt("header_delimiter"), opt("mode")],
    build: parse_csv,
}];

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Strict,
    Lazy,
    IgnoreQuotes,
}

fn single_char(s: Option<String>, what: &str) -> Result<Option<char>, String> {
    match s {
        None => Ok(None),
        Some(s) => {
            let mut it = s.chars();
            match (it.next(), it.next()) {
                (Some(c), None) => Ok(Some(c)),
                _ => Err(format!("invalid arguments: {what} must be a single character")),
            }
        }
    }
}

fn parse_csv(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let header = a.getter(1)?;
    let at = a.at;
    let delim = single_char(a.opt_str_lit(2)?, "delimiter").map_err(|e| a.err(at, e))?.unwrap_or(',');
    let header_delim = single_char(a.opt_str_lit(3)?, "header_delimiter").map_err(|e| a.err(at, e))?.unwrap_or(delim);
    let mode = match a.opt_str_lit(4)?.as_deref() {
        None | Some("strict") => Mode::Strict,
        Some("lazyQuotes") => Mode::Lazy,
        Some("ignoreQuotes") => Mode::IgnoreQuotes,
        Some(m) => return Err(a.err(at, format!("unknown mode: {m}"))),
    };
    Ok(conv(move |ctx| {
        let t = eval(&target, ctx)?;
        let row = t.expect_str().map_err(|e| EvalError::new(format!("get target: {e}")))?;
        let h = eval(&header, ctx)?;
        let header = h.expect_str().map_err(|e| EvalError::new(format!("get header: {e}")))?;
        if header.is_empty() {
            return Err(EvalError::new("headers must not be an empty string"));
        }
        let headers: Vec<&str> = header.split(header_delim).collect();
        let fields = match mode {
            Mode::IgnoreQuotes => row.split(delim).map(str::to_string).collect(),
            _ => read_row(row, delim, mode == Mode::Lazy).map_err(EvalError::new)?,
        };
        if fields.len() != headers.len() {
            return Err(EvalError::new(format!(
                "map csv headers: wrong number of fields: expected {}, found {}",
                headers.len(),
                fields.len()
            )));
        }
        let mut out: Vec<KeyValue> = Vec::with_capacity(fields.len());
        for (h, f) in headers.iter().zip(fields) {
            map_put(&mut out, h, str_value(f));
        }
        Ok(Value::Map(Cow::Owned(out)))
    }))
}

/// The fields of one row. Go's reader skips empty lines and ends a record at
/// a newline outside quotes; otelcol joins the records' touching fields with
/// `\n`, so such a newline stays inside its field.
pub fn read_row(row: &str, delim: char, lazy: bool) -> Result<Vec<String>, String> {
    let text = row.replace("\r\n", "\n");
    let mut records: Vec<Vec<String>> = Vec::new();
    let mut line_no = 1;
    let mut rest = text.as_str();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('\n') {
            rest = r;
            line_no += 1;
            continue;
        }
        let (fields, used, lines) = read_record(rest, delim, lazy, line_no)?;
        records.push(fields);
        rest = &rest[used..];
        line_no += lines;
    }
    let mut records = records.into_iter();
    let mut joined = records.next().ok_or("no csv lines found")?;
    for next in records {
        let mut next = next.into_iter();
        if let (Some(last), Some(first)) = (joined.last_mut(), next.next()) {
            last.push('\n');
            last.push_str(&first);
        }
        joined.extend(next);
    }
    Ok(joined)
}

fn parse_err(line: usize, col: usize, what: &str) -> String {
    format!("read csv line: parse error on line {line}, column {col}: {what}")
}

/// One record from the start of `s`: its fields, the bytes consumed (with the
/// ending newline) and the newlines consumed.
fn read_record(s: &str, delim: char, lazy: bool, line0: usize) -> Result<(Vec<String>, usize, usize), String> {
    let mut fields = Vec::new();
    let mut i = 0;
    let mut line = line0;
    let mut line_start = 0;
    loop {
        let mut field = String::new();
        if s[i..].starts_with('"') {
            // Quoted field.
            i += 1;
            loop {
                match s[i..].chars().next() {
                    None => {
                        if !lazy {
                            return Err(parse_err(
                                line,
                                i - line_start + 1,
                                "extraneous or missing \" in quoted-field",
                            ));
                        }
                        fields.push(field);
                        return Ok((fields, i, line - line0));
                    }
                    Some('"') => {
                        i += 1;
                        match s[i..].chars().next() {
                            Some('"') => {
                                field.push('"');
                                i += 1;
                            }
                            Some(c) if c == delim => {
                                i += c.len_utf8();
                                break;
                            }
                            None => {
                                fields.push(field);
                                return Ok((fields, i, line - line0));
                            }
                            Some('\n') => {
                                fields.push(field);
                                return Ok((fields, i + 1, line - line0 + 1));
                            }
                            Some(_) if lazy => field.push('"'),
                            Some(_) => {
                                return Err(parse_err(
                                    line,
                                    i - line_start + 1,
                                    "extraneous or missing \" in quoted-field",
                                ))
                            }
                        }
                    }
                    Some(c) => {
                        if c == '\n' {
                            line += 1;
                            line_start = i + 1;
                        }
                        field.push(c);
                        i += c.len_utf8();
                    }
                }
            }
            fields.push(field);
        } else {
            // Unquoted field: up to the delimiter or the end of the line.
            let end = s[i..].find([delim, '\n']).map_or(s.len(), |e| i + e);
            let text = &s[i..end];
            if !lazy {
                if let Some(q) = text.find('"') {
                    return Err(parse_err(line, i + q - line_start + 1, "bare \" in non-quoted-field"));
                }
            }
            fields.push(text.to_string());
            match s[end..].chars().next() {
                Some('\n') => return Ok((fields, end + 1, line - line0 + 1)),
                None => return Ok((fields, end, line - line0)),
                Some(c) => i = end + c.len_utf8(),
            }
        }
        if i >= s.len() {
            // A delimiter at the very end leaves one empty field.
            fields.push(String::new());
            return Ok((fields, i, line - line0));
        }
        if s[i..].starts_with('\n') {
            fields.push(String::new());
            return Ok((fields, i + 1, line - line0 + 1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::read_row;

    #[test]
    fn rows_as_go_reads_them() {
        let r = |s: &str, lazy| read_row(s, ',', lazy);
        assert_eq!(r("a,b,c", false).unwrap(), ["a", "b", "c"]);
        assert_eq!(r("\"a,b\",c", false).unwrap(), ["a,b", "c"]);
        assert_eq!(r("\"say \"\"hi\"\"\",x", false).unwrap(), ["say \"hi\"", "x"]);
        assert_eq!(r("aa,b\nb,cc,d\nd,ee", false).unwrap(), ["aa", "b\nb", "cc", "d\nd", "ee"]);
        assert_eq!(r("\n\na,b\n", false).unwrap(), ["a", "b"]);
        assert_eq!(r("a,", false).unwrap(), ["a", ""]);
        assert_eq!(r("\"a\nb\",c", false).unwrap(), ["a\nb", "c"]);
        assert_eq!(r("a\"b,c", true).unwrap(), ["a\"b", "c"]);
        assert_eq!(r("\"a\"b\",c", true).unwrap(), ["a\"b", "c"]);
        assert!(r("a\"b,c", false).unwrap_err().contains("bare \" in non-quoted-field"), "bare quote");
        assert!(r("\"a\"b,c", false).unwrap_err().contains("extraneous or missing \" in quoted-field"));
        assert_eq!(r("", false).unwrap_err(), "no csv lines found");
    }
}
