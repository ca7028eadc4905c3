//! A new migration in another tool's layout ([`tool_files`]), written the way that tool's own
//! command writes one, each checked against the tool's source:
//!
//! | tool | command | source read |
//! |---|---|---|
//! | dbmate | `dbmate new` | amacneil/dbmate `pkg/dbmate/db.go` (`NewMigration`, `migrationTemplate`) |
//! | goose | `goose create NAME sql` (`-s`: sequential) | pressly/goose `create.go` (`sqlMigrationTemplate`), `fix.go` (`%05v`), `helpers.go` (`snakeCase`) |
//! | node-pg-migrate | `node-pg-migrate create NAME --migration-file-language sql` | salsita/node-pg-migrate `src/migration.ts` (`getFilePrefix`), `templates/migration-template.sql` |
//! | sql-migrate | `sql-migrate new NAME` | rubenv/sql-migrate `sql-migrate/command_new.go` |
//! | golang-migrate | `migrate create -ext sql [-seq]` | golang-migrate/migrate `internal/cli/commands.go` (`createCmd`, 6 digits) |
//! | sqlx | `sqlx migrate add [-r]` | launchbadge/sqlx `sqlx-cli/src/opt.rs` (`version_prefix`, `reversible`), `sqlx-core/src/migrate/migration_type.rs` (`file_content`) |
//! | morph | `morph new script NAME` | mattermost/morph `commands/new.go` (6 digits, or Unix seconds) |
//! | Prisma | `prisma migrate dev --create-only` | prisma/prisma-engines `schema-engine/core/src/commands/create_migration.rs` (`generate_migration_directory_name`) |
//! | Diesel | `diesel migration generate` | diesel-rs/diesel `diesel_cli/src/migrations/mod.rs` (`generate_sql_migration`, `-0000` subversion since 2.3) |
//! | Flyway | none (files named by hand) | Flyway's documentation, "Migrations": `V<version>__<description>.sql`, `U…` for undo |
//!
//! Where a tool leaves SQL to write (goose's `SELECT 'up SQL query';`, an empty dbmate
//! section), the file holds plan's placeholder that stops `plan apply` instead: a template
//! applied unedited must not be recorded as done. A down section or file the tool writes for
//! every migration is written as the tool writes it, without SQL, when the project's migrations
//! do not all have a rollback: plan reads it as no rollback, as the tool would run nothing.
//! Dependencies and environments, when there are any, are `-- depends:` / `-- environment:`
//! lines at the top, above the tool's up marker, where plan reads a header.

use std::path::{Path, PathBuf};

use super::clock::UtcNow;
use super::header::{Direction, placeholder};
use super::request::{NewFile, RollbackChoice, ScaffoldError};
use super::version::{self, NextVersion, VersionStyle};
use crate::project::layout::Layout;
use crate::project::{Migration, MigrationId, Project, Rollback};

/// What [`tool_files`] is asked.
pub(super) struct ToolRequest<'a> {
    /// The tool whose layout the folder follows (not plan's own, not Sqitch).
    pub(super) tool: Layout,
    /// The project.
    pub(super) project: &'a Project,
    /// The name given (`add_x`).
    pub(super) name: &'a str,
    /// The clock, for versions that are times.
    pub(super) now: UtcNow,
    /// `-- depends:` and `-- environment:` lines, or nothing.
    pub(super) header: String,
    /// Whether a rollback is asked for.
    pub(super) rollback: RollbackChoice,
}

/// The files of a new migration in a tool's layout.
pub(super) struct ToolFiles {
    /// Its ID, as the folder's reading will give it.
    pub(super) id: MigrationId,
    /// Its files, the migration first.
    pub(super) files: Vec<NewFile>,
    /// How its version was chosen, for the output (`sequential versions of 5 digits`).
    pub(super) versions: String,
    /// Why the clock was not used, when it was not.
    pub(super) note: Option<String>,
}

/// What a new migration's rollback holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Down {
    /// plan's placeholder, which stops `plan rollback` until it is written.
    Placeholder,
    /// The tool's own down section or file, without SQL: no rollback, to plan.
    Template,
    /// None at all.
    Omitted,
}

/// The files of a new migration in `request.tool`'s layout.
pub(super) fn tool_files(request: &ToolRequest<'_>) -> Result<ToolFiles, ScaffoldError> {
    let project = request.project;
    let tool = request.tool;
    let latest = latest(project);
    let latest_written = latest
        .and_then(Migration::version)
        .map(|version| version.as_str());
    let folder = project.migrations_dir();
    let header = &request.header;
    let up = |id: &MigrationId| placeholder(id, Direction::Up);
    let down_text = |down: Down, id: &MigrationId| match down {
        Down::Placeholder => placeholder(id, Direction::Down),
        Down::Template | Down::Omitted => String::new(),
    };
    if tool == Layout::Flyway {
        return flyway(request, folder);
    }
    let (style, default_down) = match tool {
        Layout::Prisma => (VersionStyle::Timestamp, Down::Omitted),
        Layout::Diesel => (
            VersionStyle::diesel(latest.map(|migration| migration.id().as_str())),
            Down::Template,
        ),
        Layout::NodePgMigrate => (
            VersionStyle::of(latest_written, VersionStyle::EpochMillis),
            Down::Template,
        ),
        Layout::Morph => (
            VersionStyle::of(latest_written, VersionStyle::Sequence { width: 6 }),
            Down::Template,
        ),
        Layout::Sqlx => {
            // sqlx infers reversible migrations from the latest one's `.up.sql`.
            let reversible = latest.is_some_and(|migration| {
                migration
                    .path()
                    .to_string_lossy()
                    .to_ascii_lowercase()
                    .ends_with(".up.sql")
            });
            (
                VersionStyle::of(latest_written, VersionStyle::Timestamp),
                if reversible {
                    Down::Template
                } else {
                    Down::Omitted
                },
            )
        }
        _ => (
            VersionStyle::of(latest_written, VersionStyle::Timestamp),
            Down::Template,
        ),
    };
    let down = match request.rollback {
        RollbackChoice::Always if tool == Layout::Prisma => {
            return Err(ScaffoldError::NoRollbackInLayout { tool: tool.name() });
        }
        RollbackChoice::Always => Down::Placeholder,
        RollbackChoice::Never => Down::Omitted,
        RollbackChoice::AsTheProjectDoes if every_migration_has_a_rollback(project) => {
            if tool == Layout::Prisma {
                Down::Omitted
            } else {
                Down::Placeholder
            }
        }
        RollbackChoice::AsTheProjectDoes => default_down,
    };
    let NextVersion { written, note } =
        version::next(style, latest.and_then(Migration::version), request.now);
    let name = match tool {
        Layout::Goose => snake_case(request.name),
        _ => request.name.to_string(),
    };
    let separator = match tool {
        // sql-migrate names its files `<time>-<name>.sql`; a folder named otherwise keeps its own.
        Layout::SqlMigrate => latest.map_or('-', |migration| {
            let id = migration.id().as_str();
            let after = id.trim_start_matches(|ch: char| ch.is_ascii_digit());
            if after.starts_with('-') { '-' } else { '_' }
        }),
        _ => '_',
    };
    let stem = format!("{written}{separator}{name}");
    let id = MigrationId::new(stem.clone());
    let file = |path: PathBuf, text: String| NewFile { path, text };
    let mut files = Vec::new();
    match tool {
        Layout::Dbmate => {
            // dbmate: "-- migrate:up\n\n\n-- migrate:down\n\n".
            let mut text = format!("{header}-- migrate:up\n{}", up(&id));
            if down != Down::Omitted {
                text.push_str(&format!("\n-- migrate:down\n{}\n", down_text(down, &id)));
            }
            files.push(file(folder.join(format!("{stem}.sql")), text));
        }
        Layout::Goose => {
            let mut text = format!(
                "{header}-- +goose Up\n-- +goose StatementBegin\n{}-- +goose StatementEnd\n",
                up(&id)
            );
            if down != Down::Omitted {
                text.push_str(&format!(
                    "\n-- +goose Down\n-- +goose StatementBegin\n{}-- +goose StatementEnd\n",
                    down_text(down, &id)
                ));
            }
            files.push(file(folder.join(format!("{stem}.sql")), text));
        }
        Layout::NodePgMigrate => {
            // node-pg-migrate: "-- Up Migration\n\n-- Down Migration".
            let mut text = format!("{header}-- Up Migration\n{}", up(&id));
            if down != Down::Omitted {
                text.push_str(&format!("\n-- Down Migration\n{}", down_text(down, &id)));
            }
            files.push(file(folder.join(format!("{stem}.sql")), text));
        }
        Layout::SqlMigrate => {
            // sql-migrate: "\n-- +migrate Up\n\n-- +migrate Down\n".
            let mut text = format!("{header}\n-- +migrate Up\n{}", up(&id));
            if down != Down::Omitted {
                text.push_str(&format!("\n-- +migrate Down\n{}", down_text(down, &id)));
            }
            files.push(file(folder.join(format!("{stem}.sql")), text));
        }
        Layout::Sqlx if down == Down::Omitted => {
            files.push(file(
                folder.join(format!("{stem}.sql")),
                format!("{header}-- Add migration script here\n{}", up(&id)),
            ));
        }
        Layout::Sqlx => {
            files.push(file(
                folder.join(format!("{stem}.up.sql")),
                format!("{header}-- Add up migration script here\n{}", up(&id)),
            ));
            files.push(file(
                folder.join(format!("{stem}.down.sql")),
                format!(
                    "-- Add down migration script here\n{}",
                    down_text(down, &id)
                ),
            ));
        }
        Layout::Diesel => {
            let migration = folder.join(&stem);
            files.push(file(
                migration.join("up.sql"),
                format!("{header}-- Your SQL goes here\n{}", up(&id)),
            ));
            if down != Down::Omitted {
                files.push(file(
                    migration.join("down.sql"),
                    format!(
                        "-- This file should undo anything in `up.sql`\n{}",
                        down_text(down, &id)
                    ),
                ));
            }
        }
        Layout::Prisma => {
            files.push(file(
                folder.join(&stem).join("migration.sql"),
                format!("{header}-- This is an empty migration.\n\n{}", up(&id)),
            ));
        }
        // golang-migrate and morph create both files empty.
        _ => {
            files.push(file(
                folder.join(format!("{stem}.up.sql")),
                format!("{header}{}", up(&id)),
            ));
            if down != Down::Omitted {
                files.push(file(
                    folder.join(format!("{stem}.down.sql")),
                    down_text(down, &id),
                ));
            }
        }
    }
    Ok(ToolFiles {
        id,
        files,
        versions: style.describe(),
        note,
    })
}

/// Flyway: `V<next>__<name>.sql`, and `U<next>__<name>.sql` when the folder has undo files or
/// a rollback is asked for.
fn flyway(request: &ToolRequest<'_>, folder: &Path) -> Result<ToolFiles, ScaffoldError> {
    let project = request.project;
    let versions: Vec<&str> = project
        .migrations()
        .filter(|migration| !migration.is_repeatable())
        .filter_map(|migration| {
            let id = migration.id().as_str();
            Some(id.strip_prefix('V')?.split_once("__")?.0)
        })
        .collect();
    let written = version::next_flyway(&versions);
    let stem = format!("V{written}__{}", request.name);
    let id = MigrationId::new(stem.clone());
    let has_undo = project
        .migrations()
        .any(|migration| matches!(migration.rollback(), Some(Rollback::File(_))));
    let undo = match request.rollback {
        RollbackChoice::Always => true,
        RollbackChoice::Never => false,
        RollbackChoice::AsTheProjectDoes => has_undo,
    };
    let mut files = vec![NewFile {
        path: folder.join(format!("{stem}.sql")),
        text: format!("{}{}", request.header, placeholder(&id, Direction::Up)),
    }];
    if undo {
        files.push(NewFile {
            path: folder.join(format!("U{written}__{}.sql", request.name)),
            text: placeholder(&id, Direction::Down),
        });
    }
    Ok(ToolFiles {
        id,
        files,
        versions: if versions.iter().any(|version| version.contains(['.', '_'])) {
            "dotted versions, the last part one more".to_string()
        } else {
            "versions one more than the highest".to_string()
        },
        note: None,
    })
}

/// The latest versioned migration, the one whose version and name the new one follows.
fn latest(project: &Project) -> Option<&Migration> {
    project
        .migrations()
        .filter(|migration| !migration.is_repeatable() && migration.version().is_some())
        .max_by(|left, right| left.version().cmp(&right.version()))
}

fn every_migration_has_a_rollback(project: &Project) -> bool {
    project.migrations().next().is_some()
        && project
            .migrations()
            .all(|migration| migration.rollback().is_some())
}

/// goose's `snakeCase`: lower case, each run of other characters one `_`.
fn snake_case(name: &str) -> String {
    let mut snake = String::with_capacity(name.len());
    for ch in name.chars() {
        if ch.is_ascii_alphanumeric() {
            snake.push(ch.to_ascii_lowercase());
        } else if !snake.ends_with('_') {
            snake.push('_');
        }
    }
    snake
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goose_names_are_snake_case() {
        assert_eq!(snake_case("Add-Users"), "add_users");
        assert_eq!(snake_case("add__x"), "add_x");
    }
}
