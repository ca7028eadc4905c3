//! What the syntax tree says, statement kind aside: the table and column a constraint names,
//! qualified names and identifiers as PostgreSQL folds them, the functions a node calls, string
//! literals, `search_path` lists, and which statements cannot run in a transaction.

use squawk_syntax::SyntaxKind;

use super::tree::{Node, Token};
use super::typed;

use super::super::facts::{ObjectName, QualifiedName};
use super::super::naming::{Constraints, FoundConstraint, IndexKey, chosen_name, truncated};
use crate::object::SchemaObjectKind;

/// A table element or `ADD` action that is a table constraint.
pub(super) fn table_constraint(
    table: &QualifiedName,
    node: &Node<'_>,
    constraints: &mut Constraints,
) {
    let named = constraint_name(node);
    let table_name = &table.name;
    match node.kind() {
        SyntaxKind::PRIMARY_KEY_CONSTRAINT | SyntaxKind::UNIQUE_CONSTRAINT => {
            let primary = node.kind() == SyntaxKind::PRIMARY_KEY_CONSTRAINT;
            let key = key_columns(node);
            let includes = node
                .descendants()
                .any(|part| part.kind() == SyntaxKind::CONSTRAINT_INCLUDE_CLAUSE);
            let columns = column_refs(node);
            let index = Some(key.clone().map_or(IndexKey::Unknown, IndexKey::Columns));
            let chosen = named.is_none();
            let name = match (named, key) {
                (Some(name), _) => name,
                // `USING INDEX i` names the constraint after the index, and INCLUDE columns
                // go into a chosen unique name: neither is modelled.
                (None, Some(key)) if !includes => {
                    if primary {
                        chosen_name(table_name, None, "pkey")
                    } else {
                        chosen_name(table_name, Some(&key.join("_")), "key")
                    }
                }
                (None, _) => return,
            };
            constraints.add(FoundConstraint {
                chosen,
                name,
                columns,
                index,
                references: None,
            });
        }
        SyntaxKind::FOREIGN_KEY_CONSTRAINT => {
            let key: Vec<String> = child(node, SyntaxKind::FOREIGN_KEY_COLUMN_LIST)
                .map(|list| column_refs(&list))
                .unwrap_or_default();
            let chosen = named.is_none();
            let name = match named {
                Some(name) => name,
                None if !key.is_empty() => chosen_name(table_name, Some(&key.join("_")), "fkey"),
                None => return,
            };
            constraints.add(FoundConstraint {
                name,
                columns: key,
                index: None,
                chosen,
                references: referenced_table(node),
            });
        }
        // An unnamed exclusion constraint is named after its index columns, an unnamed
        // table check after its expression's one column if only one: neither is modelled.
        SyntaxKind::EXCLUDE_CONSTRAINT => {
            if let Some(name) = named {
                let columns = node
                    .descendants()
                    .filter(|part| part.kind() == SyntaxKind::CONSTRAINT_EXCLUSION)
                    .flat_map(|exclusion| expression_columns(&exclusion).unwrap_or_default())
                    .collect();
                constraints.add(FoundConstraint {
                    name,
                    columns,
                    index: Some(IndexKey::Exclusion),
                    chosen: false,
                    references: None,
                });
            }
        }
        SyntaxKind::CHECK_CONSTRAINT => {
            if let Some(name) = named {
                constraints.add(FoundConstraint {
                    name,
                    columns: expression_columns(node).unwrap_or_default(),
                    index: None,
                    chosen: false,
                    references: None,
                });
            }
        }
        _ => {}
    }
}

/// One constraint of the column definition of `column`.
pub(super) fn column_constraint(
    table: &QualifiedName,
    column: &str,
    node: &Node<'_>,
    constraints: &mut Constraints,
) {
    let named = constraint_name(node);
    let chosen = named.is_none();
    let own = vec![column.to_string()];
    let index = Some(IndexKey::Columns(own.clone()));
    let table = &table.name;
    let (name, columns, index) = match node.kind() {
        SyntaxKind::PRIMARY_KEY_CONSTRAINT => (
            named.unwrap_or_else(|| chosen_name(table, None, "pkey")),
            own,
            index,
        ),
        SyntaxKind::UNIQUE_CONSTRAINT => (
            named.unwrap_or_else(|| chosen_name(table, Some(column), "key")),
            own,
            index,
        ),
        SyntaxKind::REFERENCES_CONSTRAINT => (
            named.unwrap_or_else(|| chosen_name(table, Some(column), "fkey")),
            own,
            None,
        ),
        SyntaxKind::CHECK_CONSTRAINT => {
            let used = expression_columns(node);
            match (named, used) {
                (Some(name), used) => {
                    let mut columns = own;
                    columns.extend(used.unwrap_or_default());
                    (name, columns, None)
                }
                // PostgreSQL names an unnamed check after the one column its expression
                // uses, if only one (`AddRelationNewConstraints`).
                (None, Some(used))
                    if !used.is_empty() && used.iter().all(|used| used == column) =>
                {
                    (chosen_name(table, Some(column), "check"), own, None)
                }
                (None, _) => return,
            }
        }
        // A named NOT NULL, NULL, DEFAULT or GENERATED is not in pg_constraint (before 18).
        _ => return,
    };
    constraints.add(FoundConstraint {
        name,
        columns,
        index,
        chosen,
        references: referenced_table(node),
    });
}

/// The table a `REFERENCES` constraint node names (`None` for any other constraint).
pub(super) fn referenced_table(node: &Node<'_>) -> Option<QualifiedName> {
    if !matches!(
        node.kind(),
        SyntaxKind::REFERENCES_CONSTRAINT | SyntaxKind::FOREIGN_KEY_CONSTRAINT
    ) {
        return None;
    }
    qualified(&child(node, SyntaxKind::TABLE_NAME_REF)?)
}

/// `CONSTRAINT name` of a constraint node.
pub(super) fn constraint_name(node: &Node<'_>) -> Option<String> {
    let clause = child(node, SyntaxKind::CONSTRAINT_NAME_CLAUSE)?;
    own_word(&child(&clause, SyntaxKind::CONSTRAINT_NAME)?)
}

/// The key columns of a primary key or unique constraint: `None` for `USING INDEX`.
pub(super) fn key_columns(node: &Node<'_>) -> Option<Vec<String>> {
    let parameters = child(node, SyntaxKind::INDEX_PARAMETERS)?;
    let list = child(&parameters, SyntaxKind::CONSTRAINT_COLUMN_REF_LIST)?;
    Some(column_refs(&list))
}

/// Every `COLUMN_NAME_REF` under `node`.
pub(super) fn column_refs(node: &Node<'_>) -> Vec<String> {
    node.descendants()
        .filter(|part| part.kind() == SyntaxKind::COLUMN_NAME_REF)
        .filter_map(|name| own_word(&name))
        .collect()
}

/// The columns an expression uses (each once, in order): every plain name that is not a
/// function called. `None` when a name is qualified (`t.a`) or the expression holds a
/// subquery: which columns those are is not certain.
pub(super) fn expression_columns(node: &Node<'_>) -> Option<Vec<String>> {
    let mut columns: Vec<String> = Vec::new();
    for part in node.descendants() {
        match part.kind() {
            SyntaxKind::FIELD_EXPR | SyntaxKind::SELECT => return None,
            SyntaxKind::NAME_REF => {
                let parent = part.parent()?;
                let called = parent.kind() == SyntaxKind::CALL_EXPR
                    && parent.children().next().as_ref() == Some(&part);
                if called {
                    continue;
                }
                let name = own_word(&part)?;
                if !columns.contains(&name) {
                    columns.push(name);
                }
            }
            _ => {}
        }
    }
    Some(columns)
}

/// The plain names under `node` that are not functions called: the columns an index's
/// items and `WHERE` use (a name that is not a column only makes a drop take more along).
pub(super) fn named_columns(node: &Node<'_>) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    for part in node.descendants() {
        if part.kind() != SyntaxKind::NAME_REF {
            continue;
        }
        let called = part.parent().is_some_and(|parent| {
            matches!(
                parent.kind(),
                SyntaxKind::CALL_EXPR | SyntaxKind::FIELD_EXPR
            ) && parent.children().next().as_ref() == Some(&part)
        });
        if called {
            continue;
        }
        if let Some(name) = own_word(&part)
            && !columns.contains(&name)
        {
            columns.push(name);
        }
    }
    columns
}

/// The functions called under `node` (`lower(email)`, a trigger's `EXECUTE FUNCTION f()`).
pub(super) fn called_functions(node: &Node<'_>) -> Vec<QualifiedName> {
    let mut functions = Vec::new();
    for call in node
        .descendants()
        .filter(|part| part.kind() == SyntaxKind::CALL_EXPR)
    {
        if let Some(function) = called_function(&call)
            && !functions.contains(&function)
        {
            functions.push(function);
        }
    }
    functions
}

/// The new name of a `RENAME TO new` or `SET SCHEMA s` action on `old`.
pub(super) fn renamed_to(old: &QualifiedName, action: &Node<'_>) -> Option<QualifiedName> {
    if action.kind() == SyntaxKind::SET_SCHEMA {
        let schema = own_word(&child(action, SyntaxKind::SCHEMA_REF)?)?;
        return Some(QualifiedName {
            schema: Some(schema),
            name: old.name.clone(),
        });
    }
    let new = qualified(&action.children().next()?)?;
    Some(QualifiedName {
        schema: old.schema.clone(),
        name: new.name,
    })
}

/// Whether `kind` is an `ALTER …` statement this parser follows (beyond `ALTER TABLE`).
pub(super) fn is_alter(kind: SyntaxKind) -> bool {
    matches!(
        kind,
        SyntaxKind::ALTER_INDEX
            | SyntaxKind::ALTER_VIEW
            | SyntaxKind::ALTER_MATERIALIZED_VIEW
            | SyntaxKind::ALTER_SEQUENCE
            | SyntaxKind::ALTER_TYPE
            | SyntaxKind::ALTER_DOMAIN
            | SyntaxKind::ALTER_FUNCTION
            | SyntaxKind::ALTER_PROCEDURE
            | SyntaxKind::ALTER_SCHEMA
            | SyntaxKind::ALTER_EXTENSION
    )
}

/// Whether a child node of an `ALTER` names the altered object.
pub(super) fn is_target(kind: SyntaxKind) -> bool {
    matches!(
        kind,
        SyntaxKind::INDEX_REF
            | SyntaxKind::VIEW_REF
            | SyntaxKind::SEQUENCE_REF
            | SyntaxKind::TYPE_NAME_REF
            | SyntaxKind::DOMAIN_REF
            | SyntaxKind::FUNCTION_SIG
            | SyntaxKind::PROCEDURE_SIG
            | SyntaxKind::SCHEMA_REF
            | SyntaxKind::EXTENSION_REF
    )
}

/// The object a reference node names, its kind from the node (or, for a view reference, the
/// statement: `ALTER | DROP MATERIALIZED VIEW`).
pub(super) fn target_name(statement: SyntaxKind, node: &Node<'_>) -> Option<ObjectName> {
    let in_schema = |kind| qualified(node).map(|name| ObjectName::InSchema(kind, name));
    match node.kind() {
        SyntaxKind::TABLE_NAME_REF => in_schema(SchemaObjectKind::Table),
        SyntaxKind::VIEW_REF => in_schema(
            if matches!(
                statement,
                SyntaxKind::DROP_MATERIALIZED_VIEW | SyntaxKind::ALTER_MATERIALIZED_VIEW
            ) {
                SchemaObjectKind::MaterializedView
            } else {
                SchemaObjectKind::View
            },
        ),
        SyntaxKind::INDEX_REF => in_schema(SchemaObjectKind::Index),
        SyntaxKind::SEQUENCE_REF => in_schema(SchemaObjectKind::Sequence),
        SyntaxKind::TYPE_NAME_REF | SyntaxKind::DOMAIN_REF => in_schema(SchemaObjectKind::Type),
        SyntaxKind::FUNCTION_NAME_REF
        | SyntaxKind::PROCEDURE_NAME_REF
        | SyntaxKind::FUNCTION_SIG
        | SyntaxKind::PROCEDURE_SIG => {
            let name = node
                .children()
                .find(|part| {
                    matches!(
                        part.kind(),
                        SyntaxKind::FUNCTION_NAME_REF | SyntaxKind::PROCEDURE_NAME_REF
                    )
                })
                .unwrap_or(*node);
            qualified(&name).map(ObjectName::Function)
        }
        SyntaxKind::SCHEMA_REF => own_word(node).map(ObjectName::Schema),
        SyntaxKind::EXTENSION_REF => own_word(node).map(ObjectName::Extension),
        _ => None,
    }
}

/// A type's name, unless the grammar spells it with keywords (`int`, `varchar`,
/// `timestamp with time zone`): those are built in.
pub(super) fn type_name(node: &Node<'_>) -> Option<QualifiedName> {
    let path = child(node, SyntaxKind::PATH_REF)?;
    let tokens: Vec<Token<'_>> = path
        .descendants_with_tokens()
        .filter_map(|element| element.into_token())
        .filter(|token| !is_trivia(token.kind()) && token.kind() != SyntaxKind::DOT)
        .collect();
    if tokens.iter().any(|token| token.kind() != SyntaxKind::IDENT) {
        return None;
    }
    qualified_from(tokens.iter().map(identifier).collect())
}

/// The qualified name a name node spells: its path segments (or, for a node holding its
/// word directly, that word).
pub(super) fn qualified(node: &Node<'_>) -> Option<QualifiedName> {
    let mut parts = Vec::new();
    collect_segments(node, &mut parts);
    if parts.is_empty() {
        parts.extend(own_word(node));
    }
    qualified_from(parts)
}

pub(super) fn collect_segments(node: &Node<'_>, parts: &mut Vec<String>) {
    for part in node.children() {
        match part.kind() {
            SyntaxKind::PATH_SEGMENT | SyntaxKind::PATH_SEGMENT_REF | SyntaxKind::NAME_REF => {
                parts.extend(own_word(&part))
            }
            SyntaxKind::ARG_LIST | SyntaxKind::PARAM_LIST => {}
            _ => collect_segments(&part, parts),
        }
    }
}

/// `name`, `schema.name` or `database.schema.name` (the database part is dropped).
/// The function a call expression names (`f(…)`, `s.f(…)`), or `None` when the callee is
/// something else (a subscript, a parenthesised expression).
pub(super) fn called_function(call: &Node<'_>) -> Option<QualifiedName> {
    let callee = call.children().next()?;
    if !matches!(callee.kind(), SyntaxKind::NAME_REF | SyntaxKind::FIELD_EXPR) {
        return None;
    }
    let parts: Vec<String> = callee
        .descendants_with_tokens()
        .filter_map(|element| element.into_token())
        .filter(|token| !is_trivia(token.kind()) && token.kind() != SyntaxKind::DOT)
        .map(|token| identifier(&token))
        .collect();
    qualified_from(parts)
}

pub(super) fn qualified_from(mut parts: Vec<String>) -> Option<QualifiedName> {
    let name = parts.pop()?;
    Some(QualifiedName {
        schema: parts.pop(),
        name,
    })
}

/// The first child node of `node` of `kind`.
pub(super) fn child<'t>(node: &Node<'t>, kind: SyntaxKind) -> Option<Node<'t>> {
    node.children().find(|part| part.kind() == kind)
}

/// The first significant token of `node`, at any depth.
pub(super) fn first_token<'t>(node: &Node<'t>) -> Option<Token<'t>> {
    node.descendants_with_tokens()
        .filter_map(|element| element.into_token())
        .find(|token| !is_trivia(token.kind()))
}

/// The identifier a one-word node holds, as PostgreSQL stores it.
pub(super) fn own_word(node: &Node<'_>) -> Option<String> {
    first_token(node).map(|token| identifier(&token))
}

pub(super) fn is_trivia(kind: SyntaxKind) -> bool {
    matches!(kind, SyntaxKind::WHITESPACE | SyntaxKind::COMMENT)
}

/// An identifier token as PostgreSQL stores it: a quoted one unquoted (`""` is `"`), any
/// other folded to lowercase, cut to 63 bytes as PostgreSQL cuts a longer one (with a
/// notice; a later statement may name it cut or not, both mean the same object).
pub(super) fn identifier(token: &Token<'_>) -> String {
    let text = token.text();
    let name = match text
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
    {
        Some(inner) => inner.replace("\"\"", "\""),
        None => text.to_ascii_lowercase(),
    };
    truncated(name)
}

/// The value of a string literal node. A plain `'…'` is read here; the other forms (`E'…'`,
/// `U&'…'`, dollar quotes, a string continued on the next line) by the typed tree.
pub(super) fn string_value(node: &Node<'_>) -> Option<String> {
    let mut tokens = node.tokens().filter(|token| !is_trivia(token.kind()));
    if let (Some(token), None) = (tokens.next(), tokens.next())
        && token.kind() == SyntaxKind::STRING
        && let Some(inner) = token
            .text()
            .strip_prefix('\'')
            .and_then(|inner| inner.strip_suffix('\''))
    {
        return Some(inner.replace("''", "'"));
    }
    typed::string_value(node.text())
}

/// A `search_path` value (`a, "B", public`) as schema names; `$user` and `pg_temp` are left
/// out (see `effects.rs` on the approximation).
pub(super) fn search_path_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(
            |part| match part.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
                Some(inner) => truncated(inner.replace("\"\"", "\"")),
                None => truncated(part.to_ascii_lowercase()),
            },
        )
        .filter(|schema| schema != "$user" && schema != "pg_temp")
        .collect()
}

/// The sequence a `nextval('…')` argument names (`'s.seq'`, `'"Seq"'`).
pub(super) fn sequence_name(text: &str) -> Option<QualifiedName> {
    let parts: Vec<String> = text
        .split('.')
        .map(
            |part| match part.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
                Some(inner) => truncated(inner.replace("\"\"", "\"")),
                None => truncated(part.trim().to_ascii_lowercase()),
            },
        )
        .collect();
    if parts.iter().any(String::is_empty) {
        return None;
    }
    qualified_from(parts)
}

/// The name of a syntax kind, as the grammar spells it (`INDEX_RENAME_TO`).
pub(super) fn kind_name(kind: SyntaxKind) -> String {
    format!("{kind:?}")
}

/// Why PostgreSQL refuses to run the statement inside a transaction block, as the parser sees
/// it (the lexer's `StatementKind::NoTransaction` is what runs; a differential test holds the
/// two together).
pub(super) fn no_transaction_reason(node: &Node<'_>) -> Option<&'static str> {
    let has_token = |node: &Node<'_>, kind: SyntaxKind| {
        node.children_with_tokens()
            .filter_map(|element| element.into_token())
            .any(|token| token.kind() == kind)
    };
    let reason = match node.kind() {
        SyntaxKind::VACUUM => "VACUUM cannot run inside a transaction block",
        SyntaxKind::CREATE_INDEX if has_token(node, SyntaxKind::CONCURRENTLY_KW) => {
            "CREATE INDEX CONCURRENTLY cannot run inside a transaction block"
        }
        SyntaxKind::DROP_INDEX if has_token(node, SyntaxKind::CONCURRENTLY_KW) => {
            "DROP INDEX CONCURRENTLY cannot run inside a transaction block"
        }
        SyntaxKind::REINDEX => {
            let target = node
                .children()
                .find(|part| kind_name(part.kind()).starts_with("REINDEX_TARGET"))?;
            match target.kind() {
                SyntaxKind::REINDEX_TARGET_DATABASE => {
                    "REINDEX DATABASE cannot run inside a transaction block"
                }
                _ if kind_name(target.kind()) == "REINDEX_TARGET_SCHEMA" => {
                    "REINDEX SCHEMA cannot run inside a transaction block"
                }
                _ if kind_name(target.kind()) == "REINDEX_TARGET_SYSTEM" => {
                    "REINDEX SYSTEM cannot run inside a transaction block"
                }
                _ if has_token(&target, SyntaxKind::CONCURRENTLY_KW)
                    || node
                        .descendants_with_tokens()
                        .filter_map(|element| element.into_token())
                        .any(|token| token.kind() == SyntaxKind::CONCURRENTLY_KW) =>
                {
                    "REINDEX CONCURRENTLY cannot run inside a transaction block"
                }
                _ => return None,
            }
        }
        SyntaxKind::ALTER_SYSTEM => "ALTER SYSTEM cannot run inside a transaction block",
        SyntaxKind::CREATE_DATABASE => "CREATE DATABASE cannot run inside a transaction block",
        SyntaxKind::DROP_DATABASE => "DROP DATABASE cannot run inside a transaction block",
        SyntaxKind::CREATE_TABLESPACE => "CREATE TABLESPACE cannot run inside a transaction block",
        SyntaxKind::DROP_TABLESPACE => "DROP TABLESPACE cannot run inside a transaction block",
        SyntaxKind::DISCARD if child(node, SyntaxKind::DISCARD_ALL).is_some() => {
            "DISCARD ALL cannot run inside a transaction block"
        }
        _ => return None,
    };
    Some(reason)
}

/// Whether a `CREATE FUNCTION | PROCEDURE` may be in `LANGUAGE sql` (then its body is read
/// by the typed tree, which decides): never false for one that is.
pub(super) fn is_sql_language(node: &Node<'_>) -> bool {
    node.descendants()
        .filter(|part| part.kind() == SyntaxKind::LANGUAGE_FUNC_OPTION)
        .filter_map(|option| {
            option
                .tokens()
                .filter(|token| !is_trivia(token.kind()))
                .last()
        })
        .any(|token| {
            token
                .text()
                .trim_matches(|quote| quote == '\'' || quote == '"')
                .eq_ignore_ascii_case("sql")
        })
}
