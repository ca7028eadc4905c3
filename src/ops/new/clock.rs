//! [`UtcNow`]: the moment `plan new` runs, in UTC, written the ways migration tools write it
//! into a version (dbmate's and goose's `20240115093000`, Diesel's `2024-01-15-093000`,
//! node-pg-migrate's milliseconds, morph's Unix seconds) and as a date for headers. The CLI
//! reads the system clock once and passes it in the request, so that deciding the files stays
//! a function of its input. Which of these a new migration gets is `version`'s job.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::calendar::Civil;

/// A moment in UTC, to the millisecond.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct UtcNow {
    millis: u64,
}

impl UtcNow {
    /// The moment `now` says (the Unix epoch for a clock set before it).
    pub(crate) fn at(now: SystemTime) -> UtcNow {
        let millis = now.duration_since(UNIX_EPOCH).map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        });
        UtcNow { millis }
    }

    /// The moment this many milliseconds after the Unix epoch.
    #[cfg(test)]
    pub(crate) fn from_millis(millis: u64) -> UtcNow {
        UtcNow { millis }
    }

    /// `YYYY-MM-DD`, for headers that carry a date.
    pub(crate) fn date(self) -> String {
        let civil = self.civil();
        format!("{:04}-{:02}-{:02}", civil.year, civil.month, civil.day)
    }

    /// `YYYYMMDDHHMMSS`: dbmate's, goose's, golang-migrate's, sqlx's, sql-migrate's and
    /// Prisma's version (Go's `20060102150405`, chrono's `%Y%m%d%H%M%S`).
    pub(crate) fn compact(self) -> String {
        let civil = self.civil();
        format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            civil.year, civil.month, civil.day, civil.hour, civil.minute, civil.second
        )
    }

    /// `YYYYMMDDHHMMSSmmm`: node-pg-migrate's `utc` file names (an ISO time, digits only).
    pub(crate) fn compact_millis(self) -> String {
        format!("{}{:03}", self.compact(), self.millis % 1_000)
    }

    /// Milliseconds since the epoch: node-pg-migrate's default file names (`Date.now()`).
    pub(crate) fn epoch_millis(self) -> String {
        self.millis.to_string()
    }

    /// Seconds since the epoch: morph's default timestamp (`unix`).
    pub(crate) fn epoch_seconds(self) -> String {
        (self.millis / 1_000).to_string()
    }

    fn civil(self) -> Civil {
        Civil::at(i64::try_from(self.millis / 1_000).unwrap_or(i64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every way a moment is written, for `millis` after the epoch.
    fn check(millis: u64) -> String {
        let now = UtcNow::from_millis(millis);
        [
            now.date(),
            now.compact(),
            now.compact_millis(),
            now.epoch_millis(),
            now.epoch_seconds(),
        ]
        .join(" ")
    }

    #[test]
    fn moments_are_civil_times_in_utc() {
        assert_eq!(check(0), "1970-01-01 19700101000000 19700101000000000 0 0");
        assert_eq!(
            check(951_782_400_000),
            "2000-02-29 20000229000000 20000229000000000 951782400000 951782400"
        );
        assert_eq!(
            check(1_768_910_445_123),
            "2026-01-20 20260120120045 20260120120045123 1768910445123 1768910445"
        );
    }
}
