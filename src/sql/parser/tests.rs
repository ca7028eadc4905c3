use std::path::{Path, PathBuf};

use proptest::prelude::*;

use super::*;
use crate::object::TableObjectKind;
use crate::sql::facts::ObjectName;
use crate::sql::{StatementKind, split_statements};

/// What the single statement in `sql` creates, one line each: the object, then what else
/// removes it (`on …`).
fn check(sql: &str, expect: &str) {
    let statements = parse(sql);
    assert_eq!(statements.len(), 1, "expected one statement in {sql:?}");
    let found: Vec<String> = statements[0]
        .creates
        .iter()
        .map(|created| {
            let mut line = created.object.to_string();
            if !created.removed_with.is_empty() {
                let containers: Vec<String> = created
                    .removed_with
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                line.push_str(&format!(" on {}", containers.join(", ")));
            }
            line
        })
        .collect();
    assert_eq!(found.join("\n"), expect, "objects created by {sql:?}");
}

/// The constraint names the single statement in `sql` creates.
fn constraints(sql: &str) -> Vec<String> {
    parse(sql)
        .iter()
        .flat_map(|statement| &statement.creates)
        .filter_map(|created| match &created.object {
            ObjectName::OfTable {
                kind: TableObjectKind::Constraint,
                name,
                ..
            } => Some(name.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn schemas() {
    check("CREATE SCHEMA Billing", "schema billing");
    check("create schema if not exists \"Billing\"", "schema Billing");
    check("CREATE SCHEMA AUTHORIZATION joe", "schema joe");
    check("CREATE SCHEMA AUTHORIZATION CURRENT_USER", "");
}

#[test]
fn tables_columns_and_their_constraints() {
    let sql = "CREATE TABLE IF NOT EXISTS billing.Invoice (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        \"Amount\" numeric(10, 2) NOT NULL CHECK (\"Amount\" > 0),
        customer_id int REFERENCES customer (id),
        \"exclude\" text,
        CONSTRAINT invoice_pk PRIMARY KEY (id),
        UNIQUE (customer_id, id),
        FOREIGN KEY (customer_id) REFERENCES customer (id),
        CHECK (id > 0),
        EXCLUDE USING gist (customer_id WITH =),
        LIKE template INCLUDING ALL
    );";
    check(
        sql,
        "table billing.invoice\ncolumn billing.invoice.id\ncolumn billing.invoice.Amount\n\
         column billing.invoice.customer_id\ncolumn billing.invoice.exclude\n\
         constraint billing.invoice.invoice_Amount_check on column billing.invoice.Amount\n\
         constraint billing.invoice.invoice_customer_id_id_key on \
         column billing.invoice.customer_id, column billing.invoice.id",
    );
}

#[test]
fn what_the_grammar_misreads_is_opaque() {
    // squawk-syntax 2.68 reads a column named `exclude` (unquoted) as an exclusion
    // constraint; PostgreSQL accepts it. The statement is opaque, nothing guessed.
    let statements = parse("CREATE TABLE t (exclude text, b int)");
    assert!(statements[0].opaque.is_some());
    assert!(statements[0].creates.is_empty());
}

#[test]
fn unnamed_constraints_get_postgresql_names() {
    // Each name checked against PostgreSQL 15's pg_constraint.conname.
    assert_eq!(
        constraints(
            "CREATE TABLE s.t (a int PRIMARY KEY, b int UNIQUE, c int REFERENCES s.t (a), \
             d int CHECK (d > 0), e text CHECK (length(e) > 2 AND e IS NOT NULL), \
             g text CHECK (g::text <> ''), \"M\" int CHECK (\"M\" IN (1, 2) OR \"M\" IS NULL), \
             h int, k int, UNIQUE (h, k), FOREIGN KEY (k) REFERENCES s.t (b))"
        ),
        [
            "t_pkey",
            "t_b_key",
            "t_c_fkey",
            "t_d_check",
            "t_e_check",
            "t_g_check",
            "t_M_check",
            "t_h_k_key",
            "t_k_fkey"
        ]
    );
    check(
        "CREATE TABLE t (a int, b int, PRIMARY KEY (a, b))",
        "table t\ncolumn t.a\ncolumn t.b\nconstraint t.t_pkey on column t.a, column t.b",
    );
}

#[test]
fn named_constraints_keep_their_names() {
    check(
        "CREATE TABLE t (a int CONSTRAINT a_u UNIQUE CONSTRAINT a_nn NOT NULL \
         CONSTRAINT a_c CHECK (a > b), b int, CONSTRAINT t_pk PRIMARY KEY (b), \
         CONSTRAINT t_fk FOREIGN KEY (a) REFERENCES u, \
         CONSTRAINT t_x EXCLUDE USING gist (a WITH =))",
        "table t\ncolumn t.a\ncolumn t.b\nconstraint t.a_u on column t.a\n\
         constraint t.a_c on column t.a, column t.a, column t.b\n\
         constraint t.t_pk on column t.b\nconstraint t.t_fk on column t.a\n\
         constraint t.t_x on column t.a",
    );
}

#[test]
fn alter_table_add_constraint() {
    check(
        "ALTER TABLE s.w ADD COLUMN y int UNIQUE CHECK (y > 0) REFERENCES t (a), \
         ADD PRIMARY KEY (x), ADD UNIQUE (x, y), ADD FOREIGN KEY (x) REFERENCES t, \
         ADD CONSTRAINT w_named CHECK (x > y) NOT VALID",
        "column s.w.y\nconstraint s.w.w_y_key on column s.w.y\n\
         constraint s.w.w_y_check on column s.w.y\nconstraint s.w.w_y_fkey on column s.w.y\n\
         constraint s.w.w_pkey on column s.w.x\n\
         constraint s.w.w_x_y_key on column s.w.x, column s.w.y\n\
         constraint s.w.w_x_fkey on column s.w.x\n\
         constraint s.w.w_named on column s.w.x, column s.w.y",
    );
}

#[test]
fn chosen_names_are_cut_to_63_bytes_like_postgresql() {
    let found = constraints(
        "CREATE TABLE a_table_name_that_is_quite_long_and_goes_on_and_on_for_a_while \
         (other_column_name_that_is_also_rather_long int REFERENCES t, \
         a_column_name_that_is_also_rather_long int \
         CHECK (a_column_name_that_is_also_rather_long > 0))",
    );
    assert_eq!(
        found,
        [
            "a_table_name_that_is_quite_lo_other_column_name_that_is_al_fkey",
            "a_table_name_that_is_quite_l_a_column_name_that_is_also_r_check"
        ]
    );
}

#[test]
fn uncertain_constraint_names_are_left_out() {
    // A check using another column or a qualified name.
    assert!(constraints("CREATE TABLE t (a int CHECK (a > b), b int)").is_empty());
    // Unnamed table checks and exclusions, INCLUDE, USING INDEX.
    assert!(constraints("CREATE TABLE t (a int, CHECK (a > 0))").is_empty());
    assert!(constraints("CREATE TABLE t (a int, EXCLUDE USING gist (a WITH =))").is_empty());
    assert!(constraints("CREATE TABLE t (a int, b int, UNIQUE (b) INCLUDE (a))").is_empty());
    assert!(constraints("ALTER TABLE t ADD PRIMARY KEY USING INDEX i").is_empty());
    // Equal keys: PostgreSQL builds one, named after either (`foo` here, not `t_pkey`).
    assert_eq!(
        constraints("CREATE TABLE t (a int PRIMARY KEY CONSTRAINT foo UNIQUE, b int UNIQUE)"),
        ["t_b_key"]
    );
    assert!(constraints("CREATE TABLE t (a int UNIQUE, UNIQUE (a))").is_empty());
    // A chosen name another constraint of the statement also has.
    assert!(
        constraints("CREATE TABLE t (a int CHECK (a > 0), CONSTRAINT t_a_check CHECK (a < 9))")
            .is_empty()
    );
    // Not in pg_constraint before PostgreSQL 18.
    assert!(constraints("CREATE TABLE t (a int CONSTRAINT nn NOT NULL)").is_empty());
}

#[test]
fn a_parser_names_checks_the_lexer_could_not() {
    // The only column the expression uses is the check's own: BETWEEN and a typed literal
    // no longer hide that (PostgreSQL names both `t_a_check`, `t_c_check`).
    assert_eq!(
        constraints("CREATE TABLE t (a int CHECK (a BETWEEN 1 AND 2))"),
        ["t_a_check"]
    );
    assert_eq!(
        constraints("CREATE TABLE t (c date CHECK (c > now() - interval '1 day'))"),
        ["t_c_check"]
    );
}

#[test]
fn table_persistence_and_variants() {
    check("CREATE UNLOGGED TABLE t (a int)", "table t\ncolumn t.a");
    check("CREATE TEMP TABLE t (a int)", "");
    check("CREATE TABLE t AS SELECT 1 AS a", "table t");
    check(
        "CREATE TABLE t (a, b) AS SELECT 1, 2",
        "table t\ncolumn t.a\ncolumn t.b",
    );
    check(
        "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1)",
        "table p1",
    );
    check("CREATE TABLE t ()", "table t");
    check("CREATE TABLE db.s.t (a int)", "table s.t\ncolumn s.t.a");
}

#[test]
fn alter_table_add_column() {
    check(
        "ALTER TABLE IF EXISTS ONLY s.t ADD COLUMN IF NOT EXISTS c int",
        "column s.t.c",
    );
    check(
        "ALTER TABLE t ADD a numeric(3, 1) DEFAULT f(1, 2), ADD COLUMN \"B\" text, \
         ADD CONSTRAINT k UNIQUE (a), ADD PRIMARY KEY (a), ALTER COLUMN x SET NOT NULL, \
         ADD CHECK (a > 0)",
        "column t.a\ncolumn t.B",
    );
    check("ALTER TABLE t RENAME COLUMN a TO b", "");
    check("ALTER TABLE t DROP COLUMN a", "");
}

#[test]
fn indexes() {
    check("CREATE INDEX i ON t (c)", "index i on table t, column t.c");
    check(
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS I ON ONLY s.t USING btree (c)",
        "index s.i on table s.t, column s.t.c",
    );
    // An index goes with every column its expressions and predicate use.
    check(
        "CREATE INDEX i ON t (lower(email), (a + b) DESC) WHERE NOT deleted",
        "index i on table t, column t.email, column t.a, column t.b, column t.deleted",
    );
    check("CREATE INDEX ON t (c)", "");
}

#[test]
fn extensions_functions_views_types_sequences_triggers() {
    check(
        "CREATE EXTENSION IF NOT EXISTS pgcrypto",
        "extension pgcrypto",
    );
    check(
        "CREATE OR REPLACE FUNCTION api.Total(a int) RETURNS int AS $$ SELECT a $$ LANGUAGE sql",
        "function api.total",
    );
    check("CREATE OR REPLACE VIEW v AS SELECT 1", "view v");
    check("CREATE RECURSIVE VIEW v (n) AS SELECT 1", "view v");
    check(
        "CREATE MATERIALIZED VIEW IF NOT EXISTS s.m AS SELECT 1",
        "materialized view s.m",
    );
    check("CREATE TYPE mood AS ENUM ('sad', 'ok')", "type mood");
    check(
        "CREATE SEQUENCE IF NOT EXISTS s.seq START 1",
        "sequence s.seq",
    );
    check(
        "CREATE TRIGGER tr AFTER UPDATE ON s.t FOR EACH ROW EXECUTE FUNCTION f()",
        "trigger s.t.tr",
    );
}

#[test]
fn statements_that_create_nothing() {
    check("SELECT 1", "");
    check("CREATE ROLE r", "");
    check("DROP TABLE t", "");
    assert!(parse("CREATE TABLE").iter().all(|s| s.creates.is_empty()));
    assert!(parse("CREATE").iter().all(|s| s.opaque.is_some()));
}

/// Every `.sql` file of the fixtures and of the worked example (the repository's own
/// `migrations/`).
fn corpus() -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|extension| extension == "sql") {
                found.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    walk(&root.join("tests/fixtures"), &mut found);
    walk(&root.join("migrations"), &mut found);
    found.sort();
    found
}

/// Files where the parser and the lexer may legitimately disagree, and why.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[(
    "link_outside_project/migrations/002_passwd.sql",
    "not SQL: a link to a system file, which plan refuses to read",
)];

#[test]
fn parser_and_lexer_agree_on_boundaries_and_transactions() {
    let files = corpus();
    assert!(files.len() > 20, "found only {} files", files.len());
    let mut disagreements = Vec::new();
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue; // not UTF-8: the fixture of a file plan refuses to read
        };
        let Ok(lexed) = split_statements(&text) else {
            continue;
        };
        let parsed = parse(&text);
        let shown = path
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap_or(path)
            .display()
            .to_string();
        if KNOWN_DIFFERENCES
            .iter()
            .any(|(file, _)| shown.ends_with(file))
        {
            continue;
        }
        let lexed_spans: Vec<_> = lexed.iter().map(|statement| statement.span()).collect();
        let parsed_spans: Vec<_> = parsed.iter().map(|facts| facts.span.clone()).collect();
        if lexed_spans != parsed_spans {
            disagreements.push(format!(
                "{shown}: lexer {lexed_spans:?}, parser {parsed_spans:?}"
            ));
            continue;
        }
        for (statement, facts) in lexed.iter().zip(&parsed) {
            let lexer = match statement.kind() {
                StatementKind::NoTransaction { reason } => Some(reason),
                _ => None,
            };
            if lexer != facts.no_transaction {
                disagreements.push(format!(
                    "{shown} at {:?}: lexer {lexer:?}, parser {:?}",
                    facts.span, facts.no_transaction
                ));
            }
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

#[test]
fn parser_and_lexer_agree_on_statements_outside_transactions() {
    for sql in [
        "CREATE INDEX CONCURRENTLY i ON t (a);",
        "CREATE UNIQUE INDEX CONCURRENTLY i ON t (a);",
        "DROP INDEX CONCURRENTLY i;",
        "VACUUM (ANALYZE) t;",
        "VACUUM;",
        "REINDEX INDEX CONCURRENTLY i;",
        "REINDEX TABLE t;",
        "REINDEX DATABASE d;",
        "CREATE DATABASE d;",
        "DROP DATABASE d;",
        "ALTER SYSTEM SET work_mem = '1MB';",
        "CREATE TABLESPACE s LOCATION '/x';",
        "DISCARD ALL;",
        "ALTER TYPE mood ADD VALUE 'x';",
        "CREATE INDEX i ON t (a);",
    ] {
        let lexed = split_statements(sql).expect("valid SQL");
        let lexer = match lexed[0].kind() {
            StatementKind::NoTransaction { reason } => Some(reason),
            _ => None,
        };
        let parsed = parse(sql);
        assert_eq!(parsed.len(), 1, "{sql}");
        assert_eq!(parsed[0].no_transaction, lexer, "{sql}");
    }
}

/// Words and symbols SQL is made of, for token soups.
const SOUP: &[&str] = &[
    "CREATE",
    "TABLE",
    "INDEX",
    "CONCURRENTLY",
    "ALTER",
    "DROP",
    "RENAME",
    "TO",
    "CASCADE",
    "DO",
    "$$",
    "$x$",
    "BEGIN",
    "END",
    "EXECUTE",
    "format(",
    "'",
    "\"",
    "(",
    ")",
    ",",
    ";",
    ".",
    "::",
    "SELECT",
    "FROM",
    "JOIN",
    "ON",
    "REFERENCES",
    "SET",
    "search_path",
    "nextval(",
    "set_config(",
    "'search_path'",
    "t",
    "s.t",
    "a",
    "int",
    "CHECK",
    "PRIMARY",
    "KEY",
    "UNIQUE",
    "CONSTRAINT",
    "VIEW",
    "AS",
    "FUNCTION",
    "LANGUAGE",
    "plpgsql",
    "sql",
    "TYPE",
    "ENUM",
    "TRIGGER",
    "EXECUTE FUNCTION",
    "-- c\n",
    "/*",
    "*/",
    "E'\\'",
    "\n",
    " ",
];

proptest! {
    #[test]
    fn parsing_never_panics_on_any_text(sql in any::<String>()) {
        let statements = parse(&sql);
        for facts in &statements {
            prop_assert!(facts.span.start <= facts.span.end && facts.span.end <= sql.len());
        }
    }

    #[test]
    fn parsing_never_panics_on_sql_soup(
        words in proptest::collection::vec(proptest::sample::select(SOUP), 0..40)
    ) {
        let sql = words.join(" ");
        let statements = parse(&sql);
        for facts in &statements {
            prop_assert!(facts.span.end <= sql.len());
        }
    }

    /// Any bytes, as a file read lossily would be: NULs, invalid UTF-8, control characters.
    #[test]
    fn parsing_never_panics_on_any_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..512)
    ) {
        let sql = String::from_utf8_lossy(&bytes);
        check_spans(&sql)?;
    }

    /// Quoting fragments glued together with nothing between them, so that they open
    /// inside each other: dollar quotes with and without tags (and `$1` parameters), nested
    /// and unterminated comments, unterminated strings of every kind, psql's `\`
    /// meta-commands, `COPY … FROM stdin` data.
    #[test]
    fn parsing_never_panics_on_glued_quoting(
        pieces in proptest::collection::vec(proptest::sample::select(QUOTING), 0..30)
    ) {
        check_spans(&pieces.concat())?;
    }

    /// Every fixture and migration of the worked example cut at any point: whatever was
    /// open at the cut (a string, a dollar quote, a comment, a statement) is left
    /// unterminated.
    #[test]
    fn parsing_never_panics_on_cut_migrations(
        file in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>()
    ) {
        let files = corpus();
        let bytes = std::fs::read(file.get(&files)).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        let mut end = cut.index(text.len() + 1);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        check_spans(&text[..end])?;
    }
}

/// Parses `sql` and checks each statement's span lies in it, in order.
fn check_spans(sql: &str) -> Result<(), TestCaseError> {
    let mut previous_end = 0;
    for facts in parse(sql) {
        prop_assert!(
            previous_end <= facts.span.start
                && facts.span.start <= facts.span.end
                && facts.span.end <= sql.len(),
            "span {:?} after {} in {} bytes",
            facts.span,
            previous_end,
            sql.len()
        );
        previous_end = facts.span.end;
    }
    Ok(())
}

/// Pieces of SQL that open, close or escape quoting, for glued soups.
const QUOTING: &[&str] = &[
    "$$",
    "$a$",
    "$a_1$",
    "$A$",
    "$1",
    "$",
    "$x",
    "DO $$ BEGIN ",
    " END $$;",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $f$ SELECT 1 $f$;",
    "/*",
    "*/",
    "/* /* nested */ still comment */",
    "/* unterminated",
    "--",
    "-- line comment",
    "\n",
    "\r\n",
    "'",
    "''",
    "'unterminated",
    "E'",
    "E'\\'",
    "e'\\\\'",
    "U&'\\0041'",
    "U&\"a\"",
    "UESCAPE '!'",
    "B'01",
    "X'ff",
    "N'",
    "\"",
    "\"\"",
    "\"quoted ident",
    "\\",
    "\\i file.sql\n",
    "\\.\n",
    "COPY t FROM stdin;\n",
    "a\tb\n",
    ";",
    "(",
    ")",
    "[",
    "::",
    "CREATE TABLE t (a int);",
    "SELECT ",
    "é",
    "\u{0}",
    "\u{feff}",
    " ",
];

/// `sql` with every letter outside double quotes in upper case (`upper`) or in alternating case.
fn recased(sql: &str, upper: bool) -> String {
    let mut quoted = false;
    sql.chars()
        .enumerate()
        .map(|(index, character)| {
            if character == '"' {
                quoted = !quoted;
            }
            match (quoted, upper || index % 2 == 0) {
                (true, _) => character,
                (false, true) => character.to_ascii_uppercase(),
                (false, false) => character.to_ascii_lowercase(),
            }
        })
        .collect()
}

/// Keywords are read whatever their case (the lexer's keyword lookup folds ASCII case: see
/// vendor/squawk-parser/PATCHED.md), and unquoted names fold to lower case as in PostgreSQL.
#[test]
fn keywords_and_unquoted_names_read_the_same_in_any_case() {
    let statements = [
        "create table if not exists billing.invoice (id bigint generated always as identity primary key, total numeric(10, 2) not null default 0 check (total >= 0), customer integer references billing.customer (id) on delete cascade)",
        "alter table billing.invoice add column if not exists note text collate \"C\", add constraint invoice_total_positive check (total > 0) not valid",
        "create unique index concurrently if not exists invoice_customer on billing.invoice using btree (customer) include (total) where total is not null",
        "create or replace view billing.open_invoices with (security_barrier) as select id, total from billing.invoice where not paid union all select id, 0 from billing.credit",
        "create materialized view billing.totals as select customer, sum(total) from billing.invoice group by customer having count(*) > 1 with no data",
        "create sequence if not exists billing.invoice_number as bigint increment by 1 minvalue 1 no maxvalue start with 100 cache 1 no cycle owned by billing.invoice.id",
        "create type billing.status as enum ()",
        "create domain billing.money as numeric(12, 2) constraint positive check (value >= 0)",
        "create trigger touch before update on billing.invoice for each row when (old.* is distinct from new.*) execute function billing.touch()",
        "drop table if exists billing.old, \"Billing\".\"Legacy\" cascade",
        "grant select, insert on all tables in schema billing to reporting with grant option",
        "comment on column billing.invoice.total is null",
        "alter table billing.invoice rename column note to remark",
        "create extension if not exists pgcrypto with schema extensions cascade",
        "set local search_path to billing, public",
    ];
    for sql in statements {
        let lower = format!("{:?}", parse(sql));
        for upper in [true, false] {
            let recased = recased(sql, upper);
            assert_eq!(format!("{:?}", parse(&recased)), lower, "{recased}");
        }
        assert!(
            !lower.contains("opaque: Some"),
            "{sql} is not read: {lower}"
        );
    }
}
