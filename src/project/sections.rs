//! Splits a migration file into its forward and rollback SQL: the whole file, or the `-- UP` /
//! `-- DOWN` sections of seed 003's single-file layout (goose's `-- +goose Up` and sql-migrate's
//! `-- +migrate Up` are read the same way, since teams arrive from those tools too).

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

/// Splits `text` at its markers. Without markers the whole file is forward SQL.
pub(crate) fn split(text: &str) -> Result<Sections, SectionProblem> {
    let mut up: Option<Line<'_>> = None;
    let mut down: Option<Line<'_>> = None;
    let mut first_sql: Option<Range<usize>> = None;
    for line in lines(text) {
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

/// Whether `sql` holds anything but blank lines and `--` comments.
pub(crate) fn has_sql(sql: &str) -> bool {
    lines(sql).any(|line| {
        let trimmed = line.content.trim();
        !trimmed.is_empty() && !trimmed.starts_with("--")
    })
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
}
