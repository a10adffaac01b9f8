//! RFC 3339 as Teleport writes its event times (`2020-03-30T15:58:54.561Z`):
//! a fast reader for the one layout, more lenient than Go's (`t` or a space
//! before the time, `z` for UTC, any number of fraction digits).

use super::days_from_civil;

/// RFC 3339 (`2020-03-30T15:58:54.561Z`, 0 to 9 fraction digits, `Z` or an
/// offset) to nanoseconds since the epoch.
pub fn parse_rfc3339(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> {
        b[from..to].iter().try_fold(0i64, |v, &c| c.is_ascii_digit().then(|| v * 10 + i64::from(c - b'0')))
    };
    let seps = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if seps.iter().any(|&(i, c)| b[i] != c) || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, min, sec) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut nanos = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 9 {
                nanos = nanos * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        let digits = i - start;
        if digits == 0 {
            return None;
        }
        for _ in digits..9 {
            nanos *= 10;
        }
    }
    let offset = match b.get(i)? {
        b'Z' | b'z' => {
            i += 1;
            0
        }
        sign @ (b'+' | b'-') => {
            if b.len() != i + 6 || b[i + 3] != b':' {
                return None;
            }
            let secs = num(i + 1, i + 3)? * 3600 + num(i + 4, i + 6)? * 60;
            i += 6;
            if *sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ => return None,
    };
    if i != b.len() {
        return None;
    }
    let secs = days_from_civil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec - offset;
    u64::try_from(secs).ok()?.checked_mul(1_000_000_000)?.checked_add(nanos as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_with_any_fraction() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2020-03-30T15:58:54.561Z"), Some(1_585_583_934_561_000_000));
        assert_eq!(parse_rfc3339("2020-04-23T18:22:35.35Z"), Some(1_587_666_155_350_000_000));
        assert_eq!(parse_rfc3339("2024-02-23T18:56:50.648137154Z"), Some(1_708_714_610_648_137_154));
        assert_eq!(parse_rfc3339("2024-02-23T19:56:50.648137154+01:00"), Some(1_708_714_610_648_137_154));
        assert_eq!(parse_rfc3339("2024-02-23T18:56:50.6481371549999Z"), Some(1_708_714_610_648_137_154));
        for bad in ["2020-03-30", "2020-03-30T15:58:54", "2020-03-30T15:58:54.Z", "2020-13-30T15:58:54Z", "x"] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
