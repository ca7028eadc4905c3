//! Splits a migration file into its forward and rollback SQL: the whole file, or its up and
//! down sections as each tool marks them, and reads the per-file options the tools write
//! beside them:
//!
//! | tool | up / down markers | no transaction |
//! |---|---|---|
//! | plan, seed 003 | `-- UP` / `-- DOWN` | `-- plan: no-transaction` (header) |
//! | goose | `-- +goose Up` / `-- +goose Down` | `-- +goose NO TRANSACTION` |
//! | sql-migrate | `-- +migrate Up` / `-- +migrate Down` | `notransaction` after the marker |
//! | dbmate | `-- migrate:up` / `-- migrate:down` | `transaction:false` after the marker |
//! | node-pg-migrate | `-- Up Migration` / `-- Down Migration` | |
//! | sqlx | | `-- no-transaction` as the first line |
//! | morph (Mattermost) | | `-- morph:nontransactional` in the header |
//!
//! goose's `-- +goose StatementBegin` / `StatementEnd` are comments to plan: its lexer splits
//! statements as PostgreSQL does, dollar quotes included. A file's markers must all be one
//! tool's: a file mixing two is refused, as is a tool's directive plan does not act on (goose's
//! `ENVSUB`), which would otherwise run the file differently from the way its author meant.
//!
//! A down marker counts only in a file that has an up marker: in any other file it could as
//! well be a comment, and reading everything below it as the rollback would leave that SQL out
//! of the forward run without a word.
//!
//! [`only_comments`] tells a rollback that does nothing (`-- Nothing`) from one that does.

use std::ops::Range;

use super::lines::{Line, lines};

/// Which section a marker line opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Marker {
    /// Forward SQL follows.
    Up,
    /// Rollback SQL follows.
    Down,
}

/// An up or down marker line, as one tool writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MarkerLine {
    /// Which section it opens.
    pub(crate) marker: Marker,
    /// The tool whose marker it is; `None` for plan's own `-- UP` / `-- DOWN`.
    pub(crate) tool: Option<&'static str>,
    /// Whether it says its section runs outside a transaction (dbmate's `transaction:false`,
    /// sql-migrate's `notransaction`).
    pub(crate) no_transaction: bool,
    /// An option after the marker that plan does not know (`transaction:flase`).
    pub(crate) unknown_option: bool,
}

/// A line of another migration tool's layout that `plan` does not act on.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ForeignMarker {
    /// The tool that writes it.
    pub(crate) tool: &'static str,
    /// The line after `--`, compared without regard to case; anything may follow it after a
    /// space (`-- +goose ENVSUB ON`).
    pub(crate) text: &'static str,
    /// What to do instead.
    pub(crate) help: &'static str,
}

/// Other tools' directives, refused wherever they appear in a migration file.
pub(crate) const FOREIGN_MARKERS: &[ForeignMarker] = &[ForeignMarker {
    tool: "goose",
    text: "+goose envsub",
    help: "plan reads goose's sections and directives but does not substitute environment \
           variables: write the values into the SQL",
}];

/// The sections of a file, and what its markers and directives say.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Sections {
    /// The forward SQL.
    pub(crate) up: Range<usize>,
    /// The rollback SQL, when the file has a down section.
    pub(crate) down: Option<Range<usize>>,
    /// The line saying the forward SQL runs outside a transaction, when one does.
    pub(crate) no_transaction: Option<Range<usize>>,
    /// The tool whose markers or directives the file uses (`dbmate`, `goose`, …), with the
    /// first line that says so; `None` for plan's own or none.
    pub(crate) tool: Option<(&'static str, Range<usize>)>,
}

/// A marker line out of place.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SectionProblem {
    /// The down marker comes before the up marker.
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
    /// SQL above the up marker would never run.
    SqlBeforeUp { sql: Range<usize> },
    /// A down marker in a file without an up marker.
    DownWithoutUp { down: Range<usize> },
    /// Another tool's directive that plan does not act on, or a marker option it does not know.
    Foreign {
        marker: &'static ForeignMarker,
        line: Range<usize>,
    },
    /// Markers of two tools in one file.
    Mixed {
        first_tool: &'static str,
        first: Range<usize>,
        second_tool: &'static str,
        second: Range<usize>,
    },
}

/// An option after dbmate's or sql-migrate's marker that plan does not know.
const UNKNOWN_OPTION: ForeignMarker = ForeignMarker {
    tool: "unknown marker option",
    text: "",
    help: "plan reads `transaction:false` after dbmate's `-- migrate:up` and `notransaction` \
           after sql-migrate's `-- +migrate Up`; remove the option, or correct its spelling",
};

/// The name plan's own markers go by in messages.
const PLAN_MARKERS: &str = "plan (-- UP / -- DOWN)";

/// What follows `--` on a comment line whose first word may begin a marker or directive of
/// some tool (`up`, `down`, `+goose`, `+migrate`, `migrate:…`, `no-transaction`, `morph:…`);
/// `None` for any other line. Checked without allocating: every comment line of every file
/// passes here, and most are prose.
fn tool_line<'a>(line: &Line<'a>) -> Option<&'a str> {
    let rest = line.content.trim().strip_prefix("--")?.trim();
    let first = rest.split_whitespace().next()?;
    let starts = |prefix: &str| {
        first
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
    };
    let known = ["up", "down", "+goose", "+migrate", "no-transaction"]
        .iter()
        .any(|word| first.eq_ignore_ascii_case(word))
        || starts("migrate:")
        || starts("morph:");
    known.then_some(rest)
}

/// The marker a line is, if any, in any case and with nothing else on the line but a known
/// option: `-- UP`, `-- +goose Down`, `-- +migrate Up notransaction`,
/// `-- migrate:up transaction:false`, `-- Down Migration`.
pub(crate) fn marker_of(line: &Line<'_>) -> Option<MarkerLine> {
    let rest = tool_line(line)?;
    let words: Vec<String> = rest
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let direction = |word: &str| match word {
        "up" => Some(Marker::Up),
        "down" => Some(Marker::Down),
        _ => None,
    };
    let plain = |marker, tool| MarkerLine {
        marker,
        tool,
        no_transaction: false,
        unknown_option: false,
    };
    match words.as_slice() {
        [word] => {
            if let Some(marker) = direction(word) {
                return Some(plain(marker, None));
            }
            // dbmate: `-- migrate:up`, options after a space.
            let marker = direction(word.strip_prefix("migrate:")?)?;
            Some(plain(marker, Some("dbmate")))
        }
        ["+goose", word] => Some(plain(direction(word)?, Some("goose"))),
        ["+migrate", word, options @ ..] => {
            let marker = direction(word)?;
            Some(MarkerLine {
                marker,
                tool: Some("sql-migrate"),
                no_transaction: options.contains(&"notransaction"),
                unknown_option: options.iter().any(|option| *option != "notransaction"),
            })
        }
        [word, "migration"] => Some(plain(direction(word)?, Some("node-pg-migrate"))),
        [word, options @ ..] if word.starts_with("migrate:") => {
            let marker = direction(word.strip_prefix("migrate:")?)?;
            Some(MarkerLine {
                marker,
                tool: Some("dbmate"),
                no_transaction: options.contains(&"transaction:false"),
                unknown_option: options
                    .iter()
                    .any(|option| !matches!(*option, "transaction:false" | "transaction:true")),
            })
        }
        _ => None,
    }
}

/// A directive line that is not a marker: which tool writes it and whether it says the file
/// runs outside a transaction. `first_line` says whether it is the file's first line (sqlx reads
/// `-- no-transaction` only there).
fn directive_of(line: &Line<'_>, first_line: bool) -> Option<(&'static str, bool)> {
    let rest = tool_line(line)?;
    let lower = rest.to_ascii_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    match words.as_slice() {
        ["+goose", "no", "transaction"] => Some(("goose", true)),
        ["+goose", "statementbegin" | "statementend"] => Some(("goose", false)),
        ["morph:nontransactional"] => Some(("morph", true)),
        ["no-transaction"] if first_line => Some(("sqlx", true)),
        _ => None,
    }
}

/// The other tool's directive a line is, if any.
pub(crate) fn foreign_marker_of(line: &Line<'_>) -> Option<&'static ForeignMarker> {
    let rest = tool_line(line)?;
    // Compare word by word, so that `-- +goose  ENVSUB   ON` is found too.
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
    let mut up: Option<(Line<'_>, MarkerLine)> = None;
    let mut down: Option<Line<'_>> = None;
    let mut first_sql: Option<Range<usize>> = None;
    let mut no_transaction: Option<Range<usize>> = None;
    // The first line that says which tool's syntax the file uses, plan's own markers included
    // (`None` as the tool), so that a second tool's is refused.
    let mut style: Option<(Option<&'static str>, Range<usize>)> = None;
    let mut same_style = |tool: Option<&'static str>, line: &Line<'_>| match &style {
        Some((first_tool, first)) if *first_tool != tool => Err(SectionProblem::Mixed {
            first_tool: first_tool.unwrap_or(PLAN_MARKERS),
            first: first.clone(),
            second_tool: tool.unwrap_or(PLAN_MARKERS),
            second: line.span(),
        }),
        Some(_) => Ok(()),
        None => {
            style = Some((tool, line.span()));
            Ok(())
        }
    };
    for (index, line) in lines(text).enumerate() {
        if let Some(marker) = foreign_marker_of(&line) {
            return Err(SectionProblem::Foreign {
                marker,
                line: line.span(),
            });
        }
        // sqlx's and morph's directives count before the first SQL only (a line in a function
        // body is not the file's directive); goose reads its own annotations on any line.
        if let Some((tool, outside)) = directive_of(&line, index == 0)
            && (first_sql.is_none() || tool == "goose")
        {
            same_style(Some(tool), &line)?;
            if outside {
                no_transaction.get_or_insert(line.span());
            }
            continue;
        }
        match marker_of(&line) {
            Some(found) => {
                if found.unknown_option {
                    return Err(SectionProblem::Foreign {
                        marker: &UNKNOWN_OPTION,
                        line: line.span(),
                    });
                }
                same_style(found.tool, &line)?;
                match found.marker {
                    Marker::Up => {
                        if let Some((first, _)) = up {
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
                        if found.no_transaction {
                            no_transaction.get_or_insert(line.span());
                        }
                        up = Some((line, found));
                    }
                    Marker::Down => {
                        if let Some(first) = down {
                            return Err(SectionProblem::Repeated {
                                marker: Marker::Down,
                                first: first.span(),
                                again: line.span(),
                            });
                        }
                        down = Some(line);
                    }
                }
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
    let tool = style.and_then(|(tool, line)| Some((tool?, line)));
    let up_start = up.map_or(0, |(line, _)| line.next);
    Ok(match down {
        Some(down) => Sections {
            up: up_start..down.start,
            down: Some(down.next..text.len()),
            no_transaction,
            tool,
        },
        None => Sections {
            up: up_start..text.len(),
            down: None,
            no_transaction,
            tool,
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
    fn issue_16_each_tools_markers_and_options_are_read() {
        // (forward, rollback, no-transaction line, tool) of each file.
        let read = |text: &str| match split(text) {
            Ok(sections) => format!(
                "up={:?} down={:?} outside={:?} tool={:?}",
                &text[sections.up],
                sections.down.map(|down| &text[down]),
                sections.no_transaction.map(|line| &text[line]),
                sections.tool.map(|(tool, _)| tool),
            ),
            Err(problem) => format!("{problem:?}"),
        };
        insta::assert_snapshot!([
            read("-- migrate:up\nCREATE TABLE a (id int);\n\n-- migrate:down\nDROP TABLE a;\n"),
            read("-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON a (id);\n-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY i;\n"),
            read("-- Up Migration\nCREATE TABLE a (id int);\n-- Down Migration\nDROP TABLE a;\n"),
            read("-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON a (id);\n"),
            read("-- +goose Up\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n-- +goose StatementEnd\n-- +goose Down\nDROP FUNCTION f;\n"),
            read("-- +migrate Up notransaction\nCREATE INDEX CONCURRENTLY i ON a (id);\n"),
            read("-- no-transaction\nCREATE INDEX CONCURRENTLY i ON a (id);\n"),
            read("-- morph:nontransactional\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON a (id)\n"),
            read("SELECT 1;\n-- no-transaction\n"),
            read("-- +goose Up\nCREATE INDEX CONCURRENTLY i ON a (id);\n-- +goose NO TRANSACTION\n"),
        ]
        .join("\n"), @r#"
        up="CREATE TABLE a (id int);\n\n" down=Some("DROP TABLE a;\n") outside=None tool=Some("dbmate")
        up="CREATE INDEX CONCURRENTLY i ON a (id);\n" down=Some("DROP INDEX CONCURRENTLY i;\n") outside=Some("-- migrate:up transaction:false") tool=Some("dbmate")
        up="CREATE TABLE a (id int);\n" down=Some("DROP TABLE a;\n") outside=None tool=Some("node-pg-migrate")
        up="CREATE INDEX CONCURRENTLY i ON a (id);\n" down=None outside=Some("-- +goose NO TRANSACTION") tool=Some("goose")
        up="-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n-- +goose StatementEnd\n" down=Some("DROP FUNCTION f;\n") outside=None tool=Some("goose")
        up="CREATE INDEX CONCURRENTLY i ON a (id);\n" down=None outside=Some("-- +migrate Up notransaction") tool=Some("sql-migrate")
        up="-- no-transaction\nCREATE INDEX CONCURRENTLY i ON a (id);\n" down=None outside=Some("-- no-transaction") tool=Some("sqlx")
        up="-- morph:nontransactional\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON a (id)\n" down=None outside=Some("-- morph:nontransactional") tool=Some("morph")
        up="SELECT 1;\n-- no-transaction\n" down=None outside=None tool=None
        up="CREATE INDEX CONCURRENTLY i ON a (id);\n-- +goose NO TRANSACTION\n" down=None outside=Some("-- +goose NO TRANSACTION") tool=Some("goose")
        "#);
    }

    #[test]
    fn issue_16_two_tools_markers_or_an_unknown_option_are_refused_at_their_line() {
        let found = |text: &str| match split(text) {
            Err(SectionProblem::Foreign { marker, line }) => {
                format!("{} {:?}", marker.tool, &text[line])
            }
            Err(SectionProblem::Mixed {
                first_tool,
                second_tool,
                second,
                ..
            }) => format!("{first_tool} then {second_tool} at {:?}", &text[second]),
            other => format!("{other:?}"),
        };
        assert_eq!(
            found("-- migrate:up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n"),
            "dbmate then goose at \"-- +goose Down\""
        );
        assert_eq!(
            found("-- UP\nCREATE TABLE a (id int);\n-- Down Migration\nDROP TABLE a;\n"),
            "plan (-- UP / -- DOWN) then node-pg-migrate at \"-- Down Migration\""
        );
        assert_eq!(
            found("-- migrate:up transaction:flase\nSELECT 1;\n"),
            "unknown marker option \"-- migrate:up transaction:flase\""
        );
        assert_eq!(
            found("-- +goose Up\n-- +goose ENVSUB ON\nSELECT '${X}';\n"),
            "goose \"-- +goose ENVSUB ON\""
        );
    }
}
