//! A Sqitch project read into what the pipeline takes from any folder: its changes as migration
//! files in the plan's order (`deploy/`), their rollbacks (`revert/`), their dependencies and
//! conflicts as the plan declares them (`[a b !c]`, pointing at the plan's line), its tags
//! (`@v1.0`, usable as `--to` targets) and its verify scripts, run after each change's deploy
//! script in the same transaction (inside a savepoint rolled back after it, so what a verify
//! script does is undone as its own `BEGIN; … ROLLBACK;` meant).
//!
//! Sqitch's file syntax is `sqitch/`'s; this file only maps it onto plan's model.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use super::declared::{Unresolved, UnresolvedDependencies};
use crate::diagnostic::{Origin, SourceFile, to_source_span};
use crate::project::files::{self, FileRole, Listing, MigrationFile, RollbackFile};
use crate::project::header::Written;
use crate::project::layout::Layout;
use crate::project::manifest::Manifest;
use crate::project::migration::{
    Dependency, MigrationId, MigrationKind, SqlSource, Step, StepKind,
};
use crate::project::model::Project;
use crate::project::problem::Problem;
use crate::project::source::Source;
use crate::project::sqitch::{self, SqitchChange, SqitchConfig, SqitchPlan};

/// The configuration file Sqitch reads in a project folder.
const CONFIG_FILE: &str = "sqitch.conf";

/// What a Sqitch project gives the pipeline.
#[derive(Default)]
pub(super) struct SqitchProject {
    /// Where the scripts are: the migrations folder, for messages.
    pub(super) top_dir: PathBuf,
    /// The changes (in plan order, `rank` set) and their revert scripts.
    pub(super) listing: Listing,
    /// Each change's `[requires]`, as references the pipeline resolves.
    pub(super) dependencies: Vec<(MigrationId, Vec<Unresolved>)>,
    /// Each change's `[!conflicts]` with changes of this plan.
    pub(super) conflicts: Vec<(MigrationId, Vec<Dependency>)>,
    /// Each change's verify script, as a step run after it.
    pub(super) verify: Vec<(MigrationId, Step)>,
    /// Each tag reference (`@v1.0`, `name@v1.0`) and the change it names.
    pub(super) tags: IndexMap<String, MigrationId>,
    /// The plan's `%project`, when the plan was read.
    pub(super) name: Option<String>,
    /// Each change's note and planner, shown as its metadata.
    pub(super) notes: Vec<(MigrationId, IndexMap<String, String>)>,
}

/// Whether the project is a Sqitch one: plan.yaml says `layout: sqitch`, or, with no layout
/// declared, the project folder holds `sqitch.plan` or `sqitch.conf`.
pub(super) fn is_sqitch(source: &dyn Source, manifest: &Manifest) -> bool {
    match manifest.layout {
        Some(layout) => layout == Layout::Sqitch,
        None => ["sqitch.plan", CONFIG_FILE]
            .iter()
            .any(|name| source.read(&source.root().join(name)).is_ok()),
    }
}

/// Reads the Sqitch project in `source`'s folder. A plan that cannot be read gives no
/// migrations, and its problems.
pub(super) fn read(source: &dyn Source, problems: &mut Vec<Problem>) -> SqitchProject {
    let root = source.root();
    let config_text = match source.read(&root.join(CONFIG_FILE)) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => String::new(),
    };
    let config = sqitch::read_config(&config_text);
    let outside = outside_the_project(&config, &config_text);
    let top_dir = root.join(&config.top_dir);
    let mut project = SqitchProject {
        top_dir: top_dir.clone(),
        ..SqitchProject::default()
    };
    if !outside.is_empty() {
        // Read nothing a configuration points at outside the project: not the plan (its lines
        // would be shown in problems), not scripts (they would run).
        problems.extend(outside);
        return project;
    }
    let plan_path = root.join(&config.plan_file);
    let plan_file = match source.read(&plan_path) {
        Ok(bytes) => match files::decode(&display(root, &plan_path), bytes, problems) {
            Some(file) => file,
            None => return project,
        },
        Err(error) => {
            problems.push(Problem::Unreadable {
                path: plan_path,
                reason: error.to_string(),
            });
            return project;
        }
    };
    let plan = match sqitch::parse_plan(plan_file.text()) {
        Ok(plan) => plan,
        Err(plan_problems) => {
            problems.extend(
                plan_problems
                    .into_iter()
                    .map(|problem| Problem::SqitchPlan {
                        message: problem.message,
                        help: problem.help,
                        file: plan_file.clone(),
                        span: to_source_span(&problem.span),
                    }),
            );
            return project;
        }
    };
    project.name = Some(plan.project.clone());
    let read = crate::parallel::map(&plan.changes, |change| {
        read_change(source, &top_dir, &config, change, &plan_file)
    });
    let read_plan = ReadPlan {
        plan: &plan,
        file: &plan_file,
        root,
    };
    for (rank, (change, scripts)) in plan.changes.iter().zip(read).enumerate() {
        match scripts {
            Ok(scripts) => project.add_change(&read_plan, (rank, change), scripts, problems),
            Err(change_problems) => problems.extend(change_problems),
        }
    }
    project.tags = tag_references(&plan);
    project
}

/// A plan read, with its file and the project folder, for each change's reading.
#[derive(Clone, Copy)]
struct ReadPlan<'a> {
    plan: &'a SqitchPlan,
    file: &'a SourceFile,
    root: &'a Path,
}

impl SqitchProject {
    /// One change of the plan (the `rank`-th), its scripts read: its migration file (ranked
    /// in plan order), revert script, verify step, note and references.
    fn add_change(
        &mut self,
        plan: &ReadPlan<'_>,
        (rank, change): (usize, &SqitchChange),
        (deploy, revert, verify): Scripts,
        problems: &mut Vec<Problem>,
    ) {
        let ReadPlan {
            plan,
            file: plan_file,
            root,
        } = *plan;
        let id = MigrationId::new(change.id.clone());
        let (source_file, path, checksum) = deploy;
        self.listing.migrations.push(MigrationFile {
            id: id.clone(),
            kind: MigrationKind::Versioned,
            version: None,
            rank: Some(rank),
            tool: Some("sqitch"),
            outside_transaction: None,
            source: source_file,
            path,
            checksum,
        });
        if let Some(revert) = revert {
            self.listing.rollbacks.push(RollbackFile {
                role: FileRole::RollbackOf(change.id.clone()),
                source: revert,
                tool: Some("sqitch"),
            });
        }
        if let Some((verify, path)) = verify {
            let shown = PathBuf::from(display(root, &path));
            self.verify.push((id.clone(), verify_step(verify, shown)));
        }
        let mut note = IndexMap::new();
        if !change.note.is_empty() {
            note.insert("Note".to_string(), change.note.clone());
        }
        note.insert(
            "Planned".to_string(),
            format!("{} by {}", change.planned_at, change.planner),
        );
        self.notes.push((id.clone(), note));
        let (requires, conflicts) = references(plan, change, plan_file, problems);
        if !requires.is_empty() {
            self.dependencies.push((id.clone(), requires));
        }
        if !conflicts.is_empty() {
            self.conflicts.push((id, conflicts));
        }
    }
}

/// What each tag reference names: `@tag` the change the tag follows, `name@tag` each change
/// as the tag saw it (its latest instance at or before the tag).
fn tag_references(plan: &SqitchPlan) -> IndexMap<String, MigrationId> {
    let mut references = IndexMap::new();
    // Sqitch's own symbolic tags: `@ROOT` the first change, `@HEAD` the last; `name@HEAD` the
    // latest instance of a reworked change (its plain name is plan's ID of the first).
    if let (Some(first), Some(last)) = (plan.changes.first(), plan.changes.last()) {
        references.insert("@ROOT".to_string(), MigrationId::new(first.id.clone()));
        references.insert("@HEAD".to_string(), MigrationId::new(last.id.clone()));
    }
    for change in &plan.changes {
        references.insert(
            format!("{}@HEAD", change.name),
            MigrationId::new(change.id.clone()),
        );
    }
    for tag in &plan.tags {
        let Some(change) = plan.changes.get(tag.after) else {
            continue;
        };
        references.insert(
            format!("@{}", tag.name),
            MigrationId::new(change.id.clone()),
        );
        for seen in &plan.changes[..=tag.after] {
            references.insert(
                format!("{}@{}", seen.name, tag.name),
                MigrationId::new(seen.id.clone()),
            );
        }
    }
    references
}

/// What the plan declares, put on the project read from its scripts: tags, conflicts, verify
/// scripts as steps, and `[requires]` among the dependencies to resolve.
pub(super) fn apply(
    project: &mut Project,
    sqitch: SqitchProject,
    unresolved: &mut UnresolvedDependencies,
) {
    project.tags = sqitch.tags;
    project.sqitch_project = sqitch.name;
    for (id, note) in sqitch.notes {
        if let Some(migration) = project.migrations.get_mut(&id) {
            migration.metadata = note;
        }
    }
    for (id, conflicts) in sqitch.conflicts {
        if let Some(migration) = project.migrations.get_mut(&id) {
            migration.conflicts = conflicts;
        }
    }
    for (id, step) in sqitch.verify {
        if let Some(migration) = project.migrations.get_mut(&id) {
            migration.steps.push(step);
        }
    }
    for (id, requires) in sqitch.dependencies {
        unresolved
            .entry(id)
            .or_insert(None)
            .get_or_insert_with(Vec::new)
            .extend(requires);
    }
}

/// A problem for each of sqitch.conf's paths that leads outside the project folder (absolute,
/// or climbing out with `..`): plan reads a project's own files only.
fn outside_the_project(config: &SqitchConfig, text: &str) -> Vec<Problem> {
    let file = SourceFile::new(CONFIG_FILE, text.to_string());
    [
        ("top_dir", &config.top_dir),
        ("plan_file", &config.plan_file),
        ("deploy_dir", &config.deploy_dir),
        ("revert_dir", &config.revert_dir),
        ("verify_dir", &config.verify_dir),
        ("reworked_deploy_dir", &config.reworked_deploy_dir),
        ("reworked_revert_dir", &config.reworked_revert_dir),
        ("reworked_verify_dir", &config.reworked_verify_dir),
    ]
    .into_iter()
    .filter(|(_, path)| crate::project::source::normal(path).is_none())
    .map(|(key, path)| {
        let at = text.find(key).map_or(0..0, |start| start..start + key.len());
        Problem::SqitchPlan {
            message: format!(
                "sqitch.conf's {key} leads outside the project folder: {}",
                path.display()
            ),
            help: "plan reads the project's own files only: move the plan and scripts into the project folder and give paths relative to it".to_string(),
            file: file.clone(),
            span: to_source_span(&at),
        }
    })
    .collect()
}

/// A deploy script read: its file, path and checksum.
type Deploy = (SourceFile, PathBuf, String);

/// One change's scripts: deploy (required), revert and verify (when present).
type Scripts = (Deploy, Option<SourceFile>, Option<(SourceFile, PathBuf)>);

fn read_change(
    source: &dyn Source,
    top_dir: &Path,
    config: &SqitchConfig,
    change: &SqitchChange,
    plan_file: &SourceFile,
) -> Result<Scripts, Vec<Problem>> {
    let root = source.root();
    let (deploy, revert, verify) = sqitch::script_paths(config, change);
    let [deploy, revert, verify] = [deploy, revert, verify].map(|path| root.join(path));
    if source.read(&deploy).is_err() {
        return Err(vec![Problem::SqitchPlan {
            message: format!(
                "change {} has no deploy script {}",
                change.id,
                display(root, &deploy)
            ),
            help: "Sqitch deploys a change by running its deploy script: add the file (`sqitch add` writes it), or remove the change from the plan".to_string(),
            file: plan_file.clone(),
            span: to_source_span(&change.span),
        }]);
    }
    let (deploy_file, checksum) = files::read_sql_file(source, top_dir, &deploy)?;
    let optional = |path: &Path| -> Result<Option<SourceFile>, Vec<Problem>> {
        if source.read(path).is_err() {
            return Ok(None);
        }
        files::read_sql_file(source, top_dir, path).map(|(file, _)| Some(file))
    };
    let revert_file = optional(&revert)?;
    let verify_file = optional(&verify)?.map(|file| (file, verify));
    Ok(((deploy_file, deploy, checksum), revert_file, verify_file))
}

/// A change's `[requires]` (as references to resolve) and its `[!conflicts]` (resolved); a
/// reference to another project's change is a problem: plan cannot see what that project has
/// deployed.
fn references(
    plan: &SqitchPlan,
    change: &SqitchChange,
    plan_file: &SourceFile,
    problems: &mut Vec<Problem>,
) -> (Vec<Unresolved>, Vec<Dependency>) {
    let mut requires = Vec::new();
    let mut conflicts = Vec::new();
    let own = |reference: &sqitch::SqitchReference| {
        reference
            .project
            .as_deref()
            .is_none_or(|project| project == plan.project)
    };
    for (reference, is_conflict) in change
        .requires
        .iter()
        .map(|reference| (reference, false))
        .chain(change.conflicts.iter().map(|reference| (reference, true)))
    {
        if !own(reference) {
            problems.push(Problem::SqitchPlan {
                message: format!(
                    "change {} {} a change of project {}, which plan cannot check",
                    change.id,
                    if is_conflict { "conflicts with" } else { "requires" },
                    reference.project.as_deref().unwrap_or_default()
                ),
                help: "plan reads one project's plan and ledger: remove the reference, or declare what the change needs with `requires:` in plan.yaml (tables, columns, schemas, extensions), which plan checks in the database".to_string(),
                file: plan_file.clone(),
                span: to_source_span(&reference.span),
            });
            continue;
        }
        let Some(target) = reference.resolved.and_then(|index| plan.changes.get(index)) else {
            continue;
        };
        if is_conflict {
            conflicts.push(Dependency {
                target: MigrationId::new(target.id.clone()),
                origin: Origin::new(plan_file.clone(), reference.span.clone()),
            });
        } else {
            requires.push(Unresolved {
                written: Written {
                    text: target.id.clone(),
                    span: reference.span.clone(),
                },
                file: plan_file.clone(),
            });
        }
    }
    (requires, conflicts)
}

/// A verify script as a `sql` step: inside a savepoint rolled back after it, its own
/// wrapping `BEGIN;` and `ROLLBACK;` (Sqitch's template) made comments, so that it checks the
/// change in the change's own transaction and undoes whatever it does. Lines keep their
/// numbers: the savepoint shares the first line.
fn verify_step(verify: SourceFile, path: PathBuf) -> Step {
    let lines: Vec<&str> = verify.text().lines().collect();
    let is_statement = |line: &str| {
        let trimmed = line.trim();
        !trimmed.is_empty() && !trimmed.starts_with("--")
    };
    // A line that is one statement and nothing else (a comment may follow it).
    let statement = |line: &str| {
        let code = line.split("--").next().unwrap_or_default().trim();
        code.strip_suffix(';')
            .map(|body| body.trim().to_ascii_lowercase())
    };
    // The script's own `BEGIN;` line and the `ROLLBACK;` line after it wrap it: a `BEGIN`
    // inside a DO block has no semicolon of its own.
    let begin = lines.iter().position(|line| {
        statement(line).is_some_and(|found| {
            [
                "begin",
                "begin transaction",
                "begin work",
                "start transaction",
            ]
            .contains(&found.as_str())
        })
    });
    let rollback = lines.iter().rposition(|line| {
        statement(line).is_some_and(|found| {
            ["rollback", "rollback work", "rollback transaction"].contains(&found.as_str())
        })
    });
    let (begin, rollback) = match (begin, rollback) {
        (Some(begin), Some(rollback)) if begin < rollback => (Some(begin), Some(rollback)),
        _ => (None, None),
    };
    let mut text = String::from("SAVEPOINT plan_sqitch_verify; ");
    for (index, line) in lines.iter().enumerate() {
        if Some(index) == begin || Some(index) == rollback {
            text.push_str("-- ");
        }
        text.push_str(line);
        text.push('\n');
    }
    // The savepoint's rollback must not run on into the script's last statement.
    let last_statement = lines
        .iter()
        .enumerate()
        .rev()
        .find(|(index, line)| is_statement(line) && Some(*index) != rollback);
    if last_statement.is_some_and(|(_, line)| !line.trim_end().ends_with(';')) {
        text.push_str(";\n");
    }
    text.push_str(
        "ROLLBACK TO SAVEPOINT plan_sqitch_verify;\nRELEASE SAVEPOINT plan_sqitch_verify;\n",
    );
    Step {
        kind: StepKind::Sql {
            source: SqlSource::File { path, text },
        },
        origin: Origin::new(verify, 0..0),
    }
}

/// The path as messages show it: relative to the project folder.
fn display(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}
