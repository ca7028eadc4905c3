//! What the server says besides results and errors: [`Notice`]s (`RAISE NOTICE`, `RAISE
//! WARNING`, "table "x" does not exist, skipping"), heard on a connection through the
//! `postgres` crate's notice callback into [`Notices`], a buffer the session's owner takes them
//! from after each statement. A leaf: what to do with them is the engine's, showing them the
//! CLI's.
//!
//! Without a callback of ours the `postgres` crate hands notices to the `log` crate, which
//! nothing here listens to: they were lost. The buffer is bounded, so a statement that raises a
//! notice per row of a big table cannot exhaust memory before anyone takes them.

use std::sync::{Arc, Mutex, PoisonError};

/// How many notices a buffer keeps between two takes; the ones after are only counted.
const KEPT_PER_TAKE: usize = 1000;

/// A notice the server sent during a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// `WARNING`, `NOTICE`, `INFO`, `LOG` or `DEBUG`, in English whatever `lc_messages` says.
    pub severity: String,
    /// The primary message.
    pub message: String,
    /// The server's detail, when it gave one.
    pub detail: Option<String>,
    /// The server's hint, when it gave one.
    pub hint: Option<String>,
}

impl Notice {
    /// Whether it is a `WARNING` (which the command line shows at every verbosity but `-q`).
    pub fn is_warning(&self) -> bool {
        self.severity == "WARNING"
    }
}

/// The notices one connection heard, in order, until taken. Cloning shares the buffer: the
/// connection's callback holds one clone, its owner another.
#[derive(Clone, Debug, Default)]
pub(crate) struct Notices {
    heard: Arc<Mutex<Heard>>,
}

/// The notices taken from a [`Notices`] at once.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Heard {
    /// The notices kept, in the order the server sent them.
    pub(crate) notices: Vec<Notice>,
    /// How many more came after the buffer was full (not kept).
    pub(crate) dropped: usize,
}

impl Notices {
    /// Keeps `notice` (called by the connection as the server sends it).
    pub(crate) fn hear(&self, notice: Notice) {
        // A poisoned buffer only means a panic elsewhere while it was held: the notices in it
        // are still whole, so it is used as it is.
        let mut heard = self.heard.lock().unwrap_or_else(PoisonError::into_inner);
        if heard.notices.len() < KEPT_PER_TAKE {
            heard.notices.push(notice);
        } else {
            heard.dropped += 1;
        }
    }

    /// Takes every notice heard since the last take, leaving the buffer empty.
    pub(crate) fn take(&self) -> Heard {
        let mut heard = self.heard.lock().unwrap_or_else(PoisonError::into_inner);
        std::mem::take(&mut *heard)
    }

    /// Forgets what was heard (the notices of plan's own statements, which nobody is shown).
    pub(crate) fn clear(&self) {
        drop(self.take());
    }

    /// Forgets what was heard since `kept` was taken and keeps `kept` again: what plan's own
    /// statements said in between (a `ROLLBACK` outside a transaction warns) is nobody's.
    pub(crate) fn forget_since(&self, kept: Heard) {
        let mut heard = self.heard.lock().unwrap_or_else(PoisonError::into_inner);
        *heard = kept;
    }

    /// The callback that fills this buffer, for `postgres::Config::notice_callback`.
    pub(crate) fn callback(&self) -> impl Fn(postgres::error::DbError) + Send + Sync + 'static {
        let notices = self.clone();
        move |notice: postgres::error::DbError| {
            notices.hear(Notice {
                severity: notice.parsed_severity().map_or_else(
                    || notice.severity().to_string(),
                    |parsed| parsed.to_string(),
                ),
                message: notice.message().to_string(),
                detail: notice.detail().map(str::to_string),
                hint: notice.hint().map(str::to_string),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hears `count` notices, then takes them: how many were kept and dropped.
    fn check(count: usize, expect: (usize, usize)) {
        let notices = Notices::default();
        for number in 0..count {
            notices.hear(Notice {
                severity: "NOTICE".to_string(),
                message: format!("notice {number}"),
                detail: None,
                hint: None,
            });
        }
        let heard = notices.take();
        assert_eq!((heard.notices.len(), heard.dropped), expect);
        assert_eq!(
            notices.take(),
            Heard::default(),
            "a take empties the buffer"
        );
    }

    #[test]
    fn notices_are_kept_in_order_up_to_the_bound_and_the_rest_counted() {
        check(0, (0, 0));
        check(3, (3, 0));
        check(KEPT_PER_TAKE + 5, (KEPT_PER_TAKE, 5));
    }
}
