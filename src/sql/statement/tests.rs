//! Tests of splitting and classifying statements, through the public functions: psql's
//! boundaries, COPY data, `standard_conforming_strings`, transaction control.

use super::split::split_statements_with;
use super::standard_strings::StandardStringsChange;
use super::{StatementKind, char_position_to_byte, split_statements};
use crate::sql::error::LexError;
use crate::sql::lexer::StandardStrings;
use proptest::prelude::*;

/// The statement texts of `sql`, asserting it splits.
fn check(sql: &str) -> Vec<String> {
    match split_statements(sql) {
        Ok(statements) => statements
            .iter()
            .map(|statement| statement.text().to_owned())
            .collect(),
        Err(error) => panic!("expected {sql:?} to split, got {error:?}"),
    }
}

/// The error splitting `sql`, asserting it fails.
fn check_error(sql: &str) -> LexError {
    match split_statements(sql) {
        Ok(statements) => panic!("expected {sql:?} to fail, got {statements:?}"),
        Err(error) => error,
    }
}

/// The kind of the single statement in `sql`.
fn kind(sql: &str) -> StatementKind {
    let statements = split_statements(sql).unwrap();
    assert_eq!(statements.len(), 1, "expected one statement in {sql:?}");
    statements[0].kind()
}

fn no_transaction(sql: &str) -> &'static str {
    match kind(sql) {
        StatementKind::NoTransaction { reason } => reason,
        other => panic!("expected {sql:?} to need no transaction, got {other:?}"),
    }
}

#[test]
fn splits_at_top_level_semicolons() {
    assert_eq!(check("SELECT 1; SELECT 2;"), ["SELECT 1;", "SELECT 2;"]);
    assert_eq!(check("SELECT 1;\nSELECT 2"), ["SELECT 1;", "SELECT 2"]);
    assert_eq!(check("SELECT 2 -- trailing\n"), ["SELECT 2"]);
}

#[test]
fn drops_empty_and_comment_only_statements() {
    assert_eq!(check(";;  ; -- nothing\n/* here */;"), Vec::<String>::new());
    assert_eq!(check(""), Vec::<String>::new());
    assert_eq!(check("SELECT 1;; ;SELECT 2;"), ["SELECT 1;", "SELECT 2;"]);
}

#[test]
fn comments_inside_a_statement_stay_in_its_text() {
    assert_eq!(
        check("-- lead\nSELECT /* a; */ 1 -- b;\n;"),
        ["SELECT /* a; */ 1 -- b;\n;"]
    );
}

#[test]
fn semicolons_inside_quotes_comments_and_identifiers_do_not_split() {
    let sql = concat!(
        "SELECT 'a;b', E'c\\';d', \"e;f\", $$g;h$$, $t$ $$;$$ $t$, U&'i;j' /* k; /* l; */ m; */;\n",
        "SELECT 2;"
    );
    assert_eq!(
        check(sql),
        [
            "SELECT 'a;b', E'c\\';d', \"e;f\", $$g;h$$, $t$ $$;$$ $t$, U&'i;j' /* k; /* l; */ m; */;",
            "SELECT 2;"
        ]
    );
}

#[test]
fn semicolons_inside_parentheses_do_not_split_as_in_psql() {
    assert_eq!(
        check("SELECT (1; 2); SELECT 3;"),
        ["SELECT (1; 2);", "SELECT 3;"]
    );
}

#[test]
fn plpgsql_body_in_dollar_quotes_is_one_statement() {
    let sql = "CREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$ LANGUAGE plpgsql;\nSELECT f();";
    let statements = check(sql);
    assert_eq!(statements.len(), 2);
    assert!(statements[0].ends_with("plpgsql;"));
    assert_eq!(
        kind("CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql;"),
        StatementKind::Other
    );
}

#[test]
fn begin_atomic_body_keeps_its_semicolons() {
    let function = "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT CASE WHEN true THEN 2 END;\nEND;";
    let procedure =
        "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); END;";
    let sql = format!("{function}\n{procedure}\nSELECT 3;");
    assert_eq!(check(&sql), [function, procedure, "SELECT 3;"]);
}

#[test]
fn begin_outside_a_function_is_transaction_control() {
    assert_eq!(
        check("BEGIN; SELECT 1; END;"),
        ["BEGIN;", "SELECT 1;", "END;"]
    );
    // A parameter named begin, inside parentheses, opens no block.
    assert_eq!(
        check("CREATE FUNCTION f(begin int) RETURNS int RETURN 1; SELECT 2;"),
        [
            "CREATE FUNCTION f(begin int) RETURNS int RETURN 1;",
            "SELECT 2;"
        ]
    );
}

#[test]
fn issue_11_qualified_begin_in_a_return_body_opens_no_block() {
    // psql 15 glues the three statements after this CREATE FUNCTION into one message (its
    // heuristic counts any `begin`), and the server then runs the COMMIT inside it.
    let sql = "CREATE FUNCTION f(s s) RETURNS int RETURN s.begin;\nSELECT 1;\nCOMMIT;\nSELECT 2;";
    assert_eq!(
        check(sql),
        [
            "CREATE FUNCTION f(s s) RETURNS int RETURN s.begin;",
            "SELECT 1;",
            "COMMIT;",
            "SELECT 2;"
        ]
    );
    assert_eq!(
        split_statements(sql).unwrap()[2].kind(),
        StatementKind::Commit
    );
    assert_eq!(
        check("CREATE OR REPLACE FUNCTION s.begin() RETURNS int RETURN 1; COMMIT;"),
        [
            "CREATE OR REPLACE FUNCTION s.begin() RETURNS int RETURN 1;",
            "COMMIT;"
        ]
    );
}

#[test]
fn issue_11_begin_as_a_name_opens_no_block() {
    for function in [
        // A parameter named begin, used in a RETURN body.
        "CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql RETURN begin + 1;",
        // A function named begin.
        "CREATE FUNCTION begin() RETURNS int LANGUAGE sql RETURN 1;",
        "CREATE PROCEDURE begin() LANGUAGE sql AS $$ SELECT 1 $$;",
        "CREATE FUNCTION \"begin\"() RETURNS int LANGUAGE sql RETURN 1;",
        // A column alias inside a body: only `BEGIN ATOMIC` opens one.
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1 AS begin; END;",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT s.begin FROM s; END;",
    ] {
        assert_eq!(
            check(&format!("{function}\nCOMMIT;")),
            [function, "COMMIT;"],
            "{function}"
        );
    }
}

#[test]
fn issue_11_begin_column_outside_a_function_is_an_ordinary_word() {
    assert_eq!(
        check(
            "CREATE TABLE t (begin int, \"end\" int, atomic int);\nSELECT s.begin, s.end, t.case FROM s;\nSELECT begin FROM t;\nCOMMIT;"
        ),
        [
            "CREATE TABLE t (begin int, \"end\" int, atomic int);",
            "SELECT s.begin, s.end, t.case FROM s;",
            "SELECT begin FROM t;",
            "COMMIT;"
        ]
    );
}

#[test]
fn issue_11_end_used_as_a_name_does_not_close_a_body() {
    // psql 15 ends each of these statements at the first `;` inside the body, then sends
    // the body's `END;` on its own: a COMMIT. The server reads each as one statement.
    for function in [
        "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT t.end FROM t; SELECT 2; END;",
        "CREATE FUNCTION h() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1 AS end; END;",
        // A bare column label: `end` after an expression, not after `;`.
        "CREATE FUNCTION k() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1 end; END;",
        "CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC UPDATE t SET \"end\" = x.end FROM x; END;",
    ] {
        assert_eq!(
            check(&format!("{function}\nCOMMIT;")),
            [function, "COMMIT;"],
            "{function}"
        );
    }
}

#[test]
fn issue_11_case_used_as_a_name_opens_nothing() {
    for function in [
        "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT t.case FROM t; END;",
        "CREATE FUNCTION h() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1 AS case; END;",
        "CREATE FUNCTION h2() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT begin.case + begin.begin FROM t AS begin; SELECT 1 AS case; END;",
    ] {
        assert_eq!(
            check(&format!("{function}\nCOMMIT;")),
            [function, "COMMIT;"],
            "{function}"
        );
    }
}

#[test]
fn issue_11_case_end_inside_a_body_still_nests() {
    let function = "CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN x > 0 THEN CASE x WHEN 1 THEN 1 ELSE 2 END ELSE 0 END AS end;\n  SELECT CASE WHEN t.end THEN 1 END FROM t;\nEND;";
    assert_eq!(
        check(&format!("{function}\nCOMMIT;")),
        [function, "COMMIT;"]
    );
    // An empty body.
    assert_eq!(
        check("CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC END; COMMIT;"),
        [
            "CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC END;",
            "COMMIT;"
        ]
    );
    // CASE in an ordinary statement never counts, whatever follows.
    assert_eq!(
        check("SELECT CASE WHEN true THEN 1 END; COMMIT;"),
        ["SELECT CASE WHEN true THEN 1 END;", "COMMIT;"]
    );
}

#[test]
fn issue_11_plpgsql_keywords_in_dollar_quotes_are_opaque() {
    let function = "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  IF true THEN NULL; END IF;\n  LOOP EXIT; END LOOP;\n  CASE WHEN true THEN NULL; END CASE;\nEND\n$$;";
    assert_eq!(
        check(&format!("{function}\nCOMMIT;")),
        [function, "COMMIT;"]
    );
}

/// `(text, copy data)` of each statement of `sql`, asserting it splits.
fn check_copy(sql: &str) -> Vec<(String, Option<String>)> {
    match split_statements(sql) {
        Ok(statements) => statements
            .iter()
            .map(|statement| {
                (
                    statement.text().to_owned(),
                    statement.copy_data().map(str::to_owned),
                )
            })
            .collect(),
        Err(error) => panic!("expected {sql:?} to split, got {error:?}"),
    }
}

fn plain(text: &str) -> (String, Option<String>) {
    (text.to_owned(), None)
}

fn copy(text: &str, data: &str) -> (String, Option<String>) {
    (text.to_owned(), Some(data.to_owned()))
}

#[test]
fn issue_11_copy_from_stdin_owns_its_data_lines() {
    // As pg_dump writes it. The data holds what SQL would choke on: `;`, an unmatched
    // quote, `$$`, `--`, `/*` and backslashes (`\N` is NULL, `\t` a tab).
    let data = "1\tit's; fine\t\\N\n2\t$$ -- /* \"x\t\\t\\\\\n";
    let sql = format!(
        "SET client_encoding = 'UTF8';\n\nCOPY public.t (a, b, c) FROM stdin;\n{data}\\.\n\nSELECT pg_catalog.setval('public.t_a_seq', 2, true);\n"
    );
    assert_eq!(
        check_copy(&sql),
        [
            plain("SET client_encoding = 'UTF8';"),
            copy("COPY public.t (a, b, c) FROM stdin;", data),
            plain("SELECT pg_catalog.setval('public.t_a_seq', 2, true);"),
        ]
    );
    let statements = split_statements(&sql).unwrap();
    let copy_statement = &statements[1];
    assert_eq!(copy_statement.kind(), StatementKind::Other);
    let span = copy_statement.copy_data_span().unwrap();
    assert_eq!(&sql[span.clone()], data);
    assert_eq!(span.start, copy_statement.span().end + 1);
    assert_eq!(&sql[span.end..span.end + 3], "\\.\n");
    assert_eq!(statements[0].copy_data(), None);
    assert_eq!(statements[0].copy_data_span(), None);
}

#[test]
fn issue_11_copy_from_stdin_is_recognised_however_it_is_written() {
    for command in [
        "copy t from STDIN;",
        "COPY t FROM stdin WITH (FORMAT csv, HEADER true);",
        "COPY t FROM STDIN CSV HEADER;",
        "COPY t (a) FROM STDIN WHERE a > 0;",
        "COPY /* c */ t\n  FROM -- where\n  stdin;",
        "COPY stdin FROM stdin;",
    ] {
        assert_eq!(
            check_copy(&format!("{command}\n1\n\\.\nSELECT 1;")),
            [copy(command, "1\n"), plain("SELECT 1;")],
            "{command}"
        );
    }
}

#[test]
fn issue_11_other_copies_have_no_data() {
    for command in [
        "COPY t TO STDOUT;",
        "COPY t FROM '/tmp/stdin';",
        "COPY (SELECT a FROM stdin) TO STDOUT;",
        "SELECT a FROM stdin;",
        "COPY t FROM PROGRAM 'cat';",
    ] {
        assert_eq!(
            check_copy(&format!("{command}\nSELECT 1;")),
            [plain(command), plain("SELECT 1;")],
            "{command}"
        );
    }
}

#[test]
fn issue_11_copy_data_ends_only_at_a_line_holding_just_backslash_dot() {
    // `\.` inside a line, followed by text, or indented is data; CSV quotes do not protect
    // a `\.` line (psql ends the data there too).
    let data = "a\\.b\n\\.x\n \\.\n\"q\n";
    assert_eq!(
        check_copy(&format!("COPY t FROM stdin;\n{data}\\.\nSELECT 1;")),
        [copy("COPY t FROM stdin;", data), plain("SELECT 1;")]
    );
    // CRLF lines keep their endings; `\.\r\n` ends the data.
    assert_eq!(
        check_copy("COPY t FROM stdin;\r\n1\r\n2\r\n\\.\r\nSELECT 1;\r\n"),
        [copy("COPY t FROM stdin;", "1\r\n2\r\n"), plain("SELECT 1;")]
    );
    // No rows; and `\.` as the file's last line without a newline.
    assert_eq!(
        check_copy("COPY t FROM stdin;\n\\.\nCOPY u FROM stdin;\n1\n\\."),
        [
            copy("COPY t FROM stdin;", ""),
            copy("COPY u FROM stdin;", "1\n")
        ]
    );
    // A comment after the command's `;` is fine.
    assert_eq!(
        check_copy("COPY t FROM stdin; -- rows\n1\n\\.\n"),
        [copy("COPY t FROM stdin;", "1\n")]
    );
}

#[test]
fn issue_11_copy_from_stdin_without_its_end_line_is_an_error_at_the_copy() {
    for (sql, offset) in [
        ("SELECT 1;\nCOPY t FROM stdin;\n1\n2\n", 10),
        ("SELECT 1;\nCOPY t FROM stdin;", 10),
        ("SELECT 1;\ncopy t from stdin", 10),
        ("COPY t FROM stdin;\n1\n\\.x\n \\.\n", 0),
    ] {
        assert_eq!(
            check_error(sql),
            LexError::UnterminatedCopyData { offset },
            "{sql:?}"
        );
    }
}

#[test]
fn issue_11_sql_after_copy_from_stdin_on_its_line_is_an_error() {
    assert_eq!(
        check_error("COPY t FROM stdin; SELECT 1;\n1\n\\.\n"),
        LexError::TextAfterCopyFromStdin { offset: 19 }
    );
    assert_eq!(
        check_error("COPY t FROM stdin; /* a\n*/\n1\n\\.\n"),
        LexError::TextAfterCopyFromStdin { offset: 19 }
    );
}

/// Where a transaction-control statement hides inside `statement` after one of its own
/// top-level semicolons: the mark of statements glued together, as when a misread `begin`
/// kept a block open. The `END` closing a `BEGIN ATOMIC` body, last in its statement, is
/// not one.
fn glued_transaction_control(statement: &super::Statement) -> Option<usize> {
    let tokens = statement.tokens();
    let mut depth = 0usize;
    let mut segments: Vec<&[super::StatementToken]> = Vec::new();
    let mut start = None;
    for (index, token) in tokens.iter().enumerate() {
        if token.is_symbol("(") {
            depth += 1;
        } else if token.is_symbol(")") {
            depth = depth.saturating_sub(1);
        } else if depth == 0 && token.kind() == crate::sql::lexer::TokenKind::Semicolon {
            if let Some(start) = start {
                segments.push(&tokens[start..index]);
            }
            start = Some(index + 1);
        }
    }
    if let Some(start) = start {
        segments.push(&tokens[start..]);
    }
    let last = segments.len().saturating_sub(1);
    segments.iter().enumerate().find_map(|(position, segment)| {
        let words: Vec<&str> = segment.iter().map(super::StatementToken::word).collect();
        let closes_body = position == last && words == ["END"];
        let control = super::classify::transaction_control(&words).is_some();
        (control && !closes_body).then(|| segment[0].span().start)
    })
}

#[test]
fn issue_11_the_glue_guard_sees_a_commit_inside_a_statement() {
    // A body that really holds a COMMIT (the server refuses it, but the splitter keeps it
    // in one statement): the guard below must notice it.
    let sql = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; COMMIT; END;";
    let statements = split_statements(sql).unwrap();
    assert_eq!(statements.len(), 1);
    assert_eq!(
        glued_transaction_control(&statements[0]),
        sql.find("COMMIT")
    );
    let fine = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;";
    assert_eq!(
        glued_transaction_control(&split_statements(fine).unwrap()[0]),
        None
    );
}

/// Every `.sql` file under `folder`, at any depth, in a stable order.
fn sql_files(folder: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    let mut paths: Vec<_> = entries
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.path())
        .collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            sql_files(&path, found);
        } else if path.extension().is_some_and(|extension| extension == "sql") {
            found.push(path);
        }
    }
}

#[test]
fn issue_11_no_fixture_or_example_glues_transaction_control() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sql_files(&root.join("tests/fixtures"), &mut files);
    sql_files(&root.join("migrations"), &mut files);
    let mut split = 0;
    for file in &files {
        // Fixtures of bad input (not UTF-8, unterminated SQL) are other tests' business.
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let Ok(statements) = split_statements(&text) else {
            continue;
        };
        split += 1;
        for statement in &statements {
            if let Some(offset) = glued_transaction_control(statement) {
                let line = text[..offset].lines().count().max(1);
                panic!(
                    "{}:{line}: a transaction-control statement is glued into the statement starting at byte {}:\n{}",
                    file.display(),
                    statement.span().start,
                    statement.text()
                );
            }
        }
    }
    // The folders exist and hold SQL: a guard over nothing guards nothing.
    assert!(split >= 40, "only {split} of {} files split", files.len());
}

/// The statement texts of `sql` split starting with `start`, asserting it splits.
fn check_with(sql: &str, start: StandardStrings) -> Vec<String> {
    match split_statements_with(sql, start) {
        Ok(statements) => statements
            .iter()
            .map(|statement| statement.text().to_owned())
            .collect(),
        Err(error) => panic!("expected {sql:?} to split, got {error:?}"),
    }
}

/// What the single statement `sql` does to standard_conforming_strings.
fn change(sql: &str) -> Option<StandardStringsChange> {
    let statements = split_statements(sql).unwrap();
    assert_eq!(statements.len(), 1, "expected one statement in {sql:?}");
    statements[0].standard_strings_change()
}

fn set_to(value: StandardStrings) -> Option<StandardStringsChange> {
    Some(StandardStringsChange {
        value: Some(value),
        local: false,
    })
}

const BACK_TO_DEFAULT: Option<StandardStringsChange> = Some(StandardStringsChange {
    value: None,
    local: false,
});

#[test]
fn issue_11_standard_conforming_strings_off_makes_backslashes_escape_in_plain_strings() {
    // With the setting off the server reads `'a\', '` as one string, so the `;` after it
    // ends the INSERT and the COMMIT is a statement of its own.
    let sql = "SET standard_conforming_strings = off;\nINSERT INTO log SELECT 9 FROM (SELECT concat('a\\', ') x) s; COMMIT; SELECT 1/0; -- ') x) s;\n";
    let statements = split_statements(sql).unwrap();
    let texts: Vec<&str> = statements
        .iter()
        .map(|statement| statement.text())
        .collect();
    assert_eq!(
        texts,
        [
            "SET standard_conforming_strings = off;",
            "INSERT INTO log SELECT 9 FROM (SELECT concat('a\\', ') x) s;",
            "COMMIT;",
            "SELECT 1/0;"
        ]
    );
    assert_eq!(statements[2].kind(), StatementKind::Commit);
    assert_eq!(statements[0].standard_strings(), StandardStrings::On);
    assert_eq!(statements[1].standard_strings(), StandardStrings::Off);
    assert_eq!(
        statements[0].standard_strings_change(),
        set_to(StandardStrings::Off)
    );
    assert_eq!(statements[1].standard_strings_change(), None);
    for statement in &statements {
        assert_eq!(glued_transaction_control(statement), None);
    }
    // With the setting on (no SET) the same line is one statement, as before.
    let line = &sql[sql.find("INSERT").unwrap()..];
    assert_eq!(check(line).len(), 1);
}

#[test]
fn issue_11_standard_conforming_strings_on_again_stops_backslash_escapes() {
    let sql = "SET standard_conforming_strings = off;\nSELECT 'it\\'s; fine';\nSET SESSION standard_conforming_strings TO on;\nSELECT 'a\\'; SELECT 2;";
    assert_eq!(
        check(sql),
        [
            "SET standard_conforming_strings = off;",
            "SELECT 'it\\'s; fine';",
            "SET SESSION standard_conforming_strings TO on;",
            "SELECT 'a\\';",
            "SELECT 2;"
        ]
    );
    // The SET statement's own line: the statement after it is read with the new setting.
    assert_eq!(
        check("set standard_conforming_strings to 'off'; SELECT 'a\\'; b'; SELECT 2;"),
        [
            "set standard_conforming_strings to 'off';",
            "SELECT 'a\\'; b';",
            "SELECT 2;"
        ]
    );
}

#[test]
fn issue_11_reset_and_default_return_to_the_starting_setting() {
    for reset in [
        "RESET standard_conforming_strings;",
        "reset \"standard_conforming_strings\";",
        "SET standard_conforming_strings TO DEFAULT;",
        "SET LOCAL standard_conforming_strings = default;",
        "RESET ALL;",
        "DISCARD ALL;",
    ] {
        let sql =
            format!("SET standard_conforming_strings = off;\n{reset}\nSELECT 'a\\'; SELECT 2;");
        assert_eq!(
            check(&sql),
            [
                "SET standard_conforming_strings = off;",
                reset,
                "SELECT 'a\\';",
                "SELECT 2;"
            ],
            "{reset}"
        );
        // Starting with the setting off, the default is off.
        let sql =
            format!("SET standard_conforming_strings = on;\n{reset}\nSELECT 'a\\'; SELECT 2;'");
        assert_eq!(
            check_with(&sql, StandardStrings::Off),
            [
                "SET standard_conforming_strings = on;",
                reset,
                "SELECT 'a\\'; SELECT 2;'"
            ],
            "{reset}"
        );
    }
    assert_eq!(change("RESET standard_conforming_strings"), BACK_TO_DEFAULT);
    assert_eq!(change("DISCARD ALL"), BACK_TO_DEFAULT);
    assert_eq!(
        change("SET LOCAL standard_conforming_strings TO DEFAULT"),
        Some(StandardStringsChange {
            value: None,
            local: true
        })
    );
}

#[test]
fn issue_11_every_spelling_of_a_boolean_switches_the_setting() {
    for value in [
        "off",
        "OFF",
        "of",
        "'off'",
        "'Off'",
        "\"off\"",
        "false",
        "FALSE",
        "f",
        "fal",
        "'f'",
        "no",
        "n",
        "'NO'",
        "0",
        "00",
        "-0",
        "+0",
        "0x0",
        "E'off'",
        "E'\\x6ff'",
        "$$off$$",
        "$v$of$v$",
        "U&'\\006ff'",
    ] {
        assert_eq!(
            change(&format!("SET standard_conforming_strings = {value}")),
            set_to(StandardStrings::Off),
            "{value}"
        );
    }
    for value in [
        "on", "ON", "'on'", "true", "t", "TR", "yes", "y", "'Y'", "1", "+1", "0b1", "\"ON\"",
        "E'on'",
    ] {
        assert_eq!(
            change(&format!("SET standard_conforming_strings TO {value}")),
            set_to(StandardStrings::On),
            "{value}"
        );
    }
}

#[test]
fn issue_11_set_local_counts_as_set_and_says_so() {
    assert_eq!(
        change("SET LOCAL standard_conforming_strings = off"),
        Some(StandardStringsChange {
            value: Some(StandardStrings::Off),
            local: true
        })
    );
    assert_eq!(
        change("SET SESSION standard_conforming_strings = off"),
        set_to(StandardStrings::Off)
    );
    assert_eq!(
        check("SET LOCAL standard_conforming_strings = off; SELECT 'a\\'; b';"),
        [
            "SET LOCAL standard_conforming_strings = off;",
            "SELECT 'a\\'; b';"
        ]
    );
}

#[test]
fn issue_11_other_statements_leave_standard_conforming_strings_alone() {
    for statement in [
        "SET client_encoding = 'off'",
        "SET standard_conforming_string = off",
        "SET \"Standard_Conforming_Strings\" = off",
        "SET x.standard_conforming_strings = off",
        "SET standard_conforming_strings = maybe",
        "SET standard_conforming_strings = o",
        "SET standard_conforming_strings = ''",
        "SET standard_conforming_strings = ' off'",
        "SET standard_conforming_strings = offf",
        "SET standard_conforming_strings = 2",
        "SET standard_conforming_strings = -1",
        "SET standard_conforming_strings = 0.0",
        "SET standard_conforming_strings = on, off",
        "SET standard_conforming_strings off",
        "SET standard_conforming_strings FROM CURRENT",
        "SET LOCAL",
        "SHOW standard_conforming_strings",
        "RESET client_encoding",
        "DISCARD PLANS",
        "SELECT set_config('x', 'off', false)",
        "ALTER DATABASE d SET standard_conforming_strings = off",
        "ALTER ROLE r SET standard_conforming_strings = off",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql SET standard_conforming_strings = off RETURN 1",
    ] {
        assert_eq!(change(statement), None, "{statement}");
        let sql = format!("{statement};\nSELECT 'a\\'; SELECT 2;");
        assert_eq!(
            check(&sql),
            [
                format!("{statement};").as_str(),
                "SELECT 'a\\';",
                "SELECT 2;"
            ],
            "{statement}"
        );
    }
}

#[test]
fn issue_11_split_statements_with_off_escapes_from_the_start() {
    let sql = "SELECT 'a\\', '; SELECT 2; -- ';";
    assert_eq!(
        check_with(sql, StandardStrings::Off),
        ["SELECT 'a\\', ';", "SELECT 2;"]
    );
    assert_eq!(check_with(sql, StandardStrings::On), [sql]);
    assert_eq!(check(sql), [sql]);
}

#[test]
fn issue_11_setting_off_leaves_other_quotes_alone() {
    // E'' strings escape either way; dollar quotes, quoted identifiers, U&'' and bit
    // strings never do; N'' strings follow the setting like plain ones.
    let sql = "SELECT E'a\\';b', $$c\\$$, \"d\\\", U&'e\\', B'0', X'f', N'g\\';h';\nSELECT 2;";
    assert_eq!(
        check_with(sql, StandardStrings::Off),
        [
            "SELECT E'a\\';b', $$c\\$$, \"d\\\", U&'e\\', B'0', X'f', N'g\\';h';",
            "SELECT 2;"
        ]
    );
    assert!(matches!(
        split_statements_with("SELECT 'a\\", StandardStrings::Off),
        Err(LexError::UnterminatedString { offset: 7 })
    ));
}

#[test]
fn parse_bool_follows_postgresql() {
    for (text, expected) in [
        ("true", Some(true)),
        ("TrUe", Some(true)),
        ("t", Some(true)),
        ("yes", Some(true)),
        ("on", Some(true)),
        ("1", Some(true)),
        ("false", Some(false)),
        ("fa", Some(false)),
        ("no", Some(false)),
        ("of", Some(false)),
        ("off", Some(false)),
        ("0", Some(false)),
        ("o", None),
        ("", None),
        ("truex", None),
        ("onn", None),
        ("offf", None),
        ("01", None),
        (" on", None),
    ] {
        assert_eq!(
            super::standard_strings::parse_bool(text),
            expected,
            "{text:?}"
        );
    }
}

#[test]
fn crlf_input_splits_cleanly() {
    assert_eq!(
        check("SELECT 1;\r\n-- c\r\nSELECT\r\n 2;\r\n"),
        ["SELECT 1;", "SELECT\r\n 2;"]
    );
}

#[test]
fn byte_order_mark_is_not_part_of_the_first_statement() {
    let statements = split_statements("\u{feff}BEGIN;\nSELECT 1;").unwrap();
    assert_eq!(statements[0].text(), "BEGIN;");
    assert_eq!(statements[0].span(), 3..9);
    assert_eq!(statements[0].kind(), StatementKind::Begin);
}

#[test]
fn seed_style_file_with_header_and_outer_transaction() {
    let sql = "\
-- =====================================================================
-- Seed: reference data for the billing schema
-- Author: someone; reviewed: someone else
-- =====================================================================

BEGIN;

INSERT INTO billing.plan (name) VALUES ('free'), ('pro; annual');
-- a comment between statements
INSERT INTO billing.plan (name) VALUES ($$it's$$);

COMMIT;
";
    let statements = split_statements(sql).unwrap();
    let kinds: Vec<StatementKind> = statements
        .iter()
        .map(|statement| statement.kind())
        .collect();
    assert_eq!(
        kinds,
        [
            StatementKind::Begin,
            StatementKind::Other,
            StatementKind::Other,
            StatementKind::Commit
        ]
    );
    assert_eq!(statements[0].span().start, sql.find("BEGIN;").unwrap());
    assert_eq!(
        statements[1].text(),
        "INSERT INTO billing.plan (name) VALUES ('free'), ('pro; annual');"
    );
    assert_eq!(statements[3].text(), "COMMIT;");
}

#[test]
fn errors_carry_offsets_into_the_script() {
    assert_eq!(check_error("SELECT 1;\nSELECT 'x").offset(), 17);
    assert!(matches!(
        check_error("SELECT 1;\n\\i other.sql\n"),
        LexError::MetaCommand { offset: 10, .. }
    ));
}

#[test]
fn transaction_control_statements() {
    for sql in [
        "BEGIN",
        "begin;",
        "BEGIN WORK",
        "BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE",
        "START TRANSACTION;",
    ] {
        assert_eq!(kind(sql), StatementKind::Begin, "{sql}");
    }
    for sql in [
        "COMMIT",
        "COMMIT WORK",
        "COMMIT TRANSACTION",
        "END",
        "end transaction;",
        "COMMIT AND NO CHAIN",
    ] {
        assert_eq!(kind(sql), StatementKind::Commit, "{sql}");
    }
    for sql in ["ROLLBACK", "ROLLBACK WORK", "ABORT", "abort transaction"] {
        assert_eq!(kind(sql), StatementKind::Rollback, "{sql}");
    }
    for sql in [
        "COMMIT AND CHAIN",
        "ROLLBACK WORK AND CHAIN",
        "PREPARE TRANSACTION 'x'",
    ] {
        assert_eq!(kind(sql), StatementKind::ChainedTransactionControl, "{sql}");
    }
    for sql in [
        "ROLLBACK TO SAVEPOINT s",
        "ROLLBACK TO s",
        "ROLLBACK WORK TO SAVEPOINT s",
        "SAVEPOINT s",
        "RELEASE SAVEPOINT s",
        "RELEASE s",
        "\"begin\"",
        "PREPARE q AS SELECT 1",
        "SET TRANSACTION READ ONLY",
    ] {
        assert_eq!(kind(sql), StatementKind::Other, "{sql}");
    }
}

#[test]
fn statements_that_cannot_run_in_a_transaction() {
    assert_eq!(
        no_transaction("CREATE INDEX CONCURRENTLY i ON t (c)"),
        "CREATE INDEX CONCURRENTLY cannot run inside a transaction block"
    );
    for sql in [
        "create unique index concurrently if not exists i on t (c)",
        "DROP INDEX CONCURRENTLY IF EXISTS i",
        "REINDEX INDEX CONCURRENTLY i",
        "REINDEX (VERBOSE, CONCURRENTLY) TABLE t",
        "REINDEX SCHEMA s",
        "REINDEX DATABASE d",
        "REINDEX SYSTEM",
        "VACUUM",
        "VACUUM (ANALYZE) t",
        "ALTER SYSTEM SET work_mem = '64MB'",
        "CREATE DATABASE d",
        "DROP DATABASE IF EXISTS d",
        "ALTER DATABASE d SET TABLESPACE ts",
        "CREATE TABLESPACE ts LOCATION '/x'",
        "DROP TABLESPACE ts",
        "CLUSTER",
        "CLUSTER VERBOSE",
        "CLUSTER (VERBOSE)",
        "CREATE SUBSCRIPTION s CONNECTION 'c' PUBLICATION p",
        "CREATE SUBSCRIPTION s CONNECTION 'c' PUBLICATION p WITH (create_slot = true)",
        "ALTER SUBSCRIPTION s REFRESH PUBLICATION",
        "ALTER SUBSCRIPTION s SET PUBLICATION p",
        "ALTER SUBSCRIPTION s ADD PUBLICATION p WITH (copy_data = false)",
        "DROP SUBSCRIPTION s",
        "ALTER TABLE t DETACH PARTITION p CONCURRENTLY",
        "DISCARD ALL",
        "COMMIT PREPARED 'x'",
        "ROLLBACK PREPARED 'x'",
    ] {
        let reason = no_transaction(sql);
        assert!(
            reason.ends_with("cannot run inside a transaction block"),
            "{sql}: {reason}"
        );
    }
}

#[test]
fn statements_that_may_run_in_a_transaction() {
    for sql in [
        "CREATE INDEX i ON t (c)",
        "CREATE UNIQUE INDEX i ON t (c)",
        "DROP INDEX i",
        "REINDEX TABLE t",
        "REINDEX (CONCURRENTLY false) TABLE t",
        "ANALYZE t",
        "ALTER DATABASE d SET work_mem = '1MB'",
        "ALTER DATABASE d SET default_tablespace = ts",
        "ALTER TABLESPACE ts RENAME TO u",
        "CLUSTER t",
        "CLUSTER VERBOSE t USING i",
        "CREATE SUBSCRIPTION s CONNECTION 'c' PUBLICATION p WITH (create_slot = false)",
        "CREATE SUBSCRIPTION s CONNECTION 'c' PUBLICATION p WITH (connect = off, slot_name = NONE)",
        "ALTER SUBSCRIPTION s SET PUBLICATION p WITH (refresh = false)",
        "ALTER SUBSCRIPTION s ENABLE",
        "ALTER SUBSCRIPTION s DISABLE",
        "ALTER SUBSCRIPTION s SET (slot_name = NONE)",
        "ALTER TABLE t DETACH PARTITION p",
        "ALTER TYPE mood ADD VALUE 'meh'",
        "REFRESH MATERIALIZED VIEW CONCURRENTLY v",
        "DISCARD PLANS",
        "SELECT 'CREATE INDEX CONCURRENTLY'",
    ] {
        assert_eq!(kind(sql), StatementKind::Other, "{sql}");
    }
}

#[test]
fn token_normalisation() {
    let statements = split_statements("create TABLE \"My\"\"T\" (Ab int);").unwrap();
    let tokens = statements[0].tokens();
    assert_eq!(tokens[0].normalized(), "CREATE");
    assert!(tokens[1].is_keyword("table"));
    assert_eq!(tokens[2].normalized(), "My\"T");
    assert!(!tokens[2].is_keyword("MY\"T"));
    assert_eq!(tokens[2].name().as_deref(), Some("My\"T"));
    assert_eq!(tokens[4].name().as_deref(), Some("ab"));
    assert_eq!(statements[0].token_text(&tokens[4]), "Ab");
}

#[test]
fn unicode_quoted_identifiers_are_decoded() {
    let statements = split_statements(r#"SELECT U&"d\0061t\+000061";"#).unwrap();
    assert_eq!(statements[0].tokens()[1].name().as_deref(), Some("data"));
}

#[test]
fn long_names_are_cut_like_postgresql_does() {
    let long = "é".repeat(40);
    let statements = split_statements(&format!("SELECT \"{long}\";")).unwrap();
    let name = statements[0].tokens()[1].name().unwrap();
    assert_eq!(name.len(), 62);
    assert_eq!(name, "é".repeat(31));
}

#[test]
fn char_positions_map_to_byte_offsets() {
    let text = "SELECT 'é', 'ü' FROM nope";
    assert_eq!(char_position_to_byte(text, 1), Some(0));
    // Position 22 is the `n` of `nope`: two 2-byte characters precede it.
    assert_eq!(char_position_to_byte(text, 22), Some(23));
    assert_eq!(&text[23..], "nope");
    assert_eq!(char_position_to_byte(text, 9), Some(8));
    assert_eq!(char_position_to_byte(text, 10), Some(10));
    // One past the end is "at end of input".
    let characters = text.chars().count();
    assert_eq!(
        char_position_to_byte(text, characters + 1),
        Some(text.len())
    );
    assert_eq!(char_position_to_byte(text, characters + 2), None);
    assert_eq!(char_position_to_byte(text, 0), None);
    assert_eq!(char_position_to_byte("", 1), Some(0));
    assert_eq!(char_position_to_byte("🙂x", 2), Some(4));
}

/// Complete statements, each starting with a significant token and ending with `;`.
const KNOWN_STATEMENTS: &[&str] = &[
    "SELECT 1;",
    "BEGIN;",
    "COMMIT;",
    "INSERT INTO t VALUES ('a;b', E'it\\'s;', \"x;y\");",
    "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql;",
    "CREATE FUNCTION g() RETURNS int AS $fn$ SELECT $$;$$; $fn$ LANGUAGE sql;",
    "CREATE FUNCTION h() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;",
    "SELECT /* a; /* nested; */ b; */ 2;",
    "SELECT $1 + $2 -- c;\n;",
    "CREATE INDEX CONCURRENTLY i ON t (c);",
    "UPDATE t SET é = 'ü;' WHERE x = U&'\\00e9';",
    "SELECT (1; 2);",
    "CREATE FUNCTION b(s s) RETURNS int RETURN s.begin;",
    "CREATE FUNCTION e() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT t.end AS case FROM t; SELECT CASE WHEN true THEN 1 END AS end; END;",
];

/// Pieces of scripts with COPY data, glued at random by the span property below.
const COPY_PIECES: &[&str] = &[
    "COPY t FROM stdin;",
    "COPY t FROM stdin; -- c",
    "\n",
    "\r\n",
    "\\.",
    "1\t'a;",
    "\\N",
    "SELECT 1;",
    "é",
];

const SEPARATORS: &[&str] = &[
    "",
    " ",
    "\n",
    "\r\n",
    "\n-- note; here\n",
    "/* c; */",
    "\n\n;\n",
];

proptest! {
    #[test]
    fn splitting_never_panics(sql in any::<String>()) {
        if let Ok(statements) = split_statements(&sql) {
            for statement in &statements {
                let _ = statement.kind();
                let _ = crate::sql::parser::parse(statement.text());
            }
        }
    }

    #[test]
    fn statement_spans_are_ordered_in_bounds_and_on_char_boundaries(
        sql in prop_oneof![
            any::<String>(),
            r#"[a-zE$'"/*;\\\-&U_0-9 \n().é]{0,64}"#,
            prop::collection::vec(prop::sample::select(COPY_PIECES), 0..12)
                .prop_map(|pieces| pieces.concat()),
        ],
    ) {
        if let Ok(statements) = split_statements(&sql) {
            let mut previous_end = 0;
            for statement in &statements {
                let span = statement.span();
                prop_assert!(span.start >= previous_end);
                prop_assert!(span.start < span.end);
                prop_assert!(span.end <= sql.len());
                prop_assert_eq!(sql.get(span.clone()), Some(statement.text()));
                for token in statement.tokens() {
                    prop_assert!(token.span().start >= span.start && token.span().end <= span.end);
                }
                previous_end = span.end;
                if let Some(data) = statement.copy_data_span() {
                    prop_assert!(data.start > span.end && data.end <= sql.len());
                    prop_assert_eq!(sql.get(data.clone()), statement.copy_data());
                    previous_end = data.end;
                }
            }
        }
    }

    #[test]
    fn splitting_with_standard_strings_off_never_panics(sql in any::<String>()) {
        if let Ok(statements) = split_statements_with(&sql, StandardStrings::Off) {
            for statement in &statements {
                let _ = statement.standard_strings_change();
            }
        }
    }

    #[test]
    fn a_script_of_known_statements_splits_back_into_them_whatever_the_setting(
        parts in prop::collection::vec((0..KNOWN_STATEMENTS.len(), 0..SEPARATORS.len()), 0..10),
    ) {
        // No known statement has a backslash in a plain string, so the setting (and a
        // switch between statements) changes nothing.
        let mut script = String::new();
        let mut expected = Vec::new();
        for (index, (statement, separator)) in parts.into_iter().enumerate() {
            script.push_str(SEPARATORS[separator]);
            if index % 3 == 1 {
                let switch = ["SET standard_conforming_strings = on;", "SET LOCAL standard_conforming_strings TO 'off';", "RESET standard_conforming_strings;"][statement % 3];
                script.push_str(switch);
                script.push('\n');
                expected.push(switch.to_owned());
            }
            script.push_str(KNOWN_STATEMENTS[statement]);
            expected.push(KNOWN_STATEMENTS[statement].to_owned());
        }
        for start in [StandardStrings::On, StandardStrings::Off] {
            prop_assert_eq!(check_with(&script, start), expected.clone());
        }
    }

    #[test]
    fn a_script_of_known_statements_splits_back_into_them(
        parts in prop::collection::vec((0..KNOWN_STATEMENTS.len(), 0..SEPARATORS.len()), 0..10),
        trailer in 0..SEPARATORS.len(),
    ) {
        let mut script = String::new();
        let mut expected = Vec::new();
        for (statement, separator) in parts {
            script.push_str(SEPARATORS[separator]);
            // Two statements need something between them only if the first lacks `;`,
            // and every known statement ends with one.
            script.push_str(KNOWN_STATEMENTS[statement]);
            expected.push(KNOWN_STATEMENTS[statement].to_owned());
        }
        script.push_str(SEPARATORS[trailer]);
        prop_assert_eq!(check(&script), expected);
    }
}
