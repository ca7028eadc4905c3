//! Which of plan's own file styles a project uses for its migrations and rollbacks
//! ([`PlanStyle`]), read from what its loaded migrations show: rollback file names, `.up.sql`
//! files, `-- UP` / `-- DOWN` sections.
//! Writing a new migration in that layout is `scaffold`'s and `header`'s job.

use crate::project::{Migration, Project, Rollback};

/// How a project lays out its migrations and rollbacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PlanStyle {
    /// `NNN_name.sql` and `NNN_name_rollback.sql` (seed 000).
    RollbackSuffix,
    /// `NNN_name.sql` with a `-- ====` header and `BEGIN; … COMMIT;`, and `rollback-NNN.sql`
    /// (seed 001).
    RollbackPrefix,
    /// `NNN_name.up.sql` and `NNN_name.down.sql` (seed 002 as files).
    UpDownFiles,
    /// `NNN_name.sql` and `NNN_name.down.sql`.
    DownFile,
    /// `NNN_name.sql` and `NNN_name.rollback.sql`.
    DotRollback,
    /// One file with `-- UP` and `-- DOWN` sections (seed 003).
    Sections,
    /// `NNN_name.sql` only (seed 004); a rollback, when asked for, is `NNN_name.down.sql`.
    ForwardOnly,
}

impl PlanStyle {
    /// The layout of the project's latest migration that shows one, else forward-only.
    pub(crate) fn detect(project: &Project) -> PlanStyle {
        project
            .migrations()
            .filter_map(layout_of)
            .last()
            .unwrap_or(PlanStyle::ForwardOnly)
    }

    /// A short description, for the output of `plan new`.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            PlanStyle::RollbackSuffix => "NNN_name.sql with NNN_name_rollback.sql",
            PlanStyle::RollbackPrefix => "NNN_name.sql with rollback-NNN.sql",
            PlanStyle::UpDownFiles => "NNN_name.up.sql with NNN_name.down.sql",
            PlanStyle::DownFile => "NNN_name.sql with NNN_name.down.sql",
            PlanStyle::DotRollback => "NNN_name.sql with NNN_name.rollback.sql",
            PlanStyle::Sections => "one file with -- UP and -- DOWN sections",
            PlanStyle::ForwardOnly => "forward-only NNN_name.sql",
        }
    }
}

/// The layout one migration shows, if it shows one.
fn layout_of(migration: &Migration) -> Option<PlanStyle> {
    let file_name = |path: &str| -> String {
        path.rsplit(['/', '\\'])
            .next()
            .unwrap_or(path)
            .to_ascii_lowercase()
    };
    let up_file = migration
        .path()
        .file_name()
        .map(|name| name.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match migration.rollback() {
        Some(Rollback::Section { .. }) => Some(PlanStyle::Sections),
        Some(Rollback::File(file)) => {
            let name = file_name(file.name());
            Some(
                if name.starts_with("rollback-") || name.starts_with("rollback_") {
                    PlanStyle::RollbackPrefix
                } else if name.ends_with("_rollback.sql") {
                    PlanStyle::RollbackSuffix
                } else if name.ends_with(".rollback.sql") {
                    PlanStyle::DotRollback
                } else if up_file.ends_with(".up.sql") {
                    PlanStyle::UpDownFiles
                } else {
                    PlanStyle::DownFile
                },
            )
        }
        None if up_file.ends_with(".up.sql") => Some(PlanStyle::UpDownFiles),
        None if has_up_marker(migration) => Some(PlanStyle::Sections),
        None => None,
    }
}

/// Whether the file has an `-- UP` line (a seed 003 file without a `-- DOWN` section).
fn has_up_marker(migration: &Migration) -> bool {
    migration.file().text().lines().any(|line| {
        let line = line.trim();
        line.strip_prefix("--")
            .is_some_and(|rest| rest.trim().eq_ignore_ascii_case("up"))
    })
}
