//! Tests of reading whole project folders: a project reads the same from disk as from memory.

use std::path::{Path, PathBuf};

use miette::Diagnostic;

use super::*;
use crate::project::problem::Problem;

/// Every file under `dir`, as a project held in memory.
fn in_memory(dir: &Path) -> ProjectFiles {
    fn walk(root: &Path, dir: &Path, files: &mut ProjectFiles) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("a fixture folder")
            .map(|entry| entry.expect("an entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(root, &path, files);
            } else {
                let relative = path.strip_prefix(root).expect("under the root");
                let bytes = std::fs::read(&path).expect("a fixture file");
                files.insert(&relative.to_string_lossy(), bytes);
            }
        }
    }
    let mut files = ProjectFiles::new();
    walk(dir, dir, &mut files);
    files
}

/// What a reading found, as text: each migration's ID, file, checksum, dependencies, rollback,
/// steps and environments, then each problem rendered as `plan` renders it. Unreadable files
/// are named by code only, and a missing file's reason is `[not found]`: the path and the
/// operating system's wording differ between disk and memory.
fn summary(reading: &Reading) -> String {
    let mut lines = Vec::new();
    for migration in reading.project.migrations() {
        let dependencies: Vec<String> = migration
            .dependencies()
            .unwrap_or_default()
            .iter()
            .map(|dependency| dependency.target.to_string())
            .collect();
        lines.push(format!(
            "{} {} {} deps=[{}] rollback={:?} steps={} env={:?} {:?}",
            migration.id(),
            migration.file().name(),
            migration.checksum(),
            dependencies.join(","),
            migration.rollback_sql(),
            migration.steps().len(),
            migration.environments(),
            migration.transaction(),
        ));
    }
    for problem in &reading.problems {
        if let Problem::Unreadable { .. } = problem {
            lines.push("problem: plan::project::unreadable".to_string());
            continue;
        }
        let mut text = String::new();
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::none())
            .with_width(100)
            .render_report(&mut text, problem)
            .expect("render");
        let text = text
            .replace("No such file or directory (os error 2)", "[not found]")
            .replace("no such file among the embedded files", "[not found]");
        lines.push(format!("problem: {text}"));
    }
    lines.join("\n")
}

fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("tests/fixtures")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// Fixtures of what only a folder on disk can hold: symbolic links, a folder named `x.sql`.
const DISK_ONLY: [&str; 2] = ["link_outside_project", "unreadable_entries"];

#[test]
fn every_fixture_reads_the_same_from_memory_as_from_disk() {
    let fixtures = fixtures();
    assert!(fixtures.len() > 20, "the fixtures are there");
    for dir in fixtures {
        if dir
            .file_name()
            .is_some_and(|name| DISK_ONLY.iter().any(|disk_only| name == *disk_only))
        {
            continue;
        }
        let from_disk = summary(&read(&dir));
        let from_memory = summary(&read_files(&in_memory(&dir)));
        assert_eq!(from_disk, from_memory, "{}", dir.display());
    }
}

#[test]
fn a_folder_copied_into_memory_holds_exactly_the_files_the_reader_needs() {
    let dir = crate::testing::project_dir(&[
        ("README.md", "not read"),
        (
            "plan.yaml",
            "migrations:\n  002_b:\n    steps:\n      - sql: steps/backfill.sql\n",
        ),
        ("migrations/001_a.sql", "CREATE TABLE a (id int);"),
        ("migrations/001_a.down.sql", "DROP TABLE a;"),
        (
            "migrations/002_b.sql",
            "-- depends: 001_a\nCREATE TABLE b (id int);",
        ),
        ("migrations/steps/backfill.sql", "INSERT INTO b VALUES (1);"),
        ("migrations/notes.txt", "not read"),
    ]);
    let files = ProjectFiles::from_folder(dir.path()).expect("a valid project");
    let paths: Vec<String> = files
        .paths()
        .map(|path| path.display().to_string())
        .collect();
    assert_eq!(
        paths,
        [
            "migrations/001_a.down.sql",
            "migrations/001_a.sql",
            "migrations/002_b.sql",
            "migrations/steps/backfill.sql",
            "plan.yaml",
        ]
    );
    assert_eq!(
        summary(&read(dir.path())),
        summary(&read_files(&files)),
        "the copy reads as the folder does"
    );
}

#[test]
fn a_folder_with_problems_is_not_copied_and_says_why() {
    let dir = crate::testing::project_dir(&[(
        "migrations/001_a.sql",
        "-- depends: 009_missing\nCREATE TABLE a (id int);",
    )]);
    let error = ProjectFiles::from_folder(dir.path()).expect_err("an unknown dependency");
    let codes: Vec<String> = error
        .problems()
        .iter()
        .map(|problem| {
            problem
                .code()
                .map(|code| code.to_string())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(codes, ["plan::project::unknown_dependency"]);
}

#[test]
fn files_outside_the_project_folder_cannot_be_copied_into_memory() {
    let outer = crate::testing::project_dir(&[
        ("project/plan.yaml", "migrations_dir: ../shared\n"),
        ("shared/001_a.sql", "CREATE TABLE a (id int);"),
    ]);
    let error = ProjectFiles::from_folder(&outer.path().join("project"))
        .expect_err("a migrations folder outside the project");
    assert!(
        error.problems()[0]
            .to_string()
            .contains("outside the project folder"),
        "{:?}",
        error.problems()[0].to_string()
    );
}

#[test]
fn a_project_in_memory_without_its_migrations_folder_is_a_problem() {
    let mut files = ProjectFiles::new();
    files.insert("plan.yaml", b"migrations_dir: sql\n".to_vec());
    files.insert("migrations/001_a.sql", b"CREATE TABLE a (id int);".to_vec());
    let error = load_files(&files).expect_err("no sql/ folder");
    let shown: Vec<String> = error.problems().iter().map(ToString::to_string).collect();
    assert_eq!(error.to_string(), "1 problem in the embedded project");
    assert_eq!(shown.len(), 1);
    assert!(shown[0].contains("./sql"), "{shown:?}");
}

#[test]
fn issue_11_a_comment_only_rollback_is_no_rollback_and_says_why() {
    // Before: `-- Nothing` counted as a rollback, so `plan rollback` deleted the ledger row and
    // left the schema.
    let dir = crate::testing::project_dir(&[
        ("migrations/001_a.up.sql", "CREATE TABLE a (id int);"),
        ("migrations/001_a.down.sql", "-- Nothing\n"),
        (
            "migrations/002_b.sql",
            "-- UP\nCREATE TABLE b (id int);\n-- DOWN\n/* keep /* it */ */\n\n",
        ),
        (
            "migrations/003_c.sql",
            "-- UP\nCREATE TABLE c (id int);\n-- DOWN\n-- drop it\nDROP TABLE c;\n",
        ),
    ]);
    let project = load(dir.path()).expect("a valid project");
    let shown: Vec<String> = project
        .migrations()
        .map(|migration| {
            format!(
                "{} {:?} {:?}",
                migration.id(),
                migration.rollback_sql(),
                migration.no_rollback_reason()
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            "001_a None Some(\"its rollback file migrations/001_a.down.sql holds only comments\")",
            "002_b None Some(\"its down section in migrations/002_b.sql holds only comments\")",
            "003_c Some(\"-- drop it\\nDROP TABLE c;\\n\") None",
        ]
    );
    assert!(
        project
            .migrations()
            .take(2)
            .all(|m| m.empty_rollback().is_some())
    );
}

#[test]
fn issue_11_links_inside_the_project_are_read_and_links_out_of_it_are_not() {
    let outside = crate::testing::project_dir(&[("elsewhere.sql", "CREATE TABLE x (id int);")]);
    let dir = crate::testing::project_dir(&[
        ("shared/001_a.sql", "CREATE TABLE a (id int);"),
        ("migrations/002_b.sql", "CREATE TABLE b (id int);"),
    ]);
    let migrations = dir.path().join("migrations");
    std::os::unix::fs::symlink("../shared/001_a.sql", migrations.join("001_a.sql"))
        .expect("a link inside the project");
    let reading = read(dir.path());
    assert!(reading.problems.is_empty(), "{:?}", reading.problems);
    assert_eq!(reading.project.migrations().len(), 2);

    std::os::unix::fs::symlink(
        outside.path().join("elsewhere.sql"),
        migrations.join("003_x.sql"),
    )
    .expect("a link out of the project");
    let reading = read(dir.path());
    let codes: Vec<String> = reading
        .problems
        .iter()
        .map(|problem| {
            problem
                .code()
                .map(|code| code.to_string())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(codes, ["plan::project::link_outside_project"]);
    assert_eq!(
        reading.project.migrations().len(),
        2,
        "the link is not read"
    );
}

#[test]
fn issue_11_a_sql_file_whose_name_is_not_utf8_is_reported() {
    use std::os::unix::ffi::OsStrExt;
    let dir = crate::testing::project_dir(&[("migrations/001_a.sql", "CREATE TABLE a (id int);")]);
    let name = std::ffi::OsStr::from_bytes(b"002_caf\xe9.sql");
    std::fs::write(
        dir.path().join("migrations").join(name),
        "CREATE TABLE b (id int);",
    )
    .expect("a file with a latin-1 name");
    let reading = read(dir.path());
    let shown: Vec<String> = reading.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        ["cannot read migrations/002_caf\u{FFFD}.sql: its name is not UTF-8"]
    );
}

/// The codes of a project's problems, or the transaction mode and environments of each
/// migration when it reads without problems.
fn contradictions(plan_yaml: &str, header: &str) -> Vec<String> {
    let mut files = ProjectFiles::new();
    files.insert("plan.yaml", plan_yaml.as_bytes().to_vec());
    files.insert(
        "migrations/001_a.sql",
        format!("{header}CREATE INDEX CONCURRENTLY a_id ON a (id);\n").into_bytes(),
    );
    match load_files(&files) {
        Ok(project) => project
            .migrations()
            .map(|migration| {
                format!(
                    "{:?} {:?}",
                    migration.transaction(),
                    migration.environments()
                )
            })
            .collect(),
        Err(error) => error
            .problems()
            .iter()
            .map(|problem| {
                format!(
                    "{}: {problem}",
                    problem
                        .code()
                        .map(|code| code.to_string())
                        .unwrap_or_default()
                )
            })
            .collect(),
    }
}

#[test]
fn issue_13_a_header_and_plan_yaml_that_disagree_are_a_problem_naming_both() {
    // Before: plan.yaml silently won, and a `no-transaction` file was run in a transaction.
    assert_eq!(
        contradictions(
            "migrations:\n  001_a:\n    transaction: true\n",
            "-- plan: no-transaction\n"
        ),
        [
            "plan::project::header_contradiction: 001_a: plan.yaml:3 says `transaction: true`, but migrations/001_a.sql:1 says `-- plan: no-transaction`"
        ]
    );
    assert_eq!(
        contradictions(
            "environments:\n  production: {}\n  staging: {}\nmigrations:\n  001_a:\n    environments: [staging]\n",
            "-- Migration: a\n-- environment: production, staging\n"
        ),
        [
            "plan::project::header_contradiction: 001_a: plan.yaml:6 says `environments: [staging]`, but migrations/001_a.sql:2 says `-- environment: production, staging`"
        ]
    );
    // Saying the same thing twice is no contradiction; plan.yaml alone still decides.
    assert_eq!(
        contradictions(
            "migrations:\n  001_a:\n    transaction: false\n    environments: [staging, production]\n",
            "-- plan: no-transaction\n-- environment: production, staging\n"
        ),
        ["Outside Some([\"staging\", \"production\"])"]
    );
    assert_eq!(
        contradictions(
            "migrations:\n  001_a:\n    transaction: false\n    environments: [staging]\n",
            ""
        ),
        ["Outside Some([\"staging\"])"]
    );
}

/// Files are read on several threads once there are enough of them: each stage's problems
/// still come out in file-name order (a file's name is checked while listing, its header
/// while reading it), the same as from memory.
#[test]
fn problems_of_a_large_folder_come_out_in_file_order() {
    let files: Vec<(String, String)> = (1..=300)
        .map(|n| match n % 100 {
            // A name in the wrong case: a problem found while listing.
            50 => (
                format!("migrations/{n:03}_m{n}.SQL"),
                format!("CREATE TABLE t{n} (id int);"),
            ),
            // A directive `plan` does not know: a problem found while reading the header.
            0 => (
                format!("migrations/{n:03}_m{n}.sql"),
                format!("-- plan: sometimes-{n}\nCREATE TABLE t{n} (id int);"),
            ),
            _ => (
                format!("migrations/{n:03}_m{n}.sql"),
                format!("CREATE TABLE t{n} (id int);"),
            ),
        })
        .collect();
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(path, body)| (path.as_str(), body.as_str()))
        .collect();
    let dir = crate::testing::project_dir(&borrowed);
    let reading = read(dir.path());
    let shown: Vec<String> = reading
        .problems
        .iter()
        .map(|problem| problem.to_string())
        .collect();
    let position = |needle: &str| {
        shown
            .iter()
            .position(|line| line.contains(needle))
            .unwrap_or_else(|| panic!("no problem mentions {needle}: {shown:#?}"))
    };
    let listed = [
        position("050_m50"),
        position("150_m150"),
        position("250_m250"),
    ];
    let headers = [
        position("sometimes-100"),
        position("sometimes-200"),
        position("sometimes-300"),
    ];
    for order in [listed, headers] {
        assert!(
            order.windows(2).all(|pair| pair[0] < pair[1]),
            "{order:?} in {shown:#?}"
        );
    }
    assert_eq!(shown.len(), 6, "{shown:#?}");
    assert_eq!(
        summary(&reading),
        summary(&read_files(&in_memory(dir.path())))
    );
}
