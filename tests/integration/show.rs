//! `plan show` and `plan graph` on fixture folders (tests/fixtures/): one transcript snapshot per
//! layout our users have and per class of bad input, so every diagnostic's file, line, message
//! and help are pinned. No database is involved.

use std::process::Command;

/// Runs the `plan` binary with `args` and returns its transcript: the command, exit code,
/// stdout and stderr. Colours are off so the text is the same on every machine.
pub(crate) fn transcript(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_plan"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the plan binary runs");
    let code = output.status.code().unwrap_or(-1);
    let text = format!(
        "$ plan {}\nexit: {code}\n--- stdout\n{}--- stderr\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (code, text)
}

/// `plan show` on a fixture that must be rejected: exit 2 and a snapshot of the diagnostic.
fn expect_rejected(fixture: &str) {
    let dir = format!("tests/fixtures/{fixture}");
    let (code, text) = transcript(&["show", "--dir", &dir]);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("--- stdout\n--- stderr"),
        "nothing on stdout: {text}"
    );
    insta::assert_snapshot!(format!("rejected_{fixture}"), text);
}

/// `plan show` on a fixture that must be accepted: exit 0 and a snapshot of the plan.
fn expect_shown(fixture: &str, extra: &[&str]) -> String {
    let dir = format!("tests/fixtures/{fixture}");
    let mut args = vec!["show", "--dir", dir.as_str()];
    args.extend_from_slice(extra);
    let (code, text) = transcript(&args);
    assert_eq!(code, 0, "{text}");
    text
}

macro_rules! rejected {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                expect_rejected(stringify!($name));
            }
        )*
    };
}

mod rejects {
    use super::expect_rejected;

    rejected!(
        ambiguous_version,
        cycle,
        down_before_up,
        duplicate_entry,
        duplicate_id,
        empty_migration,
        entry_without_file,
        environment_mismatch,
        malformed_requirement,
        many_problems,
        missing_migrations_dir,
        missing_step_file,
        not_utf8,
        orphan_rollback,
        repeated_marker,
        self_dependency,
        sql_before_up,
        two_rollbacks,
        unknown_dependency,
        unknown_directive,
        unknown_environment,
        unknown_key,
        unknown_step_kind,
        wrong_type,
        yaml_duplicate_key,
        yaml_syntax,
    );
}

/// What a new user hit in plan.yaml (issue 13): each is refused, pointing at every place
/// involved.
mod new_user {
    use super::expect_rejected;

    #[test]
    fn issue_13_a_duplicate_key_points_at_both_occurrences() {
        expect_rejected("yaml_duplicate_key");
        expect_rejected("yaml_duplicate_nested_key");
    }

    #[test]
    fn issue_13_no_transaction_header_and_transaction_true_contradict() {
        expect_rejected("transaction_contradicts_header");
    }

    #[test]
    fn issue_13_header_and_plan_yaml_environments_contradict() {
        expect_rejected("environments_contradict_header");
    }

    #[test]
    fn issue_13_a_zero_lock_timeout_is_refused() {
        expect_rejected("zero_lock_timeout");
    }
}

/// How a migrations folder is read (issue 11): nothing that looks like a migration is skipped,
/// misread or dumped raw without a word.
mod reading {
    use super::{expect_rejected, expect_shown};

    #[test]
    fn issue_11_a_down_comment_in_a_file_without_up_is_refused() {
        expect_rejected("down_without_up");
    }

    #[test]
    fn issue_16_two_tools_layouts_in_one_folder_are_refused() {
        expect_rejected("foreign_markers");
    }

    #[test]
    fn issue_11_sql_in_capitals_is_reported_not_skipped() {
        expect_rejected("sql_extension_case");
    }

    #[test]
    fn issue_11_a_link_leaving_the_project_is_refused() {
        expect_rejected("link_outside_project");
    }

    #[test]
    fn issue_11_unreadable_sql_entries_are_reported_not_skipped() {
        expect_rejected("unreadable_entries");
    }

    #[test]
    fn issue_11_binary_content_is_shown_escaped() {
        expect_rejected("binary_file");
    }

    #[test]
    fn issue_11_a_comment_only_rollback_is_shown_as_none_with_why() {
        insta::assert_snapshot!(
            "shown_comment_only_rollback",
            expect_shown("comment_only_rollback", &[])
        );
    }

    #[test]
    fn issue_11_an_unreadable_file_is_reported() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("a temporary folder");
        let migrations = dir.path().join("migrations");
        std::fs::create_dir(&migrations).expect("migrations/");
        std::fs::write(migrations.join("001_a.sql"), "CREATE TABLE a (id int);\n")
            .expect("001_a.sql");
        let secret = migrations.join("002_secret.sql");
        std::fs::write(&secret, "CREATE TABLE b (id int);\n").expect("002_secret.sql");
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000))
            .expect("chmod 000");
        if std::fs::read(&secret).is_ok() {
            // Running as root, who reads everything: nothing to see here.
            return;
        }
        let path = dir.path().display().to_string();
        let (code, text) = super::transcript(&["show", "--dir", &path]);
        assert_eq!(code, 2, "{text}");
        assert!(
            text.contains("plan::project::unreadable_file")
                && text.contains("cannot read migrations/002_secret.sql: Permission denied"),
            "{text}"
        );
    }
}

#[test]
fn every_seed_layout_is_read_as_it_is() {
    for fixture in [
        "seed000_rollback_suffix",
        "seed002_up_down_files",
        "seed003_up_down_sections",
        "seed004_forward_only",
        "bom_crlf",
    ] {
        insta::assert_snapshot!(format!("shown_{fixture}"), expect_shown(fixture, &[]));
    }
}

#[test]
fn the_worked_example_shows_001_to_004_with_004_production_only() {
    let text = expect_shown("../..", &[]);
    let order: Vec<&str> = text
        .lines()
        .filter_map(|line| line.trim().split_once(". ").map(|(_, rest)| rest))
        .collect();
    assert_eq!(
        order,
        [
            "001_create_platform_schema",
            "002_platform_billing_schema",
            "003_user_management_and_permissions",
            "004_create_lancio_org  [skipped: runs only in production; no --env given]",
        ]
    );
    insta::assert_snapshot!("shown_worked_example", text);
    let production = expect_shown("../..", &["--env", "production"]);
    assert!(
        production.contains("4. 004_create_lancio_org\n"),
        "{production}"
    );
}

#[test]
fn show_to_002_lists_exactly_001_and_002() {
    let text = expect_shown("../..", &["--to", "002"]);
    insta::assert_snapshot!(text, @r"
    $ plan show --dir tests/fixtures/../.. --to 002
    exit: 0
    --- stdout
    plan for tests/fixtures/../..: 2 of 4 migrations, up to 002_platform_billing_schema
    order: graph (002_platform_billing_schema declares its dependencies at migrations/002_platform_billing_schema.sql:7)

      1. 001_create_platform_schema
           file         migrations/001_create_platform_schema.sql
           depends on   nothing (a root)
           rollback     migrations/rollback-001.sql
           Migration    001 - Create Platform Schema
           Purpose      Initial platform database schema creation
           Rollback     See rollback-001.sql

      2. 002_platform_billing_schema
           file         migrations/002_platform_billing_schema.sql
           depends on   001_create_platform_schema
           rollback     migrations/rollback-002.sql
           Migration    002 - Platform Billing Schema
           Purpose      Add billing and subscription management
           Rollback     See rollback-002.sql
    --- stderr
    ");
}

#[test]
fn branches_order_by_dependency_and_to_selects_only_ancestors() {
    let (code, json) = transcript(&[
        "show",
        "--dir",
        "tests/fixtures/branches",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{json}");
    let ids = |text: &str| -> Vec<String> {
        let json = text
            .split("--- stdout\n")
            .nth(1)
            .and_then(|rest| rest.split("--- stderr").next());
        let value: serde_json::Value =
            serde_json::from_str(json.unwrap_or_default()).expect("show --format json prints JSON");
        value["migrations"]
            .as_array()
            .expect("a migrations array")
            .iter()
            .map(|migration| migration["id"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(
        ids(&json),
        [
            "001_base",
            "003_search",
            "004_search_index",
            "005_billing",
            "002_reports"
        ]
    );
    let (_, to_reports) = transcript(&[
        "show",
        "--dir",
        "tests/fixtures/branches",
        "--to",
        "002",
        "--format",
        "json",
    ]);
    assert_eq!(ids(&to_reports), ["001_base", "005_billing", "002_reports"]);
    let (_, to_index) = transcript(&[
        "show",
        "--dir",
        "tests/fixtures/branches",
        "--to",
        "004_search_index.sql",
    ]);
    assert!(to_index.contains("3 of 5 migrations"), "{to_index}");
    assert!(!to_index.contains("005_billing"), "{to_index}");
}

#[test]
fn show_is_byte_identical_every_run() {
    let (_, first) = transcript(&[
        "show",
        "--dir",
        "tests/fixtures/branches",
        "--format",
        "json",
    ]);
    for _ in 0..3 {
        let (_, again) = transcript(&[
            "show",
            "--dir",
            "tests/fixtures/branches",
            "--format",
            "json",
        ]);
        assert_eq!(first, again);
    }
}

#[test]
fn show_json_has_the_documented_shape() {
    let (code, text) = transcript(&[
        "show",
        "--dir",
        "tests/fixtures/../..",
        "--to",
        "003",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("show_json_worked_example", text);
}

#[test]
fn graph_renders_dot_and_mermaid() {
    let (code, dot) = transcript(&["graph", "--dir", "tests/fixtures/branches"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("graph_dot_branches", dot);
    let (code, mermaid) = transcript(&[
        "graph",
        "--dir",
        "tests/fixtures/seed004_forward_only",
        "--format",
        "mermaid",
    ]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("graph_mermaid_sequence", mermaid);
}

#[test]
fn unknown_target_and_environment_are_usage_errors_with_suggestions() {
    let (code, text) = transcript(&[
        "show",
        "--dir",
        "tests/fixtures/branches",
        "--to",
        "005_biling",
    ]);
    assert_eq!(code, 2);
    assert!(text.contains("did you mean `005_billing`?"), "{text}");
    let (code, text) = transcript(&["show", "--dir", "tests/fixtures/../..", "--env", "prod"]);
    assert_eq!(code, 2);
    assert!(text.contains("did you mean `production`?"), "{text}");
    let (code, _) = transcript(&["show", "--no-such-flag"]);
    assert_eq!(code, 2);
}
