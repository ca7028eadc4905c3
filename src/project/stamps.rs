//! What a read of a project folder looked at, and a cheap way to tell later that it would read
//! the same: the basis of the project cache (`load::cache`), as a file's stat is the basis of
//! git's index.
//!
//! A [`Stamped`] source reads a folder as [`Folder`] does and notes every question the reader
//! asked of it: each file read, with its [`Stamp`] (device, inode, size, modification and
//! change times to the nanosecond); each folder listed, with its stamp (adding, removing or
//! renaming an entry changes a folder's times); and every other answer it gave (whether a path
//! is a link, a folder, a link out of the project). The reader is a function of those answers
//! alone, so when every one of them is still the same ([`KeptStamps::hold`]), reading again would
//! give the same project, byte for byte, and whatever was derived from it still holds.
//!
//! A file rewritten within one tick of the file system's clock can keep its times. So a read
//! whose stamps are not all older than the read itself by [`SETTLED`] is not to be kept
//! ([`Stamps::settled`]): any later change to those files then shows in their change time
//! (which nobody can set), as git treats "racily clean" entries.
//!
//! Leaves to others: where the notes are kept and what is kept with them (`load::cache`).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;

use nix::fcntl::{AtFlags, OFlag};
use nix::sys::stat::FileStat;

use super::read::{Reading, read_from};
use super::source::{Folder, Source};
use crate::codec::{Decoder, Encoder};
use crate::parallel;

/// How much older than the read every file and folder it looked at must be for the read to be
/// kept: more than the coarsest clock tick of the file systems plan meets (FAT keeps
/// modification times to 2 seconds; Linux stamps others to a jiffy).
pub(crate) const SETTLED: Duration = Duration::from_secs(3);

/// What identifies a file's content without reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stamp {
    device: u64,
    inode: u64,
    mode: u32,
    size: i64,
    /// Modification time, nanoseconds since the epoch.
    modified: i64,
    /// Change time (of content or metadata), nanoseconds since the epoch: set by the kernel,
    /// never by a user.
    changed: i64,
}

impl Stamp {
    fn of(stat: &FileStat) -> Self {
        let nanoseconds = |seconds: i64, nanoseconds: i64| {
            seconds
                .saturating_mul(1_000_000_000)
                .saturating_add(nanoseconds)
        };
        Stamp {
            device: stat.st_dev,
            inode: stat.st_ino,
            mode: stat.st_mode,
            size: stat.st_size,
            modified: nanoseconds(stat.st_mtime, stat.st_mtime_nsec),
            changed: nanoseconds(stat.st_ctime, stat.st_ctime_nsec),
        }
    }

    /// The stamp of `path` now, following a link when `follow`; `None` when it cannot be
    /// looked at (gone, or no permission).
    fn now(path: &Path, follow: bool) -> Option<Self> {
        let stat = if follow {
            nix::sys::stat::stat(path)
        } else {
            nix::sys::stat::lstat(path)
        };
        stat.ok().map(|stat| Stamp::of(&stat))
    }

    /// Whether neither time is later than `before` (nanoseconds since the epoch).
    fn older_than(&self, before: i64) -> bool {
        self.modified < before && self.changed < before
    }

    fn encode(&self, encoder: &mut Encoder) {
        encoder.u64(self.device);
        encoder.u64(self.inode);
        encoder.u64(u64::from(self.mode));
        encoder.i64(self.size);
        encoder.i64(self.modified);
        encoder.i64(self.changed);
    }

    fn decode(decoder: &mut Decoder<'_>) -> Option<Self> {
        Some(Stamp {
            device: decoder.u64()?,
            inode: decoder.u64()?,
            mode: u32::try_from(decoder.u64()?).ok()?,
            size: decoder.i64()?,
            modified: decoder.i64()?,
            changed: decoder.i64()?,
        })
    }
}

/// One question the reader asked, and what it was told: paths owned (`PathBuf`) as a read notes
/// them, borrowed (`&Path`) as a cache entry gives them back.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Probe<P> {
    /// A file read, through links when `follow`; `None`: it could not be.
    File {
        path: P,
        follow: bool,
        stamp: Option<Stamp>,
    },
    /// A folder listed; `None`: it could not be.
    Listed { path: P, stamp: Option<Stamp> },
    /// Where `path` in `folder` leads out of the project.
    LinkOutside {
        path: P,
        folder: P,
        answer: Option<P>,
    },
    /// Whether `path` is a link.
    IsLink { path: P, answer: bool },
    /// Whether `path` is a folder.
    IsFolder { path: P, answer: bool },
}

impl<P: AsRef<Path>> Probe<P> {
    /// The path asked about, by which probes are sorted (a folder's files then come together).
    fn path(&self) -> &Path {
        match self {
            Probe::File { path, .. }
            | Probe::Listed { path, .. }
            | Probe::LinkOutside { path, .. }
            | Probe::IsLink { path, .. }
            | Probe::IsFolder { path, .. } => path.as_ref(),
        }
    }

    fn stamp(&self) -> Option<&Stamp> {
        match self {
            Probe::File { stamp, .. } | Probe::Listed { stamp, .. } => stamp.as_ref(),
            _ => None,
        }
    }

    fn encode(&self, encoder: &mut Encoder) {
        let stamp = |encoder: &mut Encoder, stamp: &Option<Stamp>| {
            encoder.option(stamp.as_ref(), |encoder, stamp| stamp.encode(encoder));
        };
        match self {
            Probe::File {
                path,
                follow,
                stamp: file,
            } => {
                encoder.u64(0);
                encoder.path(path.as_ref());
                encoder.bool(*follow);
                stamp(encoder, file);
            }
            Probe::Listed {
                path,
                stamp: listed,
            } => {
                encoder.u64(1);
                encoder.path(path.as_ref());
                stamp(encoder, listed);
            }
            Probe::LinkOutside {
                path,
                folder,
                answer,
            } => {
                encoder.u64(2);
                encoder.path(path.as_ref());
                encoder.path(folder.as_ref());
                encoder.option(answer.as_ref().map(AsRef::as_ref), Encoder::path);
            }
            Probe::IsLink { path, answer } => {
                encoder.u64(3);
                encoder.path(path.as_ref());
                encoder.bool(*answer);
            }
            Probe::IsFolder { path, answer } => {
                encoder.u64(4);
                encoder.path(path.as_ref());
                encoder.bool(*answer);
            }
        }
    }
}

impl<'a> Probe<&'a Path> {
    fn decode(decoder: &mut Decoder<'a>) -> Option<Self> {
        Some(match decoder.u64()? {
            0 => Probe::File {
                path: decoder.path_ref()?,
                follow: decoder.bool()?,
                stamp: decoder.option(Stamp::decode)?,
            },
            1 => Probe::Listed {
                path: decoder.path_ref()?,
                stamp: decoder.option(Stamp::decode)?,
            },
            2 => Probe::LinkOutside {
                path: decoder.path_ref()?,
                folder: decoder.path_ref()?,
                answer: decoder.option(Decoder::path_ref)?,
            },
            3 => Probe::IsLink {
                path: decoder.path_ref()?,
                answer: decoder.bool()?,
            },
            4 => Probe::IsFolder {
                path: decoder.path_ref()?,
                answer: decoder.bool()?,
            },
            _ => return None,
        })
    }

    /// Whether asking again gives the same answer. A file is looked at in `parent`, its
    /// folder already open, when that is open: the kernel then walks one name, not the whole
    /// path, which was most of the time at 10,000 files.
    fn holds(&self, folder: &Folder<'_>, parent: Option<&OpenFolder>) -> bool {
        match self {
            Probe::File {
                path,
                follow,
                stamp,
            } => {
                let now = match (parent, path.file_name()) {
                    (Some(parent), Some(name)) if path.parent() == Some(parent.path) => {
                        parent.stamp_of(name, *follow)
                    }
                    _ => Stamp::now(path, *follow),
                };
                now == *stamp
            }
            Probe::Listed { path, stamp } => Stamp::now(path, true) == *stamp,
            Probe::LinkOutside {
                path,
                folder: inside,
                answer,
            } => folder.link_outside(path, inside).as_deref() == *answer,
            Probe::IsLink { path, answer } => folder.is_link(path) == *answer,
            Probe::IsFolder { path, answer } => folder.is_folder(path) == *answer,
        }
    }
}

/// A folder open to look at the files in it by name.
struct OpenFolder<'a> {
    path: &'a Path,
    handle: std::fs::File,
}

impl<'a> OpenFolder<'a> {
    /// The folder `path`, open (following links, as a lookup of a path through it would).
    fn open(path: &'a Path) -> Option<Self> {
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags((OFlag::O_DIRECTORY | OFlag::O_PATH).bits())
            .open(path)
            .ok()
            .map(|handle| OpenFolder { path, handle })
    }

    /// The stamp of the entry `name`, through a link when `follow`.
    fn stamp_of(&self, name: &std::ffi::OsStr, follow: bool) -> Option<Stamp> {
        let flags = if follow {
            AtFlags::empty()
        } else {
            AtFlags::AT_SYMLINK_NOFOLLOW
        };
        nix::sys::stat::fstatat(Some(self.handle.as_raw_fd()), name, flags)
            .ok()
            .map(|stat| Stamp::of(&stat))
    }
}

/// Every question a read of a project folder asked, and when the read began.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Stamps {
    /// When the read began, nanoseconds since the epoch.
    began: i64,
    /// Sorted by path.
    probes: Vec<Probe<PathBuf>>,
}

/// Stamps as a cache entry gives them back, their paths borrowed from its bytes.
#[derive(Debug)]
pub(crate) struct KeptStamps<'a> {
    probes: Vec<Probe<&'a Path>>,
}

impl<'a> KeptStamps<'a> {
    /// The stamps [`Stamps::encode`] wrote into `decoder`; `None` for anything else.
    pub(crate) fn decode(decoder: &mut Decoder<'a>) -> Option<Self> {
        let _began = decoder.i64()?;
        Some(KeptStamps {
            probes: decoder.list(Probe::decode)?,
        })
    }

    /// Whether the folder `root` would still be read as the read these stamps are of: every
    /// file and folder it looked at has its stamp, and every other question its answer. The
    /// probes are looked at on every core.
    pub(crate) fn hold(&self, root: &Path) -> bool {
        let folder = Folder::new(root);
        parallel::map_chunks(&self.probes, PROBES_PER_TASK, |task| {
            let mut parent: Option<OpenFolder<'_>> = None;
            task.iter().all(|probe| {
                if let Probe::File { path, .. } = probe
                    && let Some(folder) = path.parent()
                    && parent.as_ref().is_none_or(|open| open.path != folder)
                {
                    parent = OpenFolder::open(folder);
                }
                probe.holds(&folder, parent.as_ref())
            })
        })
        .into_iter()
        .all(|holds| holds)
    }
}

/// How many probes one thread checks with one folder kept open: small enough to spread
/// 10,000 over the cores, large enough that opening the folder costs little.
const PROBES_PER_TASK: usize = 64;

impl Stamps {
    /// Whether everything the read looked at was older than the read by [`SETTLED`]: only then
    /// does a later change show in the stamps (see the module's documentation).
    pub(crate) fn settled(&self) -> bool {
        let before = self
            .began
            .saturating_sub(i64::try_from(SETTLED.as_nanos()).unwrap_or(i64::MAX));
        self.probes
            .iter()
            .filter_map(Probe::stamp)
            .all(|stamp| stamp.older_than(before))
    }

    /// The same stamps, as if the read had begun long after every file was last changed: what
    /// a test needs to see a read kept without waiting for [`SETTLED`].
    #[cfg(test)]
    pub(crate) fn as_if_read_later(&self) -> Stamps {
        Stamps {
            began: self
                .probes
                .iter()
                .filter_map(Probe::stamp)
                .map(|stamp| stamp.modified.max(stamp.changed))
                .max()
                .unwrap_or(self.began)
                .max(self.began)
                .saturating_add(i64::try_from(SETTLED.as_nanos()).unwrap_or(i64::MAX))
                .saturating_add(1),
            probes: self.probes.clone(),
        }
    }

    /// Writes the stamps into `encoder`.
    pub(crate) fn encode(&self, encoder: &mut Encoder) {
        encoder.i64(self.began);
        encoder.list(self.probes.iter(), |encoder, probe| probe.encode(encoder));
    }
}

/// Reads the project folder `root` as `project::read` does, and notes every question the read
/// asked: the project, and the stamps to tell later whether it would read the same.
pub(crate) fn read_stamped(root: &Path) -> (Reading, Stamps) {
    let stamped = Stamped::new(root);
    let reading = read_from(&stamped);
    (reading, stamped.into_stamps())
}

/// A project folder read as [`Folder`] reads it, every question noted.
struct Stamped<'a> {
    inner: Folder<'a>,
    began: i64,
    probes: Mutex<Vec<Probe<PathBuf>>>,
}

impl<'a> Stamped<'a> {
    /// The project folder `root`, nothing read yet.
    fn new(root: &'a Path) -> Self {
        let began = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .ok()
            .and_then(|since| i64::try_from(since.as_nanos()).ok())
            .unwrap_or(0);
        Stamped {
            inner: Folder::new(root),
            began,
            probes: Mutex::new(Vec::new()),
        }
    }

    /// What was asked, once the read is over.
    fn into_stamps(self) -> Stamps {
        let mut probes = self
            .probes
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        probes.sort_by(|one, other| one.path().cmp(other.path()));
        Stamps {
            began: self.began,
            probes,
        }
    }

    fn note(&self, probe: Probe<PathBuf>) {
        self.probes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(probe);
    }
}

impl Source for Stamped<'_> {
    fn root(&self) -> &Path {
        self.inner.root()
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        // Stamped before the read: a change in between is later than the stamp, and later than
        // the read's beginning, so `settled` refuses the read.
        let stamp = Stamp::now(path, true);
        let read = self.inner.read(path);
        self.note(Probe::File {
            path: path.to_path_buf(),
            follow: true,
            stamp: read.as_ref().ok().and(stamp),
        });
        read
    }

    fn list(&self, folder: &Path) -> io::Result<Vec<PathBuf>> {
        let stamp = Stamp::now(folder, true);
        let listed = self.inner.list(folder);
        self.note(Probe::Listed {
            path: folder.to_path_buf(),
            stamp: listed.as_ref().ok().and(stamp),
        });
        listed
    }

    fn link_outside(&self, path: &Path, folder: &Path) -> Option<PathBuf> {
        let answer = self.inner.link_outside(path, folder);
        self.note(Probe::LinkOutside {
            path: path.to_path_buf(),
            folder: folder.to_path_buf(),
            answer: answer.clone(),
        });
        answer
    }

    fn is_link(&self, path: &Path) -> bool {
        let answer = self.inner.is_link(path);
        self.note(Probe::IsLink {
            path: path.to_path_buf(),
            answer,
        });
        answer
    }

    fn read_unlinked(&self, path: &Path, folder: &Path) -> Option<Vec<u8>> {
        let (bytes, stat) = self.inner.read_unlinked_stat(path, folder)?;
        self.note(Probe::File {
            path: path.to_path_buf(),
            follow: false,
            stamp: Some(Stamp::of(&stat)),
        });
        Some(bytes)
    }

    fn is_folder(&self, path: &Path) -> bool {
        let answer = self.inner.is_folder(path);
        self.note(Probe::IsFolder {
            path: path.to_path_buf(),
            answer,
        });
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stamps of a read of `root`.
    fn stamps_of(root: &Path) -> Stamps {
        let (reading, stamps) = read_stamped(root);
        assert!(reading.problems.is_empty(), "{:?}", reading.problems);
        stamps
    }

    /// Whether `stamps`, kept and given back, still hold for `root`.
    fn holds(stamps: &Stamps, root: &Path) -> bool {
        let mut encoder = Encoder::new();
        stamps.encode(&mut encoder);
        let bytes = encoder.into_bytes();
        let mut decoder = Decoder::new(&bytes);
        let kept = KeptStamps::decode(&mut decoder).expect("stamps read back");
        assert!(decoder.is_done());
        kept.hold(root)
    }

    /// Lets the file system's clock move on: a change within the tick of the read can keep
    /// every time the read saw (which [`Stamps::settled`] guards against, and this test is not
    /// about). Linux stamps files to a jiffy, at most 10 ms.
    fn tick() {
        std::thread::sleep(Duration::from_millis(30));
    }

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        crate::testing::project_dir(files)
    }

    #[test]
    fn an_unchanged_folder_holds_and_any_change_to_what_was_read_does_not() {
        let dir = project(&[
            ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
            ("migrations/002_b.sql", "CREATE TABLE b (id int);\n"),
        ]);
        let root = dir.path();
        let stamps = stamps_of(root);
        assert!(holds(&stamps, root));
        let again = stamps_of(root);
        assert!(holds(&again, root));

        // Content rewritten, to the same size.
        tick();
        std::fs::write(
            root.join("migrations/002_b.sql"),
            "CREATE TABLE c (id int);\n",
        )
        .unwrap();
        assert!(!holds(&stamps, root));

        // A file added (the folder's times change), a plan.yaml appearing (asked for, absent).
        let stamps = stamps_of(root);
        tick();
        std::fs::write(root.join("migrations/003_c.sql"), "SELECT 1;\n").unwrap();
        assert!(!holds(&stamps, root));
        let stamps = stamps_of(root);
        tick();
        std::fs::write(root.join("plan.yaml"), "lock_timeout: 5s\n").unwrap();
        assert!(!holds(&stamps, root));

        // A file replaced by a link to the same bytes.
        let stamps = stamps_of(root);
        tick();
        std::fs::write(root.join("elsewhere.sql"), "SELECT 1;\n").unwrap();
        std::fs::remove_file(root.join("migrations/003_c.sql")).unwrap();
        std::os::unix::fs::symlink(
            root.join("elsewhere.sql"),
            root.join("migrations/003_c.sql"),
        )
        .unwrap();
        assert!(!holds(&stamps, root));
    }

    #[test]
    fn a_read_of_files_just_written_is_not_settled() {
        let dir = project(&[("migrations/001_a.sql", "SELECT 1;\n")]);
        let stamps = stamps_of(dir.path());
        assert!(!stamps.settled(), "files written a moment ago");
        assert!(stamps.as_if_read_later().settled());
    }

    #[test]
    fn stamps_read_back_as_written() {
        let dir = project(&[("migrations/001_a.sql", "SELECT 1;\n")]);
        let stamps = stamps_of(dir.path());
        assert!(stamps.probes.len() >= 2, "{stamps:?}");
        let mut encoder = Encoder::new();
        stamps.encode(&mut encoder);
        let bytes = encoder.into_bytes();
        let mut decoder = Decoder::new(&bytes);
        let kept = KeptStamps::decode(&mut decoder).expect("stamps read back");
        assert!(decoder.is_done());
        let owned: Vec<Probe<&Path>> = stamps
            .probes
            .iter()
            .map(|probe| match probe {
                Probe::File {
                    path,
                    follow,
                    stamp,
                } => Probe::File {
                    path: path.as_path(),
                    follow: *follow,
                    stamp: *stamp,
                },
                Probe::Listed { path, stamp } => Probe::Listed {
                    path: path.as_path(),
                    stamp: *stamp,
                },
                Probe::LinkOutside {
                    path,
                    folder,
                    answer,
                } => Probe::LinkOutside {
                    path: path.as_path(),
                    folder: folder.as_path(),
                    answer: answer.as_deref(),
                },
                Probe::IsLink { path, answer } => Probe::IsLink {
                    path: path.as_path(),
                    answer: *answer,
                },
                Probe::IsFolder { path, answer } => Probe::IsFolder {
                    path: path.as_path(),
                    answer: *answer,
                },
            })
            .collect();
        assert_eq!(kept.probes, owned);
    }
}
