//! The version of a new migration in another tool's layout: how the folder writes its versions
//! ([`VersionStyle`]: a sequence at some width, or one of the clock's forms the tools use) and
//! the next one ([`next`]), which always sorts after the latest existing version: a clock behind
//! the folder (a version written on a machine whose clock ran ahead, or far-future versions)
//! gives the latest plus one instead, and says so. Flyway's dotted versions have their own rule
//! ([`next_flyway`]). plan's own layouts keep their rule in `scaffold`.

use super::clock::UtcNow;
use crate::project::migration::Version;

/// How a folder writes its versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum VersionStyle {
    /// `00001`, `0042`: the latest plus one at this width.
    Sequence { width: usize },
    /// `20240115093000`: UTC time to the second.
    Timestamp,
    /// `20240115093000123`: UTC time to the millisecond (node-pg-migrate's `utc`).
    TimestampMillis,
    /// `1705311000123`: milliseconds since the epoch (node-pg-migrate's default).
    EpochMillis,
    /// `1705311000`: seconds since the epoch (morph's default timestamp).
    EpochSeconds,
    /// Diesel's `2024-01-15-093000`, with its `-0000` subversion since Diesel 2.3.
    Diesel { subversion: bool },
}

/// A new migration's version, as written in its name.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct NextVersion {
    /// The version (`20240115093000`, `2024-01-15-093000`, `00003`).
    pub(super) written: String,
    /// Why the clock was not used, when it was not.
    pub(super) note: Option<String>,
}

impl VersionStyle {
    /// The style of `latest`, the latest version as the folder writes it (`None`: the folder
    /// has none, and the tool's own default is `default`). A number written with leading zeros
    /// is a sequence; otherwise its length says which of the clock's forms it is, when its
    /// digits can be one.
    pub(super) fn of(latest: Option<&str>, default: VersionStyle) -> VersionStyle {
        let Some(written) = latest else {
            return default;
        };
        let sequence = VersionStyle::Sequence {
            width: written.len(),
        };
        if written.starts_with('0') {
            return sequence;
        }
        match written.len() {
            14 if is_date(written) => VersionStyle::Timestamp,
            17 if is_date(written) => VersionStyle::TimestampMillis,
            13 => VersionStyle::EpochMillis,
            10 => VersionStyle::EpochSeconds,
            _ => sequence,
        }
    }

    /// Diesel's style from the latest migration folder's name (`2024-01-15-093000_x`, or
    /// `2024-01-15-093000-0000_x`).
    pub(super) fn diesel(latest_folder: Option<&str>) -> VersionStyle {
        let subversion = latest_folder
            .and_then(|name| name.split('_').next())
            .is_some_and(|stamp| stamp.split('-').count() == 5);
        VersionStyle::Diesel { subversion }
    }

    /// What the folder's versions look like, for `plan new`'s output.
    pub(super) fn describe(self) -> String {
        match self {
            VersionStyle::Sequence { width } => format!("sequential versions of {width} digits"),
            VersionStyle::Timestamp => "UTC timestamp versions (YYYYMMDDHHMMSS)".to_string(),
            VersionStyle::TimestampMillis => {
                "UTC timestamp versions to the millisecond".to_string()
            }
            VersionStyle::EpochMillis => "versions in milliseconds since 1970".to_string(),
            VersionStyle::EpochSeconds => "versions in seconds since 1970".to_string(),
            VersionStyle::Diesel { subversion: false } => {
                "UTC timestamp versions (YYYY-MM-DD-HHMMSS)".to_string()
            }
            VersionStyle::Diesel { subversion: true } => {
                "UTC timestamp versions (YYYY-MM-DD-HHMMSS-0000)".to_string()
            }
        }
    }
}

/// The version after `latest` in `style`, from the clock `now` where the style is a time.
pub(super) fn next(style: VersionStyle, latest: Option<&Version>, now: UtcNow) -> NextVersion {
    let clock = match style {
        VersionStyle::Sequence { width } => {
            let next = latest.map_or_else(|| "1".to_string(), |latest| increment(digits(latest)));
            return NextVersion {
                written: format!("{next:0>width$}"),
                note: None,
            };
        }
        VersionStyle::Timestamp => now.compact(),
        VersionStyle::TimestampMillis => now.compact_millis(),
        VersionStyle::EpochMillis => now.epoch_millis(),
        VersionStyle::EpochSeconds => now.epoch_seconds(),
        VersionStyle::Diesel { subversion } => {
            format!("{}{}", now.compact(), if subversion { "0000" } else { "" })
        }
    };
    let (chosen, note) = match latest {
        Some(latest) if Version::of(&clock).is_none_or(|version| version <= *latest) => {
            let next = increment(digits(latest));
            let width = clock.len();
            let next = format!("{next:0>width$}");
            let note = format!(
                "the clock's version {} does not sort after the latest version {}: used {} instead",
                written(style, &clock),
                written(style, digits(latest)),
                written(style, &next),
            );
            (next, Some(note))
        }
        _ => (clock, None),
    };
    NextVersion {
        written: written(style, &chosen),
        note,
    }
}

/// Flyway's next version after the highest of `versions` (each as its file writes it, `1_2`
/// or `1.2`): one more than the highest when every version is a single number (`V10` after
/// `V9`, the width kept: `V010` after `V009`), else the highest with its last part one more
/// (`1.2.4` after `1.2.3`), written with the separator the highest uses. `1` for the first.
pub(super) fn next_flyway(versions: &[&str]) -> String {
    let highest = versions
        .iter()
        .filter_map(|written| Some((Version::dotted(written)?, *written)))
        .max_by(|left, right| left.0.cmp(&right.0));
    let Some((_, written)) = highest else {
        return "1".to_string();
    };
    let Some(split) = written.rfind(['.', '_']) else {
        let width = written.len();
        return format!("{:0>width$}", increment(written.trim_start_matches('0')));
    };
    let (head, last) = (&written[..=split], &written[split + 1..]);
    let width = last.len();
    format!("{head}{:0>width$}", increment(last.trim_start_matches('0')))
}

/// A version's digits without leading zeros (`0` for zero).
fn digits(version: &Version) -> &str {
    version.significant()
}

/// A decimal string plus one, without parsing (versions can have any number of digits).
pub(super) fn increment(digits: &str) -> String {
    let mut bytes: Vec<u8> = digits.bytes().collect();
    for byte in bytes.iter_mut().rev() {
        if *byte == b'9' {
            *byte = b'0';
        } else {
            *byte += 1;
            return String::from_utf8_lossy(&bytes).into_owned();
        }
    }
    format!("1{}", String::from_utf8_lossy(&bytes))
}

/// `digits` as the style writes them: Diesel's with its dashes (`2024-01-15-093000`).
fn written(style: VersionStyle, digits: &str) -> String {
    match style {
        VersionStyle::Diesel { .. } if digits.len() == 14 || digits.len() == 18 => {
            let mut text = format!(
                "{}-{}-{}-{}",
                &digits[..4],
                &digits[4..6],
                &digits[6..8],
                &digits[8..14]
            );
            if digits.len() == 18 {
                text.push('-');
                text.push_str(&digits[14..]);
            }
            text
        }
        _ => digits.to_string(),
    }
}

/// Whether 14 or more digits start with a plausible date (`YYYYMMDD`, years 1970 to 2999).
fn is_date(digits: &str) -> bool {
    let number = |range: std::ops::Range<usize>| {
        digits
            .get(range)
            .and_then(|part| part.parse::<u32>().ok())
            .unwrap_or(0)
    };
    (1970..3000).contains(&number(0..4))
        && (1..=12).contains(&number(4..6))
        && (1..=31).contains(&number(6..8))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-01-20 12:00:45.123 UTC.
    const NOW: u64 = 1_768_910_445_123;

    /// The style of a folder whose latest version is `latest` (goose's defaults otherwise),
    /// and the next version after it at `NOW`, with the note when there is one.
    fn check(latest: Option<&str>) -> String {
        let style = VersionStyle::of(latest, VersionStyle::Timestamp);
        shown(style, latest)
    }

    fn shown(style: VersionStyle, latest: Option<&str>) -> String {
        let latest = latest.and_then(Version::of);
        let next = next(style, latest.as_ref(), UtcNow::from_millis(NOW));
        match next.note {
            Some(note) => format!("{} ({}; {note})", next.written, style.describe()),
            None => format!("{} ({})", next.written, style.describe()),
        }
    }

    #[test]
    fn a_folder_keeps_its_sequence_or_its_clock() {
        insta::assert_snapshot!([
            check(None),
            check(Some("00002")),
            check(Some("0099")),
            check(Some("000001")),
            check(Some("7")),
            check(Some("20240101120000")),
            check(Some("20240101120000123")),
            check(Some("1700000000000")),
            check(Some("1700000000")),
            check(Some("12345678901234")),
        ]
        .join("\n"), @r"
        20260120120045 (UTC timestamp versions (YYYYMMDDHHMMSS))
        00003 (sequential versions of 5 digits)
        0100 (sequential versions of 4 digits)
        000002 (sequential versions of 6 digits)
        8 (sequential versions of 1 digits)
        20260120120045 (UTC timestamp versions (YYYYMMDDHHMMSS))
        20260120120045123 (UTC timestamp versions to the millisecond)
        1768910445123 (versions in milliseconds since 1970)
        1768910445 (versions in seconds since 1970)
        12345678901235 (sequential versions of 14 digits)
        ");
    }

    #[test]
    fn a_clock_behind_the_folder_gives_the_latest_plus_one_and_says_so() {
        insta::assert_snapshot!([
            check(Some("29990101000000")),
            check(Some("20260120120045")),
            shown(VersionStyle::Diesel { subversion: false }, Some("29990101000000")),
            shown(VersionStyle::Diesel { subversion: true }, Some("299901010000000000")),
        ]
        .join("\n"), @r"
        29990101000001 (UTC timestamp versions (YYYYMMDDHHMMSS); the clock's version 20260120120045 does not sort after the latest version 29990101000000: used 29990101000001 instead)
        20260120120046 (UTC timestamp versions (YYYYMMDDHHMMSS); the clock's version 20260120120045 does not sort after the latest version 20260120120045: used 20260120120046 instead)
        2999-01-01-000001 (UTC timestamp versions (YYYY-MM-DD-HHMMSS); the clock's version 2026-01-20-120045 does not sort after the latest version 2999-01-01-000000: used 2999-01-01-000001 instead)
        2999-01-01-000000-0001 (UTC timestamp versions (YYYY-MM-DD-HHMMSS-0000); the clock's version 2026-01-20-120045-0000 does not sort after the latest version 2999-01-01-000000-0000: used 2999-01-01-000000-0001 instead)
        ");
    }

    #[test]
    fn diesel_keeps_its_subversion_when_the_folder_has_one() {
        assert_eq!(
            shown(
                VersionStyle::diesel(Some("2024-01-01-120000_x")),
                Some("20240101120000")
            ),
            "2026-01-20-120045 (UTC timestamp versions (YYYY-MM-DD-HHMMSS))"
        );
        assert_eq!(
            shown(
                VersionStyle::diesel(Some("2024-01-01-120000-0000_x")),
                Some("202401011200000000")
            ),
            "2026-01-20-120045-0000 (UTC timestamp versions (YYYY-MM-DD-HHMMSS-0000))"
        );
        assert_eq!(
            VersionStyle::diesel(None),
            VersionStyle::Diesel { subversion: false }
        );
    }

    #[test]
    fn flyway_versions_go_up_by_their_last_part_in_their_own_separator() {
        let check = |versions: &[&str]| next_flyway(versions);
        assert_eq!(check(&[]), "1");
        assert_eq!(check(&["1", "2", "10", "9"]), "11");
        assert_eq!(check(&["001", "002"]), "003");
        assert_eq!(check(&["1", "1.1", "1.2"]), "1.3");
        assert_eq!(check(&["1_1", "1_9"]), "1_10");
        assert_eq!(check(&["1", "2.0.9", "2.0.10"]), "2.0.11");
        assert_eq!(check(&["2024.01.15.1", "2024.01.15.2"]), "2024.01.15.3");
        assert_eq!(check(&["1.5", "2"]), "3");
    }

    #[test]
    fn versions_increment_at_any_width() {
        assert_eq!(increment("1"), "2");
        assert_eq!(increment("9"), "10");
        assert_eq!(increment("199"), "200");
        assert_eq!(
            increment("99999999999999999999999"),
            "100000000000000000000000"
        );
    }
}
