//! The [`Action`]s of one statement, read from its tree: what `plan lint` judges (indexes made
//! or dropped with or without `CONCURRENTLY`, columns added, retyped, made `NOT NULL`,
//! constraints added, renames, drops, `TRUNCATE`, `VACUUM FULL`, `CLUSTER`).

use squawk_syntax::SyntaxKind;

use super::super::actions::{Action, AddedConstraint, ColumnDefault, ForeignKey, Located};
use super::super::facts::QualifiedName;
use super::syntax::{
    called_functions, child, column_refs, is_trivia, key_columns, kind_name, own_word, qualified,
    renamed_to,
};
use super::tree::{Node, Tree};
use super::typed::{self, DoBody};

/// What `node`, one statement, does that a lint rule can judge.
pub(super) fn statement_actions(node: &Node<'_>) -> Vec<Located> {
    use SyntaxKind as K;
    let mut actions = Vec::new();
    let mut push = |at: &Node<'_>, action: Action| {
        actions.push(Located {
            at: at.text_range(),
            action,
        });
    };
    match node.kind() {
        K::CREATE_TABLE => {
            if child(node, K::TEMP).is_none()
                && let Some(table) = child(node, K::TABLE_NAME).and_then(|name| qualified(&name))
            {
                let (indexed, foreign_keys) = table_keys(node);
                push(
                    node,
                    Action::CreateTable {
                        table,
                        if_not_exists: child(node, K::IF_NOT_EXISTS).is_some(),
                        partitioned: child(node, K::PARTITION_BY).is_some(),
                        columns: table_columns(node),
                        indexed,
                        foreign_keys,
                    },
                );
            }
        }
        // A relation made from a query is new too: no one uses it yet.
        K::CREATE_TABLE_AS | K::CREATE_MATERIALIZED_VIEW => {
            let name = child(node, K::TABLE_NAME).or_else(|| child(node, K::VIEW));
            if child(node, K::TEMP).is_none()
                && let Some(table) = name.and_then(|name| qualified(&name))
            {
                push(
                    node,
                    Action::CreateTable {
                        table,
                        if_not_exists: child(node, K::IF_NOT_EXISTS).is_some(),
                        partitioned: false,
                        columns: Vec::new(),
                        indexed: Vec::new(),
                        foreign_keys: Vec::new(),
                    },
                );
            }
        }
        K::CREATE_INDEX => {
            if let Some(table) =
                child(node, K::TABLE_RELATION_NAME).and_then(|name| qualified(&name))
            {
                push(
                    node,
                    Action::CreateIndex {
                        table,
                        concurrently: has_token(node, K::CONCURRENTLY_KW),
                        columns: index_columns(node),
                    },
                );
            }
        }
        K::DROP_INDEX => push(
            node,
            Action::DropIndex {
                concurrently: has_token(node, K::CONCURRENTLY_KW),
            },
        ),
        K::ALTER_TABLE => {
            if let Some(table) =
                child(node, K::TABLE_RELATION_NAME).and_then(|name| qualified(&name))
            {
                for clause in node.children() {
                    if let Some(action) = alter_table_action(&table, &clause) {
                        push(&clause, action);
                    }
                }
            }
        }
        K::DROP_TABLE => {
            for name in node
                .children()
                .filter(|part| part.kind() == K::TABLE_NAME_REF)
            {
                if let Some(table) = qualified(&name) {
                    push(&name, Action::DropTable { table });
                }
            }
        }
        K::TRUNCATE => push(
            node,
            Action::Truncate {
                tables: tables_under(node),
                cascade: child(node, K::CASCADE).is_some(),
            },
        ),
        K::VACUUM => {
            let full = has_token(node, K::FULL_KW)
                || node
                    .descendants()
                    .filter(|part| part.kind() == K::VACUUM_OPTION)
                    .any(|option| vacuum_option_is_full(&option));
            if full {
                push(
                    node,
                    Action::VacuumFull {
                        tables: tables_under(node),
                    },
                );
            }
        }
        K::CLUSTER => push(
            node,
            Action::Cluster {
                table: child(node, K::TABLE_NAME_REF).and_then(|name| qualified(&name)),
            },
        ),
        K::DO => {
            // The statements written in a PL/pgSQL block run as if they stood alone: their
            // actions are the block's, placed at the block (their own text is in a string).
            for action in do_block_actions(node) {
                push(node, action);
            }
        }
        _ => {}
    }
    actions
}

/// The actions of the statements a `DO` block writes literally (not those it builds for
/// `EXECUTE`, which are opaque).
fn do_block_actions(node: &Node<'_>) -> Vec<Action> {
    let DoBody::Plpgsql(text) = typed::do_body(node.text()) else {
        return Vec::new();
    };
    let (tree, errors) = Tree::parse(&text, squawk_parser::EntryPoint::Plpgsql);
    if !errors.is_empty() {
        return Vec::new();
    }
    let Some(root) = tree.root() else {
        return Vec::new();
    };
    root.descendants()
        .filter(|part| part.kind() == SyntaxKind::PLPGSQL_EXEC_SQL_STMT)
        .filter_map(|part| part.children().next())
        .flat_map(|statement| statement_actions(&statement))
        .map(|located| located.action)
        .collect()
}

/// One clause of `ALTER TABLE table …`.
fn alter_table_action(table: &QualifiedName, clause: &Node<'_>) -> Option<Action> {
    use SyntaxKind as K;
    let table = table.clone();
    let column_ref = || child(clause, K::COLUMN_NAME_REF).and_then(|name| own_word(&name));
    match clause.kind() {
        K::ADD_COLUMN => {
            let column = child(clause, K::COLUMN_NAME).and_then(|name| own_word(&name))?;
            let type_name = clause
                .children()
                .find(|part| kind_name(part.kind()).ends_with("_TYPE"))
                .map(|part| type_text(&part))
                .unwrap_or_default();
            let serial = matches!(
                type_name.as_str(),
                "serial" | "serial4" | "bigserial" | "serial8" | "smallserial" | "serial2"
            );
            // `GENERATED … AS IDENTITY` draws from a sequence as a serial does; `GENERATED
            // ALWAYS AS (…) STORED` computes every row's value: both fill the column now.
            let generated = child(clause, K::GENERATED_CONSTRAINT);
            let identity = generated
                .as_ref()
                .is_some_and(|generated| child(generated, K::GENERATED_IDENTITY).is_some());
            let stored = generated.as_ref().is_some_and(|generated| {
                child(generated, K::GENERATED_STORED)
                    .is_some_and(|expression| child(&expression, K::STORED).is_some())
            });
            let default = child(clause, K::DEFAULT_CONSTRAINT)
                .map(|default| ColumnDefault {
                    functions: called_functions(&default),
                    serial: false,
                    stored_generated: false,
                })
                .or_else(|| {
                    (serial || identity || stored).then(|| ColumnDefault {
                        functions: Vec::new(),
                        serial: serial || identity,
                        stored_generated: stored,
                    })
                });
            let references = child(clause, K::REFERENCES_CONSTRAINT)
                .and_then(|constraint| child(&constraint, K::TABLE_NAME_REF))
                .and_then(|name| qualified(&name));
            Some(Action::AddColumn {
                table,
                column,
                type_name,
                default,
                not_null: child(clause, K::NOT_NULL_CONSTRAINT).is_some()
                    || child(clause, K::PRIMARY_KEY_CONSTRAINT).is_some(),
                primary_key: child(clause, K::PRIMARY_KEY_CONSTRAINT).is_some(),
                references,
            })
        }
        K::ALTER_COLUMN => {
            let column = column_ref()?;
            if let Some(set_type) = child(clause, K::SET_TYPE) {
                let type_name = set_type
                    .children()
                    .find(|part| kind_name(part.kind()).ends_with("_TYPE"))
                    .map(|part| type_text(&part))
                    .unwrap_or_default();
                return Some(Action::AlterColumnType {
                    table,
                    column,
                    type_name,
                });
            }
            child(clause, K::SET_NOT_NULL).map(|_| Action::SetNotNull { table, column })
        }
        K::ADD_CONSTRAINT => {
            let constraint = clause.children().next()?;
            let not_valid = constraint
                .descendants()
                .any(|part| part.kind() == K::NOT_VALID);
            let using_index = child(&constraint, K::USING_INDEX_NAME).is_some();
            let constraint = match constraint.kind() {
                K::CHECK_CONSTRAINT => AddedConstraint::Check,
                K::FOREIGN_KEY_CONSTRAINT => AddedConstraint::ForeignKey(foreign_key(&constraint)),
                K::UNIQUE_CONSTRAINT => AddedConstraint::Unique {
                    columns: key_columns(&constraint).unwrap_or_default(),
                    using_index,
                },
                K::PRIMARY_KEY_CONSTRAINT => AddedConstraint::PrimaryKey {
                    columns: key_columns(&constraint).unwrap_or_default(),
                    using_index,
                },
                K::EXCLUDE_CONSTRAINT => AddedConstraint::Exclude,
                _ => return None,
            };
            Some(Action::AddConstraint {
                table,
                constraint,
                not_valid,
            })
        }
        K::RENAME_COLUMN => Some(Action::RenameColumn {
            table,
            column: column_ref()?,
        }),
        K::TABLE_RENAME_TO => Some(Action::RenameTable {
            to: renamed_to(&table, clause)?,
            table,
        }),
        K::DROP_COLUMN => Some(Action::DropColumn {
            table,
            column: column_ref()?,
        }),
        _ => None,
    }
}

/// The key columns of a `CREATE TABLE`'s primary key and unique constraints (column or
/// table constraints), and its foreign keys.
fn table_keys(node: &Node<'_>) -> (Vec<Vec<String>>, Vec<ForeignKey>) {
    use SyntaxKind as K;
    let mut indexed = Vec::new();
    let mut foreign_keys = Vec::new();
    let Some(list) = child(node, K::TABLE_ARG_LIST) else {
        return (indexed, foreign_keys);
    };
    for element in list.children() {
        if element.kind() == K::COLUMN {
            let Some(column) = child(&element, K::COLUMN_NAME).and_then(|name| own_word(&name))
            else {
                continue;
            };
            for constraint in element.children() {
                match constraint.kind() {
                    K::PRIMARY_KEY_CONSTRAINT | K::UNIQUE_CONSTRAINT => {
                        indexed.push(vec![column.clone()]);
                    }
                    K::REFERENCES_CONSTRAINT => foreign_keys.push(ForeignKey {
                        columns: vec![column.clone()],
                        references: child(&constraint, K::TABLE_NAME_REF)
                            .and_then(|name| qualified(&name)),
                    }),
                    _ => {}
                }
            }
            continue;
        }
        match element.kind() {
            K::PRIMARY_KEY_CONSTRAINT | K::UNIQUE_CONSTRAINT => {
                if let Some(columns) = key_columns(&element) {
                    indexed.push(columns);
                }
            }
            K::FOREIGN_KEY_CONSTRAINT => foreign_keys.push(foreign_key(&element)),
            _ => {}
        }
    }
    (indexed, foreign_keys)
}

/// The columns a `CREATE TABLE` defines, with their types as written.
fn table_columns(node: &Node<'_>) -> Vec<(String, String)> {
    let Some(list) = child(node, SyntaxKind::TABLE_ARG_LIST) else {
        return Vec::new();
    };
    list.children()
        .filter(|element| element.kind() == SyntaxKind::COLUMN)
        .filter_map(|column| {
            let name = child(&column, SyntaxKind::COLUMN_NAME).and_then(|name| own_word(&name))?;
            let type_name = column
                .children()
                .find(|part| kind_name(part.kind()).ends_with("_TYPE"))
                .map(|part| type_text(&part))
                .unwrap_or_default();
            Some((name, type_name))
        })
        .collect()
}

/// A `FOREIGN KEY (…) REFERENCES t` constraint node.
fn foreign_key(node: &Node<'_>) -> ForeignKey {
    ForeignKey {
        columns: child(node, SyntaxKind::FOREIGN_KEY_COLUMN_LIST)
            .map(|list| column_refs(&list))
            .unwrap_or_default(),
        references: child(node, SyntaxKind::TABLE_NAME_REF).and_then(|name| qualified(&name)),
    }
}

/// The leading plain columns of a `CREATE INDEX`'s key, up to the first expression.
fn index_columns(node: &Node<'_>) -> Vec<String> {
    let Some(items) = child(node, SyntaxKind::PARTITION_ITEM_LIST) else {
        return Vec::new();
    };
    let mut columns = Vec::new();
    for item in items.children() {
        let mut parts = item.children();
        match (parts.next(), parts.next()) {
            (Some(name), None) if name.kind() == SyntaxKind::NAME_REF => match own_word(&name) {
                Some(column) => columns.push(column),
                None => break,
            },
            _ => break,
        }
    }
    columns
}

/// Every table a `TRUNCATE` or `VACUUM` names.
fn tables_under(node: &Node<'_>) -> Vec<QualifiedName> {
    node.descendants()
        .filter(|part| part.kind() == SyntaxKind::TABLE_NAME_REF)
        .filter_map(|name| qualified(&name))
        .collect()
}

/// Whether a `VACUUM (…)` option is `FULL` (and not `FULL false`).
fn vacuum_option_is_full(option: &Node<'_>) -> bool {
    let words: Vec<String> = option
        .tokens()
        .filter(|token| !is_trivia(token.kind()))
        .map(|token| token.text().to_ascii_lowercase())
        .collect();
    match words.as_slice() {
        [full] => full == "full",
        [full, value] => full == "full" && !matches!(value.as_str(), "false" | "off" | "0"),
        _ => false,
    }
}

/// Whether `node` holds a token of `kind` directly.
fn has_token(node: &Node<'_>, kind: SyntaxKind) -> bool {
    node.children_with_tokens()
        .filter_map(|part| part.into_token())
        .any(|token| token.kind() == kind)
}

/// A type as written, its words folded to lowercase and single-spaced (`varchar(100)`,
/// `timestamp with time zone`).
fn type_text(node: &Node<'_>) -> String {
    node.text()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
}
