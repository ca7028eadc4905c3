//! [`scaffold()`]: the files of a new migration, decided without touching the disk: its name
//! checked, its dependencies (the graph's leaves, or those asked for) and the environments they
//! limit it to, and its files in the project's layout: in plan's own, the next version at the
//! project's width, in one of its file styles; in another tool's, as `tool` writes them. The
//! header text is `header`'s; writing the files is `write`'s.

use super::header::{Direction, Header, HeaderStyle, placeholder};
use super::layout::PlanStyle;
use super::request::{
    Depends, Followed, NewFile, NewMigration, RollbackChoice, Scaffold, ScaffoldError,
};
use super::tool::{ToolRequest, tool_files};
use super::version::increment;
use crate::graph::{Graph, OrderMode, OrderModeReason};
use crate::project::layout::Layout;
use crate::project::{Migration, MigrationId, Project};

/// Decides the files of a new migration of `project`. Touches nothing.
pub(crate) fn scaffold(
    project: &Project,
    graph: &Graph,
    request: &NewMigration,
) -> Result<Scaffold, ScaffoldError> {
    check_name(&request.name)?;
    let tool = project.layout().layout;
    if tool == Layout::Sqitch {
        return Err(ScaffoldError::SqitchAdd);
    }
    let dependencies = dependencies(project, graph, &request.depends)?;
    let environments = environments(project, dependencies.as_deref().unwrap_or_default())?;
    let declared = match (&request.depends, &dependencies) {
        (Depends::Nothing, _) => Some(Vec::new()),
        (_, Some(list)) if !list.is_empty() => Some(list.clone()),
        _ => None,
    };
    if tool != Layout::Plan {
        let written = tool_files(&ToolRequest {
            tool,
            project,
            name: &request.name,
            now: request.now,
            header: tool_header(declared.as_deref(), environments.as_deref()),
            rollback: request.rollback,
        })?;
        return Ok(Scaffold {
            id: written.id,
            layout: Followed::Tool {
                tool,
                versions: written.versions,
            },
            files: written.files,
            dependencies,
            environments,
            notes: written.note.into_iter().collect(),
        });
    }
    let layout = PlanStyle::detect(project);
    let version = next_version(project);
    let id = MigrationId::new(format!("{version}_{}", request.name));
    let today = request.now.date();
    let has_rollback = match request.rollback {
        RollbackChoice::Always => true,
        RollbackChoice::Never => false,
        RollbackChoice::AsTheProjectDoes => {
            project.migrations().next().is_some()
                && project
                    .migrations()
                    .all(|migration| migration.rollback().is_some())
        }
    };
    let style = HeaderStyle::of(project, layout);
    let header = Header {
        id: &id,
        version: &version,
        name: &request.name,
        today: &today,
        dependencies: declared,
        environments: environments.clone(),
        rollback_file: None,
    };
    let folder = project.migrations_dir();
    let mut files = Vec::new();
    match layout {
        PlanStyle::RollbackPrefix => {
            let rollback_name = format!("rollback-{version}.sql");
            let header = Header {
                rollback_file: has_rollback.then_some(rollback_name.as_str()),
                ..header
            };
            files.push(NewFile {
                path: folder.join(format!("{id}.sql")),
                text: format!(
                    "{}\nBEGIN;\n\n{}\nCOMMIT;\n",
                    header.banner(&style),
                    placeholder(&id, Direction::Up)
                ),
            });
            if has_rollback {
                files.push(NewFile {
                    path: folder.join(rollback_name),
                    text: format!(
                        "-- Rollback for migration {version}\nBEGIN;\n\n{}\nCOMMIT;\n",
                        placeholder(&id, Direction::Down)
                    ),
                });
            }
        }
        PlanStyle::Sections => {
            let mut text = format!(
                "{}\n-- UP\n{}",
                header.lines(&style),
                placeholder(&id, Direction::Up)
            );
            if has_rollback {
                text.push_str(&format!("\n-- DOWN\n{}", placeholder(&id, Direction::Down)));
            }
            files.push(NewFile {
                path: folder.join(format!("{id}.sql")),
                text,
            });
        }
        _ => {
            let (up, down) = match layout {
                PlanStyle::RollbackSuffix => (format!("{id}.sql"), format!("{id}_rollback.sql")),
                PlanStyle::UpDownFiles => (format!("{id}.up.sql"), format!("{id}.down.sql")),
                PlanStyle::DotRollback => (format!("{id}.sql"), format!("{id}.rollback.sql")),
                _ => (format!("{id}.sql"), format!("{id}.down.sql")),
            };
            files.push(NewFile {
                path: folder.join(up),
                text: format!(
                    "{}\n{}",
                    header.lines(&style),
                    placeholder(&id, Direction::Up)
                ),
            });
            if has_rollback {
                files.push(NewFile {
                    path: folder.join(down),
                    text: format!("-- Rollback of {id}\n{}", placeholder(&id, Direction::Down)),
                });
            }
        }
    }
    Ok(Scaffold {
        id,
        layout: Followed::Plan(layout),
        files,
        dependencies,
        environments,
        notes: Vec::new(),
    })
}

/// The header of a new migration in another tool's layout: `-- depends:` and
/// `-- environment:` lines, as plan reads them above the tool's up marker; nothing when there
/// are none.
fn tool_header(dependencies: Option<&[MigrationId]>, environments: Option<&[String]>) -> String {
    let mut header = String::new();
    match dependencies {
        Some([]) => header.push_str("-- depends: none\n"),
        Some(list) => header.push_str(&format!(
            "-- depends: {}\n",
            list.iter()
                .map(MigrationId::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        )),
        None => {}
    }
    if let Some(names) = environments {
        header.push_str(&format!("-- environment: {}\n", names.join(", ")));
    }
    header
}

fn check_name(name: &str) -> Result<(), ScaffoldError> {
    let invalid = |reason: &str| {
        Err(ScaffoldError::InvalidName {
            name: name.to_string(),
            reason: reason.to_string(),
        })
    };
    let Some(first) = name.chars().next() else {
        return invalid("it is empty");
    };
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-')))
    {
        return invalid(&format!("it contains {bad:?}"));
    }
    if !first.is_ascii_alphabetic() {
        return invalid("it does not start with a letter");
    }
    if name.to_ascii_lowercase().ends_with("_rollback") {
        return invalid("a file ending in `_rollback.sql` is read as a rollback");
    }
    if name.len() > 100 {
        return invalid("it is longer than 100 characters");
    }
    Ok(())
}

/// The version after the highest one, at the width the project writes it (`001` when there
/// is none).
fn next_version(project: &Project) -> String {
    let Some(latest) = project.migrations().filter_map(Migration::version).max() else {
        return "001".to_string();
    };
    let width = latest.as_str().len();
    format!("{:0>width$}", increment(latest.significant()))
}

/// The dependencies to declare: `None` for no dependency line.
fn dependencies(
    project: &Project,
    graph: &Graph,
    depends: &Depends,
) -> Result<Option<Vec<MigrationId>>, ScaffoldError> {
    let unforced_sequence = *graph.mode() == OrderMode::Sequence
        && *graph.mode_reason() == OrderModeReason::NothingDeclared;
    match depends {
        Depends::Leaves if *graph.mode() == OrderMode::Sequence => Ok(None),
        Depends::Leaves => {
            // A migration that runs everywhere cannot depend on one limited to some
            // environments, so those are left out of the leaves it depends on.
            let everywhere = |id: &MigrationId| {
                project
                    .migration(id)
                    .is_some_and(|migration| migration.environments().is_none())
            };
            Ok(Some(
                graph
                    .order()
                    .iter()
                    .filter(|id| everywhere(id))
                    .filter(|id| {
                        graph
                            .dependents_of(id)
                            .iter()
                            .all(|(dependent, _)| !everywhere(dependent))
                    })
                    .cloned()
                    .collect(),
            ))
        }
        Depends::These(_) | Depends::Nothing if unforced_sequence => {
            Err(ScaffoldError::SequenceProject)
        }
        Depends::These(ids) => {
            let mut unique: Vec<MigrationId> = Vec::new();
            for id in ids {
                if !unique.contains(id) {
                    unique.push(id.clone());
                }
            }
            Ok(Some(unique))
        }
        Depends::Nothing => Ok(Some(Vec::new())),
    }
}

/// The environments a migration depending on `dependencies` must be limited to: those every
/// limited dependency runs in; `None` when no dependency is limited.
fn environments(
    project: &Project,
    dependencies: &[MigrationId],
) -> Result<Option<Vec<String>>, ScaffoldError> {
    let limited: Vec<(&MigrationId, &[String])> = dependencies
        .iter()
        .filter_map(|id| Some((id, project.migration(id)?.environments()?)))
        .collect();
    let Some((_, first)) = limited.first() else {
        return Ok(None);
    };
    let common: Vec<String> = first
        .iter()
        .filter(|name| limited.iter().all(|(_, list)| list.contains(name)))
        .cloned()
        .collect();
    if common.is_empty() {
        return Err(ScaffoldError::NoCommonEnvironment {
            dependencies: limited
                .iter()
                .map(|(id, list)| format!("{id} ({})", list.join(", ")))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(Some(common))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error a name gets, or `ok`.
    fn check_name_text(name: &str) -> String {
        match check_name(name) {
            Ok(()) => "ok".to_string(),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn names_are_single_words_starting_with_a_letter() {
        let seen = [
            "add_user_avatar",
            "Add-Index2",
            "",
            "005_add",
            "add user",
            "../escape",
            "undo_rollback",
        ]
        .map(check_name_text);
        insta::assert_snapshot!(seen.join("\n"), @r"
        ok
        ok
        `` cannot name a migration: it is empty
        `005_add` cannot name a migration: it does not start with a letter
        `add user` cannot name a migration: it contains ' '
        `../escape` cannot name a migration: it contains '.'
        `undo_rollback` cannot name a migration: a file ending in `_rollback.sql` is read as a rollback
        ");
    }
}
