//! Where a project's files come from. The reader (`read.rs`, `files.rs`) asks a [`Source`] for
//! plan.yaml, the files of the migrations folder and the bytes of each file, and never touches
//! the file system itself. So a project reads the same from a folder on disk ([`Folder`]) as
//! from files held in memory ([`ProjectFiles`], e.g. baked into a service's binary at compile
//! time by `crate::embed`): same migrations, same checksums, same problems.
//!
//! Leaves to others: what the files mean (the rest of `project`), copying a folder into memory
//! (`recording.rs`, which needs the reader) and how an embedded list is generated (`embed`).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use nix::errno::Errno;
use nix::fcntl::{OFlag, openat};
use nix::sys::stat::{FileStat, Mode};

/// A project's files held in memory: each file's path relative to the project folder, and its
/// bytes. Read it with `project::load_files`, or with `load::load_project_files` to build its
/// graph and check its SQL too.
///
/// It stands for a project folder that is not on disk: the project's root is `.`, so file names
/// in messages read `migrations/001_init.sql`, and `command:` steps run in the current
/// directory. A folder exists when at least one file lies under it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProjectFiles {
    /// Keyed by path relative to the project folder, in the form [`normal`] gives.
    pub(super) files: BTreeMap<PathBuf, Cow<'static, [u8]>>,
}

/// What a reader needs from the place a project lives.
pub(crate) trait Source: Sync {
    /// The project folder; every path asked for is under it.
    fn root(&self) -> &Path;
    /// The bytes of the file at `path`.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// The entries directly in `folder`, each as `folder.join(name)`, in any order: files and
    /// folders, and on disk also symbolic links, so that a `.sql` entry that is not a readable
    /// file is reported rather than left out.
    fn list(&self, folder: &Path) -> io::Result<Vec<PathBuf>>;
    /// Where `path` leads when it, or a folder on the way to it below `folder`, is a symbolic
    /// link to somewhere outside both the project folder and `folder` (the migrations folder,
    /// which plan.yaml may put elsewhere); `None` for anything else. A link that cannot be
    /// resolved is left for `read` to report.
    fn link_outside(&self, path: &Path, folder: &Path) -> Option<PathBuf>;
    /// Whether `path` is a symbolic link: a linked folder is not searched for migrations (a
    /// link back up would be searched forever).
    fn is_link(&self, path: &Path) -> bool;
    /// The bytes of `path`, a file directly in `folder`, when it is no symbolic link: what
    /// [`Source::link_outside`] then [`Source::read`] would give, in fewer system calls (at
    /// 10,000 migrations the `stat`s around each read were a tenth of loading). `None` when it
    /// is a link or could not be read so; the caller then asks `link_outside` and `read`, which
    /// say why. Without an override, always `None`.
    fn read_unlinked(&self, _path: &Path, _folder: &Path) -> Option<Vec<u8>> {
        None
    }
    /// Whether `path` is a folder: without listing it, which at thousands of files costs.
    fn is_folder(&self, path: &Path) -> bool {
        self.list(path).is_ok()
    }
}

/// A project folder on disk.
pub(crate) struct Folder<'a> {
    root: &'a Path,
    /// The folder [`Source::read_unlinked`] was first asked about (the migrations folder),
    /// kept open: each file in it is then opened by its name relative to it, rather than by a
    /// whole path the kernel walks component by component for every one of thousands of files.
    /// `None` inside when it could not be opened.
    opened: OnceLock<Option<(PathBuf, std::fs::File)>>,
}

/// The name a project held in memory goes by in messages (`1 problem in …`).
pub(crate) const IN_MEMORY: &str = "the embedded project";

impl ProjectFiles {
    /// No files.
    pub fn new() -> Self {
        ProjectFiles::default()
    }

    /// The files of a list made at compile time, as `crate::embed` writes it:
    /// `&[("plan.yaml", include_bytes!(…)), ("migrations/001_init.sql", include_bytes!(…))]`.
    /// The bytes are borrowed, not copied.
    pub fn from_static(files: &'static [(&'static str, &'static [u8])]) -> Self {
        let mut project_files = ProjectFiles::new();
        for (path, bytes) in files {
            project_files.insert(path, *bytes);
        }
        project_files
    }

    /// Adds (or replaces) the file at `path`, relative to the project folder (`/`-separated;
    /// `.` and `..` are resolved, and a leading `/` is ignored).
    pub fn insert(&mut self, path: &str, bytes: impl Into<Cow<'static, [u8]>>) {
        let relative: PathBuf =
            Path::new(path)
                .components()
                .fold(PathBuf::new(), |mut built, component| {
                    match component {
                        Component::Normal(name) => built.push(name),
                        Component::ParentDir => {
                            built.pop();
                        }
                        Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
                    }
                    built
                });
        self.files.insert(relative, bytes.into());
    }

    /// The files' paths, relative to the project folder, sorted.
    pub fn paths(&self) -> impl ExactSizeIterator<Item = &Path> {
        self.files.keys().map(PathBuf::as_path)
    }

    /// The bytes of the file at `path` (relative to the project folder).
    pub fn get(&self, path: &Path) -> Option<&[u8]> {
        normal(path).and_then(|path| self.files.get(&path).map(AsRef::as_ref))
    }

    /// How many files there are.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// `path` (under the root `.`) relative to the project folder.
    fn relative(&self, path: &Path) -> Option<PathBuf> {
        path.strip_prefix(self.root()).ok().and_then(normal)
    }
}

impl Source for ProjectFiles {
    fn root(&self) -> &Path {
        Path::new(".")
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.relative(path)
            .and_then(|relative| self.files.get(&relative))
            .map(|bytes| bytes.to_vec())
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    "no such file among the embedded files",
                )
            })
    }

    fn list(&self, folder: &Path) -> io::Result<Vec<PathBuf>> {
        let missing = || {
            io::Error::new(
                io::ErrorKind::NotFound,
                "no such folder among the embedded files",
            )
        };
        let relative = self.relative(folder).ok_or_else(missing)?;
        let mut exists = false;
        let mut paths: Vec<PathBuf> = Vec::new();
        for path in self.files.keys() {
            if path.starts_with(&relative) && *path != relative {
                exists = true;
                // The entry directly in the folder: the file itself, or the folder it is in
                // (a migration folder of Prisma's or Diesel's layout), listed once.
                let Ok(inside) = path.strip_prefix(&relative) else {
                    continue;
                };
                if let Some(std::path::Component::Normal(name)) = inside.components().next() {
                    let entry = folder.join(name);
                    if paths.last() != Some(&entry) {
                        paths.push(entry);
                    }
                }
            }
        }
        if exists { Ok(paths) } else { Err(missing()) }
    }

    fn link_outside(&self, _path: &Path, _folder: &Path) -> Option<PathBuf> {
        // Files in memory are copies: no links.
        None
    }

    fn is_link(&self, _path: &Path) -> bool {
        false
    }
}

impl<'a> Folder<'a> {
    /// The project folder `root`.
    pub(crate) fn new(root: &'a Path) -> Self {
        Folder {
            root,
            opened: OnceLock::new(),
        }
    }
}

impl Folder<'_> {
    /// [`Source::read_unlinked`], with the stat of the file read (taken on the open file, so
    /// of the very file whose bytes these are).
    pub(crate) fn read_unlinked_stat(
        &self,
        path: &Path,
        folder: &Path,
    ) -> Option<(Vec<u8>, FileStat)> {
        match self.read_unlinked_as(path, folder, true)? {
            (bytes, Some(stat)) => Some((bytes, stat)),
            (_, None) => None,
        }
    }

    /// [`Source::read_unlinked`], with the file's stat as it was read when `stat` (`None`
    /// inside otherwise): the stamp of what was read, for `stamps.rs`, without a path lookup of
    /// its own.
    fn read_unlinked_as(
        &self,
        path: &Path,
        folder: &Path,
        stat: bool,
    ) -> Option<(Vec<u8>, Option<FileStat>)> {
        // Directly in `folder` and no link is where `link_outside` needs no look: opened with
        // O_NOFOLLOW (which fails on a link) and read to its end without the `stat` that
        // `std::fs::read` makes for the size: open, read, read, close.
        if path.parent() != Some(folder) {
            return None;
        }
        let opened = self.opened.get_or_init(|| {
            std::fs::File::open(folder)
                .ok()
                .map(|opened| (folder.to_path_buf(), opened))
        });
        match (opened, path.file_name()) {
            (Some((opened_path, opened)), Some(name)) if opened_path == folder => {
                read_in(opened.as_raw_fd(), name, stat).ok()
            }
            _ => {
                let file = std::fs::OpenOptions::new()
                    .read(true)
                    .custom_flags(OFlag::O_NOFOLLOW.bits())
                    .open(path)
                    .ok()?;
                let stat = if stat {
                    Some(nix::sys::stat::fstat(file.as_raw_fd()).ok()?)
                } else {
                    None
                };
                Some((read_to_end(file).ok()?, stat))
            }
        }
    }
}

impl Source for Folder<'_> {
    fn root(&self) -> &Path {
        self.root
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn list(&self, folder: &Path) -> io::Result<Vec<PathBuf>> {
        Ok(std::fs::read_dir(folder)?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .collect())
    }

    fn link_outside(&self, path: &Path, folder: &Path) -> Option<PathBuf> {
        // A file directly in `folder` that is no link is where it seems (the common case, kept
        // to one system call); one deeper may sit under a linked folder, so its whole path is
        // resolved.
        let is_link = std::fs::symlink_metadata(path)
            .ok()?
            .file_type()
            .is_symlink();
        if !is_link && path.parent() == Some(folder) {
            return None;
        }
        let target = std::fs::canonicalize(path).ok()?;
        let inside = [self.root, folder]
            .iter()
            .filter_map(|place| std::fs::canonicalize(place).ok())
            .any(|place| target.starts_with(place));
        (!inside).then_some(target)
    }

    fn is_link(&self, path: &Path) -> bool {
        std::fs::symlink_metadata(path).is_ok_and(|metadata| metadata.file_type().is_symlink())
    }

    fn read_unlinked(&self, path: &Path, folder: &Path) -> Option<Vec<u8>> {
        self.read_unlinked_as(path, folder, false)
            .map(|(bytes, _)| bytes)
    }

    fn is_folder(&self, path: &Path) -> bool {
        std::fs::metadata(path).is_ok_and(|metadata| metadata.is_dir())
    }
}

/// The bytes of the file `name` in the folder open as `folder`, unless it is a symbolic link:
/// opened relative to the folder (O_NOFOLLOW fails on a link), read to its end, and its stat
/// taken on the open file when `stat`, closed.
fn read_in(folder: RawFd, name: &OsStr, stat: bool) -> nix::Result<(Vec<u8>, Option<FileStat>)> {
    let file = openat(
        Some(folder),
        name,
        OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::empty(),
    )?;
    let mut buffer = [0u8; 16 * 1024];
    let mut bytes = Vec::new();
    let read = loop {
        match nix::unistd::read(file, &mut buffer) {
            Ok(0) => break Ok(bytes),
            Ok(read) => bytes.extend_from_slice(buffer.get(..read).unwrap_or_default()),
            Err(Errno::EINTR) => {}
            Err(error) => break Err(error),
        }
    };
    let read = read.and_then(|bytes| {
        let stat = if stat {
            Some(nix::sys::stat::fstat(file)?)
        } else {
            None
        };
        Ok((bytes, stat))
    });
    let _ = nix::unistd::close(file);
    read
}

/// Everything `file` holds, through a buffer on the stack: the bytes land in a vector of their
/// own size (a migration is a few hundred bytes; a vector grown from a guess would hold kilobytes
/// each, at thousands of files).
fn read_to_end(mut file: impl io::Read) -> io::Result<Vec<u8>> {
    let mut buffer = [0u8; 16 * 1024];
    let mut bytes = Vec::new();
    loop {
        match file.read(&mut buffer) {
            Ok(0) => return Ok(bytes),
            Ok(read) => bytes.extend_from_slice(buffer.get(..read).unwrap_or_default()),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
}

/// `path` with `.` removed and `..` resolved; `None` if it is absolute or climbs out.
pub(super) fn normal(path: &Path) -> Option<PathBuf> {
    let mut built = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(name) => built.push(name),
            Component::CurDir => {}
            Component::ParentDir => {
                if !built.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(built)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(paths: &[&str]) -> ProjectFiles {
        let mut files = ProjectFiles::new();
        for path in paths {
            files.insert(path, path.as_bytes().to_vec());
        }
        files
    }

    fn check_list(files: &ProjectFiles, folder: &str) -> String {
        match files.list(&Path::new(".").join(folder)) {
            Ok(mut paths) => {
                paths.sort();
                let names: Vec<String> = paths
                    .iter()
                    .map(|path| path.display().to_string())
                    .collect();
                names.join(" ")
            }
            Err(error) => format!("error: {error}"),
        }
    }

    #[test]
    fn a_folder_lists_only_the_entries_directly_in_it() {
        let files = files(&[
            "plan.yaml",
            "migrations/001_a.sql",
            "./migrations/002_b.sql",
            "migrations/steps/backfill.sql",
            "migrations/steps/other.sql",
            "/other/x.sql",
        ]);
        assert_eq!(
            check_list(&files, "migrations"),
            "./migrations/001_a.sql ./migrations/002_b.sql ./migrations/steps"
        );
        assert_eq!(
            check_list(&files, "migrations/"),
            check_list(&files, "migrations")
        );
        assert_eq!(check_list(&files, "other"), "./other/x.sql");
        assert_eq!(check_list(&files, ""), "./migrations ./other ./plan.yaml");
        assert_eq!(
            check_list(&files, "missing"),
            "error: no such folder among the embedded files"
        );
        assert_eq!(
            check_list(&files, "../migrations"),
            "error: no such folder among the embedded files"
        );
    }

    #[test]
    fn a_file_is_found_by_any_spelling_of_its_path() {
        let files = files(&["migrations/001_a.sql"]);
        let read = |path: &str| {
            files
                .read(Path::new(path))
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                .map_err(|error| error.to_string())
        };
        assert_eq!(
            read("./migrations/001_a.sql"),
            Ok("migrations/001_a.sql".to_string())
        );
        assert_eq!(
            read("./migrations/steps/../001_a.sql"),
            Ok("migrations/001_a.sql".to_string())
        );
        assert_eq!(
            read("./migrations/002_b.sql"),
            Err("no such file among the embedded files".to_string())
        );
        assert_eq!(
            files.get(Path::new("migrations/./001_a.sql")),
            Some(&b"migrations/001_a.sql"[..])
        );
    }

    /// What `read_unlinked` gives for `name` in a folder holding a plain file `plain.sql` (of
    /// `size` bytes), a link `link.sql` to it, and `sub/deeper.sql`: the bytes' length, or
    /// `none` when the caller must look further.
    fn check_unlinked(size: usize, name: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("migrations");
        std::fs::create_dir_all(folder.join("sub")).unwrap();
        let bytes: Vec<u8> = (0..size).map(|index| b'a' + (index % 26) as u8).collect();
        std::fs::write(folder.join("plain.sql"), &bytes).unwrap();
        std::fs::write(folder.join("sub/deeper.sql"), &bytes).unwrap();
        std::os::unix::fs::symlink(folder.join("plain.sql"), folder.join("link.sql")).unwrap();
        let source = Folder::new(dir.path());
        match source.read_unlinked(&folder.join(name), &folder) {
            Some(read) => {
                assert_eq!(read, bytes, "{name}: the bytes as written");
                read.len().to_string()
            }
            None => "none".to_string(),
        }
    }

    #[test]
    fn a_second_folder_is_read_by_path_with_the_same_answers() {
        let dir = tempfile::tempdir().unwrap();
        let (first, second) = (dir.path().join("first"), dir.path().join("second"));
        for folder in [&first, &second] {
            std::fs::create_dir_all(folder).unwrap();
            std::fs::write(folder.join("a.sql"), "SELECT 1;").unwrap();
            std::os::unix::fs::symlink(folder.join("a.sql"), folder.join("b.sql")).unwrap();
        }
        let source = Folder::new(dir.path());
        for folder in [&first, &second, &first] {
            let read = source.read_unlinked(&folder.join("a.sql"), folder);
            assert_eq!(
                read.as_deref(),
                Some(&b"SELECT 1;"[..]),
                "{}",
                folder.display()
            );
            assert_eq!(source.read_unlinked(&folder.join("b.sql"), folder), None);
        }
    }

    #[test]
    fn only_a_plain_file_directly_in_the_folder_is_read_without_a_look_at_links() {
        assert_eq!(check_unlinked(145, "plain.sql"), "145");
        assert_eq!(check_unlinked(0, "plain.sql"), "0");
        // Longer than the buffer it is read through.
        assert_eq!(check_unlinked(40_000, "plain.sql"), "40000");
        // A link is left to `link_outside` and `read`, even one that leads inside.
        assert_eq!(check_unlinked(145, "link.sql"), "none");
        // One deeper may sit under a linked folder; a missing one is `read`'s to report.
        assert_eq!(check_unlinked(145, "sub/deeper.sql"), "none");
        assert_eq!(check_unlinked(145, "missing.sql"), "none");
        // A folder named like a migration is left to `read`, which says what it is.
        assert_eq!(check_unlinked(145, "sub"), "none");
        // Files held in memory have no links to look at, but say nothing either.
        assert_eq!(
            files(&["migrations/a.sql"])
                .read_unlinked(Path::new("./migrations/a.sql"), Path::new("./migrations")),
            None
        );
    }
}
