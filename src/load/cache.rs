//! The project cache: what a command derived from a project folder, kept between runs with the
//! [`Stamps`] of the read it came from, so that the next run over an unchanged folder looks at
//! each file's stat instead of reading, splitting and hashing it (at 10,000 migrations, most of
//! `plan status`).
//!
//! An entry is used only when every stamp still holds, and by the very binary that wrote it
//! (its inode, size and modification time are part of the entry): a new `plan`, a changed
//! file, an added or removed one, a new plan.yaml, all read the folder again. An entry is
//! written only from a settled read ([`Stamps::settled`]): files changed in the last seconds
//! are read every time until they settle. Anything unexpected in an entry (cut short, another
//! format, another folder) is a miss, never an error: the cache can only save work.
//!
//! Entries live in `$XDG_CACHE_HOME/plan`, else `~/.cache/plan`, one file per project folder,
//! kind of entry and variant, in a folder only its owner may write to; `PLAN_CACHE=off` turns the cache
//! off. Leaves to others: what a command keeps (its own module), what the stamps hold
//! (`project::stamps`).

use std::fs::DirBuilder;
use std::io::{Read, Write};
use std::ops::Range;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::codec::{Decoder, Encoder};
use crate::project::stamps::{KeptStamps, Stamps};

/// What an entry starts with: the format, bumped whenever an entry's form changes.
const MAGIC: &[u8] = b"plan project cache 2\n";

/// The largest entry read: far above any real one (show's output for 10,000 migrations is a
/// few megabytes).
const LARGEST: u64 = 1 << 30;

/// The variable that turns the cache off (`off`, `0`, `false` or `no`).
pub(crate) const SWITCH: &str = "PLAN_CACHE";

/// Where one kind of entry for one project folder lives.
#[derive(Debug)]
pub(crate) struct Entry {
    /// The project folder, as given.
    root: PathBuf,
    /// The cache file.
    file: PathBuf,
    /// What identifies the folder, the binary and the kind of entry, written at its top.
    key: Vec<u8>,
}

impl Entry {
    /// The entry of kind `kind` (a plain word: it ends the file's name) for the project folder
    /// `root`, and `variant` of it (the arguments the kept result depends on besides the
    /// folder, empty when none); `None` when the cache is off or has no place (no home folder,
    /// a cache folder someone else may write to).
    pub(crate) fn of(root: &Path, kind: &str, variant: &[u8]) -> Option<Self> {
        if std::env::var(SWITCH).is_ok_and(|value| {
            matches!(
                value.trim().to_ascii_lowercase().as_str(),
                "off" | "0" | "false" | "no"
            )
        }) {
            return None;
        }
        let folder = cache_folder()?;
        let canonical = std::fs::canonicalize(root).ok()?;
        let binary = std::env::current_exe().and_then(std::fs::metadata).ok()?;
        // The file is named after the folder and the kind alone, so that a new binary's entry
        // replaces the old one's rather than adding to it; the binary is in the key inside.
        let mut place = Encoder::new();
        place.path(&canonical);
        place.path(root);
        place.str(kind);
        place.bytes(variant);
        let place = place.into_bytes();
        let name: String = Sha256::digest(&place)
            .iter()
            .take(16)
            .map(|byte| format!("{byte:02x}"))
            .collect();
        let mut key = Encoder::new();
        key.str(env!("CARGO_PKG_VERSION"));
        key.u64(binary.dev());
        key.u64(binary.ino());
        key.u64(binary.size());
        key.i64(binary.mtime());
        key.i64(binary.mtime_nsec());
        key.bytes(&place);
        let key = key.into_bytes();
        Some(Entry {
            root: root.to_path_buf(),
            file: folder.join(format!("{name}.{kind}")),
            key,
        })
    }

    /// The entry, if it exists and is this binary's for this folder, its stamps not yet
    /// checked: what was kept is to be used only once [`Opened::holds`] says so (a caller may
    /// decide what to do with it first, as `plan status` picks the ledger it will read).
    pub(crate) fn open(&self) -> Option<Opened> {
        let file = std::fs::File::open(&self.file).ok()?;
        let metadata = file.metadata().ok()?;
        if metadata.uid() != nix::unistd::geteuid().as_raw() {
            return None;
        }
        // Passed over past a size no entry reaches (a file grown or replaced by someone or
        // something else): read whole, it could take all the memory there is.
        if metadata.len() > LARGEST {
            return None;
        }
        let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).ok()?);
        file.take(LARGEST + 1).read_to_end(&mut bytes).ok()?;
        if bytes.len() as u64 > LARGEST {
            return None;
        }
        let body = bytes.strip_prefix(MAGIC)?;
        let offset = |rest: usize| bytes.len() - rest;
        let mut decoder = Decoder::new(body);
        if decoder.bytes()? != self.key.as_slice() {
            return None;
        }
        // The stamps are decoded once, by `holds`: here only their place is taken.
        let stamps_length = decoder.bytes()?.len();
        let stamps = offset(decoder.remaining()) - stamps_length..offset(decoder.remaining());
        let kept_length = decoder.bytes()?.len();
        if !decoder.is_done() {
            return None;
        }
        let kept = bytes.len() - kept_length..bytes.len();
        Some(Opened {
            root: self.root.clone(),
            bytes,
            stamps,
            kept,
        })
    }

    /// Keeps `kept`, derived from the read `stamps` describe, if that read was settled;
    /// replaces the entry at once (another run reads the old entry or the new one, never a
    /// part). A failure to write only loses the saving.
    pub(crate) fn write(&self, stamps: &Stamps, kept: &[u8]) {
        if !stamps.settled() {
            return;
        }
        let mut encoder = Encoder::new();
        encoder.bytes(&self.key);
        let mut stamped = Encoder::new();
        stamps.encode(&mut stamped);
        encoder.bytes(&stamped.into_bytes());
        encoder.bytes(kept);
        let Some(folder) = self.file.parent() else {
            return;
        };
        let written = tempfile::NamedTempFile::new_in(folder).and_then(|mut temporary| {
            temporary.write_all(MAGIC)?;
            temporary.write_all(&encoder.into_bytes())?;
            temporary.persist(&self.file).map_err(|error| error.error)?;
            Ok(())
        });
        if let Err(error) = written {
            tracing::debug!("the project cache was not written: {error}");
        }
    }
}

/// An entry read from its file, whose stamps are yet to be checked.
#[derive(Debug)]
pub(crate) struct Opened {
    root: PathBuf,
    bytes: Vec<u8>,
    /// Where the stamps are in `bytes`.
    stamps: Range<usize>,
    /// Where what was kept is in `bytes`.
    kept: Range<usize>,
}

impl Opened {
    /// What was kept: to be trusted only once [`Opened::holds`] says so.
    pub(crate) fn kept(&self) -> &[u8] {
        self.bytes.get(self.kept.clone()).unwrap_or_default()
    }

    /// Whether every stamp still holds: the folder would read as it did when the entry was
    /// written.
    pub(crate) fn holds(&self) -> bool {
        let Some(stamps) = self.bytes.get(self.stamps.clone()) else {
            return false;
        };
        let mut decoder = Decoder::new(stamps);
        KeptStamps::decode(&mut decoder)
            .is_some_and(|stamps| decoder.is_done() && stamps.hold(&self.root))
    }
}

/// The cache folder, made if need be; `None` when there is no home to put it in, or when it
/// is not this user's alone to write (an entry from someone else could hide a changed file).
fn cache_folder() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|path| path.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .map(PathBuf::from)
                .filter(|path| path.is_absolute())
                .map(|home| home.join(".cache"))
        })?;
    let folder = base.join("plan");
    let _ = DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&folder);
    let metadata = std::fs::symlink_metadata(&folder).ok()?;
    let ours = metadata.is_dir()
        && metadata.uid() == nix::unistd::geteuid().as_raw()
        && metadata.mode() & 0o022 == 0;
    ours.then_some(folder)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::stamps::read_stamped;

    impl Entry {
        /// What was kept, if the entry is there and every stamp still holds.
        fn read(&self) -> Option<Vec<u8>> {
            let opened = self.open()?;
            opened.holds().then(|| opened.kept().to_vec())
        }
    }

    /// An entry of `root`'s in a cache folder of the test's own, with the stamps of a read of
    /// `root`.
    fn entry_and_stamps(root: &Path, cache: &Path) -> (Entry, Stamps) {
        let folder = cache.join("plan");
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&folder)
            .unwrap();
        let entry = Entry {
            root: root.to_path_buf(),
            file: folder.join("entry.test"),
            key: b"key".to_vec(),
        };
        let (reading, stamps) = read_stamped(root);
        assert!(reading.problems.is_empty());
        (entry, stamps)
    }

    #[test]
    fn a_settled_read_is_kept_and_read_back_until_a_file_changes() {
        let project = crate::testing::project_dir(&[("migrations/001_a.sql", "SELECT 1;\n")]);
        let cache = tempfile::tempdir().unwrap();
        let (entry, stamps) = entry_and_stamps(project.path(), cache.path());
        // Just written: not settled, so not kept.
        entry.write(&stamps, b"derived");
        assert_eq!(entry.read(), None);
        let settled = stamps.as_if_read_later();
        entry.write(&settled, b"derived");
        assert_eq!(entry.read().as_deref(), Some(&b"derived"[..]));
        // Another binary or folder (another key) reads nothing.
        let other = Entry {
            key: b"other".to_vec(),
            ..entry
        };
        assert_eq!(other.read(), None);
        let entry = Entry {
            key: b"key".to_vec(),
            ..other
        };
        // A file added.
        std::thread::sleep(std::time::Duration::from_millis(30));
        std::fs::write(project.path().join("migrations/002_b.sql"), "SELECT 2;\n").unwrap();
        assert_eq!(entry.read(), None);
    }

    #[test]
    fn a_damaged_entry_is_a_miss() {
        let project = crate::testing::project_dir(&[("migrations/001_a.sql", "SELECT 1;\n")]);
        let cache = tempfile::tempdir().unwrap();
        let (entry, stamps) = entry_and_stamps(project.path(), cache.path());
        entry.write(&stamps.as_if_read_later(), b"derived");
        let whole = std::fs::read(&entry.file).unwrap();
        for cut in [0, MAGIC.len(), whole.len() / 2, whole.len() - 1] {
            std::fs::write(&entry.file, &whole[..cut]).unwrap();
            assert_eq!(entry.read(), None, "cut at {cut}");
        }
        let mut longer = whole.clone();
        longer.push(0);
        std::fs::write(&entry.file, &longer).unwrap();
        assert_eq!(entry.read(), None);
        std::fs::write(&entry.file, &whole).unwrap();
        assert!(entry.read().is_some());
    }
}
