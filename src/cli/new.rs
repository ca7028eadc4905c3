//! `plan new NAME [--depends ID …] [--rollback | --no-rollback]`: creates the next migration in
//! the project's own layout, or as the tool whose layout the folder follows would (see
//! `ops::new`), and prints the files it created, the layout followed, and the migrations folder
//! when the project had none. Exit 2 for
//! a name that is not a word, a project that does not load, or an unknown `--depends`; 1 when a
//! file cannot be written. With `--format json` what was created is one object ([`ShownNew`],
//! docs/json.md#plan-new).

use std::io::Write;
use std::path::Path;
use std::time::SystemTime;

use clap::Args;
use serde::Serialize;

use super::Failure;
use super::Global;
use super::args::resolve_migration;
use crate::load::Loaded;
use crate::ops::new::{self, CreatedFolder, Depends, NewMigration, RollbackChoice, UtcNow};

/// Arguments of `plan new`.
#[derive(Debug, Args)]
pub(crate) struct NewArgs {
    /// The name after the number: one word, e.g. add_user_avatar.
    #[arg(value_name = "NAME")]
    name: String,
    /// What it depends on (IDs, file names or unique versions; `none` for a new root). Default:
    /// the current leaves of the graph; nothing in a project that is a sequence.
    #[arg(long, value_name = "ID", num_args = 1..)]
    depends: Vec<String>,
    /// Write a rollback (a file, or a down section) in the project's style. Default: when
    /// every migration of the project has one (in another tool's layout, the down section or
    /// file its own command writes, left without SQL).
    #[arg(long, conflicts_with = "no_rollback")]
    rollback: bool,
    /// Write no rollback.
    #[arg(long)]
    no_rollback: bool,
}

/// Runs `plan new`. In a project folder without a migrations folder (migrations/, or plan.yaml's
/// `migrations_dir`), creates it first, and removes it again if no migration is created.
pub(crate) fn run(
    args: NewArgs,
    global: &Global,
    out: &mut dyn Write,
    _err: &mut dyn Write,
) -> Result<(), Failure> {
    let (loaded, folder) = match global.load() {
        Ok(loaded) => (loaded, None),
        Err(failure) => match CreatedFolder::create_if_missing(global.dir())? {
            None => return Err(failure),
            Some(folder) => match global.load() {
                Ok(loaded) => (loaded, Some(folder)),
                Err(failure) => {
                    folder.remove();
                    return Err(failure);
                }
            },
        },
    };
    let created = create(&args, &loaded, folder.as_ref(), global.json(), out);
    if let (Err(_), Some(folder)) = (&created, &folder) {
        folder.remove();
    }
    created
}

/// Creates the migration in the loaded project and says what was created (as JSON when `json`);
/// `folder` is the migrations folder when this run created it.
fn create(
    args: &NewArgs,
    loaded: &Loaded,
    folder: Option<&CreatedFolder>,
    json: bool,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let (project, graph) = (loaded.project(), loaded.graph());
    let depends = if args.depends.is_empty() {
        Depends::Leaves
    } else if args.depends.len() == 1 && args.depends[0].eq_ignore_ascii_case("none") {
        Depends::Nothing
    } else {
        Depends::These(
            args.depends
                .iter()
                .map(|written| resolve_migration(project, written))
                .collect::<Result<_, _>>()?,
        )
    };
    let request = NewMigration {
        name: args.name.clone(),
        depends,
        rollback: match (args.rollback, args.no_rollback) {
            (true, _) => RollbackChoice::Always,
            (_, true) => RollbackChoice::Never,
            _ => RollbackChoice::AsTheProjectDoes,
        },
        now: UtcNow::at(SystemTime::now()),
    };
    let planned = new::scaffold(project, graph, &request)?;
    new::write(&planned, project.root())?;
    if json {
        let report = ShownNew {
            format: 1,
            id: planned.id.to_string(),
            files: planned.files.iter().map(|file| shown(&file.path)).collect(),
            created_folder: folder.map(|folder| shown(folder.path())),
            layout: planned.layout.describe(),
            depends_on: planned
                .dependencies
                .as_ref()
                .map(|list| list.iter().map(ToString::to_string).collect()),
            environments: planned.environments.clone(),
        };
        let _ = serde_json::to_writer_pretty(&mut *out, &report)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out));
        return Ok(());
    }
    let mut text = String::new();
    if let Some(folder) = folder {
        text.push_str(&format!(
            "created {}/ (the project had no migrations folder)\n",
            shown(folder.path())
        ));
    }
    for file in &planned.files {
        text.push_str(&format!("created {}\n", shown(&file.path)));
    }
    text.push_str(&format!("layout: {}\n", planned.layout.describe()));
    for note in &planned.notes {
        text.push_str(&format!("note: {note}\n"));
    }
    text.push_str(&match &planned.dependencies {
        None => format!(
            "{} follows the last migration (the project is a sequence)\n",
            planned.id
        ),
        Some(list) if list.is_empty() => format!("{} depends on nothing\n", planned.id),
        Some(list) => format!(
            "{} depends on {}\n",
            planned.id,
            list.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    });
    if let Some(environments) = &planned.environments {
        text.push_str(&format!(
            "{} runs only in {}, as its dependencies do\n",
            planned.id,
            environments.join(", ")
        ));
    }
    text.push_str(
        "write its SQL in place of the placeholder statement, which stops plan apply until you do\n",
    );
    let _ = out.write_all(text.as_bytes());
    Ok(())
}

/// A path as the user gave it, without a leading `./`.
fn shown(path: &Path) -> String {
    path.strip_prefix(".").unwrap_or(path).display().to_string()
}

/// What `plan new --format json` prints: one object, `format` 1 (docs/json.md).
#[derive(Debug, Serialize)]
struct ShownNew {
    format: u32,
    /// The new migration's ID.
    id: String,
    /// The files created, as the user gave the project folder.
    files: Vec<String>,
    /// The migrations folder, when this run created it.
    created_folder: Option<String>,
    /// The project's layout, for people.
    layout: String,
    /// What it depends on; `null` in a sequence (it follows the last migration).
    depends_on: Option<Vec<String>>,
    /// The environments it is limited to, as its dependencies are; `null` for all.
    environments: Option<Vec<String>>,
}
