//! `plan new`: the next migration of a project, written in the layout the project already uses.
//! In plan's own (seed 000's `_rollback.sql` files, seed 001's `rollback-NNN.sql` and `-- ====`
//! header, `.up.sql` / `.down.sql` pairs, one file with `-- UP` / `-- DOWN` sections, or
//! forward-only files): the next number at the project's width and a header saying what it is,
//! what it depends on and what it requires. In another tool's (dbmate, goose, Flyway, Diesel,
//! …): the file or folder that tool's own `new` / `create` command writes, with the version it
//! would choose (a UTC time, or the folder's sequence). Sqitch's changes are left to `sqitch add`.
//!
//! [`scaffold()`] decides the files and their text without touching the disk; [`write()`] creates
//! them (never overwriting one) and reads the project again, removing them if it no longer
//! loads, so a file `plan new` leaves behind is one `plan show` accepts. Reading projects is
//! left to `project`; this module only reads what a loaded Project says about its files.
//!
//! A new migration holds a statement that raises an error in place of its SQL: a project
//! rejects a migration with no SQL, and an unedited template must not apply as a no-op.
//!
//! - `request`: what is asked, answered and refused ([`NewMigration`], `Scaffold`, `ScaffoldError`).
//! - `clock`: [`UtcNow`], the time a tool's version is written from.
//! - `layout`: which of plan's own file styles the project uses (`PlanStyle`).
//! - `scaffold`: [`scaffold()`], the files decided.
//! - `header`: their header and placeholder text.
//! - `tool`: the files of another tool's layout; `version`: its next version.
//! - `write`: [`write()`], the files created and the project checked.
//! - `folder`: [`CreatedFolder`], the migrations folder of a project that has none yet.

mod clock;
mod folder;
mod header;
mod layout;
pub(crate) mod request;
mod scaffold;
mod tool;
mod version;
mod write;

pub(crate) use clock::UtcNow;
pub(crate) use folder::CreatedFolder;
pub(crate) use request::{Depends, NewMigration, RollbackChoice};
pub(crate) use scaffold::scaffold;
pub(crate) use write::write;
