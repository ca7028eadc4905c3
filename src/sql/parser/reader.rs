//! `Reader`: what one statement does, read from its syntax tree: what it creates (with the
//! names PostgreSQL gives unnamed constraints), alters, renames, drops and uses, its
//! `search_path`, and what makes it opaque. What the tree says about a name or a constraint is
//! `syntax.rs`'s.

use squawk_parser::EntryPoint;
use squawk_syntax::SyntaxKind;

use super::super::facts::{Created, ObjectName, Opaque, QualifiedName, Rename, StatementFacts};
use super::super::naming::Constraints;
use super::syntax::{
    called_function, called_functions, child, column_constraint, first_token, identifier, is_alter,
    is_sql_language, is_target, is_trivia, kind_name, named_columns, no_transaction_reason,
    own_word, qualified, renamed_to, search_path_list, sequence_name, string_value,
    table_constraint, target_name, type_name,
};
use super::tree::{Node, Tree, Walk};
use super::typed::{self, DoBody};
use crate::object::{SchemaObjectKind, TableObjectKind};

/// What one statement node does (its span is set by the caller).
pub(super) fn statement_facts(node: &Node<'_>) -> StatementFacts {
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
struct Reader<'f, 't> {
    facts: &'f mut StatementFacts,
    handled: Vec<Node<'t>>,
}

impl<'t> Reader<'_, 't> {
    fn statement(&mut self, node: &Node<'t>) {
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
        if child(node, K::OR_REPLACE).is_some() {
            // `CREATE OR REPLACE FUNCTION | PROCEDURE | VIEW | TRIGGER`: the statement's own
            // object (its first create); columns and the like are not replaced.
            if let Some(created) = self.facts.creates.first_mut() {
                created.or_replace = true;
            }
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
            or_replace: false,
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
    fn create_table(&mut self, node: &Node<'t>) {
        let Some(name_node) = child(node, SyntaxKind::TABLE_NAME) else {
            return;
        };
        self.handled.push(name_node);
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
    fn column(&mut self, table: &QualifiedName, node: &Node<'_>, constraints: &mut Constraints) {
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
    fn create_index(&mut self, node: &Node<'t>) {
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
    fn create_simple(&mut self, node: &Node<'t>, name_kind: SyntaxKind, kind: SchemaObjectKind) {
        let Some(name_node) = child(node, name_kind) else {
            return;
        };
        self.handled.push(name_node);
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
    fn create_type(&mut self, node: &Node<'t>) {
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
    fn create_function(&mut self, node: &Node<'t>) {
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
        if !is_sql_language(node) {
            return;
        }
        if let Some(body) = typed::sql_body(node.text()) {
            let (tree, _) = Tree::parse(&body, EntryPoint::SourceFile);
            for statement in tree.root().iter().flat_map(|root| root.children()) {
                let nested = statement_facts(&statement);
                for used in nested.uses {
                    self.used(used);
                }
            }
        }
    }

    /// `CREATE SCHEMA [IF NOT EXISTS] name` or `CREATE SCHEMA AUTHORIZATION role` (named
    /// after the role, unless the role is one only the server resolves).
    fn create_schema(&mut self, node: &Node<'t>) {
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
    fn create_trigger(&mut self, node: &Node<'t>) {
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
    fn alter_table(&mut self, node: &Node<'t>) {
        let Some(target) = child(node, SyntaxKind::TABLE_RELATION_NAME) else {
            return;
        };
        self.handled.push(target);
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
    fn alter_other(&mut self, node: &Node<'t>) {
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
    fn drop(&mut self, node: &Node<'t>) {
        self.facts.cascade |= child(node, SyntaxKind::CASCADE).is_some();
        if node.kind() == SyntaxKind::DROP_TRIGGER {
            let name = child(node, SyntaxKind::TRIGGER_REF).and_then(|name| own_word(&name));
            let table = child(node, SyntaxKind::ON_RELATION);
            if let (Some(name), Some(table)) = (name, table) {
                self.handled.push(table);
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
        let targets: Vec<Node<'_>> = node
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
    fn set(&mut self, node: &Node<'t>) {
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
    fn reset(&mut self, node: &Node<'t>) {
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
    fn do_block(&mut self, node: &Node<'t>) {
        let DoBody::Plpgsql(text) = typed::do_body(node.text()) else {
            self.facts.opaque = Some(Opaque {
                reason: "a DO block in a language other than PL/pgSQL".to_string(),
            });
            return;
        };
        let (tree, errors) = Tree::parse(&text, EntryPoint::Plpgsql);
        if let Some((_, _, message)) = errors.first() {
            self.facts.opaque = Some(Opaque {
                reason: format!("a DO block the parser cannot read: {message}"),
            });
            return;
        }
        let Some(root) = tree.root() else {
            return;
        };
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
        // The rest of the block (conditions, PERFORM, assignments) is read for uses, by a
        // reader of the body's own tree.
        let mut rest = StatementFacts::default();
        Reader {
            facts: &mut rest,
            handled: nested_roots,
        }
        .uses(&root);
        for used in rest.uses {
            self.used(used);
        }
        if rest.search_path.is_some() {
            self.facts.search_path = rest.search_path;
        }
    }

    /// Everything `node` refers to, outside the nodes already read for what they are.
    fn uses(&mut self, node: &Node<'t>) {
        let ctes: Vec<String> = node
            .descendants()
            .filter(|part| part.kind() == SyntaxKind::CTE_NAME)
            .filter_map(|name| own_word(&name))
            .collect();
        node.walk(|current| {
            if self.handled.contains(&current) {
                return Walk::Over;
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
            match object {
                Some(object) => {
                    self.used(object);
                    // A type's modifiers and a call's arguments may use more.
                    if kind == SyntaxKind::PATH_TYPE || kind == SyntaxKind::CALL_EXPR {
                        Walk::Into
                    } else {
                        Walk::Over
                    }
                }
                None => Walk::Into,
            }
        });
    }

    /// A function call: the function, a sequence named in `nextval('…')` (and `currval`,
    /// `setval`), a `search_path` set by `set_config('search_path', '…', …)`.
    fn call(&mut self, node: &Node<'t>) {
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
