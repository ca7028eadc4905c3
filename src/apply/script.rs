//! Turns a migration's forward SQL into a [`Script`] that can run with its ledger row: which
//! statements run, and whether inside one transaction or one by one outside any. Pure: the
//! lexer decides, no database is asked.
//!
//! - A file wrapped whole in `BEGIN; … COMMIT;` (seed 001's style) keeps its SQL; the outer pair
//!   is blanked out with spaces, so the migration still commits together with its ledger row and
//!   every byte offset in the text sent is the offset in the file.
//! - Statements PostgreSQL refuses inside a transaction block (`CREATE INDEX CONCURRENTLY`,
//!   `VACUUM`, …): a file holding only those runs outside a transaction; a file mixing them
//!   with others must say `-- plan: no-transaction`, else it is rejected here, before any
//!   statement runs.

use std::ops::Range;

use miette::{Diagnostic, SourceSpan};

use crate::diagnostic::{SourceFile, to_source_span};
use crate::project::{Migration, Transaction};
use crate::sql::{self, CreatedObject, LexError, StatementKind};

/// A migration's SQL, ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Script {
    /// One text sent at once inside the migration's transaction. Offsets in it are offsets in the
    /// forward section of the file.
    Wrapped {
        /// The SQL, outer `BEGIN`/`COMMIT` replaced by spaces.
        text: String,
    },
    /// Statements run one at a time with no transaction; progress is recorded after each.
    Outside {
        /// The statements, in order.
        statements: Vec<OutsideStatement>,
    },
}

/// One statement of an [`Script::Outside`] script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutsideStatement {
    /// Its text.
    pub text: String,
    /// Its byte range in the forward section.
    pub span: Range<usize>,
    /// The index it builds concurrently, if any: a failed `CREATE INDEX CONCURRENTLY` leaves an
    /// INVALID index behind, which must be dropped before the statement is retried.
    pub concurrent_index: Option<(Option<String>, String)>,
}

/// Why a migration's SQL cannot run as written.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum ScriptProblem {
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

/// Prepares the forward SQL of `migration`.
pub fn prepare(migration: &Migration) -> Result<Script, ScriptProblem> {
    let sql = migration.up_sql();
    let offset = migration.up_offset();
    let file = migration.file();
    let in_file = |span: &Range<usize>| to_source_span(&(offset + span.start..offset + span.end));
    let statements = sql::split_statements(sql).map_err(|error| lex_problem(migration, &error))?;

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
            id: migration.id().to_string(),
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
    if let (Transaction::Wrapped, Some(&(index, reason))) = (migration.transaction(), outside.first()) {
        let mixed = outside.len() < body.len();
        if mixed || wrapped_whole {
            return Err(ScriptProblem::MixedTransaction {
                id: migration.id().to_string(),
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
    let run_outside = migration.transaction() == Transaction::Outside || !outside.is_empty();
    if run_outside {
        if wrapped_whole {
            return Err(ScriptProblem::TransactionControl {
                id: migration.id().to_string(),
                file: file.clone(),
                span: in_file(&statements[0].span()),
            });
        }
        let statements = body
            .iter()
            .map(|statement| OutsideStatement {
                text: statement.text().to_string(),
                span: statement.span(),
                concurrent_index: concurrent_index(statement),
            })
            .collect();
        return Ok(Script::Outside { statements });
    }

    let mut text = sql.to_string();
    if wrapped_whole {
        for statement in [&statements[0], &statements[statements.len() - 1]] {
            let span = statement.span();
            text.replace_range(span.clone(), &" ".repeat(span.len()));
        }
    }
    Ok(Script::Wrapped { text })
}

/// `(schema, name)` of the index a `CREATE INDEX CONCURRENTLY` statement builds, when named.
fn concurrent_index(statement: &sql::Statement) -> Option<(Option<String>, String)> {
    let is_concurrent_create = statement.tokens().iter().take(4).any(|token| token.is_keyword("CONCURRENTLY"))
        && statement.tokens().first().is_some_and(|token| token.is_keyword("CREATE"));
    if !is_concurrent_create {
        return None;
    }
    sql::created_objects(statement)
        .into_iter()
        .find_map(|object| match object {
            CreatedObject::Index {
                name: Some(name),
                table,
            } => Some((table.schema, name)),
            _ => None,
        })
}

fn lex_problem(migration: &Migration, error: &LexError) -> ScriptProblem {
    let offset = migration.up_offset() + error.offset();
    ScriptProblem::Lex {
        id: migration.id().to_string(),
        error: error.to_string(),
        help: error
            .help()
            .map_or_else(|| "fix the SQL at the marked place".to_string(), |help| help.to_string()),
        file: migration.file().clone(),
        span: to_source_span(&(offset..offset)),
    }
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

    fn expect_wrapped(sql: &str) -> String {
        match prepare_file(sql) {
            Ok(Script::Wrapped { text }) => text,
            other => panic!("expected a wrapped script, got {other:?}"),
        }
    }

    fn expect_outside(sql: &str) -> Vec<OutsideStatement> {
        match prepare_file(sql) {
            Ok(Script::Outside { statements }) => statements,
            other => panic!("expected an outside script, got {other:?}"),
        }
    }

    fn expect_problem(sql: &str) -> String {
        match prepare_file(sql) {
            Err(problem) => format!("{}: {problem}", problem.code().map(|c| c.to_string()).unwrap_or_default()),
            Ok(script) => panic!("expected a problem, got {script:?}"),
        }
    }

    #[test]
    fn an_outer_begin_commit_pair_is_blanked_keeping_offsets() {
        let sql = "-- x\nBEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n";
        let text = expect_wrapped(sql);
        assert_eq!(text.len(), sql.len());
        assert_eq!(text, "-- x\n      \nCREATE TABLE a (id int);\n       \n");
    }

    #[test]
    fn function_bodies_with_begin_end_are_left_alone() {
        let sql = "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n";
        assert_eq!(expect_wrapped(sql), sql);
    }

    #[test]
    fn a_file_of_only_concurrent_statements_runs_outside_a_transaction() {
        let statements = expect_outside(
            "CREATE INDEX CONCURRENTLY idx_a ON public.a (id);\nVACUUM a;\n",
        );
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
        assert_eq!(statements[1].concurrent_index, Some((None, "idx_a".to_string())));
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
