//! A target limited to other environments (issue 13): `plan apply --to ID`, and a service's
//! `Goal::ApplyTo`, refuse (exit 2, `plan::apply::target_environment`, naming the environment
//! it needs) rather than skip the very migration asked for, and apply nothing; in its
//! environment, or once applied, it is not refused. `plan show` says, on the skipped line, why
//! it is skipped; its JSON keeps its shape.

use miette::Diagnostic;
use pgplan::startup::{Goal, Migrator, Retry};

use crate::support::cluster::test_db;
use crate::support::project::{ledger_exists, ledger_ids, plan, plan_with_env, production_last};

#[test]
fn issue_13_apply_to_a_production_only_migration_without_env_is_refused() {
    let database = test_db("issue_13_apply_to_refused");
    let project = production_last();
    for args in [
        &["apply", "--to", "002"][..],
        &["apply", "--to", "002", "--dry-run"][..],
    ] {
        plan(&database, project.path(), args)
            .expect_invalid()
            .expect_stderr_has(&[
                "plan::apply::target_environment",
                "002_b runs only in production, so applying it without --env would skip it",
                "--env production",
                "nothing was applied",
            ]);
    }
    plan(
        &database,
        project.path(),
        &["apply", "--to", "002", "--env", "staging"],
    )
    .expect_invalid()
    .expect_stderr_has(&["so applying it in staging would skip it"]);
    // Nothing ran, not even 001, and the ledger was not created.
    assert!(!ledger_exists(&mut database.client()));

    plan(
        &database,
        project.path(),
        &["apply", "--to", "002", "--env", "production"],
    )
    .expect_ok();
    assert_eq!(ledger_ids(&database), ["001_a", "002_b"]);
    // Applied, there is nothing to skip: asking again is not refused.
    plan(&database, project.path(), &["apply", "--to", "002"]).expect_ok();
}

#[test]
fn issue_13_a_migrator_applying_to_a_production_only_migration_is_refused() {
    let database = test_db("issue_13_migrator_apply_to_refused");
    let project = production_last();
    let error = Migrator::from_folder(project.path())
        .expect("a valid project")
        .with_retry(Retry::never())
        .with_goal(Goal::ApplyTo("002_b".to_string()))
        .run(database.settings())
        .expect_err("002 does not run without an environment");
    assert_eq!(
        error.code().map(|code| code.to_string()).as_deref(),
        Some("plan::apply::target_environment"),
        "{error:?}"
    );
    assert!(
        error
            .help()
            .is_some_and(|help| help.to_string().contains("Migrator::with_environment")),
        "{error:?}"
    );
    assert!(!ledger_exists(&mut database.client()));
}

#[test]
fn issue_13_show_says_why_a_migration_is_skipped() {
    let project = production_last();
    let shown = |args: &[&str]| plan_with_env(project.path(), args, &[]).expect_ok().stdout;
    for args in [&["show"][..], &["show", "--to", "002"][..]] {
        let text = shown(args);
        assert!(
            text.contains("2. 002_b  [skipped: runs only in production; no --env given]\n"),
            "{text}"
        );
    }
    let text = shown(&["show", "--env", "staging"]);
    assert!(
        text.contains("2. 002_b  [skipped: runs only in production; not in staging]\n"),
        "{text}"
    );
    let text = shown(&["show", "--env", "production"]);
    assert!(text.contains("2. 002_b\n"), "{text}");

    // The JSON shape is unchanged: the reason is the text form's.
    let json: serde_json::Value =
        serde_json::from_str(&shown(&["show", "--to", "002", "--format", "json"]))
            .expect("show JSON");
    let skipped = &json["migrations"][1];
    assert_eq!(skipped["skipped"], true);
    let mut keys: Vec<&str> = skipped
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "checksum",
            "depends_on",
            "environments",
            "file",
            "id",
            "inferred_dependencies",
            "metadata",
            "position",
            "requires",
            "rollback",
            "skipped",
            "steps",
            "transaction",
            "version"
        ]
    );
}
