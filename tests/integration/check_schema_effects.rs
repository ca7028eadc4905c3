//! `plan check-schema` right after a clean apply of the patterns found in real projects'
//! migrations (Harbor, Lemmy, River: issue 14), one fixture each under
//! `tests/fixtures/check_schema_*`: nothing is reported missing. And the other way round: an
//! object of each fixture dropped by hand afterwards is still reported, with the migration
//! that created it; an object that opaque code may have dropped is reported unverifiable,
//! not missing.

use serde_json::Value;

use crate::support::cluster::{TestDatabase, test_db};
use crate::support::project::{TestProject, plan};

/// The fixture `tests/fixtures/{fixture}` applied to a database of its own.
fn applied(fixture: &str) -> (TestDatabase, TestProject) {
    let database = test_db(fixture);
    let project = TestProject::copy_of(&format!("tests/fixtures/{fixture}"));
    plan(&database, project.path(), &["apply"]).expect_ok();
    (database, project)
}

/// `plan check-schema --format json`, parsed, with its exit code.
fn check(database: &TestDatabase, project: &TestProject) -> (i32, Value) {
    let run = plan(
        database,
        project.path(),
        &["check-schema", "--format", "json"],
    );
    let json = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|error| panic!("check-schema JSON: {error}\n{}", run.transcript()));
    (run.code, json)
}

/// `object (created by migration)` of each entry of a JSON list.
fn listed(json: &Value, list: &str) -> Vec<String> {
    json[list]
        .as_array()
        .unwrap_or_else(|| panic!("{list} is a list: {json}"))
        .iter()
        .map(|entry| {
            format!(
                "{} (created by {})",
                entry["object"].as_str().expect("an object"),
                entry["created_by"].as_str().expect("a migration")
            )
        })
        .collect()
}

/// Applies `fixture`, expects check-schema clean, then runs `by_hand` and expects exactly
/// `missing` reported (exit 1).
fn clean_then_missing(fixture: &str, by_hand: &str, missing: &[&str]) {
    let (database, project) = applied(fixture);
    let (code, json) = check(&database, &project);
    assert_eq!(
        (code, listed(&json, "missing_objects")),
        (0, Vec::new()),
        "{fixture}: check-schema right after apply: {json:#}"
    );
    assert_eq!(json["clean"], true, "{fixture}: {json:#}");

    database
        .client()
        .batch_execute(by_hand)
        .unwrap_or_else(|error| panic!("by hand: {by_hand}: {error}"));
    let (code, json) = check(&database, &project);
    assert_eq!(
        (code, listed(&json, "missing_objects")),
        (1, missing.iter().map(ToString::to_string).collect()),
        "{fixture}: after {by_hand}: {json:#}"
    );
}

#[test]
fn renames_are_followed() {
    clean_then_missing(
        "check_schema_renames",
        "DROP TRIGGER registry_touch ON registry; ALTER TABLE archive.moved_out DROP COLUMN note;
         DROP INDEX registry_access_key;",
        &[
            "column archive.moved_out.note (created by 001_first_names)",
            "index public.registry_access_key (created by 001_first_names)",
            "trigger public.registry.registry_touch (created by 002_renamed)",
        ],
    );
}

#[test]
fn renaming_a_constraint_or_its_index_renames_both() {
    clean_then_missing(
        "check_schema_constraint_index_renames",
        "ALTER TABLE person DROP CONSTRAINT idx_person_actor_id;
         ALTER TABLE person_ban DROP CONSTRAINT person_ban_person_id_fkey;",
        &[
            "constraint public.person.idx_person_actor_id (created by 001_users)",
            "constraint public.person_ban.person_ban_person_id_fkey (created by 001_users)",
        ],
    );
}

#[test]
fn indexes_constraints_and_triggers_go_with_what_they_hang_on() {
    clean_then_missing(
        "check_schema_removed_with_what_they_hang_on",
        "ALTER TABLE community DROP CONSTRAINT community_pkey, DROP COLUMN name;",
        &[
            "column public.community.name (created by 001_tables_and_views)",
            "constraint public.community.community_pkey (created by 001_tables_and_views)",
        ],
    );
}

#[test]
fn drop_cascade_takes_what_depends_on_the_dropped_object() {
    clean_then_missing(
        "check_schema_drop_cascade",
        "DROP TABLE kept;",
        &[
            "column public.kept.body (created by 001_objects)",
            "column public.kept.id (created by 001_objects)",
            "constraint public.kept.kept_pkey (created by 001_objects)",
            "table public.kept (created by 001_objects)",
        ],
    );
}

#[test]
fn a_constraint_name_postgresql_numbered_is_not_expected() {
    clean_then_missing(
        "check_schema_chosen_name_taken",
        "ALTER TABLE job_migration DROP CONSTRAINT version_gte_1;",
        &["constraint public.job_migration.version_gte_1 (created by 002_rebuild)"],
    );
}

#[test]
fn identifiers_are_cut_to_63_bytes() {
    clean_then_missing(
        "check_schema_long_identifiers",
        "DROP INDEX idx_post_aggregates_community_featured_newest_comment_time_necr;",
        &[
            "index public.idx_post_aggregates_community_featured_newest_comment_time_necr (created by 001_long_index)",
        ],
    );
}

#[test]
fn the_search_path_set_by_a_migration_resolves_its_names() {
    clean_then_missing(
        "check_schema_search_path",
        "ALTER TABLE app.users DROP COLUMN login; ALTER TABLE events DROP COLUMN at;",
        &[
            "column app.users.login (created by 001_app_schema)",
            "column public.events.at (created by 002_unqualified_drops)",
        ],
    );
}

#[test]
fn what_opaque_code_may_have_dropped_is_unverifiable_not_missing() {
    let (database, project) = applied("check_schema_opaque_code");
    let (code, json) = check(&database, &project);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(listed(&json, "missing_objects"), Vec::<String>::new());
    // The tables the DO block made with EXECUTE are not expected (drift has no snapshot
    // difference either: the apply's snapshot holds them).
    let unverifiable = &json["unverifiable_objects"];
    assert_eq!(
        listed(&json, "unverifiable_objects"),
        ["column public.accounts.legacy_flag (created by 001_tables)"],
        "{json:#}"
    );
    assert_eq!(unverifiable[0]["opaque_in"], "002_dynamic");
    assert_eq!(
        unverifiable[0]["reason"],
        "dynamic SQL (EXECUTE) in a DO block"
    );
    // Text: said as such, and not a finding.
    let run = plan(&database, project.path(), &["check-schema"]).expect_ok();
    let run = run.expect_stdout_has(&[
        "  unverifiable: column public.accounts.legacy_flag (created by 001_tables) is not in the database, but 002_dynamic ran code the parser cannot read after it",
        "\nclean; ",
    ]);
    drop(run);

    // Objects made after the opaque code, and those read in a literal DO block, are checked.
    database
        .client()
        .batch_execute("DROP TABLE tokens; DROP TYPE account_kind;")
        .expect("drop by hand");
    let (code, json) = check(&database, &project);
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(
        listed(&json, "missing_objects"),
        [
            "column public.tokens.id (created by 002_dynamic)",
            "constraint public.tokens.tokens_pkey (created by 002_dynamic)",
            "table public.tokens (created by 002_dynamic)",
            "type public.account_kind (created by 002_dynamic)",
        ]
    );
}
