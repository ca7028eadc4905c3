//! Review of the project cache (issue 18; docs/performance.md, "The project cache"): attacks on
//! `plan show` and `plan status` with the cache on, each compared with a full read
//! (`PLAN_CACHE=off`) after a change that a full read would see: edits that keep a file's size
//! or put its modification time back, links retargeted, other tools' layouts, rollback and step
//! files, folders replaced or renamed, a migrations folder outside the project. Every project of
//! a test is written first and settles in one wait (a read is kept only once what it looked at
//! is 3 s old), then each is read with the cache (and the entry checked to be kept), changed,
//! and read again both ways.
//!
//! Findings 1 (a stale status entry made status connect before it found the project invalid)
//! and 3 (an entry grown past memory was read whole) are fixed and their tests run; finding 2
//! (a file rewritten through a shared mapping keeps its times) is a limit of stamps, as of git's
//! index: documented, its test kept `#[ignore]`d to show it.

use std::io::{BufRead, BufReader, Write as _};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use crate::project_cache::{self, run_in};
use crate::support::cluster::{TestDatabase, test_db};
use crate::support::project::{Run, TestProject, plan_with_env};

/// More than the 3 s a read's files must be old for it to be kept (`stamps::SETTLED`).
const SETTLE: Duration = Duration::from_millis(3_500);

/// How many entries the cache folder `cache` holds.
fn entries(cache: &Path) -> usize {
    project_cache::entries(cache).len()
}

/// Writes `text` over the file at `path`, which must be as long as `text` (an edit that keeps the
/// size), creating nothing.
#[track_caller]
fn same_size(path: &Path, text: &str) {
    let old = std::fs::read(path).expect("the file to edit");
    assert_eq!(old.len(), text.len(), "{}: keep the size", path.display());
    std::fs::write(path, text).expect("edit the file");
}

/// The file's modification time.
fn modified(path: &Path) -> SystemTime {
    std::fs::metadata(path)
        .and_then(|metadata| metadata.modified())
        .expect("the file's times")
}

/// Puts the file's modification time back to `time` (as `touch -d` would).
fn set_modified(path: &Path, time: SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .and_then(|file| file.set_modified(time))
        .expect("set the modification time");
}

/// Replaces whatever is at `link` by a symbolic link to `target`.
fn relink(target: &str, link: &Path) {
    let _ = std::fs::remove_file(link);
    std::os::unix::fs::symlink(target, link).expect("make the link");
}

/// One attack: a project, the `--dir` to give (relative to the folder plan runs in), and a
/// change a full read sees.
struct Case {
    name: &'static str,
    project: TestProject,
    dir: &'static str,
    change: Box<dyn Fn(&Path)>,
    /// The change shows in a full read's output (stdout or exit code) for at least one of
    /// the commands run: else the comparison would prove nothing.
    visible: bool,
    cache: tempfile::TempDir,
}

impl Case {
    fn new(
        name: &'static str,
        files: &[(&str, &str)],
        dir: &'static str,
        change: impl Fn(&Path) + 'static,
    ) -> Case {
        Case::of(name, TestProject::new(files), dir, change)
    }

    fn of(
        name: &'static str,
        project: TestProject,
        dir: &'static str,
        change: impl Fn(&Path) + 'static,
    ) -> Case {
        Case {
            name,
            project,
            dir,
            change: Box::new(change),
            visible: true,
            cache: tempfile::tempdir().expect("a cache folder"),
        }
    }

    /// The change need not show in the output (the comparison still must hold).
    fn invisible(mut self) -> Case {
        self.visible = false;
        self
    }

    fn root(&self) -> &Path {
        self.project.path()
    }
}

/// Runs every case: after one wait for all projects to settle, each command of `commands`
/// (`--dir` added) with the cache, twice, checking that the read was kept; then every change;
/// then each command with the cache and without, which must say the same. `prepare` runs
/// first on each case (to apply migrations) and `extra` gives each run's added arguments.
/// Returns the cases where the cache made a difference, or the check proved nothing.
fn attack(
    cases: &[Case],
    commands: &[&[&str]],
    extra: &dyn Fn(&Case) -> Vec<String>,
) -> Vec<String> {
    let args_of = |case: &Case, command: &[&str]| -> Vec<String> {
        let mut args: Vec<String> = command.iter().map(ToString::to_string).collect();
        args.extend(["--dir".to_string(), case.dir.to_string()]);
        args.extend(extra(case));
        args
    };
    let run = |case: &Case, cache: Option<&Path>, args: &[String]| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_in(case.root(), cache, &args)
    };
    std::thread::sleep(SETTLE);
    let mut failures = Vec::new();
    let mut before: Vec<Vec<(i32, String)>> = Vec::new();
    for case in cases {
        let mut outputs = Vec::new();
        for command in commands {
            let args = args_of(case, command);
            let first = run(case, Some(case.cache.path()), &args);
            let again = run(case, Some(case.cache.path()), &args);
            assert_eq!(
                (first.code, &first.stdout),
                (again.code, &again.stdout),
                "{}: {args:?} twice",
                case.name
            );
            outputs.push((first.code, first.stdout));
        }
        if entries(case.cache.path()) == 0 {
            failures.push(format!(
                "{}: nothing was kept (the attack proves nothing)",
                case.name
            ));
        }
        before.push(outputs);
    }
    for case in cases {
        (case.change)(case.root());
    }
    for (case, before) in cases.iter().zip(&before) {
        let mut changed = false;
        for (command, before) in commands.iter().zip(before) {
            let args = args_of(case, command);
            let cached = run(case, Some(case.cache.path()), &args);
            let full = run(case, None, &args);
            changed |= (full.code, &full.stdout) != (before.0, &before.1);
            if (cached.code, &cached.stdout, &cached.stderr)
                != (full.code, &full.stdout, &full.stderr)
            {
                failures.push(format!(
                    "{}: `plan {}` differs with the cache\n--- with the cache\n{}\n--- full read\n{}",
                    case.name,
                    args.join(" "),
                    cached.transcript(),
                    full.transcript()
                ));
            }
        }
        if case.visible && !changed {
            failures.push(format!(
                "{}: the change does not show in a full read (the attack proves nothing)",
                case.name
            ));
        }
    }
    failures
}

#[track_caller]
fn assert_no_failures(failures: &[String]) {
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

const SHOW: &[&[&str]] = &[&["show"], &["show", "--format", "json"]];

/// The flat project most show attacks start from: two migrations, the first with a rollback
/// section.
const FLAT: &[(&str, &str)] = &[
    (
        "migrations/001_a.sql",
        "-- UP\nCREATE TABLE a (id int);\n-- DOWN\nDROP TABLE a;\n",
    ),
    ("migrations/002_b.sql", "CREATE TABLE b (id int);\n"),
];

/// The show attacks on flat projects, rollbacks, steps and links.
fn flat_cases() -> Vec<Case> {
    vec![
        Case::new("a same-size edit", FLAT, ".", |root| {
            same_size(
                &root.join("migrations/002_b.sql"),
                "CREATE TABLE c (id int);\n",
            );
        }),
        Case::new(
            "an edit with the modification time put back",
            FLAT,
            ".",
            |root| {
                let path = root.join("migrations/002_b.sql");
                let time = modified(&path);
                same_size(&path, "CREATE TABLE c (id int);\n");
                set_modified(&path, time);
            },
        ),
        Case::new("a -- DOWN section emptied", FLAT, ".", |root| {
            std::fs::write(
                root.join("migrations/001_a.sql"),
                "-- UP\nCREATE TABLE a (id int);\n-- DOWN\n-- keep it;\n",
            )
            .expect("edit");
        }),
        Case::new(
            "a .down.sql file left with comments only",
            &[
                ("migrations/001_a.up.sql", "CREATE TABLE a (id int);\n"),
                ("migrations/001_a.down.sql", "DROP TABLE a;\n"),
            ],
            ".",
            |root| same_size(&root.join("migrations/001_a.down.sql"), "-- nothing!!\n\n"),
        ),
        Case::new(
            "a .down.sql file added",
            &[("migrations/001_a.up.sql", "CREATE TABLE a (id int);\n")],
            ".",
            |root| {
                std::fs::write(root.join("migrations/001_a.down.sql"), "DROP TABLE a;\n")
                    .expect("add the rollback");
            },
        ),
        Case::new(
            "a step file of plan.yaml edited",
            &[
                ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
                ("migrations/001_fill.sql", "UPDATE a SET id = 1;\n"),
                (
                    "plan.yaml",
                    "migrations:\n  001_a:\n    steps:\n      - sql: 001_fill.sql\n",
                ),
            ],
            ".",
            |root| {
                // Not UTF-8: a full read refuses it.
                std::fs::write(
                    root.join("migrations/001_fill.sql"),
                    b"UPDATE a SET id = \xff;\n",
                )
                .expect("edit the step file");
            },
        ),
        Case::new(
            "the target of a linked migration edited",
            &[
                ("shared/001_a.sql", "CREATE TABLE a (id int);\n"),
                ("migrations/002_b.sql", "CREATE TABLE b (id int);\n"),
            ],
            ".",
            |root| same_size(&root.join("shared/001_a.sql"), "CREATE TABLE z (id int);\n"),
        )
        .linked("../shared/001_a.sql", "migrations/001_a.sql"),
        Case::new(
            "a linked migration retargeted",
            &[
                ("shared/one.sql", "CREATE TABLE a (id int);\n"),
                ("shared/two.sql", "CREATE TABLE z (id int);\n"),
                ("migrations/002_b.sql", "CREATE TABLE b (id int);\n"),
            ],
            ".",
            |root| relink("../shared/two.sql", &root.join("migrations/001_a.sql")),
        )
        .linked("../shared/one.sql", "migrations/001_a.sql"),
        Case::new(
            "a file replaced by a link to the same bytes",
            &[
                ("shared/002_b.sql", "CREATE TABLE b (id int);\n"),
                ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
                ("migrations/002_b.sql", "CREATE TABLE b (id int);\n"),
            ],
            ".",
            |root| relink("../shared/002_b.sql", &root.join("migrations/002_b.sql")),
        )
        .invisible(),
        Case::new(
            "the migrations folder, a link, retargeted",
            &[
                ("real1/001_a.sql", "CREATE TABLE a (id int);\n"),
                ("real2/001_a.sql", "CREATE TABLE z (id int);\n"),
            ],
            ".",
            |root| relink("real2", &root.join("migrations")),
        )
        .linked("real1", "migrations"),
        Case::new(
            "a hard link to a migration edited from outside the project",
            &[
                ("elsewhere/001_a.sql", "CREATE TABLE a (id int);\n"),
                ("proj/migrations/002_b.sql", "CREATE TABLE b (id int);\n"),
            ],
            "proj",
            |root| {
                // In place: the same inode, seen through the project's own name.
                let mut file = std::fs::File::options()
                    .write(true)
                    .open(root.join("elsewhere/001_a.sql"))
                    .expect("open the other name");
                file.write_all(b"CREATE TABLE z").expect("write in place");
            },
        )
        .hard_linked("elsewhere/001_a.sql", "proj/migrations/001_a.sql"),
        Case::new(
            "a migrations_dir outside the project edited (relative --dir)",
            &[
                ("proj/plan.yaml", "migrations_dir: ../outside\n"),
                ("outside/001_a.sql", "CREATE TABLE a (id int);\n"),
            ],
            "proj",
            |root| {
                same_size(
                    &root.join("outside/001_a.sql"),
                    "CREATE TABLE z (id int);\n",
                )
            },
        ),
        Case::new(
            "plan.yaml added, moving the migrations folder",
            &[
                ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
                ("other/001_z.sql", "CREATE TABLE z (id int);\n"),
            ],
            ".",
            |root| {
                std::fs::write(root.join("plan.yaml"), "migrations_dir: other\n")
                    .expect("plan.yaml");
            },
        ),
        Case::new(
            "Prisma's mark appearing in a flat folder",
            &[("migrations/001_a.sql", "CREATE TABLE a (id int);\n")],
            ".",
            |root| {
                std::fs::write(
                    root.join("migrations/migration_lock.toml"),
                    "provider = \"postgresql\"\n",
                )
                .expect("the mark");
            },
        ),
        Case::new(
            "the project folder deleted and written again, one file edited",
            &[
                ("proj/migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
                ("proj/migrations/002_b.sql", "CREATE TABLE b (id int);\n"),
            ],
            "proj",
            |root| {
                let proj = root.join("proj");
                std::fs::remove_dir_all(&proj).expect("remove the project");
                std::fs::create_dir_all(proj.join("migrations")).expect("again");
                std::fs::write(
                    proj.join("migrations/001_a.sql"),
                    "CREATE TABLE a (id int);\n",
                )
                .expect("001");
                std::fs::write(
                    proj.join("migrations/002_b.sql"),
                    "CREATE TABLE c (id int);\n",
                )
                .expect("002");
            },
        ),
        Case::new(
            "the project folder renamed away and another renamed in",
            &[
                ("proj/migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
                ("next/migrations/001_a.sql", "CREATE TABLE z (id int);\n"),
            ],
            "proj",
            |root| {
                std::fs::rename(root.join("proj"), root.join("old")).expect("away");
                std::fs::rename(root.join("next"), root.join("proj")).expect("in");
            },
        ),
        Case::new(
            "--dir a link to the project, retargeted",
            &[
                ("one/migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
                ("two/migrations/001_a.sql", "CREATE TABLE z (id int);\n"),
            ],
            "link",
            |root| relink("two", &root.join("link")),
        )
        .linked("one", "link"),
        Case::new(
            "--dir with a trailing slash and ./",
            &[("proj/migrations/001_a.sql", "CREATE TABLE a (id int);\n")],
            "./proj/",
            |root| {
                same_size(
                    &root.join("proj/migrations/001_a.sql"),
                    "CREATE TABLE z (id int);\n",
                );
            },
        ),
    ]
}

impl Case {
    /// Adds a symbolic link `link` (relative to the project's folder) to `target`.
    fn linked(self, target: &str, link: &str) -> Case {
        relink(target, &self.root().join(link));
        self
    }

    /// Adds a hard link `link` to the file `target` (both relative to the project's folder).
    fn hard_linked(self, target: &str, link: &str) -> Case {
        std::fs::hard_link(self.root().join(target), self.root().join(link))
            .expect("make the hard link");
        self
    }
}

/// Other tools' layouts: Prisma's and Diesel's folder per migration, Sqitch's plan file and
/// deploy/revert folders, Flyway's nested folders.
fn tool_cases() -> Vec<Case> {
    let flyway = TestProject::copy_of("tests/fixtures/tools/flyway");
    flyway.write("sql/more/V11__nested.sql", "SELECT 1;\n");
    vec![
        Case::of(
            "a Prisma migration edited",
            TestProject::copy_of("tests/fixtures/tools/prisma"),
            "prisma",
            |root| {
                let path = root.join("prisma/migrations/20240117090000_add_user_bio/migration.sql");
                let mut text = std::fs::read_to_string(&path).expect("the migration");
                text.push_str("SELECT 1;\n");
                std::fs::write(&path, text).expect("edit");
            },
        ),
        Case::of(
            "a file added inside a Prisma migration's folder",
            TestProject::copy_of("tests/fixtures/tools/prisma"),
            "prisma",
            |root| {
                std::fs::write(
                    root.join("prisma/migrations/20240117090000_add_user_bio/down.sql"),
                    "ALTER TABLE users DROP COLUMN bio;\n",
                )
                .expect("add a file");
            },
        )
        .invisible(),
        Case::of(
            "a Diesel down.sql left with comments only",
            TestProject::copy_of("tests/fixtures/tools/diesel"),
            ".",
            |root| {
                std::fs::write(
                    root.join("migrations/2024-01-17-090000_add_user_bio/down.sql"),
                    "-- nothing to undo\n",
                )
                .expect("edit");
            },
        ),
        Case::of(
            "a Sqitch deploy script edited",
            TestProject::copy_of("tests/fixtures/tools/sqitch"),
            ".",
            |root| {
                let path = root.join("deploy/users_bio.sql");
                let mut text = std::fs::read_to_string(&path).expect("the script");
                text.push_str("SELECT 1;\n");
                std::fs::write(&path, text).expect("edit");
            },
        ),
        Case::of(
            "a Sqitch revert script removed",
            TestProject::copy_of("tests/fixtures/tools/sqitch"),
            ".",
            |root| std::fs::remove_file(root.join("revert/users_bio.sql")).expect("remove"),
        ),
        Case::of(
            "a Sqitch change dropped from sqitch.plan",
            TestProject::copy_of("tests/fixtures/tools/sqitch"),
            ".",
            |root| {
                let path = root.join("sqitch.plan");
                let text = std::fs::read_to_string(&path).expect("the plan");
                let kept: Vec<&str> = text
                    .lines()
                    .filter(|line| !line.starts_with("users_bio "))
                    .collect();
                std::fs::write(&path, kept.join("\n") + "\n").expect("edit");
            },
        ),
        Case::of(
            "a Flyway migration in a subfolder edited",
            flyway,
            ".",
            |root| same_size(&root.join("sql/more/V11__nested.sql"), "SELECT 2;\n"),
        ),
    ]
}

#[test]
fn review_cache_show_sees_every_change_a_full_read_sees() {
    let mut cases = flat_cases();
    cases.extend(tool_cases());
    let failures = attack(&cases, SHOW, &|_: &Case| Vec::new());
    assert_no_failures(&failures);
}

/// `plan status` (text and JSON, `--exit-code`) against `database` after `001_a` and the rest
/// were applied: a change to an applied migration is `modified` at once.
#[test]
fn review_cache_status_sees_every_change_to_an_applied_migration() {
    let cases: Vec<(Case, TestDatabase)> = vec![
        Case::new("a same-size edit", FLAT, ".", |root| {
            same_size(
                &root.join("migrations/002_b.sql"),
                "CREATE TABLE c (id int);\n",
            );
        }),
        Case::new("an edit with the time put back", FLAT, ".", |root| {
            let path = root.join("migrations/002_b.sql");
            let time = modified(&path);
            same_size(&path, "CREATE TABLE c (id int);\n");
            set_modified(&path, time);
        }),
        Case::new(
            "a step file edited",
            &[
                ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
                ("migrations/001_fill.sql", "UPDATE a SET id = 1;\n"),
                (
                    "plan.yaml",
                    "migrations:\n  001_a:\n    steps:\n      - sql: 001_fill.sql\n",
                ),
            ],
            ".",
            |root| {
                same_size(
                    &root.join("migrations/001_fill.sql"),
                    "UPDATE a SET id = 2;\n",
                )
            },
        ),
        Case::new(
            "a linked migration retargeted",
            &[
                ("shared/one.sql", "CREATE TABLE a (id int);\n"),
                ("shared/two.sql", "CREATE TABLE z (id int);\n"),
                ("migrations/002_b.sql", "CREATE TABLE b (id int);\n"),
            ],
            ".",
            |root| relink("../shared/two.sql", &root.join("migrations/001_a.sql")),
        )
        .linked("../shared/one.sql", "migrations/001_a.sql"),
        Case::of(
            "a Sqitch deploy script edited",
            TestProject::copy_of("tests/fixtures/tools/sqitch"),
            ".",
            |root| {
                let path = root.join("deploy/users_bio.sql");
                let mut text = std::fs::read_to_string(&path).expect("the script");
                text.push_str("SELECT 1;\n");
                std::fs::write(&path, text).expect("edit");
            },
        ),
        Case::of(
            "a Diesel up.sql edited",
            TestProject::copy_of("tests/fixtures/tools/diesel"),
            ".",
            |root| {
                let path = root.join("migrations/2024-01-17-090000_add_user_bio/up.sql");
                let mut text = std::fs::read_to_string(&path).expect("the migration");
                text.push_str("SELECT 1;\n");
                std::fs::write(&path, text).expect("edit");
            },
        ),
    ]
    .into_iter()
    .enumerate()
    .map(|(at, case)| {
        let database = test_db(&format!("review_cache_status_{at}"));
        let url = database.url();
        run_in(
            case.root(),
            None,
            &["apply", "--database-url", url.as_str()],
        )
        .expect_ok();
        (case, database)
    })
    .collect();
    let urls: Vec<(String, String)> = cases
        .iter()
        .map(|(case, database)| (case.name.to_string(), database.url()))
        .collect();
    let (cases, _databases): (Vec<Case>, Vec<TestDatabase>) = cases.into_iter().unzip();
    let failures = attack(
        &cases,
        &[
            &["status", "--exit-code"],
            &["status", "--exit-code", "--format", "json"],
        ],
        &|case: &Case| {
            let url = urls
                .iter()
                .find(|(name, _)| name == case.name)
                .map(|(_, url)| url.clone())
                .expect("each case has its database");
            vec!["--database-url".to_string(), url]
        },
    );
    assert_no_failures(&failures);
}

/// Where the cache folder is not to be used (someone else's, a link) or has no place
/// (`XDG_CACHE_HOME` relative, no `HOME`), plan still works, writes nothing there and says
/// what a full read says; a damaged or foreign entry is a miss, and is replaced.
#[test]
fn review_cache_a_cache_folder_not_ours_or_nowhere_changes_nothing() {
    let project = TestProject::new(FLAT);
    let dir = project.path();
    std::thread::sleep(SETTLE);
    let full = run_in(dir, None, &["show"]).expect_ok();
    let same = |run: Run, what: &str| {
        assert_eq!(
            (run.code, &run.stdout, &run.stderr),
            (full.code, &full.stdout, &full.stderr),
            "{what}"
        );
    };

    // A cache folder owned by someone else (root may write anywhere; plan must not trust it).
    let foreign = tempfile::tempdir().expect("a cache home");
    std::fs::create_dir(foreign.path().join("plan")).expect("the folder");
    nix::unistd::chown(
        &foreign.path().join("plan"),
        Some(nix::unistd::Uid::from_raw(65_534)),
        None,
    )
    .ok();
    let owner = std::os::unix::fs::MetadataExt::uid(
        &std::fs::metadata(foreign.path().join("plan")).expect("the folder"),
    );
    same(
        run_in(dir, Some(foreign.path()), &["show"]),
        "a foreign cache folder",
    );
    if owner != nix::unistd::geteuid().as_raw() {
        assert_eq!(
            entries(foreign.path()),
            0,
            "nothing written into someone else's folder"
        );
    }

    // The cache folder a link to a folder of ours.
    let linked = tempfile::tempdir().expect("a cache home");
    std::fs::create_dir(linked.path().join("real")).expect("the real folder");
    std::os::unix::fs::symlink("real", linked.path().join("plan")).expect("the link");
    same(
        run_in(dir, Some(linked.path()), &["show"]),
        "a linked cache folder",
    );
    assert_eq!(
        std::fs::read_dir(linked.path().join("real"))
            .expect("the real folder")
            .count(),
        0,
        "nothing written through a link"
    );

    // The cache folder is a file.
    let file = tempfile::tempdir().expect("a cache home");
    std::fs::write(file.path().join("plan"), "not a folder").expect("the file");
    same(
        run_in(dir, Some(file.path()), &["show"]),
        "a file for a folder",
    );

    // XDG_CACHE_HOME relative or empty, no HOME: no cache, no crash.
    for xdg in [Some("relative/cache"), Some(""), None] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_plan"));
        command
            .arg("show")
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .env_remove("HOME")
            .env_remove("XDG_CACHE_HOME")
            .stdin(Stdio::null());
        if let Some(xdg) = xdg {
            command.env("XDG_CACHE_HOME", xdg);
        }
        let output = command.output().expect("plan runs");
        assert_eq!(
            (
                output.status.code(),
                String::from_utf8_lossy(&output.stdout).into_owned(),
                String::from_utf8_lossy(&output.stderr).into_owned()
            ),
            (Some(full.code), full.stdout.clone(), full.stderr.clone()),
            "XDG_CACHE_HOME {xdg:?}, no HOME"
        );
        assert!(
            !dir.join("relative").exists(),
            "a relative XDG_CACHE_HOME is not a place to write"
        );
    }

    // A damaged entry, an entry of someone else's, an entry that is a link to another
    // folder's: each a miss, then replaced by a good one.
    let ours = tempfile::tempdir().expect("a cache home");
    same(run_in(dir, Some(ours.path()), &["show"]), "first");
    let entry = std::fs::read_dir(ours.path().join("plan"))
        .expect("the cache folder")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .next()
        .expect("an entry kept");
    let whole = std::fs::read(&entry).expect("the entry");
    let mut flipped = whole.clone();
    let last = flipped.len() - 10;
    flipped[last] ^= 0x20;
    std::fs::write(&entry, &flipped).expect("damage the kept output");
    // The kept output itself is not checked against anything but the stamps: a user who
    // edits their own cache gets what they wrote. Said here, not asserted either way.
    let _ = run_in(dir, Some(ours.path()), &["show"]);
    std::fs::write(&entry, &whole[..whole.len() / 2]).expect("cut the entry");
    same(run_in(dir, Some(ours.path()), &["show"]), "a cut entry");
    assert_eq!(
        std::fs::read(&entry).expect("rewritten").len(),
        whole.len(),
        "rewritten whole"
    );
    same(
        run_in(dir, Some(ours.path()), &["show"]),
        "the rewritten entry",
    );
    nix::unistd::chown(&entry, Some(nix::unistd::Uid::from_raw(65_534)), None).ok();
    same(
        run_in(dir, Some(ours.path()), &["show"]),
        "an entry not ours",
    );
}

/// A stale entry (the folder changed since) must not make `plan status` do what a full read
/// would not: a project that no longer loads is exit 2 with its problems, before any
/// database is contacted.
#[test]
fn review_cache_a_stale_status_entry_contacts_no_database_for_an_invalid_project() {
    let database = test_db("review_cache_stale_invalid");
    let cache = tempfile::tempdir().expect("a cache folder");
    let project = TestProject::new(FLAT);
    let dir = project.path();
    let url = database.url();
    std::thread::sleep(SETTLE);
    run_in(
        dir,
        Some(cache.path()),
        &["status", "--database-url", url.as_str()],
    )
    .expect_ok();
    assert_eq!(entries(cache.path()), 1, "the digest is kept");

    // The project breaks; the database is now a server that accepts and never answers.
    project.write("migrations/002_b.sql", "-- depends: nowhere\nSELECT 1;\n");
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = listener.local_addr().expect("its address").port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            held.push(stream);
        }
    });
    let hung = format!("postgresql://nobody@127.0.0.1:{port}/nothing?connect_timeout=1");
    let full = run_in(dir, None, &["status", "--database-url", hung.as_str()]).expect_invalid();
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        0,
        "a full read contacts nothing"
    );
    let cached = run_in(
        dir,
        Some(cache.path()),
        &["status", "--database-url", hung.as_str()],
    );
    assert_eq!(
        (cached.code, &cached.stdout, &cached.stderr),
        (full.code, &full.stdout, &full.stderr)
    );
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        0,
        "with the cache, status connected to the database before finding the project invalid"
    );
}

/// A file written through a shared writable mapping (mmap) keeps its times after the first
/// write until the page is written back: the stamps cannot see a second write. Driven by a
/// small Python script (the crate forbids `unsafe`); skipped without python3.
#[test]
#[ignore = "finding 2, a known limit (docs/performance.md, \"The project cache\"): a migration rewritten through a shared mapping (mmap) keeps its stamp until the page is written back, and show/status keep the stale result"]
fn review_cache_a_file_written_through_a_mapping_is_seen() {
    if Command::new("python3").arg("--version").output().is_err() {
        return;
    }
    let cache = tempfile::tempdir().expect("a cache folder");
    let project = TestProject::new(&[("migrations/001_a.sql", "SELECT 1111;\n")]);
    let dir = project.path();
    let file = dir.join("migrations/001_a.sql");
    let mut mapper = Command::new("python3")
        .arg("-c")
        .arg(
            "import mmap, sys\n\
             f = open(sys.argv[1], 'r+b')\n\
             m = mmap.mmap(f.fileno(), 0)\n\
             for line in sys.stdin:\n\
             \x20   m[0:11] = line.strip().encode()\n\
             \x20   print('done', flush=True)\n",
        )
        .arg(&file)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut input = mapper.stdin.take().expect("its input");
    let mut output = BufReader::new(mapper.stdout.take().expect("its output"));
    let mut write = |text: &str| {
        writeln!(input, "{text}").expect("ask for a write");
        let mut line = String::new();
        output.read_line(&mut line).expect("the answer");
        assert_eq!(line.trim(), "done");
    };
    // The first write through the mapping stamps the file; it then settles and is kept.
    write("SELECT 2222");
    std::thread::sleep(SETTLE);
    let kept = run_in(dir, Some(cache.path()), &["show", "--format", "json"]).expect_ok();
    assert_eq!(entries(cache.path()), 1, "kept");
    // A second write through the same mapping.
    write("SELECT 3333");
    let cached = run_in(dir, Some(cache.path()), &["show", "--format", "json"]);
    let full = run_in(dir, None, &["show", "--format", "json"]);
    drop(input);
    let _ = mapper.wait();
    assert_ne!(full.stdout, kept.stdout, "the file changed");
    assert_eq!(cached.stdout, full.stdout, "show with the cache is stale");
}

/// "Anything unexpected in an entry is a miss, never an error": an entry grown far past any
/// real one (a sparse file: no disk used) must be passed over, not read into memory whole.
/// Run under a 4 GiB address-space limit (`ulimit -v`) with a 16 GiB entry, so that the
/// failure is an allocation refused at once: without a limit, the first run of this test
/// filled the machine's memory until the kernel's OOM killer stopped `plan`.
#[test]
fn review_cache_a_huge_entry_is_a_miss() {
    let cache = tempfile::tempdir().expect("a cache folder");
    let project = TestProject::new(FLAT);
    let dir = project.path();
    std::thread::sleep(SETTLE);
    let limited = |cache: Option<&Path>| {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg("ulimit -v 4194304 && exec \"$0\" show")
            .arg(env!("CARGO_BIN_EXE_plan"))
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        match cache {
            Some(cache) => command.env("XDG_CACHE_HOME", cache),
            None => command.env("PLAN_CACHE", "off"),
        };
        let output = command.output().expect("plan runs");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    let full = limited(None);
    assert_eq!(full.0, Some(0), "plan show runs within the limit: {full:?}");
    assert_eq!(limited(Some(cache.path())), full, "kept");
    let entry = std::fs::read_dir(cache.path().join("plan"))
        .expect("the cache folder")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .next()
        .expect("an entry kept");
    std::fs::File::options()
        .write(true)
        .open(&entry)
        .and_then(|file| file.set_len(16 << 30))
        .expect("grow the entry");
    assert_eq!(limited(Some(cache.path())), full, "a huge entry");
}

/// Many runs at once over one settled folder, each writing the same entry: every one prints
/// what a full read prints, and the entry left behind is whole and used.
#[test]
fn review_cache_concurrent_runs_write_one_good_entry() {
    let cache = tempfile::tempdir().expect("a cache folder");
    let project = TestProject::new(FLAT);
    let dir = project.path();
    std::thread::sleep(SETTLE);
    let full = run_in(dir, None, &["show", "--format", "json"]).expect_ok();
    let children: Vec<std::process::Child> = (0..8)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_plan"))
                .args(["show", "--format", "json"])
                .current_dir(dir)
                .env("XDG_CACHE_HOME", cache.path())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("plan starts")
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().expect("plan ends");
        assert_eq!(output.status.code(), Some(0));
        assert_eq!(String::from_utf8_lossy(&output.stdout), full.stdout);
    }
    let names: Vec<String> = std::fs::read_dir(cache.path().join("plan"))
        .expect("the cache folder")
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names.len(),
        1,
        "one entry, no temporary file left: {names:?}"
    );
    let cached = run_in(dir, Some(cache.path()), &["show", "--format", "json"]).expect_ok();
    assert_eq!(cached.stdout, full.stdout);
}

/// What a run writes is kept only whole, and options that change nothing on stdout share an
/// entry harmlessly: a run whose stdout was closed at once (`plan show | true`), then `-q`
/// (prints nothing, keeps the whole output), then `--color always`: the next run with the cache
/// prints what a full read prints.
#[test]
fn review_cache_a_short_or_silent_run_keeps_nothing_wrong() {
    let cache = tempfile::tempdir().expect("a cache folder");
    let project = TestProject::new(FLAT);
    let dir = project.path();
    std::thread::sleep(SETTLE);
    let full = run_in(dir, None, &["show"]).expect_ok();
    let mut closed = Command::new(env!("CARGO_BIN_EXE_plan"))
        .arg("show")
        .current_dir(dir)
        .env("XDG_CACHE_HOME", cache.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("plan starts");
    drop(closed.stdout.take());
    let _ = closed.wait();
    let cached = run_in(dir, Some(cache.path()), &["show"]).expect_ok();
    assert_eq!(cached.stdout, full.stdout, "after a run into a closed pipe");
    let cached = run_in(dir, Some(cache.path()), &["show"]).expect_ok();
    assert_eq!(cached.stdout, full.stdout, "from the cache");

    let quiet_cache = tempfile::tempdir().expect("a cache folder");
    let quiet = run_in(dir, Some(quiet_cache.path()), &["show", "-q"]).expect_ok();
    assert_eq!(
        quiet.stdout,
        run_in(dir, None, &["show", "-q"]).stdout,
        "-q with and without the cache"
    );
    assert_eq!(
        run_in(dir, Some(quiet_cache.path()), &["show", "-q"]).stdout,
        quiet.stdout,
        "-q from the cache"
    );
    let after_quiet = run_in(dir, Some(quiet_cache.path()), &["show"]).expect_ok();
    assert_eq!(after_quiet.stdout, full.stdout, "after a quiet run");
    let colour = run_in(
        dir,
        Some(quiet_cache.path()),
        &["show", "--color", "always"],
    );
    let colour_full = run_in(dir, None, &["show", "--color", "always"]);
    assert_eq!(
        (colour.code, &colour.stdout, &colour.stderr),
        (colour_full.code, &colour_full.stdout, &colour_full.stderr),
        "--color always"
    );

    // PLAN_CACHE turns the cache off in any of its spellings: nothing kept.
    for off in ["off", "OFF", " Off ", "0", "false", "no"] {
        let unused = tempfile::tempdir().expect("a cache folder");
        let run = plan_with_env(
            dir,
            &["show"],
            &[
                ("XDG_CACHE_HOME", unused.path().to_str().expect("UTF-8")),
                ("PLAN_CACHE", off),
            ],
        )
        .expect_ok();
        assert_eq!(run.stdout, full.stdout, "PLAN_CACHE={off:?}");
        assert_eq!(
            entries(unused.path()),
            0,
            "PLAN_CACHE={off:?} keeps nothing"
        );
    }
}

/// With an entry that holds, a database that cannot be reached, a URL that does not parse, an
/// unknown `--env`, `--exit-code` over pending migrations: status says and exits as a full
/// read does, text and JSON.
#[test]
fn review_cache_status_failures_read_the_same_from_the_cache() {
    let database = test_db("review_cache_status_failures");
    let cache = tempfile::tempdir().expect("a cache folder");
    let project = TestProject::new(FLAT);
    let dir = project.path();
    let url = database.url();
    std::thread::sleep(SETTLE);
    run_in(
        dir,
        Some(cache.path()),
        &["status", "--database-url", url.as_str()],
    )
    .expect_ok();
    assert_eq!(entries(cache.path()), 1, "the digest is kept");
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
        listener.local_addr().expect("its address").port()
    };
    let refused = format!("postgresql://nobody@127.0.0.1:{closed}/nothing");
    let cases: [&[&str]; 5] = [
        &["status", "--database-url", refused.as_str()],
        &["status", "--database-url", "postgresql://[broken"],
        &["status", "--database-url", url.as_str(), "--env", "nowhere"],
        &["status", "--database-url", url.as_str(), "--exit-code"],
        &[
            "status",
            "--database-url",
            url.as_str(),
            "-q",
            "--exit-code",
        ],
    ];
    for args in cases {
        for format in ["text", "json"] {
            let mut args = args.to_vec();
            args.extend(["--format", format]);
            let cached = run_in(dir, Some(cache.path()), &args);
            let full = run_in(dir, None, &args);
            assert_eq!(
                (cached.code, &cached.stdout, &cached.stderr),
                (full.code, &full.stdout, &full.stderr),
                "plan {}",
                args.join(" ")
            );
        }
    }
}

/// Many files, so that the stamps are checked in many tasks on every core, each keeping a
/// folder open: a same-size edit in the middle or at the very end of a flat folder of 1,500
/// migrations, or in one of 200 Prisma folders, is seen.
#[test]
fn review_cache_large_projects_see_one_edit_anywhere() {
    let flat = |count: usize| -> Vec<(String, String)> {
        (1..=count)
            .map(|at| {
                (
                    format!("migrations/{at:05}_t.sql"),
                    format!("CREATE TABLE t{at:05} (id int);\n"),
                )
            })
            .collect()
    };
    let prisma = |count: usize| -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = (1..=count)
            .map(|at| {
                (
                    format!("migrations/2024010100{at:04}_t/migration.sql"),
                    format!("CREATE TABLE t{at:05} (id int);\n"),
                )
            })
            .collect();
        files.push((
            "migrations/migration_lock.toml".to_string(),
            "provider = \"postgresql\"\n".to_string(),
        ));
        files
    };
    let project = |files: Vec<(String, String)>| {
        let borrowed: Vec<(&str, &str)> = files
            .iter()
            .map(|(path, text)| (path.as_str(), text.as_str()))
            .collect();
        TestProject::new(&borrowed)
    };
    let cases = vec![
        Case::of(
            "1,500 files, one in the middle",
            project(flat(1_500)),
            ".",
            |root| {
                same_size(
                    &root.join("migrations/00777_t.sql"),
                    "CREATE TABLE x00777 (id int);\n",
                );
            },
        ),
        Case::of("1,500 files, the last", project(flat(1_500)), ".", |root| {
            same_size(
                &root.join("migrations/01500_t.sql"),
                "CREATE TABLE x01500 (id int);\n",
            );
        }),
        Case::of(
            "200 Prisma folders, one in the middle",
            project(prisma(200)),
            ".",
            |root| {
                same_size(
                    &root.join("migrations/20240101000133_t/migration.sql"),
                    "CREATE TABLE x00133 (id int);\n",
                );
            },
        ),
    ];
    let failures = attack(&cases, &[&["show", "--format", "json"]], &|_: &Case| {
        Vec::new()
    });
    assert_no_failures(&failures);
}
