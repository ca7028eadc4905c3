//! Loading a project: the folder (or the files embedded in a binary) read, its migrations'
//! SQL prepared and checked, and its dependency graph built, with every problem of the input
//! reported together. Every command starts from the [`Loaded`] this returns; nothing here
//! touches a database. Running the prepared SQL is the engine's.

pub(crate) mod cache;

use std::path::Path;
use std::sync::OnceLock;

use crate::diagnostic::InvalidInput;
use crate::graph::Graph;
use crate::infer::{Inference, infer};
use crate::parallel;
use crate::project::stamps::Stamps;
use crate::project::{self, Migration, Project, ProjectFiles};
use crate::sql::script::{self, Script};

/// A project that loaded without a problem: its migrations, its graph, and each migration's
/// SQL prepared as it will run. Only [`load_project`] and [`load_project_files`] make one, so
/// holding one is proof that every migration's SQL (and rollback) can run as written.
#[derive(Debug)]
pub struct Loaded {
    project: Project,
    graph: Graph,
    /// Each migration's, by its number in the project's order (`Project::migration_at`).
    scripts: Vec<Prepared>,
    /// The dependencies the SQL implies, read on first use: parsing every migration is the
    /// cost of `plan show`, `check`, `graph` and `apply`, not of every command.
    inference: OnceLock<Inference>,
}

/// One migration's SQL, prepared.
#[derive(Debug)]
struct Prepared {
    script: Script,
    rollback: Option<Script>,
}

impl Loaded {
    /// The project.
    pub fn project(&self) -> &Project {
        &self.project
    }

    /// Its dependency graph.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// The forward SQL of `migration`, as it will run.
    ///
    /// # Panics
    ///
    /// If `migration` is not one of this project's: a caller's mistake (it mixed projects),
    /// never the input's, as every migration of the project was prepared by load.
    pub fn script(&self, migration: &Migration) -> &Script {
        &self.prepared(migration).script
    }

    /// The rollback SQL of `migration`, as it will run; `None` when it has no rollback.
    ///
    /// # Panics
    ///
    /// As [`Loaded::script`].
    pub fn rollback_script(&self, migration: &Migration) -> Option<&Script> {
        self.prepared(migration).rollback.as_ref()
    }

    /// The dependencies the migrations' SQL implies, compared with the declared graph
    /// (computed once, on first use).
    pub(crate) fn inference(&self) -> &Inference {
        self.inference
            .get_or_init(|| infer(&self.project, &self.graph))
    }

    /// Whether [`Loaded::inference`] has been computed: a test's way to see that a command that
    /// does not need it (an up-to-date apply) leaves it alone.
    #[cfg(test)]
    pub(crate) fn inferred(&self) -> bool {
        self.inference.get().is_some()
    }

    /// The SQL of the migration numbered `index` in the project's order
    /// (`Project::migration_at`): a loaded project prepared every migration, in that order.
    pub(crate) fn script_at(&self, index: usize) -> Option<&Script> {
        self.scripts.get(index).map(|prepared| &prepared.script)
    }

    fn prepared(&self, migration: &Migration) -> &Prepared {
        match self
            .graph
            .index_of(migration.id())
            .and_then(|index| self.scripts.get(index))
        {
            Some(prepared) => prepared,
            None => panic!(
                "migration {} is not one of the loaded project's",
                migration.id()
            ),
        }
    }
}

/// Reads the project in `dir` and builds its graph. Fails with every problem of the input:
/// those of the files and plan.yaml, SQL that cannot run as written, and every dependency
/// cycle among what could be read.
pub fn load_project(dir: &Path) -> Result<Loaded, InvalidInput> {
    checked(project::read(dir), &dir.display().to_string())
}

/// [`load_project`], with the stamps of the read: what the project cache (`cache`) keeps
/// beside whatever a command derives from the project, to know later that it still holds.
pub(crate) fn load_project_stamped(dir: &Path) -> Result<(Loaded, Stamps), InvalidInput> {
    let (reading, stamps) = project::stamps::read_stamped(dir);
    checked(reading, &dir.display().to_string()).map(|loaded| (loaded, stamps))
}

/// [`load_project`] for a project held in memory (one embedded into a binary): the same checks,
/// the same problems.
pub(crate) fn load_project_files(files: &ProjectFiles) -> Result<Loaded, InvalidInput> {
    checked(project::read_files(files), project::in_memory_name())
}

/// The project, its prepared SQL and its graph, or every problem of the input, named after
/// `what`.
fn checked(reading: project::Reading, what: &str) -> Result<Loaded, InvalidInput> {
    let mut problems: Vec<Box<dyn miette::Diagnostic + Send + Sync>> =
        reading.problems.into_iter().map(project::boxed).collect();
    // SQL that cannot run as written (a stray COMMIT, CREATE INDEX CONCURRENTLY mixed with other
    // statements) is bad input too: found now, before any database is touched, and prepared
    // once here for every command that runs or shows it.
    let migrations: Vec<&Migration> = reading.project.migrations().collect();
    // Handed out one by one as they move into `scripts`, never all held twice.
    let prepared = parallel::map_iter(&migrations, |migration| {
        (
            script::prepare(migration),
            script::prepare_rollback(migration),
        )
    });
    // By number, as `Project::migration_at` numbers them: one per migration when no problem
    // was found, the only case that makes a `Loaded`.
    let mut scripts = Vec::with_capacity(migrations.len());
    for (script, rollback) in prepared {
        let script = match script {
            Ok(script) => Some(script),
            Err(problem) => {
                problems.push(Box::new(problem));
                None
            }
        };
        let rollback = match rollback {
            None => Some(None),
            Some(Ok(rollback)) => Some(Some(rollback)),
            Some(Err(problem)) => {
                problems.push(Box::new(problem));
                None
            }
        };
        if let (Some(script), Some(rollback)) = (script, rollback) {
            scripts.push(Prepared { script, rollback });
        }
    }
    match Graph::build(&reading.project) {
        Ok(graph) => {
            problems.extend(
                crate::graph::environment_mismatches(&reading.project, &graph)
                    .into_iter()
                    .map(|mismatch| {
                        Box::new(mismatch) as Box<dyn miette::Diagnostic + Send + Sync>
                    }),
            );
            if problems.is_empty() {
                return Ok(Loaded {
                    project: reading.project,
                    graph,
                    scripts,
                    inference: OnceLock::new(),
                });
            }
        }
        Err(cycles) => problems.extend(
            cycles
                .into_iter()
                .map(|cycle| Box::new(cycle) as Box<dyn miette::Diagnostic + Send + Sync>),
        ),
    }
    Err(InvalidInput::new(what, problems))
}

#[cfg(test)]
mod tests {
    /// The numbers a walk in plan order reads by (`Graph::plan_indices`) name the same
    /// migration in the project, its prepared script and its graph node, repeatable
    /// migrations (listed last) and dependencies that reorder the files included.
    #[test]
    fn a_migration_has_one_number_in_the_project_the_scripts_and_the_graph() {
        let dir = crate::testing::project_dir(&[
            (
                "migrations/001_a.sql",
                "-- depends: 003_c\nCREATE TABLE a (id int);\n",
            ),
            ("migrations/002_b.sql", "CREATE TABLE b (id int);\n"),
            (
                "migrations/003_c.sql",
                "-- depends: none\nCREATE TABLE c (id int);\n",
            ),
            (
                "migrations/R__view.sql",
                "CREATE OR REPLACE VIEW v AS SELECT 1;\n",
            ),
        ]);
        let loaded = match super::load_project(dir.path()) {
            Ok(loaded) => loaded,
            Err(invalid) => panic!("expected a valid project: {invalid:?}"),
        };
        let (project, graph) = (loaded.project(), loaded.graph());
        let indices = graph.plan_indices();
        let by_number: Vec<&str> = indices
            .iter()
            .filter_map(|&index| project.migration_at(index))
            .map(|migration| migration.id().as_str())
            .collect();
        let in_order: Vec<&str> = graph.order().iter().map(|id| id.as_str()).collect();
        assert_eq!(by_number, in_order);
        for (index, migration) in project.migrations().enumerate() {
            assert_eq!(graph.index_of(migration.id()), Some(index));
            // The script held at that number is this migration's own, prepared from its file
            // (each migration of the project holds a different statement).
            let own = crate::sql::script::prepare(migration)
                .unwrap_or_else(|problem| panic!("{}: {problem}", migration.id()));
            assert_eq!(loaded.script_at(index), Some(&own), "{}", migration.id());
            assert!(
                std::ptr::eq(loaded.script(migration), &loaded.scripts[index].script),
                "{}",
                migration.id()
            );
            assert_eq!(
                graph.dependencies_at(index),
                graph.dependencies_of(migration.id())
            );
        }
    }
}
