//! The PostgreSQL parser behind `plan` ([`parse`]): the one module that knows the grammar
//! crate (`squawk-syntax`, pinned). It turns a script into what each statement does
//! ([`StatementFacts`]), in our own types only, so that the crate can be swapped by rewriting
//! this file.
//!
//! The grammar is error tolerant: a statement it cannot read is reported as [`Opaque`] with the
//! parser's message, and the statements around it are still read. What is followed: every
//! `CREATE`/`ALTER`/`DROP` of a schema, extension, table (its columns and constraints), view,
//! materialized view, index, sequence, type, domain, function, procedure and trigger; `RENAME`
//! of those and `ALTER TABLE … SET SCHEMA`; relations, types, functions and sequences a
//! statement uses (anywhere in it, a SQL function's body included); `search_path`; and the
//! statements written literally in a PL/pgSQL `DO` block (`EXECUTE` in one is opaque).

use squawk_syntax::ast::{self, AstNode};
use squawk_syntax::{SyntaxKind, SyntaxNode, SyntaxToken};

use super::facts::{Created, ObjectName, Opaque, QualifiedName, Rename, StatementFacts};
use super::naming::{Constraints, FoundConstraint, IndexKey, chosen_name, truncated};
use crate::object::{SchemaObjectKind, TableObjectKind};

/// Every statement of `text` with what it does, in order. Total: never fails and never
/// panics; what cannot be read comes back [`Opaque`].
pub(crate) fn parse(text: &str) -> Vec<StatementFacts> {
    let (root, errors) = parse_tree(text);
    let mut statements = Vec::new();
    for node in root.children() {
        let range = node.text_range();
        let span = usize::from(range.start())..usize::from(range.end());
        let mut facts = statement_facts(&node);
        facts.span = span.clone();
        let error = errors.iter().find(|(start, end, _)| {
            (*start >= span.start && *start < span.end)
                || (*start == *end && *start == span.end && span.end == text.len())
        });
        if let Some((_, _, message)) = error {
            // What the grammar recovered around an error is a guess: none of it is kept.
            facts = StatementFacts {
                span: facts.span,
                no_transaction: facts.no_transaction,
                opaque: Some(Opaque {
                    reason: format!("the parser cannot read it: {message}"),
                }),
                ..StatementFacts::default()
            };
        }
        statements.push(facts);
    }
    statements
}

/// The syntax tree of `text` and the lexer's and parser's errors, as (start, end, message).
///
/// What `SourceFile::parse` does, without `Parse::errors()`'s validation pass: that walks the
/// whole tree again for semantic checks (an empty DISTINCT ON, a bad literal) that PostgreSQL
/// makes anyway, and it took about a third of the time of parsing a project. Only the errors
/// that mean the grammar could not read a statement make it opaque.
fn parse_tree(text: &str) -> (SyntaxNode, Vec<(usize, usize, String)>) {
    let lexed = squawk_parser::LexedStr::new(text);
    let input = lexed.to_input();
    let output = squawk_parser::EntryPoint::SourceFile.parse(&input);
    let mut builder = rowan::GreenNodeBuilder::new();
    let mut errors = Vec::new();
    let raw = |kind: SyntaxKind| rowan::SyntaxKind(kind.into());
    lexed.intersperse_trivia(&output, &mut |step| match step {
        squawk_parser::StrStep::Token { kind, text } => builder.token(raw(kind), text),
        squawk_parser::StrStep::Enter { kind } => builder.start_node(raw(kind)),
        squawk_parser::StrStep::Exit => builder.finish_node(),
        squawk_parser::StrStep::Error { msg, pos } => errors.push((pos, pos, msg.to_string())),
    });
    for (range, message) in lexed.errors() {
        let start = usize::try_from(range.start).unwrap_or(usize::MAX);
        let end = usize::try_from(range.end).unwrap_or(usize::MAX);
        errors.push((start, end, message.to_string()));
    }
    (SyntaxNode::new_root(builder.finish()), errors)
}

/// What one statement node does (its span is set by the caller).
fn statement_facts(node: &SyntaxNode) -> StatementFacts {
    let mut facts = StatementFacts::default();
    let mut reader = Reader {
        facts: &mut facts,
        handled: Vec::new(),
    };
    reader.statement(node);
    facts
}

/// Fills one statement's facts; `handled` holds the nodes already read for what they are
/// (a created or dropped name), which the walk for uses then skips.
struct Reader<'f> {
    facts: &'f mut StatementFacts,
    handled: Vec<SyntaxNode>,
}

impl Reader<'_> {
    fn statement(&mut self, node: &SyntaxNode) {
        use SyntaxKind as K;
        self.facts.no_transaction = no_transaction_reason(node);
        match node.kind() {
            K::ERROR => {
                self.facts.opaque = Some(Opaque {
                    reason: "the parser cannot read it".to_string(),
                });
                return;
            }
            K::CREATE_TABLE | K::CREATE_TABLE_AS | K::CREATE_FOREIGN_TABLE => {
                self.create_table(node)
            }
            K::CREATE_INDEX => self.create_index(node),
            K::CREATE_VIEW => self.create_simple(node, K::VIEW, SchemaObjectKind::View),
            K::CREATE_MATERIALIZED_VIEW => {
                self.create_simple(node, K::VIEW, SchemaObjectKind::MaterializedView)
            }
            K::CREATE_SEQUENCE => self.create_simple(node, K::SEQUENCE, SchemaObjectKind::Sequence),
            K::CREATE_DOMAIN => self.create_simple(node, K::DOMAIN, SchemaObjectKind::Type),
            K::CREATE_TYPE => self.create_type(node),
            K::CREATE_FUNCTION | K::CREATE_PROCEDURE => self.create_function(node),
            K::CREATE_SCHEMA => self.create_schema(node),
            K::CREATE_EXTENSION => {
                if let Some(name) = child(node, K::EXTENSION).and_then(|name| own_word(&name)) {
                    self.create(ObjectName::Extension(name), Vec::new());
                }
            }
            K::CREATE_TRIGGER => self.create_trigger(node),
            K::ALTER_TABLE => self.alter_table(node),
            K::DROP_TABLE
            | K::DROP_VIEW
            | K::DROP_MATERIALIZED_VIEW
            | K::DROP_INDEX
            | K::DROP_SEQUENCE
            | K::DROP_TYPE
            | K::DROP_DOMAIN
            | K::DROP_FUNCTION
            | K::DROP_PROCEDURE
            | K::DROP_SCHEMA
            | K::DROP_EXTENSION
            | K::DROP_TRIGGER => self.drop(node),
            K::SET => self.set(node),
            K::RESET => self.reset(node),
            K::DO => self.do_block(node),
            kind if is_alter(kind) => self.alter_other(node),
            _ => {}
        }
        self.uses(node);
        if matches!(node.kind(), K::CREATE_VIEW | K::CREATE_MATERIALIZED_VIEW) {
            // A view depends on every relation, function and type its query names.
            let used: Vec<ObjectName> = self
                .facts
                .uses
                .iter()
                .filter(|used| !matches!(used, ObjectName::Schema(_) | ObjectName::Extension(_)))
                .cloned()
                .collect();
            self.last_created(|created| created.depends_on = used);
        }
    }

    fn create(&mut self, object: ObjectName, removed_with: Vec<ObjectName>) {
        self.created(object, removed_with, true);
    }

    fn created(&mut self, object: ObjectName, removed_with: Vec<ObjectName>, listed: bool) {
        self.use_schema_of(&object);
        self.facts.creates.push(Created {
            object,
            removed_with,
            listed,
            depends_on: Vec::new(),
            chosen_name: false,
        });
    }

    /// Completes the object last created.
    fn last_created(&mut self, complete: impl FnOnce(&mut Created)) {
        if let Some(created) = self.facts.creates.last_mut() {
            complete(created);
        }
    }

    /// A name's explicit schema is a use of that schema.
    fn use_schema_of(&mut self, object: &ObjectName) {
        let schema = match object {
            ObjectName::InSchema(_, name) | ObjectName::Function(name) => name.schema.clone(),
            ObjectName::OfTable { table, .. } => table.schema.clone(),
            ObjectName::Schema(_) | ObjectName::Extension(_) => None,
        };
        if let Some(schema) = schema {
            let used = ObjectName::Schema(schema);
            if !self.facts.uses.contains(&used) {
                self.facts.uses.push(used);
            }
        }
    }

    fn used(&mut self, object: ObjectName) {
        self.use_schema_of(&object);
        if !self.facts.uses.contains(&object) {
            self.facts.uses.push(object);
        }
    }

    /// `CREATE [TEMP] TABLE name (columns and constraints)`, `… AS`, `… PARTITION OF`.
    fn create_table(&mut self, node: &SyntaxNode) {
        let Some(name_node) = child(node, SyntaxKind::TABLE_NAME) else {
            return;
        };
        self.handled.push(name_node.clone());
        let Some(table) = qualified(&name_node) else {
            return;
        };
        if child(node, SyntaxKind::TEMP).is_some() {
            self.facts.temporaries.push(table.name);
            return;
        }
        self.create(
            ObjectName::InSchema(SchemaObjectKind::Table, table.clone()),
            Vec::new(),
        );
        let Some(list) = child(node, SyntaxKind::TABLE_ARG_LIST) else {
            return;
        };
        let mut constraints = Constraints::default();
        for element in list.children() {
            if element.kind() == SyntaxKind::COLUMN {
                self.column(&table, &element, &mut constraints);
            } else {
                table_constraint(&table, &element, &mut constraints);
            }
        }
        self.constraints(&table, constraints);
    }

    /// A column definition (`CREATE TABLE`'s `COLUMN`, `ALTER TABLE`'s `ADD COLUMN`).
    fn column(&mut self, table: &QualifiedName, node: &SyntaxNode, constraints: &mut Constraints) {
        let Some(column) = child(node, SyntaxKind::COLUMN_NAME).and_then(|name| own_word(&name))
        else {
            return;
        };
        self.create(
            ObjectName::OfTable {
                kind: TableObjectKind::Column,
                table: table.clone(),
                name: column.clone(),
            },
            Vec::new(),
        );
        // `DROP TYPE | DOMAIN … CASCADE` drops the columns of that type.
        let types: Vec<ObjectName> = node
            .children()
            .filter(|part| kind_name(part.kind()).ends_with("_TYPE"))
            .flat_map(|part| part.descendants())
            .filter(|part| part.kind() == SyntaxKind::PATH_TYPE)
            .filter_map(|path| type_name(&path))
            .map(|name| ObjectName::InSchema(SchemaObjectKind::Type, name))
            .collect();
        self.last_created(|created| created.depends_on = types);
        for constraint in node.children() {
            column_constraint(table, &column, &constraint, constraints);
        }
    }

    fn constraints(&mut self, table: &QualifiedName, constraints: Constraints) {
        for found in constraints.certain() {
            let removed_with = found
                .columns
                .iter()
                .map(|column| ObjectName::OfTable {
                    kind: TableObjectKind::Column,
                    table: table.clone(),
                    name: column.clone(),
                })
                .collect();
            self.create(
                ObjectName::OfTable {
                    kind: TableObjectKind::Constraint,
                    table: table.clone(),
                    name: found.name,
                },
                removed_with,
            );
            self.last_created(|created| {
                created.chosen_name = found.chosen;
                created.depends_on.extend(
                    found.references.map(|referenced| {
                        ObjectName::InSchema(SchemaObjectKind::Table, referenced)
                    }),
                );
            });
        }
    }

    /// `CREATE [UNIQUE] INDEX [CONCURRENTLY] [name] ON table …`: the index lives in its
    /// table's schema, and goes with it. An unnamed index is not reported (PostgreSQL picks
    /// its name).
    fn create_index(&mut self, node: &SyntaxNode) {
        let table = child(node, SyntaxKind::TABLE_RELATION_NAME).and_then(|target| {
            let name = qualified(&target)?;
            self.handled.push(target);
            Some(name)
        });
        let Some(table) = table else {
            return;
        };
        self.used(ObjectName::InSchema(SchemaObjectKind::Table, table.clone()));
        let Some(name) = child(node, SyntaxKind::INDEX).and_then(|name| qualified(&name)) else {
            return;
        };
        let index = QualifiedName {
            schema: table.schema.clone(),
            name: name.name,
        };
        // PostgreSQL drops an index with any column it involves (key, expression, `WHERE`),
        // and with a function its expressions call only under `CASCADE`.
        let mut removed_with = vec![ObjectName::InSchema(SchemaObjectKind::Table, table.clone())];
        let mut depends_on = Vec::new();
        for part in node.children().filter(|part| {
            matches!(
                part.kind(),
                SyntaxKind::PARTITION_ITEM_LIST | SyntaxKind::WHERE_CLAUSE
            )
        }) {
            for column in named_columns(&part) {
                let column = ObjectName::OfTable {
                    kind: TableObjectKind::Column,
                    table: table.clone(),
                    name: column,
                };
                if !removed_with.contains(&column) {
                    removed_with.push(column);
                }
            }
            depends_on.extend(
                called_functions(&part)
                    .into_iter()
                    .map(ObjectName::Function),
            );
        }
        self.create(
            ObjectName::InSchema(SchemaObjectKind::Index, index),
            removed_with,
        );
        self.last_created(|created| created.depends_on = depends_on);
    }

    /// `CREATE [TEMP] VIEW | MATERIALIZED VIEW | SEQUENCE | DOMAIN name …`.
    fn create_simple(&mut self, node: &SyntaxNode, name_kind: SyntaxKind, kind: SchemaObjectKind) {
        let Some(name_node) = child(node, name_kind) else {
            return;
        };
        self.handled.push(name_node.clone());
        if child(node, SyntaxKind::TEMP).is_some() {
            if let Some(name) = qualified(&name_node) {
                self.facts.temporaries.push(name.name);
            }
            return;
        }
        if let Some(name) = qualified(&name_node) {
            self.create(ObjectName::InSchema(kind, name), Vec::new());
        }
    }

    /// `CREATE TYPE name …`: listed in the catalog snapshot when an enum or a range.
    fn create_type(&mut self, node: &SyntaxNode) {
        let Some(name) = child(node, SyntaxKind::TYPE_NAME).and_then(|name| qualified(&name))
        else {
            return;
        };
        let listed = node
            .children()
            .any(|part| matches!(part.kind(), SyntaxKind::ENUM_TYPE | SyntaxKind::RANGE_TYPE));
        self.created(
            ObjectName::InSchema(SchemaObjectKind::Type, name),
            Vec::new(),
            listed,
        );
    }

    /// `CREATE [OR REPLACE] FUNCTION | PROCEDURE name (…) …`; a SQL body's uses are the
    /// statement's (PostgreSQL checks them when it creates the function), a PL/pgSQL body is
    /// not read (it runs only when called).
    fn create_function(&mut self, node: &SyntaxNode) {
        if let Some(name) = child(node, SyntaxKind::FUNCTION_NAME)
            .or_else(|| child(node, SyntaxKind::PROCEDURE_NAME))
            .and_then(|name| qualified(&name))
        {
            self.create(ObjectName::Function(name), Vec::new());
            // `DROP TYPE … CASCADE` drops the functions taking or returning it.
            let types: Vec<ObjectName> = node
                .children()
                .filter(|part| matches!(part.kind(), SyntaxKind::PARAM_LIST | SyntaxKind::RET_TYPE))
                .flat_map(|part| part.descendants())
                .filter(|part| part.kind() == SyntaxKind::PATH_TYPE)
                .filter_map(|path| type_name(&path))
                .map(|name| ObjectName::InSchema(SchemaObjectKind::Type, name))
                .collect();
            self.last_created(|created| created.depends_on = types);
        }
        let body = ast::CreateFunction::cast(node.clone())
            .and_then(|function| function.sql_body())
            .or_else(|| {
                ast::CreateProcedure::cast(node.clone()).and_then(|procedure| procedure.sql_body())
            });
        if let Some(body) = body {
            for statement in body.syntax().children() {
                let nested = statement_facts(&statement);
                for used in nested.uses {
                    self.used(used);
                }
            }
        }
    }

    /// `CREATE SCHEMA [IF NOT EXISTS] name` or `CREATE SCHEMA AUTHORIZATION role` (named
    /// after the role, unless the role is one only the server resolves).
    fn create_schema(&mut self, node: &SyntaxNode) {
        let named = node
            .descendants()
            .find(|part| part.kind() == SyntaxKind::SCHEMA);
        let name = match named {
            Some(name) => own_word(&name),
            None => node
                .descendants()
                .find(|part| part.kind() == SyntaxKind::ROLE)
                .and_then(|role| {
                    let token = first_token(&role)?;
                    (token.kind() == SyntaxKind::IDENT
                        || !matches!(
                            token.kind(),
                            SyntaxKind::CURRENT_USER_KW
                                | SyntaxKind::CURRENT_ROLE_KW
                                | SyntaxKind::SESSION_USER_KW
                        ))
                    .then(|| identifier(&token))
                }),
        };
        if let Some(name) = name {
            self.create(ObjectName::Schema(name), Vec::new());
        }
    }

    /// `CREATE TRIGGER name … ON table … EXECUTE FUNCTION f()`.
    fn create_trigger(&mut self, node: &SyntaxNode) {
        let name = child(node, SyntaxKind::TRIGGER).and_then(|name| own_word(&name));
        let table = child(node, SyntaxKind::ON_RELATION).and_then(|on| qualified(&on));
        if let (Some(name), Some(table)) = (name, table) {
            self.create(
                ObjectName::OfTable {
                    kind: TableObjectKind::Trigger,
                    table,
                    name,
                },
                Vec::new(),
            );
            let function = called_functions(node)
                .into_iter()
                .map(ObjectName::Function)
                .collect();
            self.last_created(|created| created.depends_on = function);
        }
    }

    /// `ALTER TABLE name action, …`: columns and constraints added and dropped, renames,
    /// `SET SCHEMA`.
    fn alter_table(&mut self, node: &SyntaxNode) {
        let Some(target) = child(node, SyntaxKind::TABLE_RELATION_NAME) else {
            return;
        };
        self.handled.push(target.clone());
        let Some(table) = qualified(&target) else {
            return;
        };
        let table_object = ObjectName::InSchema(SchemaObjectKind::Table, table.clone());
        self.use_schema_of(&table_object);
        self.facts.alters.push(table_object.clone());
        let mut constraints = Constraints::default();
        let of_table = |kind, name: String| ObjectName::OfTable {
            kind,
            table: table.clone(),
            name,
        };
        for action in node.children() {
            match action.kind() {
                SyntaxKind::ADD_COLUMN => self.column(&table, &action, &mut constraints),
                SyntaxKind::ADD_CONSTRAINT => {
                    for constraint in action.children() {
                        table_constraint(&table, &constraint, &mut constraints);
                    }
                }
                SyntaxKind::DROP_COLUMN => {
                    if let Some(column) =
                        child(&action, SyntaxKind::COLUMN_NAME_REF).and_then(|name| own_word(&name))
                    {
                        self.facts
                            .drops
                            .push(of_table(TableObjectKind::Column, column));
                    }
                    self.facts.cascade |= child(&action, SyntaxKind::CASCADE).is_some();
                }
                SyntaxKind::DROP_CONSTRAINT => {
                    if let Some(name) = child(&action, SyntaxKind::CONSTRAINT_NAME_REF)
                        .and_then(|name| qualified(&name))
                    {
                        self.facts
                            .drops
                            .push(of_table(TableObjectKind::Constraint, name.name));
                    }
                    self.facts.cascade |= child(&action, SyntaxKind::CASCADE).is_some();
                }
                SyntaxKind::RENAME_COLUMN => {
                    let from = child(&action, SyntaxKind::COLUMN_NAME_REF)
                        .and_then(|name| own_word(&name));
                    let to =
                        child(&action, SyntaxKind::COLUMN_NAME).and_then(|name| own_word(&name));
                    if let (Some(from), Some(to)) = (from, to) {
                        self.facts.renames.push(Rename {
                            from: of_table(TableObjectKind::Column, from),
                            to: of_table(TableObjectKind::Column, to),
                        });
                    }
                }
                SyntaxKind::RENAME_CONSTRAINT => {
                    let from = child(&action, SyntaxKind::CONSTRAINT_NAME_REF)
                        .and_then(|name| qualified(&name));
                    let to = child(&action, SyntaxKind::CONSTRAINT_NAME)
                        .and_then(|name| own_word(&name));
                    if let (Some(from), Some(to)) = (from, to) {
                        self.facts.renames.push(Rename {
                            from: of_table(TableObjectKind::Constraint, from.name),
                            to: of_table(TableObjectKind::Constraint, to),
                        });
                    }
                }
                SyntaxKind::TABLE_RENAME_TO | SyntaxKind::SET_SCHEMA => {
                    if let Some(to) = renamed_to(&table, &action) {
                        self.facts.renames.push(Rename {
                            from: table_object.clone(),
                            to: ObjectName::InSchema(SchemaObjectKind::Table, to),
                        });
                    }
                }
                _ => {}
            }
        }
        self.constraints(&table, constraints);
    }

    /// `ALTER INDEX | VIEW | MATERIALIZED VIEW | SEQUENCE | TYPE | DOMAIN | FUNCTION |
    /// PROCEDURE | SCHEMA | EXTENSION name …`: alters it, and follows `RENAME TO` and
    /// `SET SCHEMA`.
    fn alter_other(&mut self, node: &SyntaxNode) {
        let Some(target) = node.children().find(|part| is_target(part.kind())) else {
            return;
        };
        let Some(object) = target_name(node.kind(), &target) else {
            return;
        };
        self.handled.push(target);
        self.use_schema_of(&object);
        self.facts.alters.push(object.clone());
        for action in node.children() {
            let renaming = kind_name(action.kind()).ends_with("_RENAME_TO");
            if !renaming && action.kind() != SyntaxKind::SET_SCHEMA {
                continue;
            }
            let to = match &object {
                ObjectName::Schema(_) => child(&action, SyntaxKind::SCHEMA)
                    .or_else(|| action.children().next())
                    .and_then(|name| own_word(&name))
                    .map(ObjectName::Schema),
                ObjectName::InSchema(kind, name) => {
                    renamed_to(name, &action).map(|to| ObjectName::InSchema(*kind, to))
                }
                ObjectName::Function(name) => renamed_to(name, &action).map(ObjectName::Function),
                ObjectName::Extension(_) | ObjectName::OfTable { .. } => None,
            };
            if let Some(to) = to {
                self.facts.renames.push(Rename {
                    from: object.clone(),
                    to,
                });
            }
        }
    }

    /// `DROP kind [IF EXISTS] name, … [CASCADE]`.
    fn drop(&mut self, node: &SyntaxNode) {
        self.facts.cascade |= child(node, SyntaxKind::CASCADE).is_some();
        if node.kind() == SyntaxKind::DROP_TRIGGER {
            let name = child(node, SyntaxKind::TRIGGER_REF).and_then(|name| own_word(&name));
            let table = child(node, SyntaxKind::ON_RELATION);
            if let (Some(name), Some(table)) = (name, table) {
                self.handled.push(table.clone());
                if let Some(table) = qualified(&table) {
                    let trigger = ObjectName::OfTable {
                        kind: TableObjectKind::Trigger,
                        table,
                        name,
                    };
                    self.use_schema_of(&trigger);
                    self.facts.drops.push(trigger);
                }
            }
            return;
        }
        let targets: Vec<SyntaxNode> = node
            .descendants()
            .filter(|part| {
                matches!(
                    part.kind(),
                    SyntaxKind::TABLE_NAME_REF
                        | SyntaxKind::VIEW_REF
                        | SyntaxKind::INDEX_REF
                        | SyntaxKind::SEQUENCE_REF
                        | SyntaxKind::TYPE_NAME_REF
                        | SyntaxKind::DOMAIN_REF
                        | SyntaxKind::FUNCTION_NAME_REF
                        | SyntaxKind::PROCEDURE_NAME_REF
                        | SyntaxKind::SCHEMA_REF
                        | SyntaxKind::EXTENSION_REF
                )
            })
            .collect();
        for target in targets {
            if let Some(object) = target_name(node.kind(), &target) {
                self.use_schema_of(&object);
                self.facts.drops.push(object);
            }
            self.handled.push(target);
        }
    }

    /// `SET [SESSION | LOCAL] search_path TO a, b`.
    fn set(&mut self, node: &SyntaxNode) {
        let Some(config) = child(node, SyntaxKind::SET_CONFIG) else {
            return;
        };
        let parameter = config
            .children()
            .next()
            .and_then(|name| qualified(&name))
            .map(|name| name.name);
        if parameter.as_deref() != Some("search_path") {
            return;
        }
        let mut schemas = Vec::new();
        for value in config.descendants() {
            if value.kind() == SyntaxKind::CONFIG_VALUE_NAME {
                schemas.extend(own_word(&value).filter(|schema| schema != "$user"));
            } else if value.kind() == SyntaxKind::LITERAL {
                schemas.extend(
                    string_value(&value)
                        .map(|text| search_path_list(&text))
                        .unwrap_or_default(),
                );
            }
        }
        self.facts.search_path = Some(schemas);
    }

    /// `RESET search_path`, `RESET ALL`: back to the default path (`public`).
    fn reset(&mut self, node: &SyntaxNode) {
        let resets_path = node
            .descendants_with_tokens()
            .filter_map(|element| element.into_token())
            .any(|token| {
                token.kind() == SyntaxKind::ALL_KW
                    || (!is_trivia(token.kind()) && identifier(&token) == "search_path")
            });
        if resets_path {
            self.facts.search_path = Some(Vec::new());
        }
    }

    /// `DO [LANGUAGE plpgsql] $$ … $$`: the statements written in it are read as if they
    /// stood alone; `EXECUTE` and other languages are opaque.
    fn do_block(&mut self, node: &SyntaxNode) {
        let Some(block) = ast::Do::cast(node.clone()) else {
            return;
        };
        let Some(body) = block.plpgsql() else {
            self.facts.opaque = Some(Opaque {
                reason: "a DO block in a language other than PL/pgSQL".to_string(),
            });
            return;
        };
        if let Some(error) = body.errors().first() {
            self.facts.opaque = Some(Opaque {
                reason: format!("a DO block the parser cannot read: {}", error.message()),
            });
            return;
        }
        let root = body.syntax();
        let mut nested_roots = Vec::new();
        for part in root.descendants() {
            match part.kind() {
                SyntaxKind::PLPGSQL_EXEC_SQL_STMT => {
                    if let Some(statement) = part.children().next() {
                        nested_roots.push(statement);
                    }
                }
                SyntaxKind::PLPGSQL_DYN_EXECUTE_STMT
                | SyntaxKind::PLPGSQL_FOR_DYN_STMT
                | SyntaxKind::PLPGSQL_RETURN_QUERY_EXECUTE_STMT
                | SyntaxKind::PLPGSQL_OPEN_EXECUTE => {
                    self.facts.opaque = Some(Opaque {
                        reason: "dynamic SQL (EXECUTE) in a DO block".to_string(),
                    });
                }
                _ => {}
            }
        }
        for statement in &nested_roots {
            let nested = statement_facts(statement);
            self.facts.creates.extend(nested.creates);
            self.facts.alters.extend(nested.alters);
            self.facts.renames.extend(nested.renames);
            self.facts.drops.extend(nested.drops);
            self.facts.cascade |= nested.cascade;
            for used in nested.uses {
                self.used(used);
            }
            if nested.search_path.is_some() {
                self.facts.search_path = nested.search_path;
            }
            if self.facts.opaque.is_none() {
                self.facts.opaque = nested.opaque;
            }
        }
        // The rest of the block (conditions, PERFORM, assignments) is read for uses.
        self.handled.extend(nested_roots);
        self.uses(&root);
    }

    /// Everything `node` refers to, outside the nodes already read for what they are.
    fn uses(&mut self, node: &SyntaxNode) {
        let ctes: Vec<String> = node
            .descendants()
            .filter(|part| part.kind() == SyntaxKind::CTE_NAME)
            .filter_map(|name| own_word(&name))
            .collect();
        let mut stack = vec![node.clone()];
        while let Some(current) = stack.pop() {
            if self.handled.contains(&current) {
                continue;
            }
            let kind = current.kind();
            let object = match kind {
                SyntaxKind::TABLE_NAME_REF => qualified(&current)
                    .map(|name| ObjectName::InSchema(SchemaObjectKind::Table, name)),
                SyntaxKind::RELATION_NAME_REF => qualified(&current)
                    .filter(|name| name.schema.is_some() || !ctes.contains(&name.name))
                    .map(|name| ObjectName::InSchema(SchemaObjectKind::Relation, name)),
                SyntaxKind::VIEW_REF
                | SyntaxKind::INDEX_REF
                | SyntaxKind::SEQUENCE_REF
                | SyntaxKind::TYPE_NAME_REF
                | SyntaxKind::DOMAIN_REF
                | SyntaxKind::SCHEMA_REF
                | SyntaxKind::EXTENSION_REF
                | SyntaxKind::FUNCTION_NAME_REF
                | SyntaxKind::PROCEDURE_NAME_REF => target_name(kind, &current),
                SyntaxKind::PATH_TYPE => type_name(&current)
                    .map(|name| ObjectName::InSchema(SchemaObjectKind::Type, name)),
                SyntaxKind::CALL_EXPR => {
                    self.call(&current);
                    None
                }
                _ => None,
            };
            if let Some(object) = object {
                self.used(object);
                if kind != SyntaxKind::PATH_TYPE && kind != SyntaxKind::CALL_EXPR {
                    continue;
                }
            }
            stack.extend(current.children().collect::<Vec<_>>().into_iter().rev());
        }
    }

    /// A function call: the function, a sequence named in `nextval('…')` (and `currval`,
    /// `setval`), a `search_path` set by `set_config('search_path', '…', …)`.
    fn call(&mut self, node: &SyntaxNode) {
        let Some(function) = called_function(node) else {
            return;
        };
        let first_string = || {
            let arguments = child(node, SyntaxKind::ARG_LIST)?;
            let mut arguments = arguments.children();
            let first = arguments.next()?;
            let literal = first
                .descendants()
                .find(|part| part.kind() == SyntaxKind::LITERAL)?;
            Some((string_value(&literal)?, arguments.next()))
        };
        let builtin = function
            .schema
            .as_deref()
            .is_none_or(|schema| schema == "pg_catalog");
        if builtin && matches!(function.name.as_str(), "nextval" | "currval" | "setval") {
            if let Some((sequence, _)) = first_string()
                && let Some(name) = sequence_name(&sequence)
            {
                self.used(ObjectName::InSchema(SchemaObjectKind::Sequence, name));
            }
        } else if builtin
            && function.name == "set_config"
            && let Some((parameter, Some(value))) = first_string()
            && parameter.eq_ignore_ascii_case("search_path")
            && let Some(literal) = value
                .descendants()
                .find(|part| part.kind() == SyntaxKind::LITERAL)
            && let Some(text) = string_value(&literal)
        {
            self.facts.search_path = Some(search_path_list(&text));
        }
        self.used(ObjectName::Function(function));
    }
}

/// A table element or `ADD` action that is a table constraint.
fn table_constraint(table: &QualifiedName, node: &SyntaxNode, constraints: &mut Constraints) {
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
fn column_constraint(
    table: &QualifiedName,
    column: &str,
    node: &SyntaxNode,
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
fn referenced_table(node: &SyntaxNode) -> Option<QualifiedName> {
    if !matches!(
        node.kind(),
        SyntaxKind::REFERENCES_CONSTRAINT | SyntaxKind::FOREIGN_KEY_CONSTRAINT
    ) {
        return None;
    }
    qualified(&child(node, SyntaxKind::TABLE_NAME_REF)?)
}

/// `CONSTRAINT name` of a constraint node.
fn constraint_name(node: &SyntaxNode) -> Option<String> {
    let clause = child(node, SyntaxKind::CONSTRAINT_NAME_CLAUSE)?;
    own_word(&child(&clause, SyntaxKind::CONSTRAINT_NAME)?)
}

/// The key columns of a primary key or unique constraint: `None` for `USING INDEX`.
fn key_columns(node: &SyntaxNode) -> Option<Vec<String>> {
    let parameters = child(node, SyntaxKind::INDEX_PARAMETERS)?;
    let list = child(&parameters, SyntaxKind::CONSTRAINT_COLUMN_REF_LIST)?;
    Some(column_refs(&list))
}

/// Every `COLUMN_NAME_REF` under `node`.
fn column_refs(node: &SyntaxNode) -> Vec<String> {
    node.descendants()
        .filter(|part| part.kind() == SyntaxKind::COLUMN_NAME_REF)
        .filter_map(|name| own_word(&name))
        .collect()
}

/// The columns an expression uses (each once, in order): every plain name that is not a
/// function called. `None` when a name is qualified (`t.a`) or the expression holds a
/// subquery: which columns those are is not certain.
fn expression_columns(node: &SyntaxNode) -> Option<Vec<String>> {
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
fn named_columns(node: &SyntaxNode) -> Vec<String> {
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
fn called_functions(node: &SyntaxNode) -> Vec<QualifiedName> {
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
fn renamed_to(old: &QualifiedName, action: &SyntaxNode) -> Option<QualifiedName> {
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
fn is_alter(kind: SyntaxKind) -> bool {
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
fn is_target(kind: SyntaxKind) -> bool {
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
fn target_name(statement: SyntaxKind, node: &SyntaxNode) -> Option<ObjectName> {
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
                .unwrap_or_else(|| node.clone());
            qualified(&name).map(ObjectName::Function)
        }
        SyntaxKind::SCHEMA_REF => own_word(node).map(ObjectName::Schema),
        SyntaxKind::EXTENSION_REF => own_word(node).map(ObjectName::Extension),
        _ => None,
    }
}

/// A type's name, unless the grammar spells it with keywords (`int`, `varchar`,
/// `timestamp with time zone`): those are built in.
fn type_name(node: &SyntaxNode) -> Option<QualifiedName> {
    let path = child(node, SyntaxKind::PATH_REF)?;
    let tokens: Vec<SyntaxToken> = path
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
fn qualified(node: &SyntaxNode) -> Option<QualifiedName> {
    let mut parts = Vec::new();
    collect_segments(node, &mut parts);
    if parts.is_empty() {
        parts.extend(own_word(node));
    }
    qualified_from(parts)
}

fn collect_segments(node: &SyntaxNode, parts: &mut Vec<String>) {
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
fn called_function(call: &SyntaxNode) -> Option<QualifiedName> {
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

fn qualified_from(mut parts: Vec<String>) -> Option<QualifiedName> {
    let name = parts.pop()?;
    Some(QualifiedName {
        schema: parts.pop(),
        name,
    })
}

/// The first child node of `node` of `kind`.
fn child(node: &SyntaxNode, kind: SyntaxKind) -> Option<SyntaxNode> {
    node.children().find(|part| part.kind() == kind)
}

/// The first significant token of `node`, at any depth.
fn first_token(node: &SyntaxNode) -> Option<SyntaxToken> {
    node.descendants_with_tokens()
        .filter_map(|element| element.into_token())
        .find(|token| !is_trivia(token.kind()))
}

/// The identifier a one-word node holds, as PostgreSQL stores it.
fn own_word(node: &SyntaxNode) -> Option<String> {
    first_token(node).map(|token| identifier(&token))
}

fn is_trivia(kind: SyntaxKind) -> bool {
    matches!(kind, SyntaxKind::WHITESPACE | SyntaxKind::COMMENT)
}

/// An identifier token as PostgreSQL stores it: a quoted one unquoted (`""` is `"`), any
/// other folded to lowercase, cut to 63 bytes as PostgreSQL cuts a longer one (with a
/// notice; a later statement may name it cut or not, both mean the same object).
fn identifier(token: &SyntaxToken) -> String {
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

/// The value of a string literal node.
fn string_value(node: &SyntaxNode) -> Option<String> {
    let literal = ast::Literal::cast(node.clone())?;
    let decoded = literal.decoded_value()?;
    Some(decoded.text().to_string())
}

/// A `search_path` value (`a, "B", public`) as schema names; `$user` and `pg_temp` are left
/// out (see `effects.rs` on the approximation).
fn search_path_list(text: &str) -> Vec<String> {
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
fn sequence_name(text: &str) -> Option<QualifiedName> {
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
fn kind_name(kind: SyntaxKind) -> String {
    format!("{kind:?}")
}

/// Why PostgreSQL refuses to run the statement inside a transaction block, as the parser sees
/// it (the lexer's `StatementKind::NoTransaction` is what runs; a differential test holds the
/// two together).
fn no_transaction_reason(node: &SyntaxNode) -> Option<&'static str> {
    let has_token = |node: &SyntaxNode, kind: SyntaxKind| {
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

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use proptest::prelude::*;

    use super::*;
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
}
