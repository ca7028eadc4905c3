//! Sqitch's character rules: which names it allows for changes, tags and projects, what a
//! blank is, and its plan timestamps. Ported from lib/App/Sqitch/Plan.pm (`$name_re`,
//! `$ts_re` in `_parse`) of sqitchers/sqitch; everything else about a line is in `line.rs`.

/// Sqitch's `$punct`: POSIX `[:punct:]` without `_` (lib/App/Sqitch/Plan.pm).
const PUNCT: &str = "-!\"#$%&'()*+,./:;<=>?@[\\]^`{|}~";

/// Whether `c` is in Sqitch's `$punct`.
pub(super) fn is_punct(c: char) -> bool {
    PUNCT.contains(c)
}

/// Perl's `[[:blank:]]` on a character string: horizontal white space only.
pub(super) fn is_blank(c: char) -> bool {
    c.is_whitespace()
        && !matches!(
            c,
            '\n' | '\u{b}' | '\u{c}' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}'
        )
}

/// Whether `name` passes Sqitch's `$name_re` as a whole: no blank, `:`, `@`, `#` or `\`;
/// neither first nor last character punctuation, the last one a word character (the
/// regex's closing `\b`); no `~ / = % ^ [ ]` followed only by digits at the end (`foo^2`
/// reads as a symbolic reference). `[` and `]` are refused too, as Sqitch's message says,
/// though its regex lets them through inside a name. Unicode letters are allowed (Sqitch's
/// t/plan.t parses `阱阪阬`).
pub(super) fn is_valid_name(name: &str) -> bool {
    let chars: Vec<char> = name.chars().collect();
    let (Some(&first), Some(&last)) = (chars.first(), chars.last()) else {
        return false;
    };
    if chars
        .iter()
        .any(|&c| is_blank(c) || matches!(c, ':' | '@' | '#' | '\\' | '[' | ']'))
    {
        return false;
    }
    if is_punct(first) || is_punct(last) || !is_word(last) {
        return false;
    }
    // The regex's negative look-ahead `[~/=%^\[\]][[:digit:]]+(?:$|[[:blank:]])`.
    let symbolic_suffix = chars.iter().enumerate().any(|(at, &c)| {
        matches!(c, '~' | '/' | '=' | '%' | '^')
            && at + 1 < chars.len()
            && chars[at + 1..].iter().all(|&digit| digit.is_numeric())
    });
    !symbolic_suffix
}

/// `HEAD` and `ROOT` name positions in Sqitch's plan, so no change or tag may take them.
pub(super) fn is_reserved(name: &str) -> bool {
    matches!(name, "HEAD" | "ROOT")
}

/// Sqitch refuses a change or tag name that starts like a change ID (`/^[0-9a-f]{40}/`).
pub(super) fn looks_like_id(name: &str) -> bool {
    name.len() >= 40 && name.bytes().take(40).all(is_lower_hex)
}

/// Whether `text` is a change ID: exactly 40 lowercase hex digits (`Depend->parse`).
pub(super) fn is_id(text: &str) -> bool {
    text.len() == 40 && text.bytes().all(is_lower_hex)
}

/// The length of a `YYYY-MM-DDTHH:MM:SSZ` timestamp at the start of `text` (Sqitch's
/// `$ts_re`, which checks digits only), if there is one.
pub(super) const TIMESTAMP_LEN: usize = 20;

/// Whether `text` starts with a timestamp's shape.
pub(super) fn starts_with_timestamp(text: &str) -> bool {
    let shape = b"dddd-dd-ddTdd:dd:ddZ";
    let bytes = text.as_bytes();
    bytes.len() >= TIMESTAMP_LEN
        && shape.iter().zip(bytes).all(|(&want, &got)| match want {
            b'd' => got.is_ascii_digit(),
            other => got == other,
        })
}

/// Why a timestamp of the right shape is not a real time, if it is not: Sqitch hands its
/// parts to `DateTime->new`, which dies on a month 13 or a February 30.
pub(super) fn timestamp_error(timestamp: &str) -> Option<String> {
    let number = |range: std::ops::Range<usize>| -> u32 {
        timestamp
            .get(range)
            .and_then(|digits| digits.parse().ok())
            .unwrap_or(0)
    };
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let (hour, minute, second) = (number(11..13), number(14..16), number(17..19));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Some(format!("month {month:02} does not exist")),
    };
    if day == 0 || day > month_days {
        return Some(format!("day {day:02} does not exist in month {month:02}"));
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Some(format!(
            "{hour:02}:{minute:02}:{second:02} is not a time of day"
        ));
    }
    None
}

fn is_lower_hex(byte: u8) -> bool {
    byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte)
}

/// Perl's `\w`, near enough: letters (with the vowel signs Unicode counts as alphabetic),
/// digits, `_`, and the common combining marks (a name in NFD ends in one).
fn is_word(c: char) -> bool {
    c.is_alphanumeric()
        || c == '_'
        || matches!(c, '\u{300}'..='\u{36f}' | '\u{1ab0}'..='\u{1aff}' | '\u{1dc0}'..='\u{1dff}' | '\u{20d0}'..='\u{20ff}' | '\u{fe20}'..='\u{fe2f}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(names: &[&str], valid: bool) {
        for name in names {
            assert_eq!(is_valid_name(name), valid, "{name:?}");
        }
    }

    #[test]
    fn names_sqitch_accepts_in_its_own_tests() {
        // t/plan.t's list of valid change and tag names.
        check(
            &[
                "foo",
                "12",
                "t",
                "6",
                "阱阪阬",
                "foo,bar",
                "beta1",
                "foo_",
                "_foo",
                "v1.0-1b",
                "v1.2-1",
                "v1.2+1",
                "v1.2_1",
                "this/rocks",
                "hey-there",
                "cafe\u{301}",
            ],
            true,
        );
    }

    #[test]
    fn names_sqitch_refuses_in_its_own_tests() {
        // t/plan.t's @bad_names, plus the empty name and a bracket.
        check(
            &[
                "^foo", "foo^", "foo^6", "foo^666", "%hi", "hi!", "foo@bar", "foo:bar", "foo\\bar",
                "+foo", "-foo", "@foo", "", "a b", "a[b", "x/1", "€",
            ],
            false,
        );
    }

    #[test]
    fn timestamps_are_checked_as_dates() {
        assert!(starts_with_timestamp("2013-12-30T23:19:45Z Marge"));
        assert!(!starts_with_timestamp("2013-12-30 23:19:45Z"));
        assert_eq!(timestamp_error("2024-02-29T00:00:00Z"), None);
        assert!(timestamp_error("2023-02-29T00:00:00Z").is_some());
        assert!(timestamp_error("2023-13-01T00:00:00Z").is_some());
        assert!(timestamp_error("2023-01-01T24:00:00Z").is_some());
    }

    #[test]
    fn ids_are_forty_lowercase_hex_digits() {
        let id = "6c2f28d125aff1deea615f8de774599acf39a7a1";
        assert!(is_id(id) && looks_like_id(id) && looks_like_id(&format!("{id}x")));
        assert!(!is_id(&id.to_uppercase()) && !is_id(&id[1..]));
    }
}
