//! The order of reading a project: plan.yaml, the listing of files, each migration, then
//! rollbacks, headers and plan.yaml entries applied, dependencies resolved and environments
//! checked, into a [`Reading`]; and `load` / `load_files`, which fail with every problem
//! found. Each step is a sibling file's job.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use super::declared::{FromHeaders, apply_header, apply_manifest};
use super::migrations::{attach_rollbacks, read_migration, set_aside_empty_rollbacks};
use super::problems::manifest_problem;
use super::resolve::{check_environments, resolve_dependencies};
use super::sqitch;
use super::{flyway, folders};
#[cfg(test)]
use crate::diagnostic::InvalidInput;
use crate::diagnostic::{SourceFile, to_source_span};
use crate::parallel;
use crate::project::files::{self, MigrationFile};
use crate::project::layout::{self, Evidence, Layout};
use crate::project::manifest::{MANIFEST_FILE, Manifest, StepSpecKind};
use crate::project::migration::{Migration, MigrationId, Version};
use crate::project::model::Project;
#[cfg(test)]
use crate::project::problem;
use crate::project::problem::Problem;
use crate::project::sections;
use crate::project::source::{self, Folder, ProjectFiles, Source};

/// What reading a project found: the project as far as it could be read, and its problems.
/// Callers that go on to build the graph can then report every problem of a run together.
#[derive(Debug)]
pub(crate) struct Reading {
    /// The project; migrations with unresolvable references keep only the ones that resolved.
    pub project: Project,
    /// Every problem found, in file order.
    pub problems: Vec<Problem>,
}

/// Reads the project in `dir` and fails with every problem found (for the tests of this layer;
/// commands load through `crate::load`, which also prepares the SQL and builds the graph).
#[cfg(test)]
pub(crate) fn load(dir: &Path) -> Result<Project, InvalidInput> {
    loaded(read(dir), &dir.display().to_string())
}

/// Reads a project held in memory (see [`ProjectFiles`]) and fails with every problem found,
/// the same problems `load` finds in a folder holding the same files.
#[cfg(test)]
pub(crate) fn load_files(files: &ProjectFiles) -> Result<Project, InvalidInput> {
    loaded(read_files(files), source::IN_MEMORY)
}

#[cfg(test)]
fn loaded(reading: Reading, what: &str) -> Result<Project, InvalidInput> {
    if reading.problems.is_empty() {
        Ok(reading.project)
    } else {
        Err(InvalidInput::new(
            what,
            reading.problems.into_iter().map(problem::boxed).collect(),
        ))
    }
}

/// The name of a project held in memory in messages (`3 problems in the embedded project`).
pub(crate) fn in_memory_name() -> &'static str {
    source::IN_MEMORY
}

/// Reads the project in `dir`, keeping going after problems so that all of them are found.
pub(crate) fn read(dir: &Path) -> Reading {
    read_from(&Folder::new(dir))
}

/// Reads a project held in memory, as [`read`] reads a folder.
pub(crate) fn read_files(files: &ProjectFiles) -> Reading {
    read_from(files)
}

/// Reads a project from `source`: what [`read`] and [`read_files`] share, and what
/// `ProjectFiles::from_folder` (`recording.rs`) reads through.
pub(in crate::project) fn read_from(source: &dyn Source) -> Reading {
    let dir = source.root();
    let mut problems = Vec::new();
    let manifest = read_manifest(source, &mut problems);
    // A Sqitch project's plan says which files are migrations, in which order, with what
    // dependencies; every other layout is a folder listed.
    let sqitch = sqitch::is_sqitch(source, &manifest).then(|| sqitch::read(source, &mut problems));
    let migrations_dir = match &sqitch {
        Some(project) => project.top_dir.clone(),
        None => folders::migrations_folder(source, &manifest),
    };
    let step_files: Vec<PathBuf> = manifest
        .entries
        .iter()
        .flat_map(|entry| &entry.steps)
        .filter_map(|step| match &step.kind {
            StepSpecKind::SqlFile(path) => Some(path.clone()),
            _ => None,
        })
        .collect();
    let (listing, sqitch) = match sqitch {
        Some(mut project) => (std::mem::take(&mut project.listing), Some(project)),
        None => (
            files::list(
                source,
                &migrations_dir,
                &step_files,
                folders::nesting(source, &manifest, &migrations_dir),
                &mut problems,
            ),
            None,
        ),
    };

    // A second file with an ID already taken is reported, not read.
    let mut first_of_id: IndexMap<&MigrationId, &SourceFile> =
        IndexMap::with_capacity(listing.migrations.len());
    let mut duplicates: Vec<Option<Problem>> = Vec::with_capacity(listing.migrations.len());
    for file in &listing.migrations {
        duplicates.push(match first_of_id.get(&file.id) {
            Some(first) => Some(Problem::DuplicateId {
                id: file.id.to_string(),
                first: first.name().to_string(),
                second: file.source.name().to_string(),
                span: to_source_span(&(0..0)),
                file: file.source.clone(),
            }),
            None => {
                first_of_id.insert(&file.id, &file.source);
                None
            }
        });
    }
    drop(first_of_id);
    let files: Vec<MigrationFile> = listing
        .migrations
        .into_iter()
        .zip(&duplicates)
        .filter(|(_, duplicate)| duplicate.is_none())
        .map(|(file, _)| file)
        .collect();
    // Each file's sections and header are read on its own, in parallel; the problems are then
    // taken in file order, duplicates among them.
    // Handed out one by one (not gathered in one vector) as they move into `migrations`.
    let mut read = parallel::map_owned_iter(files, |file| {
        let mut file_problems = Vec::new();
        let (mut migration, mut header, evidence) = read_migration(file, &mut file_problems);
        if migration.rank.is_some() {
            // A Sqitch script's header says `-- requires: users` for people: the plan is what
            // declares dependencies, and it has been read.
            header.dependencies = None;
            header.requires.clear();
            migration.metadata.clear();
            file_problems
                .retain(|problem| !matches!(problem, Problem::MalformedRequirement { .. }));
        }
        let declared = apply_header(&mut migration, header);
        (migration, declared, evidence, file_problems)
    });
    let mut migrations: IndexMap<MigrationId, Migration> =
        IndexMap::with_capacity(duplicates.len());
    let mut from_headers = FromHeaders::with_capacity(duplicates.len());
    let mut evidence: Vec<Evidence> = Vec::new();
    for duplicate in duplicates {
        if let Some(duplicate) = duplicate {
            problems.push(duplicate);
            continue;
        }
        let Some((migration, declared, file_evidence, file_problems)) = read.next() else {
            break;
        };
        problems.extend(file_problems);
        evidence.extend(file_evidence);
        from_headers.insert(&migration.id, declared);
        migrations.insert(migration.id.clone(), migration);
    }
    evidence.extend(listing.rollbacks.iter().filter_map(|rollback| {
        Some(Evidence {
            tool: rollback.tool?,
            file: rollback.source.clone(),
            span: 0..0,
        })
    }));
    let layout = match &sqitch {
        // Its plan decides, whatever the scripts look like.
        Some(_) => layout::sqitch(),
        None => layout::detect(manifest.layout, &evidence, &mut problems),
    };
    if layout.layout == Layout::Flyway {
        problems.extend(flyway::not_flyway_names(&migrations));
        problems.extend(flyway::duplicate_versions(&migrations));
    }
    let mut project = Project {
        root: dir.to_path_buf(),
        migrations_dir,
        manifest,
        migrations,
        environments: Vec::new(),
        layout,
        tags: IndexMap::new(),
        sqitch_project: None,
    };
    attach_rollbacks(&mut project, listing.rollbacks, &mut problems);
    set_aside_empty_rollbacks(&mut project);
    let mut unresolved = apply_manifest(source, &mut project, from_headers, &mut problems);
    if let Some(sqitch) = sqitch {
        sqitch::apply(&mut project, sqitch, &mut unresolved);
    }
    // Sorted once plan.yaml has said which migrations are repeatable.
    project
        .migrations
        .sort_by(|left_id, left, right_id, right| {
            sort_key(left_id, left).cmp(&sort_key(right_id, right))
        });
    resolve_dependencies(&mut project, unresolved, &mut problems);
    check_environments(&mut project, &mut problems);
    for migration in project.migrations.values() {
        // Without SQL or steps, a file of comments is a no-op (projects keep such files to
        // fill a gap in the numbering); one with nothing at all was most likely left unwritten.
        let unwritten = migration.up_sql().trim().is_empty();
        if !sections::has_sql(migration.up_sql()) && migration.steps.is_empty() && unwritten {
            problems.push(Problem::EmptyMigration {
                id: migration.id.to_string(),
                span: to_source_span(&(migration.up.start..migration.up.start)),
                file: migration.file.clone(),
            });
        }
    }
    Reading { project, problems }
}

/// Where a migration sorts: a plan's own order first (Sqitch's), then by version, those
/// without one after, repeatable ones last.
type SortKey<'a> = (bool, Option<usize>, bool, Option<&'a Version>, &'a str);

fn sort_key<'a>(id: &'a MigrationId, migration: &'a Migration) -> SortKey<'a> {
    (
        migration.is_repeatable(),
        migration.rank,
        migration.version.is_none(),
        migration.version.as_ref(),
        id.as_str(),
    )
}

fn read_manifest(source: &dyn Source, problems: &mut Vec<Problem>) -> Manifest {
    let path = source.root().join(MANIFEST_FILE);
    let bytes = match source.read(&path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Manifest::default_settings();
        }
        Err(error) => {
            problems.push(Problem::Unreadable {
                path,
                reason: error.to_string(),
            });
            return Manifest::default_settings();
        }
    };
    let Some(source) = files::decode(MANIFEST_FILE, bytes, problems) else {
        return Manifest::default_settings();
    };
    match Manifest::parse(source.clone()) {
        Ok(manifest) => manifest,
        Err(manifest_problems) => {
            problems.extend(
                manifest_problems
                    .into_iter()
                    .map(|problem| manifest_problem(problem, &source)),
            );
            Manifest::fallback(source.text())
        }
    }
}
