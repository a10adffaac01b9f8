//! `Decode(value, encoding)`: base64 (`base64`, `base64-raw`, `base64-url`,
//! `base64-raw-url`, as Go's `encoding/base64`) and the character sets of
//! otelcol's `textutils.LookupEncoding`: its overrides (`utf-8`, `utf8`,
//! `ascii`, `us-ascii`, `nop`, empty: UTF-8; `utf-16`, `utf16`: UTF-16
//! little-endian, a byte order mark kept as a character), then IANA names and
//! aliases, case-insensitively, as Go's `ianaindex.IANA` (ISO-8859-1..16,
//! KOI8-R/U, Macintosh, IBM866, windows-874 and 1250..1258, Shift_JIS,
//! EUC-JP, ISO-2022-JP, EUC-KR, GBK, GB18030, Big5, UTF-16BE/LE). Decoding
//! is `encoding_rs`'s; bytes a set cannot map become U+FFFD, as in Go.
//! Go also decodes EBCDIC and old IBM PC code pages (IBM037, IBM437, ...):
//! here they are `unsupported encoding`.

use std::borrow::Cow;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, DecodeError, Engine};
use encoding_rs::Encoding;

use super::{conv, Converter};
use crate::compile::{Args, Expr};
use crate::eval::eval;
use crate::lexer::PosError;
use crate::value::{EvalError, EvalResult, Value};

/// A decoder `Decode` can use.
#[derive(Clone, Copy)]
enum Decoder {
    Base64(&'static GeneralPurpose),
    Utf8,
    Utf16Le,
    Latin1,
    /// ISO-8859-9: Latin-1 with six Turkish letters.
    Latin5,
    Charset(&'static Encoding),
}

/// Go's `base64.StdEncoding` and friends: padding as the variant says,
/// trailing bits need not be zero.
const fn go_base64(a: &alphabet::Alphabet, pad: bool) -> GeneralPurpose {
    let mode = if pad { DecodePaddingMode::RequireCanonical } else { DecodePaddingMode::RequireNone };
    GeneralPurpose::new(
        a,
        GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true).with_decode_padding_mode(mode),
    )
}

static STD: GeneralPurpose = go_base64(&alphabet::STANDARD, true);
static RAW_STD: GeneralPurpose = go_base64(&alphabet::STANDARD, false);
static URL: GeneralPurpose = go_base64(&alphabet::URL_SAFE, true);
static RAW_URL: GeneralPurpose = go_base64(&alphabet::URL_SAFE, false);

/// IANA names and aliases (lowercase) of the sets `encoding_rs` decodes.
static CHARSETS: &[(&[&str], &Encoding)] = {
    use encoding_rs::*;
    &[
        (&["iso_8859-2:1987", "iso-ir-101", "iso_8859-2", "iso-8859-2", "latin2", "l2", "csisolatin2"], ISO_8859_2),
        (&["iso_8859-3:1988", "iso-ir-109", "iso_8859-3", "iso-8859-3", "latin3", "l3", "csisolatin3"], ISO_8859_3),
        (&["iso_8859-4:1988", "iso-ir-110", "iso_8859-4", "iso-8859-4", "latin4", "l4", "csisolatin4"], ISO_8859_4),
        (&["iso_8859-5:1988", "iso-ir-144", "iso_8859-5", "iso-8859-5", "cyrillic", "csisolatincyrillic"], ISO_8859_5),
        (
            &[
                "iso_8859-6:1987",
                "iso-ir-127",
                "iso_8859-6",
                "iso-8859-6",
                "ecma-114",
                "asmo-708",
                "arabic",
                "csisolatinarabic",
            ],
            ISO_8859_6,
        ),
        (
            &[
                "iso_8859-7:1987",
                "iso-ir-126",
                "iso_8859-7",
                "iso-8859-7",
                "elot_928",
                "ecma-118",
                "greek",
                "greek8",
                "csisolatingreek",
            ],
            ISO_8859_7,
        ),
        (&["iso_8859-8:1988", "iso-ir-138", "iso_8859-8", "iso-8859-8", "hebrew", "csisolatinhebrew"], ISO_8859_8),
        (&["iso-8859-8-i", "iso_8859-8-i", "csiso88598i"], ISO_8859_8_I),
        (&["iso-8859-10", "iso-ir-157", "l6", "iso_8859-10:1992", "csisolatin6", "latin6"], ISO_8859_10),
        (&["iso-8859-13", "csiso885913"], ISO_8859_13),
        (
            &[
                "iso-8859-14",
                "iso-ir-199",
                "iso_8859-14:1998",
                "iso_8859-14",
                "latin8",
                "iso-celtic",
                "l8",
                "csiso885914",
            ],
            ISO_8859_14,
        ),
        (&["iso-8859-15", "iso_8859-15", "latin-9", "csiso885915"], ISO_8859_15),
        (
            &["iso-8859-16", "iso-ir-226", "iso_8859-16:2001", "iso_8859-16", "latin10", "l10", "csiso885916"],
            ISO_8859_16,
        ),
        (&["koi8-r", "cskoi8r"], KOI8_R),
        (&["koi8-u", "cskoi8u"], KOI8_U),
        (&["macintosh", "mac", "csmacintosh"], MACINTOSH),
        (&["ibm866", "cp866", "866", "csibm866"], IBM866),
        (&["windows-874", "cswindows874"], WINDOWS_874),
        (&["windows-1250", "cswindows1250"], WINDOWS_1250),
        (&["windows-1251", "cswindows1251"], WINDOWS_1251),
        (&["windows-1252", "cswindows1252"], WINDOWS_1252),
        (&["windows-1253", "cswindows1253"], WINDOWS_1253),
        (&["windows-1254", "cswindows1254"], WINDOWS_1254),
        (&["windows-1255", "cswindows1255"], WINDOWS_1255),
        (&["windows-1256", "cswindows1256"], WINDOWS_1256),
        (&["windows-1257", "cswindows1257"], WINDOWS_1257),
        (&["windows-1258", "cswindows1258"], WINDOWS_1258),
        (&["shift_jis", "ms_kanji", "csshiftjis"], SHIFT_JIS),
        (&["euc-jp", "extended_unix_code_packed_format_for_japanese", "cseucpkdfmtjapanese"], EUC_JP),
        (&["iso-2022-jp", "csiso2022jp"], ISO_2022_JP),
        (&["euc-kr", "cseuckr"], EUC_KR),
        (&["gbk", "cp936", "ms936", "windows-936", "csgbk"], GBK),
        (&["gb18030", "csgb18030"], GB18030),
        (&["big5", "csbig5"], BIG5),
        (&["utf-16be", "csutf16be"], UTF_16BE),
        (&["utf-16le", "csutf16le"], UTF_16LE),
    ]
};

/// IANA names Go's index knows but has no decoder for.
const NO_CHARMAP: &[&str] = &["gb2312", "csgb2312"];

const LATIN1: &[&str] =
    &["iso_8859-1:1987", "iso-ir-100", "iso_8859-1", "iso-8859-1", "latin1", "l1", "ibm819", "cp819", "csisolatin1"];
const LATIN5: &[&str] = &["iso_8859-9:1989", "iso-ir-148", "iso_8859-9", "iso-8859-9", "latin5", "l5", "csisolatin5"];
const UTF8: &[&str] = &[
    "utf-8",
    "utf8",
    "ascii",
    "us-ascii",
    "nop",
    "",
    "csutf8",
    "iso-ir-6",
    "ansi_x3.4-1968",
    "ansi_x3.4-1986",
    "iso_646.irv:1991",
    "iso646-us",
    "us",
    "ibm367",
    "cp367",
    "csascii",
];

/// `asDecoder`: base64 names exactly, then `LookupEncoding`'s rules.
fn lookup(name: &str) -> Result<Decoder, String> {
    match name {
        "base64" => return Ok(Decoder::Base64(&STD)),
        "base64-raw" => return Ok(Decoder::Base64(&RAW_STD)),
        "base64-url" => return Ok(Decoder::Base64(&URL)),
        "base64-raw-url" => return Ok(Decoder::Base64(&RAW_URL)),
        _ => {}
    }
    let lower = name.to_ascii_lowercase();
    let l = lower.as_str();
    Ok(match l {
        "utf-16" | "utf16" => Decoder::Utf16Le,
        _ if UTF8.contains(&l) => Decoder::Utf8,
        _ if LATIN1.contains(&l) => Decoder::Latin1,
        _ if LATIN5.contains(&l) => Decoder::Latin5,
        _ if NO_CHARMAP.contains(&l) => return Err(format!("no charmap defined for encoding '{name}'")),
        _ => match CHARSETS.iter().find(|(names, _)| names.contains(&l)) {
            Some((_, e)) => Decoder::Charset(e),
            None => return Err(format!("unsupported encoding '{name}'")),
        },
    })
}

impl Decoder {
    fn decode(self, input: &[u8]) -> EvalResult<String> {
        Ok(match self {
            Decoder::Base64(engine) => {
                let trimmed = input.trim_ascii();
                // Go's decoder skips line breaks anywhere in the input.
                let clean: Vec<u8> = trimmed.iter().copied().filter(|b| !matches!(b, b'\r' | b'\n')).collect();
                let out = engine.decode(&clean).map_err(|e| go_base64_error(e, clean.len()))?;
                String::from_utf8_lossy(&out).into_owned()
            }
            Decoder::Utf8 => String::from_utf8_lossy(input).into_owned(),
            Decoder::Utf16Le => encoding_rs::UTF_16LE.decode_without_bom_handling(input).0.into_owned(),
            Decoder::Latin1 => input.iter().map(|b| char::from(*b)).collect(),
            Decoder::Latin5 => input.iter().map(|b| latin5(*b)).collect(),
            Decoder::Charset(e) => e.decode_without_bom_handling(input).0.into_owned(),
        })
    }
}

fn latin5(b: u8) -> char {
    match b {
        0xD0 => 'Ğ',
        0xDD => 'İ',
        0xDE => 'Ş',
        0xF0 => 'ğ',
        0xFD => 'ı',
        0xFE => 'ş',
        b => char::from(b),
    }
}

/// Go's `base64.CorruptInputError` text.
fn go_base64_error(e: DecodeError, len: usize) -> EvalError {
    let at = match e {
        DecodeError::InvalidByte(at, _) | DecodeError::InvalidLastSymbol(at, _) => at,
        DecodeError::InvalidLength(_) | DecodeError::InvalidPadding => len,
    };
    EvalError::new(format!("could not decode: illegal base64 data at input byte {at}"))
}

/// `Decode(value, encoding)`: a string or bytes in, a string out. A literal
/// encoding is checked when the statement is compiled, as otelcol does.
pub(super) fn decode(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let at = a.at_of(1);
    let encoding = a.getter(1)?;
    let fixed = match &encoding {
        Expr::Lit(Value::Str(s)) => Some(lookup(s).map_err(|e| a.err(at, e))?),
        _ => None,
    };
    Ok(conv(move |ctx| {
        let v = eval(&target, ctx)?;
        let bytes: Cow<[u8]> = match &v {
            Value::Str(s) => Cow::Borrowed(s.as_bytes()),
            Value::Bytes(b) => Cow::Borrowed(b),
            v => {
                let ty = if v.is_nil() { "<nil>" } else { v.type_name() };
                return Err(EvalError::new(format!("unsupported type provided to Decode function: {ty}")));
            }
        };
        let decoder = match fixed {
            Some(d) => d,
            None => lookup(eval(&encoding, ctx)?.expect_str()?).map_err(EvalError::new)?,
        };
        Ok(Value::string(decoder.decode(&bytes)?))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(input: &[u8], enc: &str) -> Result<String, String> {
        let d = lookup(enc)?;
        d.decode(input).map_err(|e| e.to_string())
    }

    /// otelcol's `func_decode_test.go` cases (the Go-only pointer and
    /// `pcommon` wrappers aside).
    #[test]
    fn upstream_cases() {
        assert_eq!(dec(b"dGVzdAo=", "base64").unwrap(), "test\n");
        assert_eq!(dec(b"aGVsbG8gd29ybGQ=", "base64").unwrap(), "hello world");
        for enc in ["us-ascii", "ISO-8859-1", "WINDOWS-1251", "WINDOWS-1252", "UTF-8"] {
            assert_eq!(dec(b"test string", enc).unwrap(), "test string", "{enc}");
        }
        let utf16 = [116, 0, 101, 0, 115, 0, 116, 0, 32, 0, 115, 0, 116, 0, 114, 0, 105, 0, 110, 0, 103, 0];
        assert_eq!(dec(&utf16, "UTF-16").unwrap(), "test string");
        assert_eq!(dec(&utf16, "UTF16").unwrap(), "test string");
        assert_eq!(dec(b"test string", "GB2312").unwrap_err(), "no charmap defined for encoding 'GB2312'");
        assert!(dec(b"!@#$%^&*()_+", "base64").unwrap_err().contains("illegal base64 data at input byte"));
        assert!(dec(b"cmVtb3ZlZCBwYWRkaW5nCg", "base64").unwrap_err().contains("illegal base64 data at input byte"));
        assert_eq!(dec(b"R28/L1p+eA==", "base64").unwrap(), "Go?/Z~x");
        assert_eq!(dec(b"R28/L1p+eA", "base64-raw").unwrap(), "Go?/Z~x");
        assert_eq!(dec(b"R28_L1p-eA==", "base64-url").unwrap(), "Go?/Z~x");
        assert_eq!(dec(b"R28_L1p-eA", "base64-raw-url").unwrap(), "Go?/Z~x");
    }

    #[test]
    fn character_sets_by_iana_name() {
        assert_eq!(dec(b"caf\xe9 \x80", "latin1").unwrap(), "café \u{80}", "ISO-8859-1 keeps C1 controls");
        assert_eq!(dec(b"caf\xe9 \x80", "windows-1252").unwrap(), "café €");
        assert_eq!(dec(b"\xcf\xf0\xe8\xe2\xe5\xf2", "windows-1251").unwrap(), "Привет");
        assert_eq!(dec(b"\xf0\xd2\xc9\xd7\xc5\xd4", "KOI8-R").unwrap(), "Привет");
        assert_eq!(dec(b"\xdd\xfe", "ISO-8859-9").unwrap(), "İş");
        assert_eq!(dec(b"\x82\xb1\x82\xf1", "Shift_JIS").unwrap(), "こん");
        assert_eq!(dec(b"\x00t\x00e", "UTF-16BE").unwrap(), "te");
        assert_eq!(dec(b"\xff\xfet\x00", "utf-16").unwrap(), "\u{feff}t", "the BOM is ignored, not stripped");
        assert_eq!(dec(b"ok\xff", "utf-8").unwrap(), "ok\u{fffd}");
        assert_eq!(dec(b" aGk=\n", "base64").unwrap(), "hi", "whitespace around base64 is trimmed");
        assert_eq!(dec(b"aGk=", "BASE64").unwrap_err(), "unsupported encoding 'BASE64'");
        assert_eq!(dec(b"x", "IBM037").unwrap_err(), "unsupported encoding 'IBM037'");
    }

    #[test]
    fn statements_check_a_literal_encoding_when_compiled() {
        use crate::{ContextKind, Functions, Statement};
        let parse = |t: &str| Statement::parse(t, ContextKind::Log, &Functions::standard()).map(|_| ());
        let e = parse(r#"set(log.attributes["a"], Decode(log.body, "klingon"))"#).unwrap_err().to_string();
        assert!(e.contains("unsupported encoding 'klingon'"), "{e}");
        assert!(parse(r#"set(log.attributes["a"], Decode(log.body, log.attributes["enc"]))"#).is_ok());
        let run = |s: &str, j| crate::testkit::transform(&[s], j);
        let got = run(
            r#"set(log.attributes["a"], Decode(log.body, log.attributes["enc"]))"#,
            serde_json::json!({"body": "café", "attributes": {"enc": "ISO-8859-1"}}),
        );
        assert_eq!(got.unwrap()["attributes"]["a"], "cafÃ©", "the string's UTF-8 bytes read as Latin-1");
        let nil = run(r#"set(log.attributes["a"], Decode(log.attributes["none"], "base64"))"#, serde_json::json!({}))
            .unwrap_err();
        assert!(nil.contains("unsupported type provided to Decode function: <nil>"), "{nil}");
    }
}
