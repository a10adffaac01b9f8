//! otelcol's ctime-like directives (`ctimefmt.ToNative`): each `%x` becomes
//! the Go layout element it stands for, the rest is kept as it is; the Go
//! layout is then read by [`super::golayout`]. Digits in a format are an
//! error (they would read as layout elements); a `%` at the end is literal.
//!
//! `%Y %y %m %o %q %b %h %B %d %e %g %a %A %H %I %l %p %P %M %S %L %f %s %z %Z
//! %i %j %k %w %D %x %F %T %X %r %R %c %n %t %%`.

/// The Go layout for a ctime-like format.
pub fn to_go_layout(format: &str) -> Result<String, String> {
    if format.bytes().any(|b| b.is_ascii_digit()) {
        return Err("format string should not contain decimals".into());
    }
    let mut out = String::with_capacity(format.len() + 8);
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(d) = chars.next() else {
            out.push('%');
            break;
        };
        out.push_str(match d {
            'Y' => "2006",
            'y' => "06",
            'm' => "01",
            'o' => "_1",
            'q' => "1",
            'b' | 'h' => "Jan",
            'B' => "January",
            'd' => "02",
            'e' => "_2",
            'g' => "2",
            'a' => "Mon",
            'A' => "Monday",
            'H' => "15",
            'l' => "3",
            'I' => "03",
            'p' => "PM",
            'P' => "pm",
            'M' => "04",
            'S' => "05",
            'L' => "999",
            'f' => "999999",
            's' => "99999999",
            'Z' => "MST",
            'z' => "-0700",
            'w' => "-070000",
            'i' => "-07",
            'j' => "-07:00",
            'k' => "-07:00:00",
            'D' | 'x' => "01/02/2006",
            'F' => "2006-01-02",
            'T' | 'X' => "15:04:05",
            'r' => "03:04:05 pm",
            'R' => "15:04",
            'n' => "\n",
            't' => "\t",
            '%' => "%",
            'c' => "Mon Jan 02 15:04:05 2006",
            other => return Err(format!("unsupported ctimefmt.ToNative() directive: %{other}")),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_become_go_elements() {
        assert_eq!(to_go_layout("%Y-%m-%dT%H:%M:%S.%L%z").unwrap(), "2006-01-02T15:04:05.999-0700");
        assert_eq!(to_go_layout("%a %b %e %T %Y").unwrap(), "Mon Jan _2 15:04:05 2006");
        assert_eq!(to_go_layout("%F %r %Z 100%%").unwrap_err(), "format string should not contain decimals");
        assert_eq!(to_go_layout("%F %r %Z %%").unwrap(), "2006-01-02 03:04:05 pm MST %");
        assert_eq!(to_go_layout("%D%").unwrap(), "01/02/2006%");
        assert_eq!(to_go_layout("%Q").unwrap_err(), "unsupported ctimefmt.ToNative() directive: %Q");
    }
}
