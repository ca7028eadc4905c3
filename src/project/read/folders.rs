//! Where a project's migrations are and how the folder holds them: plan.yaml's
//! `migrations_dir`, else `migrations/`, else the folder another tool uses by default
//! ([`migrations_folder`]); and how it holds them ([`nesting`]): flat, Flyway's subfolders, or
//! one folder per migration as Prisma and Diesel keep.

use std::path::{Path, PathBuf};

use crate::project::files::{MigrationFolders, Nesting};
use crate::project::layout::Layout;
use crate::project::manifest::Manifest;
use crate::project::source::Source;

/// The folders other tools keep their migrations in by default, looked for in this order when
/// plan.yaml names none and `migrations/` is missing, each taken only when a file in it has
/// the names that tool gives (a `sql/` folder of scripts is not a migrations folder): dbmate's
/// (numbered `.sql` files), Prisma's (`migration_lock.toml`), and Flyway's command line's and
/// Java defaults (`V1__x.sql`).
const TOOL_FOLDERS: [(&str, TellsFolder); 5] = [
    ("db/migrations", numbered_sql),
    ("prisma/migrations", |name| name == "migration_lock.toml"),
    ("sql", flyway_versioned),
    ("db/migration", flyway_versioned),
    ("src/main/resources/db/migration", flyway_versioned),
];

/// Whether a file name in a folder shows that the folder is the tool's migrations folder.
type TellsFolder = fn(&str) -> bool;

fn numbered_sql(name: &str) -> bool {
    name.starts_with(|first: char| first.is_ascii_digit()) && name.ends_with(".sql")
}

fn flyway_versioned(name: &str) -> bool {
    name.starts_with('V') && flyway_versioned_name(name)
}

/// `V<digits…>__….sql`: a Flyway versioned name.
fn flyway_versioned_name(name: &str) -> bool {
    name.get(1..)
        .and_then(|rest| rest.split_once("__"))
        .is_some_and(|(version, _)| {
            !version.is_empty()
                && version
                    .bytes()
                    .all(|byte| byte.is_ascii_digit() || byte == b'.' || byte == b'_')
        })
        && name.ends_with(".sql")
}

/// The migrations folder: plan.yaml's, else `migrations/`, else the first of [`TOOL_FOLDERS`]
/// that holds its tool's files (else `migrations/`, whose absence is then the problem
/// reported).
pub(super) fn migrations_folder(source: &dyn Source, manifest: &Manifest) -> PathBuf {
    let root = source.root();
    let declared = root.join(&manifest.migrations_dir);
    if manifest.migrations_dir_declared || source.is_folder(&declared) {
        return declared;
    }
    TOOL_FOLDERS
        .iter()
        .map(|(folder, tells)| (root.join(folder), tells))
        .find(|(folder, tells)| {
            source.list(folder).is_ok_and(|entries| {
                entries.iter().any(|entry| {
                    entry
                        .file_name()
                        .and_then(|name| name.to_str())
                        .is_some_and(tells)
                })
            })
        })
        .map_or(declared, |(folder, _)| folder)
}

/// How the migrations folder holds its migrations: one folder each where plan.yaml says the
/// layout is Prisma's or Diesel's, or the tool's own mark is there (Prisma's
/// `migration_lock.toml`, which `prisma migrate` always writes; Diesel's
/// `00000000000000_diesel_initial_setup`, which `diesel setup` writes; not `diesel.toml`, which
/// projects using Diesel only as an ORM keep too); Flyway's nesting where plan.yaml says
/// `layout: flyway` or a Flyway-named file (`V1__x.sql`, `U1__x.sql`) is directly in it;
/// else flat, as before other tools' layouts were read: a subfolder is not read.
pub(super) fn nesting(source: &dyn Source, manifest: &Manifest, migrations_dir: &Path) -> Nesting {
    match manifest.layout {
        Some(Layout::Prisma) => return Nesting::Folders(MigrationFolders::Prisma),
        Some(Layout::Diesel) => return Nesting::Folders(MigrationFolders::Diesel),
        Some(Layout::Flyway) => return Nesting::Flyway,
        Some(_) => return Nesting::Flat,
        None => {}
    }
    // Read, not listed: a project copied into memory (`ProjectFiles::from_folder`) keeps what
    // was read, so it is read the same way again.
    if source
        .read(&migrations_dir.join("migration_lock.toml"))
        .is_ok()
    {
        return Nesting::Folders(MigrationFolders::Prisma);
    }
    let diesel_setup = migrations_dir.join("00000000000000_diesel_initial_setup");
    if source.read(&diesel_setup.join("up.sql")).is_ok() {
        return Nesting::Folders(MigrationFolders::Diesel);
    }
    // Whether a Flyway-named file is directly in it is seen when it is listed (once).
    Nesting::FlywayIfNamed
}
