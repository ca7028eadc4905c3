//! Seconds since the Unix epoch as a civil date and time of day in UTC (the proleptic Gregorian
//! calendar), for what plan writes itself rather than asking a server or a library: the times of
//! ledger rows (`db::ledger`) and the versions `plan new` stamps (`ops::new::clock`).

/// A civil date and time of day in UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Civil {
    /// The year (1 to 9999 for any time plan meets; 0 and below before the common era).
    pub year: i64,
    /// 1 to 12.
    pub month: i64,
    /// 1 to 31.
    pub day: i64,
    /// 0 to 23.
    pub hour: i64,
    /// 0 to 59.
    pub minute: i64,
    /// 0 to 59.
    pub second: i64,
}

impl Civil {
    /// The moment `seconds` after the epoch (before it, when negative).
    pub(crate) fn at(seconds: i64) -> Civil {
        let (days, of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
        // Howard Hinnant's civil_from_days: the date of a day number, in 400-year eras.
        let shifted = days + 719_468;
        let era = shifted.div_euclid(146_097);
        let of_era = shifted.rem_euclid(146_097);
        let year_of_era = (of_era - of_era / 1_460 + of_era / 36_524 - of_era / 146_096) / 365;
        let day_of_year = of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let month_index = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * month_index + 2) / 5 + 1;
        let month = if month_index < 10 {
            month_index + 3
        } else {
            month_index - 9
        };
        Civil {
            year: year_of_era + era * 400 + i64::from(month <= 2),
            month,
            day,
            hour: of_day / 3_600,
            minute: of_day % 3_600 / 60,
            second: of_day % 60,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(seconds: i64, expect: &str) {
        let civil = Civil::at(seconds);
        let written = format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            civil.year, civil.month, civil.day, civil.hour, civil.minute, civil.second
        );
        assert_eq!(written, expect, "{seconds}");
    }

    #[test]
    fn seconds_are_civil_times_in_utc() {
        check(0, "1970-01-01 00:00:00");
        check(-1, "1969-12-31 23:59:59");
        check(951_782_400, "2000-02-29 00:00:00");
        check(951_868_799, "2000-02-29 23:59:59");
        check(4_107_542_400, "2100-03-01 00:00:00");
        check(253_402_300_799, "9999-12-31 23:59:59");
        check(-62_135_596_800, "0001-01-01 00:00:00");
    }
}
