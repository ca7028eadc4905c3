//! The walk: every migration's effects read in plan order, each object it uses matched with
//! the migration that creates it, and each edge that implies compared with the declared graph.
//!
//! A migration needs what it reads or refers to (`uses`), alters and renames.
//! What counts as given, never an edge: an object the migration creates itself, one its
//! `requires` lists, and anything no migration creates (a built-in, an object made outside
//! the plan). Opaque statements (dynamic SQL, a parse error) are never guessed from: neither
//! what they create nor what they use counts; they are listed ([`OpaqueStatement`]) so that
//! `plan check` can say so. When several migrations create the same object (one dropped it
//! in between), the use is matched with the last creator before it in plan order, else with
//! the first after it, unless that one drops the object before creating it (the object was
//! there before it). A rename creates its new name.

use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::ops::Range;

use indexmap::{Equivalent, IndexMap};
use rustc_hash::FxHasher;
use smallvec::SmallVec;

use crate::diagnostic::{Origin, SourceFile};
use crate::graph::Graph;
use crate::object::{ObjectKey, SchemaObjectKind};
use crate::parallel;
use crate::project::{Migration, MigrationId, Project, Requirement};
use crate::sql::{SqlText, StatementEffects, statement_effects};

/// Every dependency the SQL implies, and the statements it could not read.
#[derive(Debug, Default)]
pub(crate) struct Inference {
    /// One edge per (creator, user) pair, named after the first use, in the user's plan
    /// order then the creator's.
    pub edges: Vec<InferredEdge>,
    /// Statements whose effects could not be read, in plan order.
    pub opaque: Vec<OpaqueStatement>,
    /// Where each user's edges are in `edges` (they are consecutive): `plan show` asks for
    /// every migration's, and a scan of all edges for each was quadratic.
    by_user: Index<MigrationId, Range<usize>>,
}

/// `user` uses `object`, which `creator` creates.
#[derive(Clone, Debug)]
pub(crate) struct InferredEdge {
    /// The migration that creates the object.
    pub creator: MigrationId,
    /// The migration that uses it.
    pub user: MigrationId,
    /// The object, as the creator creates it (`table public.orders`).
    pub object: ObjectKey,
    /// Where the user uses it: the name in the statement when it can be found, else the
    /// statement.
    pub at: Origin,
    /// What the declared graph says of the edge.
    pub standing: Standing,
}

/// What the declared graph says of an inferred edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Standing {
    /// The user already depends on the creator, directly or through others.
    Declared,
    /// The creator comes first in plan order, but the user does not depend on it: `--to`
    /// the user leaves it out.
    Missing,
    /// The creator comes after the user in plan order: the order is wrong.
    UsedBeforeCreated,
}

/// A statement `plan` could not read, so inferred nothing from.
#[derive(Clone, Debug)]
pub(crate) struct OpaqueStatement {
    /// Its migration.
    pub migration: MigrationId,
    /// Where it is.
    pub at: Origin,
    /// Why it is opaque.
    pub reason: String,
}

impl Inference {
    /// The edges the declared graph does not imply: the problems.
    pub(crate) fn problems(&self) -> impl Iterator<Item = &InferredEdge> {
        self.edges
            .iter()
            .filter(|edge| edge.standing != Standing::Declared)
    }

    /// The problems among the edges into `user`.
    pub(crate) fn problems_of<'a>(
        &'a self,
        user: &'a MigrationId,
    ) -> impl Iterator<Item = &'a InferredEdge> {
        let edges = match self.by_user.get(user) {
            Some(range) => self.edges.get(range.clone()).unwrap_or_default(),
            None => &[],
        };
        edges
            .iter()
            .filter(|edge| edge.standing != Standing::Declared)
    }
}

/// A migration that creates an object.
#[derive(Clone, Copy)]
struct Creation {
    /// Its position in plan order.
    position: usize,
    /// Whether it dropped the object before creating it: then the object was there before
    /// it (made outside the plan, or by code `plan` could not read), and an earlier use is
    /// of that one, not a use before creation.
    recreates: bool,
}

/// An object a migration creates (or renames to), as found by its name.
struct Made<'k> {
    key: &'k ObjectKey,
    creation: Creation,
}

/// A map by hashed key, for lookups only (never iterated, so its order never reaches output):
/// FxHash, since SipHash's resistance to chosen keys buys nothing for names read from the
/// project's own files and cost a third of the walk.
type Index<K, V> = IndexMap<K, V, BuildHasherDefault<FxHasher>>;

/// Who made each name ([`Made`]), by schema, table and name: one maker inline, since nearly
/// every name has one, and the index holds an entry for every object the project creates.
type ByName<'k> = Index<Named<'k>, SmallVec<[Made<'k>; 1]>>;

/// An object in [`ByName`], hashed and compared by its [`name_parts`] alone: the key is the
/// object itself (one pointer) rather than its three parts (48 bytes, 2.6 MB of the index
/// at 10,000 migrations).
#[derive(Clone, Copy)]
struct Named<'k>(&'k ObjectKey);

impl Hash for Named<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        name_parts(self.0).hash(state);
    }
}

impl PartialEq for Named<'_> {
    fn eq(&self, other: &Self) -> bool {
        name_parts(self.0) == name_parts(other.0)
    }
}

impl Eq for Named<'_> {}

/// What a use looks [`ByName`] up by: the same hash and comparison as [`Named`], for a key
/// that need not live as long as the index's.
struct NameOf<'q>(&'q ObjectKey);

impl Hash for NameOf<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        Named(self.0).hash(state);
    }
}

impl<'k> Equivalent<Named<'k>> for NameOf<'_> {
    fn equivalent(&self, named: &Named<'k>) -> bool {
        name_parts(self.0) == name_parts(named.0)
    }
}

/// Every object dropped so far, by schema, table and name, with the position of the migration
/// that dropped it.
type Dropped<'k> = Index<(&'k str, &'k str, &'k str), Vec<(&'k ObjectKey, usize)>>;

/// What the walk needs of one migration's statements, taken from each as it is read, on the
/// thread that read it: holding every statement's effects of 10,000 migrations until the walk
/// was most of `plan show`'s memory, and freeing them on another thread a tenth of the walk.
struct Summary<'p> {
    migration: &'p Migration,
    /// What its readable statements create or rename to, in statement order.
    made: Vec<MadeHere>,
    /// What its readable statements drop, in order.
    drops: Vec<ObjectKey>,
    /// What it needs of other migrations, each object once, at its first use: a later use of
    /// the same object finds the same creator, which already has its edge. What its
    /// `requires` lists and what it creates itself are left out (both are given).
    needs: Vec<Need>,
    /// Its opaque statements.
    opaque: Vec<OpaqueStatement>,
}

/// An object a migration creates (or renames to), before the walk knows whether an earlier
/// migration made it.
struct MadeHere {
    key: ObjectKey,
    /// Written `CREATE OR REPLACE`, and not dropped earlier by the same migration: when an
    /// earlier migration made it and nothing dropped it since, this changes that one.
    replaces: bool,
    /// The migration dropped it before creating it.
    recreates: bool,
}

/// An object a migration uses, and the statement that first uses it.
struct Need {
    key: ObjectKey,
    text: SqlText,
    span: Range<usize>,
}

/// Walks `project` in `graph`'s order and infers every dependency its SQL implies.
pub(crate) fn infer(project: &Project, graph: &Graph) -> Inference {
    // By number, not by ID: in plan order, hashing each ID sent the lookups all over memory.
    let migrations: Vec<&Migration> = graph
        .plan_indices()
        .into_iter()
        .filter_map(|index| project.migration_at(index))
        .collect();
    // Parsing is most of the walk's time: in parallel, each migration summed up as it is read.
    let read = parallel::map(&migrations, |migration| summary_of(migration));
    // Who creates what, in plan order, and whether that migration dropped it first, by
    // schema, table and name whatever the kind: a use finds its candidates here without
    // building a key for every kind a relation could be.
    let mut by_name: ByName<'_> = Index::default();
    // Exactly: `reserve` rounds the entries up to the hash table's capacity, up to 7/8 of a
    // power of two, which at 10,000 migrations was 2.3 MB of entries never used.
    by_name.reserve_exact(read.iter().map(|summary| summary.made.len()).sum());
    // Every drop by an earlier migration, by name, with its migration's position: whether
    // what a `CREATE OR REPLACE` replaces is still there. (A drop earlier in the same
    // migration already makes the create a re-creation, `MadeHere::replaces` false.)
    let mut drops_by_name: Dropped<'_> = Index::default();
    for (position, summary) in read.iter().enumerate() {
        for made in &summary.made {
            let key = &made.key;
            let same_name = by_name.entry(Named(key)).or_default();
            // `CREATE OR REPLACE` of what an earlier migration made changes that one: its
            // users still need the first creator, not this one.
            let replaced = made.replaces && still_there(key, position, same_name, &drops_by_name);
            if !replaced
                && !same_name
                    .iter()
                    .any(|made| made.creation.position == position && made.key == key)
            {
                same_name.push(Made {
                    key,
                    creation: Creation {
                        position,
                        recreates: made.recreates,
                    },
                });
            }
        }
        for drop in &summary.drops {
            drops_by_name
                .entry(name_parts(drop))
                .or_default()
                .push((drop, position));
        }
    }
    // Each user's edges depend only on the index: found in parallel, then taken in order.
    let positions: Vec<usize> = (0..read.len()).collect();
    let found = parallel::map(&positions, |&position| {
        edges_of(position, &read, &by_name, graph)
    });
    let mut inference = Inference::default();
    for (edges, user) in found.into_iter().zip(&read) {
        let first = inference.edges.len();
        inference.edges.extend(edges);
        if inference.edges.len() > first {
            inference
                .by_user
                .insert(user.migration.id().clone(), first..inference.edges.len());
        }
    }
    drop(by_name);
    drop(drops_by_name);
    for summary in read {
        inference.opaque.extend(summary.opaque);
    }
    inference
}

/// What the walk needs of `migration`'s statements (see [`Summary`]).
fn summary_of(migration: &Migration) -> Summary<'_> {
    let mut summary = Summary {
        migration,
        made: Vec::new(),
        drops: Vec::new(),
        needs: Vec::new(),
        opaque: Vec::new(),
    };
    // Every use, once, with its statement: filtered once all of the migration's creations
    // are known (a use may come before its creation in the same migration).
    let mut uses: Index<ObjectKey, (SqlText, Range<usize>)> = Index::default();
    statement_effects(migration, |statement| {
        if let Some(reason) = statement.opaque {
            // Opaque statements are never guessed from: neither what they make nor use.
            summary.opaque.push(OpaqueStatement {
                migration: migration.id().clone(),
                at: origin_of(migration, statement.text, &statement.span, None),
                reason,
            });
            return;
        }
        let StatementEffects {
            text,
            span,
            creates,
            replaces,
            alters,
            renames,
            drops,
            uses: used,
            ..
        } = statement;
        let (renamed_from, renamed_to): (Vec<ObjectKey>, Vec<ObjectKey>) = renames
            .into_iter()
            .map(|rename| (rename.from, rename.to))
            .unzip();
        let dropped = |key: &ObjectKey| {
            summary
                .drops
                .iter()
                .any(|drop| drop == key || drop.names(key))
        };
        // A rename makes its new name as much as a create does.
        for key in creates.into_iter().chain(renamed_to) {
            let recreates = dropped(&key);
            summary.made.push(MadeHere {
                replaces: !recreates && replaces.contains(&key),
                recreates,
                key,
            });
        }
        // Altering, replacing or renaming an object needs it as much as reading it does.
        let needed = used
            .into_iter()
            .chain(alters)
            .chain(replaces)
            .chain(renamed_from);
        for key in needed {
            uses.entry(key).or_insert_with(|| (text, span.clone()));
        }
        summary.drops.extend(drops);
    });
    // What it makes itself, `CREATE OR REPLACE` aside (whether that makes anything depends on
    // the migrations before it), is its own wherever the use is.
    let own = |used: &ObjectKey| {
        summary
            .made
            .iter()
            .any(|made| !made.replaces && used.names(&made.key))
    };
    let needs: Vec<Need> = uses
        .into_iter()
        .filter(|(key, _)| !required(migration, key) && !own(key))
        .map(|(key, (text, span))| Need { key, text, span })
        .collect();
    summary.needs = needs;
    // Held until every migration is read: without the room they grew into.
    summary.made.shrink_to_fit();
    summary.drops.shrink_to_fit();
    summary
}

/// The edges into the migration at `position`, one per creator, in the creators' plan order.
fn edges_of(
    position: usize,
    read: &[Summary<'_>],
    by_name: &ByName<'_>,
    graph: &Graph,
) -> Vec<InferredEdge> {
    let user = &read[position];
    let mut found: IndexMap<usize, InferredEdge> = IndexMap::new();
    for need in &user.needs {
        let Some((creator, object)) = creator_of(&need.key, position, by_name) else {
            continue;
        };
        if found.contains_key(&creator) {
            continue;
        }
        let creator_id = read[creator].migration.id();
        let standing = if creator > position {
            Standing::UsedBeforeCreated
        } else if graph.depends_on(user.migration.id(), creator_id) {
            Standing::Declared
        } else {
            Standing::Missing
        };
        found.insert(
            creator,
            InferredEdge {
                creator: creator_id.clone(),
                user: user.migration.id().clone(),
                object: object.clone(),
                at: origin_of(user.migration, need.text, &need.span, Some(&need.key)),
                standing,
            },
        );
    }
    found.sort_keys();
    found.into_values().collect()
}

/// Whether the migration's `requires` lists `used`: then it is given.
fn required(migration: &Migration, used: &ObjectKey) -> bool {
    migration
        .requires()
        .iter()
        .any(|prerequisite| match (&prerequisite.requirement, used) {
            (Requirement::Schema { schema }, ObjectKey::Schema(name)) => schema == name,
            (Requirement::Extension { extension }, ObjectKey::Extension(name)) => extension == name,
            (
                Requirement::Table { schema, table },
                ObjectKey::InSchema {
                    kind,
                    schema: used_schema,
                    name,
                },
            ) => {
                matches!(
                    kind,
                    SchemaObjectKind::Table | SchemaObjectKind::View | SchemaObjectKind::Relation
                ) && schema == used_schema
                    && table == name
            }
            (
                Requirement::Column {
                    schema,
                    table,
                    column,
                },
                ObjectKey::OfTable {
                    schema: used_schema,
                    table: used_table,
                    name,
                    ..
                },
            ) => schema == used_schema && table == used_table && column == name,
            _ => false,
        })
}

/// The migration (by plan position) that creates what `used` names, as seen from
/// `position`: the last creator before it, else the first after it unless that one drops
/// it first (then the use is of an object that was there before it); and the key it
/// creates. `None` when no other migration creates it, or when the migration at `position`
/// creates it itself (before or after the use: either way it is not another migration's).
fn creator_of<'k>(
    used: &ObjectKey,
    position: usize,
    by_name: &ByName<'k>,
) -> Option<(usize, &'k ObjectKey)> {
    let candidates = by_name
        .get(&NameOf(used))?
        .iter()
        .filter(|made| used.names(made.key));
    let mut before: Option<&Made<'k>> = None;
    let mut after: Option<&Made<'k>> = None;
    for made in candidates {
        let at = made.creation.position;
        if at == position {
            return None;
        }
        if at < position && before.is_none_or(|best| at > best.creation.position) {
            before = Some(made);
        }
        if at > position && after.is_none_or(|best| at < best.creation.position) {
            after = Some(made);
        }
    }
    let after = after.filter(|made| !made.creation.recreates);
    before
        .or(after)
        .map(|made| (made.creation.position, made.key))
}

/// Whether `key`, as the migration at `position` finds it, was made by an earlier migration
/// and not dropped since (a drop in the creator's own migration counts as after it).
fn still_there(
    key: &ObjectKey,
    position: usize,
    same_name: &[Made<'_>],
    drops_by_name: &Dropped<'_>,
) -> bool {
    let created = same_name
        .iter()
        .filter(|made| made.creation.position < position && made.key == key)
        .map(|made| made.creation.position)
        .max();
    let dropped = drops_by_name
        .get(&name_parts(key))
        .into_iter()
        .flatten()
        .filter(|(drop, _)| *drop == key || drop.names(key))
        .map(|(_, at)| *at)
        .max();
    match (created, dropped) {
        (Some(created), Some(dropped)) => created > dropped,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// The schema, the table and the name an object is found by, whatever its kind (empty parts
/// for what it has not): a relation used without its kind and the table, view or sequence
/// created share them.
fn name_parts(key: &ObjectKey) -> (&str, &str, &str) {
    match key {
        ObjectKey::Schema(name) | ObjectKey::Extension(name) | ObjectKey::Unparsed(name) => {
            ("", "", name)
        }
        ObjectKey::InSchema { schema, name, .. }
        | ObjectKey::Function { schema, name }
        | ObjectKey::Overload { schema, name, .. } => (schema, "", name),
        ObjectKey::OfTable {
            schema,
            table,
            name,
            ..
        } => (schema, table, name),
    }
}

/// Where the statement at `statement` in `text` of `migration` is, narrowed to the first mention of `used`'s name in it
/// when there is one.
fn origin_of(
    migration: &Migration,
    text: SqlText,
    statement: &Range<usize>,
    used: Option<&ObjectKey>,
) -> Origin {
    let (file, base) = match text {
        SqlText::Up => (migration.file().clone(), migration.up_offset()),
        SqlText::Step(index) => match migration.steps().get(index) {
            // A step's SQL is in plan.yaml or a file of its own: point at its declaration.
            Some(step) => return step.origin.clone(),
            None => (migration.file().clone(), migration.up_offset()),
        },
    };
    let span = base + statement.start..base + statement.end;
    let span = used
        .and_then(|used| mention(&file, &span, used))
        .unwrap_or_else(|| span.start..span.start + statement_head(&file, &span));
    Origin::new(file, span)
}

/// The length of a statement's first line, so that a label does not run over the whole
/// statement.
fn statement_head(file: &SourceFile, span: &std::ops::Range<usize>) -> usize {
    let text = file.text().get(span.clone()).unwrap_or_default();
    text.find('\n').unwrap_or(text.len())
}

/// The span of the first mention of `used`'s own name in `span` of `file`, compared without
/// case (names are folded; a quoted one may not be found, and then the statement is shown).
fn mention(
    file: &SourceFile,
    span: &std::ops::Range<usize>,
    used: &ObjectKey,
) -> Option<std::ops::Range<usize>> {
    let name = match used {
        ObjectKey::Schema(name) | ObjectKey::Extension(name) => name,
        ObjectKey::InSchema { name, .. }
        | ObjectKey::Function { name, .. }
        | ObjectKey::Overload { name, .. }
        | ObjectKey::OfTable { name, .. } => name,
        ObjectKey::Unparsed(_) => return None,
    };
    let text = file.text().get(span.clone())?.as_bytes();
    let needle = name.as_bytes();
    let word = |at: usize| {
        text.get(at)
            .is_some_and(|byte| byte.is_ascii_alphanumeric() || *byte == b'_')
    };
    // Compared in place, without case: this runs for every edge, declared ones included.
    (0..=text.len().checked_sub(needle.len())?)
        .find(|&start| {
            let end = start + needle.len();
            text[start..end].eq_ignore_ascii_case(needle)
                && (start == 0 || !word(start - 1))
                && !word(end)
        })
        .map(|start| span.start + start..span.start + start + needle.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load_project;
    use crate::testing::project_dir;

    /// The inferred edges of the project of `files` (each `standing creator -> user: object at
    /// file:line`), then its opaque statements (`opaque user at file:line: reason`).
    fn check(files: &[(&str, &str)], expect: &[&str]) {
        let dir = project_dir(files);
        let loaded = match load_project(dir.path()) {
            Ok(loaded) => loaded,
            Err(invalid) => panic!("expected a valid project: {invalid:?}"),
        };
        let inference = loaded.inference();
        let mut lines: Vec<String> = inference
            .edges
            .iter()
            .map(|edge| {
                let standing = match edge.standing {
                    Standing::Declared => "declared",
                    Standing::Missing => "missing",
                    Standing::UsedBeforeCreated => "used before created",
                };
                format!(
                    "{standing} {} -> {}: {} at {}",
                    edge.creator,
                    edge.user,
                    edge.object,
                    edge.at.location()
                )
            })
            .collect();
        lines.extend(inference.opaque.iter().map(|opaque| {
            format!(
                "opaque {} at {}: {}",
                opaque.migration,
                opaque.at.location(),
                opaque.reason
            )
        }));
        assert_eq!(lines, expect);
    }

    const ROOT: (&str, &str) = (
        "migrations/001_base.sql",
        "-- depends: none\nCREATE SCHEMA app;\n",
    );
    const ORDERS: (&str, &str) = (
        "migrations/005_orders.sql",
        "-- depends: 001_base\nCREATE TABLE orders (id int PRIMARY KEY);\nCREATE TYPE mood AS ENUM ('ok');\nCREATE FUNCTION total() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n",
    );

    fn user(sql: &str) -> String {
        format!("-- depends: 001_base\n\n{sql}")
    }

    #[test]
    fn a_use_of_another_migrations_table_without_a_path_is_missing() {
        for sql in [
            "SELECT 1;\nCREATE VIEW v AS SELECT * FROM orders;\n",
            "SELECT 1;\nCREATE TABLE lines (o int REFERENCES orders (id));\n",
            "SELECT 1;\nALTER TABLE orders ADD COLUMN note text;\n",
        ] {
            check(
                &[ROOT, ORDERS, ("migrations/007_x.sql", &user(sql))],
                &["missing 005_orders -> 007_x: table public.orders at migrations/007_x.sql:4"],
            );
        }
        check(
            &[
                ROOT,
                ORDERS,
                ("migrations/007_x.sql", &user("CREATE TABLE t (m mood);\n")),
            ],
            &["missing 005_orders -> 007_x: type public.mood at migrations/007_x.sql:3"],
        );
        check(
            &[
                ROOT,
                ORDERS,
                ("migrations/007_x.sql", &user("SELECT total();\n")),
            ],
            &["missing 005_orders -> 007_x: function public.total at migrations/007_x.sql:3"],
        );
    }

    #[test]
    fn a_declared_path_makes_the_edge_declared_and_sequences_imply_every_earlier_one() {
        check(
            &[
                ROOT,
                ORDERS,
                (
                    "migrations/006_mid.sql",
                    "-- depends: 005_orders\nSELECT 1;\n",
                ),
                (
                    "migrations/007_x.sql",
                    "-- depends: 006_mid\nCREATE VIEW v AS SELECT * FROM orders;\n",
                ),
            ],
            &["declared 005_orders -> 007_x: table public.orders at migrations/007_x.sql:2"],
        );
        check(
            &[
                ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
                ("migrations/002_b.sql", "SELECT 1;\n"),
                ("migrations/003_c.sql", "INSERT INTO a VALUES (1);\n"),
            ],
            &["declared 001_a -> 003_c: table public.a at migrations/003_c.sql:1"],
        );
    }

    #[test]
    fn a_creator_after_the_user_is_a_use_before_creation() {
        check(
            &[
                ("migrations/001_a.sql", "INSERT INTO later VALUES (1);\n"),
                ("migrations/002_b.sql", "CREATE TABLE later (id int);\n"),
            ],
            &["used before created 002_b -> 001_a: table public.later at migrations/001_a.sql:1"],
        );
    }

    #[test]
    fn own_creations_requires_and_built_ins_are_given() {
        check(
            &[
                ROOT,
                ORDERS,
                (
                    "migrations/007_x.sql",
                    "-- depends: 001_base\n-- requires: table public.orders\nCREATE TABLE mine (id int);\nCREATE VIEW v AS SELECT now(), * FROM orders, mine;\n",
                ),
            ],
            &[],
        );
    }

    #[test]
    fn opaque_statements_are_listed_and_never_guessed_from() {
        check(
            &[
                ROOT,
                ORDERS,
                (
                    "migrations/007_x.sql",
                    "-- depends: 001_base\nDO $$ BEGIN EXECUTE format('INSERT INTO orders VALUES (%s)', 1); END $$;\n",
                ),
            ],
            &["opaque 007_x at migrations/007_x.sql:2: dynamic SQL (EXECUTE) in a DO block"],
        );
    }

    #[test]
    fn the_last_creator_before_the_use_is_the_one() {
        check(
            &[
                ("migrations/001_a.sql", "CREATE TABLE t (id int);\n"),
                (
                    "migrations/002_b.sql",
                    "DROP TABLE t;\nCREATE TABLE t (id int);\n",
                ),
                ("migrations/003_c.sql", "SELECT * FROM t;\n"),
            ],
            // A drop is not a use: `DROP … IF EXISTS` needs nothing.
            &["declared 002_b -> 003_c: table public.t at migrations/003_c.sql:1"],
        );
    }
    #[test]
    fn a_create_or_replace_of_an_earlier_object_changes_it_and_makes_nothing() {
        let function = "CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n";
        check(
            &[
                (
                    "migrations/001_a.sql",
                    &format!("-- depends: none\n{function}"),
                ),
                (
                    "migrations/002_b.sql",
                    &format!("-- depends: 001_a\n{function}CREATE VIEW v AS SELECT 1 AS one;\n"),
                ),
                (
                    "migrations/003_c.sql",
                    "-- depends: 001_a\nCREATE TABLE t (id int);\nCREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION touch();\n",
                ),
                (
                    "migrations/004_d.sql",
                    "-- depends: 002_b\nCREATE OR REPLACE VIEW v AS SELECT 2 AS one;\n",
                ),
            ],
            // 003 needs the function 001 made (002 only replaced it); 004 replaces 002's view.
            &[
                "declared 001_a -> 002_b: function public.touch at migrations/002_b.sql:2",
                "declared 001_a -> 003_c: function public.touch at migrations/003_c.sql:3",
                "declared 002_b -> 004_d: view public.v at migrations/004_d.sql:2",
            ],
        );
        // Once dropped, a `CREATE OR REPLACE` makes it again.
        check(
            &[
                (
                    "migrations/001_a.sql",
                    &format!("-- depends: none\n{function}"),
                ),
                (
                    "migrations/002_b.sql",
                    "-- depends: 001_a\nDROP FUNCTION touch();\n",
                ),
                (
                    "migrations/003_c.sql",
                    &format!("-- depends: 002_b\n{function}"),
                ),
                (
                    "migrations/004_d.sql",
                    "-- depends: 001_a\nSELECT touch();\n",
                ),
            ],
            &["missing 003_c -> 004_d: function public.touch at migrations/004_d.sql:2"],
        );
    }

    #[test]
    fn a_rename_makes_its_new_name() {
        check(
            &[
                (
                    "migrations/001_a.sql",
                    "-- depends: none\nCREATE TABLE a (id int);\n",
                ),
                (
                    "migrations/002_b.sql",
                    "-- depends: 001_a\nALTER TABLE a RENAME TO b;\nINSERT INTO b VALUES (1);\n",
                ),
                (
                    "migrations/003_c.sql",
                    "-- depends: 001_a\nINSERT INTO b VALUES (1);\n",
                ),
                (
                    "migrations/004_d.sql",
                    "-- depends: 003_c\nCREATE TABLE b (id int);\n",
                ),
            ],
            &[
                "declared 001_a -> 002_b: table public.a at migrations/002_b.sql:2",
                "missing 002_b -> 003_c: table public.b at migrations/003_c.sql:2",
            ],
        );
    }

    #[test]
    fn a_later_migration_that_drops_and_recreates_is_not_the_first_creator() {
        // 001 made `t` in code plan cannot read; 003 drops and recreates it: 002's use is of
        // 001's `t`, not a use before 003 creates it.
        check(
            &[
                (
                    "migrations/001_a.sql",
                    "DO $$ BEGIN EXECUTE 'CREATE TABLE t (id int)'; END $$;\n",
                ),
                ("migrations/002_b.sql", "INSERT INTO t VALUES (1);\n"),
                (
                    "migrations/003_c.sql",
                    "DROP TABLE t;\nCREATE TABLE t (id int);\n",
                ),
            ],
            &["opaque 001_a at migrations/001_a.sql:1: dynamic SQL (EXECUTE) in a DO block"],
        );
    }
}
