//! Turns a migration's forward SQL into a [`Script`] that can run with its ledger row: which
//! statements run, and whether inside one transaction or one by one outside any. Pure: the
//! lexer decides, no database is asked.
//!
//! - A file wrapped whole in `BEGIN; … COMMIT;` (seed 001's style) loses that outer pair, so the
//!   migration still commits together with its ledger row. Statements keep their byte ranges in
//!   the file, so a server error points at file, line and column.
//! - Statements PostgreSQL refuses inside a transaction block (`CREATE INDEX CONCURRENTLY`,
//!   `VACUUM`, …): a file holding only those runs outside a transaction; a file mixing them
//!   with others must say `-- plan: no-transaction`, else it is rejected here, before any
//!   statement runs.

use std::ops::Range;

use miette::{Diagnostic, SourceSpan};

use super::facts::ObjectName;
use super::parser;
use crate::diagnostic::{SourceFile, to_source_span};
use crate::object::SchemaObjectKind;
use crate::project::{Migration, Rollback, TransactionMode};
use crate::sql::{self, StatementKind};

/// A migration's SQL, ready to run: its statements, and whether they share one transaction
/// with the ledger row or run one by one outside any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// Inside the migration's transaction, or outside any.
    pub transaction: TransactionMode,
    /// The statements, in order, without a wrapping `BEGIN`/`COMMIT` pair.
    pub statements: Vec<ScriptStatement>,
    /// The modes of the file's own wrapping `BEGIN` (`ISOLATION LEVEL SERIALIZABLE`,
    /// `DEFERRABLE`, …), which plan's transaction takes on with `SET TRANSACTION`, as psql
    /// would have run the file.
    pub modes: Option<String>,
}

/// One statement of a [`Script`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptStatement {
    /// Its text.
    pub text: String,
    /// Its byte range in the SQL it came from (the forward section of the file, or a step).
    pub span: Range<usize>,
    /// The index it builds concurrently, as (schema, name): a failed `CREATE INDEX
    /// CONCURRENTLY` leaves an INVALID index behind, which must be dropped before a retry.
    pub concurrent_index: Option<(Option<String>, String)>,
    /// For `COPY … FROM stdin` followed by its data lines (as pg_dump writes them): the data,
    /// sent with the COPY protocol as psql does.
    pub copy_data: Option<String>,
    /// Whether it changes the session for the statements after it (`SET` without `LOCAL`,
    /// `RESET`, `SET ROLE`, `SET SESSION AUTHORIZATION`, …): a file run statement by statement
    /// and resumed in a new session replays these first, so what follows sees what it saw.
    pub sets_session: bool,
    /// Whether PostgreSQL refuses it inside a transaction block. In a no-transaction file
    /// only these run outside one; the others run each in a transaction with their progress
    /// record, so they can never run twice.
    pub outside_transaction: bool,
}

impl ScriptStatement {
    /// SHA-256 of its text (and COPY data), recorded once it has run, so a resume can prove
    /// it unchanged.
    pub fn checksum(&self) -> String {
        match &self.copy_data {
            None => crate::project::sha256_hex(self.text.as_bytes()),
            Some(data) => crate::project::sha256_hex(
                format!("{}:{}\n{data}", self.text.len(), self.text).as_bytes(),
            ),
        }
    }
}

/// Why a migration's SQL cannot run as written.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub(crate) enum ScriptProblem {
    /// The lexer could not read the SQL.
    #[error("cannot read the SQL of {id}: {error}")]
    #[diagnostic(code(plan::apply::unreadable_sql), help("{help}"))]
    Lex {
        /// The migration.
        id: String,
        /// The lexer's message.
        error: String,
        /// The lexer's advice.
        help: String,
        /// The file.
        #[source_code]
        file: SourceFile,
        /// Where the unreadable construct starts.
        #[label("starts here")]
        span: SourceSpan,
    },
    /// Transaction control other than one outer `BEGIN; … COMMIT;` pair.
    #[error("migration {id} controls its own transaction")]
    #[diagnostic(
        code(plan::apply::transaction_control),
        help(
            "plan runs each migration in one transaction with its ledger row; a file wrapped whole in BEGIN; … COMMIT; is fine, but remove this statement (use SAVEPOINT for partial rollback)"
        )
    )]
    TransactionControl {
        /// The migration.
        id: String,
        /// The file.
        #[source_code]
        file: SourceFile,
        /// The statement.
        #[label("this statement")]
        span: SourceSpan,
    },
    /// A wrapping `BEGIN READ ONLY`: plan records the migration in its ledger inside the
    /// same transaction, which a read-only transaction cannot write.
    #[error("migration {id} wraps itself in a read-only transaction")]
    #[diagnostic(
        code(plan::apply::read_only_transaction),
        help(
            "plan runs the file in one transaction together with its ledger row, which a READ ONLY transaction cannot write; remove READ ONLY (a migration that only reads needs no transaction mode)"
        )
    )]
    ReadOnly {
        /// The migration.
        id: String,
        /// The file.
        #[source_code]
        file: SourceFile,
        /// The `BEGIN`.
        #[label("READ ONLY here")]
        span: SourceSpan,
    },
    /// `DISCARD ALL` or `DEALLOCATE ALL`: they pull the session out from under plan.
    #[error("migration {id} discards plan's session state")]
    #[diagnostic(
        code(plan::apply::discards_session),
        help(
            "DISCARD ALL releases plan's advisory lock and, like DEALLOCATE ALL, its prepared statements; plan resets the session itself as each migration finishes (settings, role, temporary objects, statements the migration prepared, cursors, LISTEN), so remove the statement, or name what to reset (RESET ALL, DISCARD TEMP, DEALLOCATE name)"
        )
    )]
    DiscardsSession {
        /// The migration.
        id: String,
        /// The file.
        #[source_code]
        file: SourceFile,
        /// The statement.
        #[label("this statement")]
        span: SourceSpan,
    },
    /// `COPY … TO STDOUT`: its rows would come back to plan, which has nowhere to put them.
    #[error("migration {id} copies rows to stdout")]
    #[diagnostic(
        code(plan::apply::copy_to_stdout),
        help(
            "a migration's output goes nowhere: write `COPY … TO 'file'` on the server, or remove the statement"
        )
    )]
    CopyToStdout {
        /// The migration.
        id: String,
        /// The file.
        #[source_code]
        file: SourceFile,
        /// The statement.
        #[label("this statement")]
        span: SourceSpan,
    },
    /// Statements that cannot run in a transaction, mixed with ones that can.
    #[error("migration {id} mixes a statement that cannot run in a transaction with others")]
    #[diagnostic(code(plan::apply::mixed_transaction), help("{help}"))]
    MixedTransaction {
        /// The migration.
        id: String,
        /// What to do.
        help: String,
        /// The file.
        #[source_code]
        file: SourceFile,
        /// The first such statement.
        #[label("{reason}")]
        span: SourceSpan,
        /// Why it cannot run in a transaction.
        reason: &'static str,
    },
}

/// A migration's SQL that cannot run as written is invalid input.
impl crate::diagnostic::Classified for ScriptProblem {
    fn class(&self) -> crate::diagnostic::ErrorClass {
        crate::diagnostic::ErrorClass::InvalidInput
    }
}

/// Prepares the forward SQL of `migration`.
pub(crate) fn prepare(migration: &Migration) -> Result<Script, ScriptProblem> {
    prepare_sql(&SqlText {
        id: migration.id().as_str(),
        file: migration.file(),
        offset: migration.up_offset(),
        sql: migration.up_sql(),
        transaction: migration.transaction(),
    })
}

/// Prepares the rollback SQL of `migration`, if it has one. A rollback runs in a transaction
/// with the removal of the ledger row, unless it holds only statements that cannot.
pub(crate) fn prepare_rollback(migration: &Migration) -> Option<Result<Script, ScriptProblem>> {
    let (file, offset) = match migration.rollback()? {
        Rollback::File(file) => (file, 0),
        Rollback::Section { span } => (migration.file(), span.start),
    };
    let sql = migration.rollback_sql()?;
    Some(prepare_sql(&SqlText {
        id: migration.id().as_str(),
        file,
        offset,
        sql,
        transaction: TransactionMode::Wrapped,
    }))
}

/// SQL to prepare, and where it is.
struct SqlText<'a> {
    id: &'a str,
    file: &'a SourceFile,
    offset: usize,
    sql: &'a str,
    transaction: TransactionMode,
}

fn prepare_sql(source: &SqlText<'_>) -> Result<Script, ScriptProblem> {
    let SqlText {
        id,
        file,
        offset,
        sql,
        transaction,
    } = *source;
    let in_file = |span: &Range<usize>| to_source_span(&(offset + span.start..offset + span.end));
    let statements = sql::split_statements(sql).map_err(|error| ScriptProblem::Lex {
        id: id.to_string(),
        error: error.to_string(),
        help: error.help().map_or_else(
            || "fix the SQL at the marked place".to_string(),
            |help| help.to_string(),
        ),
        file: file.clone(),
        span: to_source_span(&(offset + error.offset()..offset + error.offset())),
    })?;

    // One outer BEGIN … COMMIT pair is the file wrapping itself; it is dropped.
    let wrapped_whole = matches!(
        (statements.first(), statements.last()),
        (Some(first), Some(last)) if statements.len() >= 2
            && first.kind() == StatementKind::Begin
            && last.kind() == StatementKind::Commit
    );
    let body = if wrapped_whole {
        &statements[1..statements.len() - 1]
    } else {
        &statements[..]
    };
    if let Some(control) = body.iter().find(|statement| {
        matches!(
            statement.kind(),
            StatementKind::Begin
                | StatementKind::Commit
                | StatementKind::Rollback
                | StatementKind::ChainedTransactionControl
        )
    }) {
        return Err(ScriptProblem::TransactionControl {
            id: id.to_string(),
            file: file.clone(),
            span: in_file(&control.span()),
        });
    }

    let outside: Vec<(usize, &'static str)> = body
        .iter()
        .enumerate()
        .filter_map(|(index, statement)| match statement.kind() {
            StatementKind::NoTransaction { reason } => Some((index, reason)),
            _ => None,
        })
        .collect();
    if let (TransactionMode::Wrapped, Some(&(index, reason))) = (transaction, outside.first()) {
        let mixed = outside.len() < body.len();
        if mixed || wrapped_whole {
            return Err(ScriptProblem::MixedTransaction {
                id: id.to_string(),
                help: if wrapped_whole {
                    "a statement that cannot run in a transaction cannot be wrapped in BEGIN; … COMMIT;: remove the BEGIN and COMMIT, or move the statement to a migration of its own"
                        .to_string()
                } else {
                    "move it to a migration of its own, or mark this file `-- plan: no-transaction` to run it statement by statement (progress is recorded, so a rerun resumes)".to_string()
                },
                file: file.clone(),
                span: in_file(&body[index].span()),
                reason,
            });
        }
    }
    let run_outside = transaction == TransactionMode::Outside || !outside.is_empty();
    if run_outside && wrapped_whole {
        return Err(ScriptProblem::TransactionControl {
            id: id.to_string(),
            file: file.clone(),
            span: in_file(&statements[0].span()),
        });
    }
    let mut modes = if wrapped_whole {
        transaction_modes(statements[0].text())
    } else {
        None
    };
    let mut read_only_at = modes
        .as_deref()
        .is_some_and(is_read_only)
        .then(|| statements[0].span());
    // `SET TRANSACTION …` before anything else in a file run in one transaction sets that
    // transaction's modes, as psql runs `BEGIN; SET TRANSACTION …;`; plan's own first query
    // comes before the file's, so the modes join the BEGIN's instead of running where they
    // would fail.
    let mut body = body;
    if !run_outside {
        while let Some((first, rest)) = body.split_first() {
            let Some(set_modes) = set_transaction_modes(first.text()) else {
                break;
            };
            if read_only_at.is_none() && is_read_only(&set_modes) {
                read_only_at = Some(first.span());
            }
            modes = Some(match modes {
                Some(modes) => format!("{modes}, {set_modes}"),
                None => set_modes,
            });
            body = rest;
        }
    }
    if let Some(discard) = body.iter().find(|statement| discards_session(statement)) {
        return Err(ScriptProblem::DiscardsSession {
            id: id.to_string(),
            file: file.clone(),
            span: in_file(&discard.span()),
        });
    }
    if let Some(copy) = body.iter().find(|statement| copies_to_stdout(statement)) {
        return Err(ScriptProblem::CopyToStdout {
            id: id.to_string(),
            file: file.clone(),
            span: in_file(&copy.span()),
        });
    }
    if let Some(span) = read_only_at {
        return Err(ScriptProblem::ReadOnly {
            id: id.to_string(),
            file: file.clone(),
            span: in_file(&span),
        });
    }
    Ok(Script {
        modes,
        transaction: if run_outside {
            TransactionMode::Outside
        } else {
            TransactionMode::Wrapped
        },
        statements: body
            .iter()
            .map(|statement| ScriptStatement {
                text: statement.text().to_string(),
                span: statement.span(),
                concurrent_index: concurrent_index(statement),
                copy_data: statement.copy_data().map(str::to_string),
                sets_session: sets_session(statement),
                outside_transaction: matches!(
                    statement.kind(),
                    StatementKind::NoTransaction { .. }
                ),
            })
            .collect(),
    })
}

/// The modes of `BEGIN [WORK | TRANSACTION] modes` or `START TRANSACTION modes`, as written
/// (comments dropped), or `None` for a plain `BEGIN`.
fn transaction_modes(begin: &str) -> Option<String> {
    let words: Vec<String> = sql::tokenize(begin)
        .ok()?
        .iter()
        .filter(|token| !token.kind.is_trivia())
        .map(|token| begin[token.span.clone()].to_string())
        .collect();
    let upper: Vec<String> = words.iter().map(|word| word.to_uppercase()).collect();
    let skip = match upper.as_slice() {
        [first, second, ..]
            if first == "BEGIN" && (second == "WORK" || second == "TRANSACTION") =>
        {
            2
        }
        [first, second, ..] if first == "START" && second == "TRANSACTION" => 2,
        _ => 1,
    };
    let modes: Vec<&str> = words
        .iter()
        .skip(skip)
        .map(String::as_str)
        .filter(|word| *word != ";")
        .collect();
    (!modes.is_empty()).then(|| modes.join(" ").replace(" ,", ","))
}

/// Whether `statement` is `DISCARD ALL` or `DEALLOCATE [PREPARE] ALL`.
fn discards_session(statement: &sql::Statement) -> bool {
    let words: Vec<_> = statement.tokens().iter().take(3).collect();
    match words.as_slice() {
        [first, second, ..] if first.is_keyword("DISCARD") => second.is_keyword("ALL"),
        [first, second, third]
            if first.is_keyword("DEALLOCATE") && second.is_keyword("PREPARE") =>
        {
            third.is_keyword("ALL")
        }
        [first, second, ..] if first.is_keyword("DEALLOCATE") => second.is_keyword("ALL"),
        _ => false,
    }
}

/// Whether `statement` is `COPY … TO STDOUT` (as the server reads it: `TO STDOUT` outside
/// the parentheses of a query).
fn copies_to_stdout(statement: &sql::Statement) -> bool {
    let tokens = statement.tokens();
    if !tokens.first().is_some_and(|token| token.is_keyword("COPY")) {
        return false;
    }
    let mut depth = 0_usize;
    tokens.windows(2).any(|pair| {
        let text = statement.token_text(&pair[0]);
        if text == "(" {
            depth += 1;
        } else if text == ")" {
            depth = depth.saturating_sub(1);
        }
        depth == 0 && pair[0].is_keyword("TO") && pair[1].is_keyword("STDOUT")
    })
}

/// The modes of a `SET TRANSACTION modes` statement (not `SET SESSION CHARACTERISTICS`), as
/// written.
fn set_transaction_modes(statement: &str) -> Option<String> {
    let words: Vec<String> = sql::tokenize(statement)
        .ok()?
        .iter()
        .filter(|token| !token.kind.is_trivia())
        .map(|token| statement[token.span.clone()].to_string())
        .collect();
    let is_set_transaction = words.len() > 2
        && words[0].eq_ignore_ascii_case("SET")
        && words[1].eq_ignore_ascii_case("TRANSACTION")
        && !words[2].eq_ignore_ascii_case("SNAPSHOT");
    if !is_set_transaction {
        return None;
    }
    let modes: Vec<&str> = words[2..]
        .iter()
        .map(String::as_str)
        .filter(|word| *word != ";")
        .collect();
    Some(modes.join(" ").replace(" ,", ","))
}

fn is_read_only(modes: &str) -> bool {
    let normalized: Vec<String> = modes
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|word| !word.is_empty())
        .map(str::to_uppercase)
        .collect();
    normalized
        .windows(2)
        .any(|pair| pair[0] == "READ" && pair[1] == "ONLY")
}

/// Whether `statement` is a `SET` (not `SET LOCAL`, not `SET TRANSACTION`, which last only
/// for their transaction) or a `RESET`.
fn sets_session(statement: &sql::Statement) -> bool {
    let mut words = statement.tokens().iter();
    match words.next() {
        Some(first) if first.is_keyword("RESET") => true,
        Some(first) if first.is_keyword("SET") => !words
            .next()
            .is_some_and(|second| second.is_keyword("LOCAL") || second.is_keyword("TRANSACTION")),
        _ => false,
    }
}

/// `(schema, name)` of the index a `CREATE INDEX CONCURRENTLY` statement builds, when named.
fn concurrent_index(statement: &sql::Statement) -> Option<(Option<String>, String)> {
    let is_concurrent_create = statement
        .tokens()
        .iter()
        .take(4)
        .any(|token| token.is_keyword("CONCURRENTLY"))
        && statement
            .tokens()
            .first()
            .is_some_and(|token| token.is_keyword("CREATE"));
    if !is_concurrent_create {
        return None;
    }
    parser::parse(statement.text())
        .into_iter()
        .flat_map(|facts| facts.creates)
        .find_map(|created| match created.object {
            ObjectName::InSchema(SchemaObjectKind::Index, name) => Some((name.schema, name.name)),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project;
    use crate::testing::project_dir;

    /// Prepares the single migration of a project whose file is `sql`.
    fn prepare_file(sql: &str) -> Result<Script, ScriptProblem> {
        let dir = project_dir(&[("migrations/001_x.sql", sql)]);
        let project = project::load(dir.path()).expect("a valid project");
        let migration = project.migrations().next().expect("one migration");
        prepare(migration)
    }

    fn expect_wrapped(sql: &str) -> Vec<String> {
        match prepare_file(sql) {
            Ok(script) if script.transaction == TransactionMode::Wrapped => script
                .statements
                .into_iter()
                .map(|statement| statement.text)
                .collect(),
            other => panic!("expected a wrapped script, got {other:?}"),
        }
    }

    fn expect_outside(sql: &str) -> Vec<ScriptStatement> {
        match prepare_file(sql) {
            Ok(script) if script.transaction == TransactionMode::Outside => script.statements,
            other => panic!("expected an outside script, got {other:?}"),
        }
    }

    fn expect_problem(sql: &str) -> String {
        match prepare_file(sql) {
            Err(problem) => format!(
                "{}: {problem}",
                problem.code().map(|c| c.to_string()).unwrap_or_default()
            ),
            Ok(script) => panic!("expected a problem, got {script:?}"),
        }
    }

    #[test]
    fn an_outer_begin_commit_pair_is_dropped() {
        let sql = "-- x\nBEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n";
        assert_eq!(expect_wrapped(sql), ["CREATE TABLE a (id int);"]);
    }

    #[test]
    fn function_bodies_with_begin_end_are_left_alone() {
        let sql =
            "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n";
        assert_eq!(expect_wrapped(sql), [sql.trim_end()]);
    }

    #[test]
    fn a_file_of_only_concurrent_statements_runs_outside_a_transaction() {
        let statements =
            expect_outside("CREATE INDEX CONCURRENTLY idx_a ON public.a (id);\nVACUUM a;\n");
        assert_eq!(statements.len(), 2);
        assert_eq!(
            statements[0].concurrent_index,
            Some((Some("public".to_string()), "idx_a".to_string()))
        );
        assert_eq!(statements[1].concurrent_index, None);
    }

    #[test]
    fn the_no_transaction_header_allows_mixing() {
        let statements = expect_outside(
            "-- plan: no-transaction\nCREATE TABLE a (id int);\nCREATE INDEX CONCURRENTLY idx_a ON a (id);\n",
        );
        assert_eq!(statements.len(), 2);
        assert_eq!(
            statements[1].concurrent_index,
            Some((None, "idx_a".to_string()))
        );
    }

    #[test]
    fn issue_11_copy_to_stdout_is_refused_and_set_transaction_joins_the_modes() {
        insta::assert_snapshot!(
            expect_problem("CREATE TABLE t (id int);\nCOPY t TO STDOUT;\n"),
            @"plan::apply::copy_to_stdout: migration 001_x copies rows to stdout"
        );
        // A query's own parentheses may hold the words; the server writes to a file here.
        assert_eq!(
            expect_wrapped("COPY (SELECT 'TO STDOUT') TO '/tmp/x';\n").len(),
            1
        );
        insta::assert_snapshot!(
            expect_problem("-- plan: no-transaction\nDISCARD ALL;\nCREATE TABLE t (id int);\n"),
            @"plan::apply::discards_session: migration 001_x discards plan's session state"
        );
        insta::assert_snapshot!(
            expect_problem("CREATE TABLE t (id int);\ndeallocate prepare all;\n"),
            @"plan::apply::discards_session: migration 001_x discards plan's session state"
        );
        let script = prepare_file(
            "BEGIN;\nSET TRANSACTION ISOLATION LEVEL SERIALIZABLE;\nSET TRANSACTION DEFERRABLE;\nSELECT 1;\nCOMMIT;\n",
        )
        .expect("a valid file");
        assert_eq!(
            script.modes.as_deref(),
            Some("ISOLATION LEVEL SERIALIZABLE, DEFERRABLE")
        );
        assert_eq!(script.statements.len(), 1);
    }

    #[test]
    fn mixing_and_inner_transaction_control_are_rejected() {
        insta::assert_snapshot!(
            expect_problem("CREATE TABLE a (id int);\nCREATE INDEX CONCURRENTLY i ON a (id);\n"),
            @"plan::apply::mixed_transaction: migration 001_x mixes a statement that cannot run in a transaction with others"
        );
        insta::assert_snapshot!(
            expect_problem("CREATE TABLE a (id int);\nCOMMIT;\nCREATE TABLE b (id int);\n"),
            @"plan::apply::transaction_control: migration 001_x controls its own transaction"
        );
        insta::assert_snapshot!(
            expect_problem("BEGIN;\nVACUUM;\nCOMMIT;\n"),
            @"plan::apply::mixed_transaction: migration 001_x mixes a statement that cannot run in a transaction with others"
        );
        insta::assert_snapshot!(
            expect_problem("SELECT 'unterminated;\n"),
            @"plan::apply::unreadable_sql: cannot read the SQL of 001_x: unterminated quoted string"
        );
    }
}
