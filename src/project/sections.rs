//! Splits a migration file into its forward and rollback SQL: the whole file, or the `-- UP` /
//! `-- DOWN` sections of seed 003's single-file layout (goose's `-- +goose Up` and sql-migrate's
//! `-- +migrate Up` are read the same way, since teams arrive from those tools too).
//!
//! A `-- DOWN` line counts as a marker only in a file that has an `-- UP` marker: in any other
//! file it could as well be a comment, and reading everything below it as the rollback would
//! leave that SQL out of the forward run without a word. So such a file is refused, as is a file
//! with another tool's markers that `plan` does not read ([`FOREIGN_MARKERS`]), which would
//! otherwise run its down section forward.
//!
//! [`only_comments`] tells a rollback that does nothing (`-- Nothing`) from one that does.

use std::ops::Range;

use super::lines::{Line, lines};

/// Which section a marker line opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Marker {
    /// `-- UP`: forward SQL follows.
    Up,
    /// `-- DOWN`: rollback SQL follows.
    Down,
}

/// A line of another migration tool's layout that `plan` does not read. Kept as a table so that
/// a reader for one of these layouts can take its rows from here.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ForeignMarker {
    /// The tool that writes it.
    pub(crate) tool: &'static str,
    /// The line after `--`, compared without regard to case; anything may follow it after a
    /// space (`-- migrate:up transaction:false`).
    pub(crate) text: &'static str,
    /// What to do instead.
    pub(crate) help: &'static str,
}

const SPLIT_UP_DOWN: &str = "plan does not read this layout yet: put the forward SQL in \
NNN_name.up.sql and the rollback in NNN_name.down.sql, or mark the sections with lines `-- UP` \
and `-- DOWN`";

/// Other tools' marker lines, refused wherever they appear in a migration file.
pub(crate) const FOREIGN_MARKERS: &[ForeignMarker] = &[
    ForeignMarker {
        tool: "dbmate",
        text: "migrate:up",
        help: SPLIT_UP_DOWN,
    },
    ForeignMarker {
        tool: "dbmate",
        text: "migrate:down",
        help: SPLIT_UP_DOWN,
    },
    ForeignMarker {
        tool: "node-pg-migrate",
        text: "up migration",
        help: SPLIT_UP_DOWN,
    },
    ForeignMarker {
        tool: "node-pg-migrate",
        text: "down migration",
        help: SPLIT_UP_DOWN,
    },
    // goose's and sql-migrate's Up/Down sections are read; these directives of theirs are not,
    // and ignoring them would run the file differently from the way its author meant.
    ForeignMarker {
        tool: "goose",
        text: "+goose no transaction",
        help: "plan reads goose's Up and Down sections but not this directive: write \
               `-- plan: no-transaction` in the file's header instead",
    },
    ForeignMarker {
        tool: "goose",
        text: "+goose envsub",
        help: "plan reads goose's Up and Down sections but does not substitute environment \
               variables: write the values into the SQL",
    },
    ForeignMarker {
        tool: "sql-migrate",
        text: "+migrate up notransaction",
        help: "plan reads sql-migrate's Up and Down sections but not this option: write \
               `-- +migrate Up` alone and `-- plan: no-transaction` in the file's header",
    },
];

/// The sections of a file.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Sections {
    /// The forward SQL.
    pub(crate) up: Range<usize>,
    /// The rollback SQL, when the file has a `-- DOWN` section.
    pub(crate) down: Option<Range<usize>>,
}

/// A marker line out of place.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SectionProblem {
    /// `-- DOWN` comes before `-- UP`.
    DownBeforeUp {
        down: Range<usize>,
        up: Range<usize>,
    },
    /// A marker appears twice.
    Repeated {
        marker: Marker,
        first: Range<usize>,
        again: Range<usize>,
    },
    /// SQL above the `-- UP` marker would never run.
    SqlBeforeUp { sql: Range<usize> },
    /// A `-- DOWN` line in a file without an `-- UP` marker.
    DownWithoutUp { down: Range<usize> },
    /// Another tool's marker line.
    Foreign {
        marker: &'static ForeignMarker,
        line: Range<usize>,
    },
}

/// The marker a line is, if any: `-- UP`, `-- DOWN`, `-- +goose Up`, `-- +migrate Down`, in any
/// case, and nothing else on the line.
pub(crate) fn marker_of(line: &Line<'_>) -> Option<Marker> {
    let rest = line.content.trim().strip_prefix("--")?.trim();
    let rest = rest
        .strip_prefix("+goose")
        .or_else(|| rest.strip_prefix("+migrate"))
        .map_or(rest, str::trim_start);
    if rest.eq_ignore_ascii_case("up") {
        Some(Marker::Up)
    } else if rest.eq_ignore_ascii_case("down") {
        Some(Marker::Down)
    } else {
        None
    }
}

/// The other tool's marker a line is, if any.
pub(crate) fn foreign_marker_of(line: &Line<'_>) -> Option<&'static ForeignMarker> {
    let rest = line.content.trim().strip_prefix("--")?.trim();
    // Compare word by word, so that `-- +goose  NO   TRANSACTION` is found too.
    let words: Vec<String> = rest
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    FOREIGN_MARKERS.iter().find(|marker| {
        let wanted: Vec<&str> = marker.text.split(' ').collect();
        words.len() >= wanted.len() && words.iter().zip(&wanted).all(|(word, want)| word == want)
    })
}

/// Splits `text` at its markers. Without markers the whole file is forward SQL.
pub(crate) fn split(text: &str) -> Result<Sections, SectionProblem> {
    let mut up: Option<Line<'_>> = None;
    let mut down: Option<Line<'_>> = None;
    let mut first_sql: Option<Range<usize>> = None;
    for line in lines(text) {
        if let Some(marker) = foreign_marker_of(&line) {
            return Err(SectionProblem::Foreign {
                marker,
                line: line.span(),
            });
        }
        match marker_of(&line) {
            Some(Marker::Up) => {
                if let Some(first) = up {
                    return Err(SectionProblem::Repeated {
                        marker: Marker::Up,
                        first: first.span(),
                        again: line.span(),
                    });
                }
                if let Some(down) = down {
                    return Err(SectionProblem::DownBeforeUp {
                        down: down.span(),
                        up: line.span(),
                    });
                }
                if let Some(sql) = first_sql.take() {
                    return Err(SectionProblem::SqlBeforeUp { sql });
                }
                up = Some(line);
            }
            Some(Marker::Down) => {
                if let Some(first) = down {
                    return Err(SectionProblem::Repeated {
                        marker: Marker::Down,
                        first: first.span(),
                        again: line.span(),
                    });
                }
                down = Some(line);
            }
            None => {
                let trimmed = line.content.trim();
                if first_sql.is_none() && !trimmed.is_empty() && !trimmed.starts_with("--") {
                    first_sql = Some(line.span());
                }
            }
        }
    }
    if let (None, Some(down)) = (up, down) {
        return Err(SectionProblem::DownWithoutUp { down: down.span() });
    }
    let up_start = up.map_or(0, |line| line.next);
    Ok(match down {
        Some(down) => Sections {
            up: up_start..down.start,
            down: Some(down.next..text.len()),
        },
        None => Sections {
            up: up_start..text.len(),
            down: None,
        },
    })
}

/// Whether `sql` holds anything but whitespace and comments.
pub(crate) fn has_sql(sql: &str) -> bool {
    !only_comments(sql)
}

/// Whether `sql` is only whitespace, `--` line comments and (nested) `/* */` block comments:
/// SQL that does nothing when run. Anything else, an unterminated block comment included, is
/// content. A scanner of its own because `project` sits below the SQL lexer.
pub(crate) fn only_comments(sql: &str) -> bool {
    let bytes = sql.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        match (bytes[at], bytes.get(at + 1)) {
            (byte, _) if byte.is_ascii_whitespace() => at += 1,
            (b'-', Some(b'-')) => {
                at = bytes[at..]
                    .iter()
                    .position(|&byte| byte == b'\n')
                    .map_or(bytes.len(), |newline| at + newline + 1);
            }
            (b'/', Some(b'*')) => {
                let mut depth = 0usize;
                loop {
                    match (bytes.get(at), bytes.get(at + 1)) {
                        (Some(b'/'), Some(b'*')) => {
                            depth += 1;
                            at += 2;
                        }
                        (Some(b'*'), Some(b'/')) => {
                            depth -= 1;
                            at += 2;
                            if depth == 0 {
                                break;
                            }
                        }
                        (Some(_), _) => at += 1,
                        (None, _) => return false,
                    }
                }
            }
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Splits `text`, asserting success, and shows each section's text.
    fn expect_sections(text: &str) -> (String, Option<String>) {
        let sections = split(text).expect("expected the file to split");
        (
            text[sections.up].to_string(),
            sections.down.map(|down| text[down].to_string()),
        )
    }

    fn expect_problem(text: &str) -> SectionProblem {
        split(text).expect_err("expected a section problem")
    }

    #[test]
    fn a_file_without_markers_is_all_forward_sql() {
        assert_eq!(
            expect_sections("-- Description: x\nSELECT 1;\n"),
            ("-- Description: x\nSELECT 1;\n".to_string(), None)
        );
    }

    #[test]
    fn seed_003_up_and_down_sections_split_at_their_markers() {
        let text = "-- Migration: 002\n\n-- UP\r\nALTER TABLE users ADD COLUMN a text;\r\n\r\n-- DOWN\r\nALTER TABLE users DROP COLUMN a;\r\n";
        assert_eq!(
            expect_sections(text),
            (
                "ALTER TABLE users ADD COLUMN a text;\r\n\r\n".to_string(),
                Some("ALTER TABLE users DROP COLUMN a;\r\n".to_string())
            )
        );
        assert_eq!(
            expect_sections("-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n").1,
            Some("SELECT 2;\n".to_string())
        );
    }

    #[test]
    fn misplaced_markers_are_problems() {
        assert!(matches!(
            expect_problem("-- DOWN\nx;\n-- UP\ny;\n"),
            SectionProblem::DownBeforeUp { .. }
        ));
        assert!(matches!(
            expect_problem("-- UP\nx;\n-- UP\ny;\n"),
            SectionProblem::Repeated {
                marker: Marker::Up,
                ..
            }
        ));
        assert!(matches!(
            expect_problem("-- UP\nx;\n-- DOWN\ny;\n-- down\n"),
            SectionProblem::Repeated {
                marker: Marker::Down,
                ..
            }
        ));
        assert!(matches!(
            expect_problem("SELECT 0;\n-- UP\nx;\n"),
            SectionProblem::SqlBeforeUp { .. }
        ));
    }

    #[test]
    fn comment_lines_are_not_sql() {
        assert!(!has_sql("-- only a comment\n\n  -- another\n"));
        assert!(has_sql("-- c\nSELECT 1;"));
    }

    #[test]
    fn issue_11_only_comments_and_whitespace_do_nothing() {
        for nothing in [
            "",
            "\n \t\r\n",
            "-- Nothing",
            "-- Nothing\n",
            "/* nothing */",
            "/* outer /* inner */ still a comment */\n-- and a line\n",
            "--no space\n/**/",
        ] {
            assert!(only_comments(nothing), "{nothing:?}");
        }
        for something in [
            "DROP TABLE a;",
            "-- c\nDROP TABLE a;",
            "/* c */ DROP TABLE a;",
            ";",
            "/* unterminated",
            "/* a /* b */ DROP TABLE a; -- still inside the outer comment",
            "- - not a comment",
            "'--'",
        ] {
            assert!(!only_comments(something), "{something:?}");
        }
    }

    #[test]
    fn issue_11_a_down_comment_in_a_file_without_up_is_refused() {
        // Before: everything below `-- Down` became the rollback and never ran forward.
        assert_eq!(
            expect_problem("CREATE TABLE a (id int);\n-- Down\nCREATE TABLE b (id int);\n"),
            SectionProblem::DownWithoutUp { down: 25..32 }
        );
        assert!(matches!(
            expect_problem("SELECT 1;\n-- +goose Down\nSELECT 2;\n"),
            SectionProblem::DownWithoutUp { .. }
        ));
        // A comment that merely mentions down is no marker.
        assert_eq!(expect_sections("-- Down: see 002\nSELECT 1;\n").1, None);
    }

    #[test]
    fn issue_11_other_tools_markers_are_refused_at_their_line() {
        let found = |text: &str| match split(text) {
            Err(SectionProblem::Foreign { marker, line }) => {
                format!("{} {:?}", marker.tool, &text[line])
            }
            other => format!("{other:?}"),
        };
        assert_eq!(
            found("-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n"),
            "dbmate \"-- migrate:up\""
        );
        assert_eq!(
            found(
                "-- comment\n-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON a (id);\n"
            ),
            "dbmate \"-- migrate:up transaction:false\""
        );
        assert_eq!(
            found("-- Up Migration\nCREATE TABLE a (id int);\n-- Down Migration\nDROP TABLE a;\n"),
            "node-pg-migrate \"-- Up Migration\""
        );
        assert_eq!(
            found(
                "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON a (id);\n"
            ),
            "goose \"-- +goose NO TRANSACTION\""
        );
        assert_eq!(
            found("-- +goose Up\n-- +goose ENVSUB ON\nSELECT '${X}';\n"),
            "goose \"-- +goose ENVSUB ON\""
        );
        assert_eq!(
            found("-- +migrate Up notransaction\nSELECT 1;\n"),
            "sql-migrate \"-- +migrate Up notransaction\""
        );
        // goose's sections and statement brackets are read: plan splits statements as psql does.
        assert_eq!(
            expect_sections(
                "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n-- +goose StatementEnd\n-- +goose Down\nSELECT 2;\n"
            )
            .1,
            Some("SELECT 2;\n".to_string())
        );
    }
}
