//! [`Project`]: a project as read, its migrations sorted by version then ID and its settings,
//! and how a reference that a user writes (`--to 004`, `depends: 001_x.sql`) resolves to one of
//! its migrations ([`Resolution`]).
//!
//! Leaves to others: reading the files into a Project (`read.rs`), what one migration holds
//! (`migration.rs`), the plan.yaml settings (`manifest/`).

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use super::layout::DetectedLayout;
use super::manifest::Manifest;
use super::migration::{Migration, MigrationId, Version};
use super::problem;

/// A project: its migrations, sorted by version then ID, and its settings.
#[derive(Clone, Debug)]
pub struct Project {
    pub(super) root: PathBuf,
    pub(super) migrations_dir: PathBuf,
    pub(super) manifest: Manifest,
    pub(super) migrations: IndexMap<MigrationId, Migration>,
    pub(super) environments: Vec<String>,
    pub(super) layout: DetectedLayout,
    /// References by tag and what each names: Sqitch's `@v1.0` (the change the tag follows)
    /// and `name@v1.0` (that change as of the tag: of a reworked change, the instance the tag
    /// saw).
    pub(super) tags: IndexMap<String, MigrationId>,
    /// The project name a Sqitch plan declares (`%project=flipr`), for a Sqitch project.
    pub(super) sqitch_project: Option<String>,
}

/// How a reference (`--to 004`, `depends: 001_x.sql`) matched the project's migrations.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Resolution<'a> {
    /// Exactly one migration.
    Found(&'a MigrationId),
    /// A version shared by several migrations.
    Ambiguous(Vec<&'a MigrationId>),
    /// Nothing; the closest ID, if one is close.
    Missing(Option<&'a MigrationId>),
}

impl Project {
    /// The project folder (`.` for a project held in memory): `command:` steps run in it.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Which tool's layout the migrations folder follows, and why.
    pub fn layout(&self) -> &DetectedLayout {
        &self.layout
    }

    /// The project name its Sqitch plan declares (`%project=flipr`); `None` unless the project
    /// is a Sqitch one whose plan was read.
    pub(crate) fn sqitch_project(&self) -> Option<&str> {
        self.sqitch_project.as_deref()
    }

    /// The migrations folder.
    pub fn migrations_dir(&self) -> &Path {
        &self.migrations_dir
    }

    /// The settings from plan.yaml (defaults without one).
    pub(crate) fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The migrations, sorted by numeric version then ID (no dependency order: see `graph`).
    pub fn migrations(&self) -> impl ExactSizeIterator<Item = &Migration> {
        self.migrations.values()
    }

    /// The migration at `index` in [`Project::migrations`]' order: what the graph's nodes and
    /// the loaded scripts are numbered by (`Graph::plan_indices`), so that a walk in plan
    /// order need not hash each ID again.
    pub(crate) fn migration_at(&self, index: usize) -> Option<&Migration> {
        self.migrations
            .get_index(index)
            .map(|(_, migration)| migration)
    }

    /// The migration with this ID.
    pub fn migration(&self, id: &MigrationId) -> Option<&Migration> {
        self.migrations.get(id)
    }

    /// Environment names: those plan.yaml declares, or else every name a migration is limited to.
    pub fn environments(&self) -> &[String] {
        &self.environments
    }

    /// Resolves a reference as users write one: the ID, the ID with `.sql`, or a version
    /// (`004`, `4`, `1.2`, `V1.2`) that only one migration has.
    pub(crate) fn resolve(&self, reference: &str) -> Resolution<'_> {
        let reference = reference.trim();
        if let Some((id, _)) = self.migrations.get_key_value(reference) {
            return Resolution::Found(id);
        }
        // A tag (`@v1.0`) stands for the migration it follows; `name@tag` for that migration
        // as of the tag.
        if let Some(tagged) = self.tags.get(reference) {
            return Resolution::Found(tagged);
        }
        for suffix in [".up.sql", ".sql"] {
            if let Some(stem) = reference.strip_suffix(suffix)
                && let Some((id, _)) = self.migrations.get_key_value(stem)
            {
                return Resolution::Found(id);
            }
        }
        // A version: `004`, `4`, or a dotted one (`1.2`, Flyway's `V1.2` and `V1_2`).
        let written = reference
            .strip_prefix(['V', 'v'])
            .filter(|rest| rest.starts_with(|first: char| first.is_ascii_digit()))
            .unwrap_or(reference);
        if let Some(wanted) = Version::dotted(written) {
            let wanted = Some(wanted);
            let matches: Vec<&MigrationId> = self
                .migrations
                .values()
                .filter(|migration| {
                    migration.version().map(Version::significant)
                        == wanted.as_ref().map(Version::significant)
                })
                .map(Migration::id)
                .collect();
            match matches.len() {
                0 => {}
                1 => return Resolution::Found(matches[0]),
                _ => return Resolution::Ambiguous(matches),
            }
        }
        let ids: Vec<&str> = self.migrations.keys().map(MigrationId::as_str).collect();
        let closest = crate::diagnostic::closest(reference.trim_end_matches(".sql"), ids)
            .and_then(|id| self.migrations.get_key_value(id).map(|(id, _)| id));
        Resolution::Missing(closest)
    }

    /// The known environments, checked against `name`: `Err` carries a help line.
    pub(crate) fn check_environment(&self, name: &str) -> Result<(), String> {
        if self.environments.iter().any(|known| known == name) {
            return Ok(());
        }
        let names: Vec<&str> = self.environments.iter().map(String::as_str).collect();
        Err(problem::suggestion(name, &names, "known environments"))
    }
}
