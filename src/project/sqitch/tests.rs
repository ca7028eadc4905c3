//! Plans and configurations read end to end: Sqitch's own tutorial, reworked changes, every
//! problem, and random input.

use std::fmt::Write as _;

use proptest::prelude::*;

use super::*;

/// The plan as one line per change and tag: references as `name->index` when resolved.
fn expect_ok(text: &str) -> String {
    let plan = match parse_plan(text) {
        Ok(plan) => plan,
        Err(problems) => panic!("expected a plan, got {problems:#?}"),
    };
    let mut out = format!("project {} uri {:?}\n", plan.project, plan.uri);
    for (index, change) in plan.changes.iter().enumerate() {
        let _ = write!(
            out,
            "{index} {} ({}) {}",
            change.id, change.script_stem, change.planned_at
        );
        for (mark, references) in [("", &change.requires), ("!", &change.conflicts)] {
            for reference in references {
                let _ = write!(
                    out,
                    " {mark}{}",
                    &text[reference.span.clone()].trim_start_matches('!')
                );
                if let Some(resolved) = reference.resolved {
                    let _ = write!(out, "->{resolved}");
                }
            }
        }
        let _ = writeln!(out, " | {} | {:?}", change.planner, change.note);
        for tag in plan.tags.iter().filter(|tag| tag.after == index) {
            let _ = writeln!(out, "  @{} {} | {:?}", tag.name, tag.planned_at, tag.note);
        }
    }
    out
}

/// Each problem as its kind, the text it points at, and its message.
fn expect_problems(text: &str) -> String {
    let problems = match parse_plan(text) {
        Ok(plan) => panic!("expected problems, got {plan:#?}"),
        Err(problems) => problems,
    };
    let mut out = String::new();
    for problem in problems {
        assert!(!problem.help.is_empty(), "{problem:?} has no help");
        let _ = writeln!(
            out,
            "{:?} {:?}: {}",
            problem.kind, &text[problem.span], problem.message
        );
    }
    out
}

const PRAGMAS: &str = "%syntax-version=1.0.0\n%project=test\n\n";
const BY: &str = "2024-01-01T00:00:00Z Ann <ann@example.com>";

/// The final plan of Sqitch's PostgreSQL tutorial (lib/sqitchtutorial.pod), verbatim.
const FLIPR: &str = "\
%syntax-version=1.0.0
%project=flipr
%uri=https://github.com/sqitchers/sqitch-intro/

appschema 2013-12-30T23:19:45Z Marge N. O’Vera <marge@example.com> # Add schema for all flipr objects.
users [appschema] 2013-12-30T23:49:00Z Marge N. O’Vera <marge@example.com> # Creates table to track our users.
insert_user [users appschema] 2013-12-30T23:57:36Z Marge N. O’Vera <marge@example.com> # Creates a function to insert a user.
change_pass [users appschema] 2013-12-30T23:57:45Z Marge N. O’Vera <marge@example.com> # Creates a function to change a user password.
@v1.0.0-dev1 2013-12-31T00:01:22Z Marge N. O’Vera <marge@example.com> # Tag v1.0.0-dev1.

lists [appschema users] 2013-12-31T00:39:40Z Marge N. O’Vera <marge@example.com> # Adds table for storing lists.
insert_list [lists appschema users] 2013-12-31T00:41:29Z Marge N. O’Vera <marge@example.com> # Creates a function to insert a list.
delete_list [lists appschema users] 2013-12-31T00:41:37Z Marge N. O’Vera <marge@example.com> # Creates a function to delete a list.
flips [appschema users] 2013-12-31T00:32:39Z Marge N. O’Vera <marge@example.com> # Adds table for storing flips.
insert_flip [flips appschema users] 2013-12-31T00:35:59Z Marge N. O’Vera <marge@example.com> # Creates a function to insert a flip.
delete_flip [flips appschema users] 2013-12-31T00:36:34Z Marge N. O’Vera <marge@example.com> # Creates a function to delete a flip.
";

#[test]
fn sqitch_tutorial_plan_reads_with_every_dependency_resolved() {
    insta::assert_snapshot!(expect_ok(FLIPR), @r#"
    project flipr uri Some("https://github.com/sqitchers/sqitch-intro/")
    0 appschema (appschema) 2013-12-30T23:19:45Z | Marge N. O’Vera <marge@example.com> | "Add schema for all flipr objects."
    1 users (users) 2013-12-30T23:49:00Z appschema->0 | Marge N. O’Vera <marge@example.com> | "Creates table to track our users."
    2 insert_user (insert_user) 2013-12-30T23:57:36Z users->1 appschema->0 | Marge N. O’Vera <marge@example.com> | "Creates a function to insert a user."
    3 change_pass (change_pass) 2013-12-30T23:57:45Z users->1 appschema->0 | Marge N. O’Vera <marge@example.com> | "Creates a function to change a user password."
      @v1.0.0-dev1 2013-12-31T00:01:22Z | "Tag v1.0.0-dev1."
    4 lists (lists) 2013-12-31T00:39:40Z appschema->0 users->1 | Marge N. O’Vera <marge@example.com> | "Adds table for storing lists."
    5 insert_list (insert_list) 2013-12-31T00:41:29Z lists->4 appschema->0 users->1 | Marge N. O’Vera <marge@example.com> | "Creates a function to insert a list."
    6 delete_list (delete_list) 2013-12-31T00:41:37Z lists->4 appschema->0 users->1 | Marge N. O’Vera <marge@example.com> | "Creates a function to delete a list."
    7 flips (flips) 2013-12-31T00:32:39Z appschema->0 users->1 | Marge N. O’Vera <marge@example.com> | "Adds table for storing flips."
    8 insert_flip (insert_flip) 2013-12-31T00:35:59Z flips->7 appschema->0 users->1 | Marge N. O’Vera <marge@example.com> | "Creates a function to insert a flip."
    9 delete_flip (delete_flip) 2013-12-31T00:36:34Z flips->7 appschema->0 users->1 | Marge N. O’Vera <marge@example.com> | "Creates a function to delete a flip."
    "#);
}

/// The tutorial's "In Place Changes": `sqitch rework insert_user --requires pgcrypto` after
/// tagging v1.0.0-dev2 copies the scripts to `insert_user@v1.0.0-dev2.sql`, named after the
/// latest tag, not after @v1.0.0-dev1 which directly follows the first instance.
#[test]
fn reworked_change_scripts_are_named_after_the_latest_tag_before_the_rework() {
    let text = format!(
        "{FLIPR}@v1.0.0-dev2 {BY}\n\npgcrypto {BY}\n\
         insert_user [insert_user@v1.0.0-dev2 pgcrypto] {BY} # Change insert_user to use pgcrypto.\n"
    );
    let plan = match parse_plan(&text) {
        Ok(plan) => plan,
        Err(problems) => panic!("{problems:#?}"),
    };
    let first = &plan.changes[2];
    assert_eq!(
        (
            first.id.as_str(),
            first.script_stem.as_str(),
            first.rework_tags.clone()
        ),
        (
            "insert_user",
            "insert_user@v1.0.0-dev2",
            vec!["v1.0.0-dev2".to_owned(), "v1.0.0-dev1".to_owned()]
        )
    );
    // The rework is a new instance with an ID of its own; the first keeps its name.
    let last = &plan.changes[11];
    assert_eq!(
        (last.id.as_str(), last.script_stem.as_str()),
        ("insert_user~2", "insert_user")
    );
    assert_eq!(
        last.requires[0].resolved,
        Some(2),
        "insert_user@v1.0.0-dev2 is the first instance"
    );
    assert_eq!(last.requires[1].resolved, Some(10));
    let config = read_config("[core]\n\tengine = pg\n");
    let paths = |change| {
        let (deploy, revert, verify) = script_paths(&config, change);
        format!(
            "{} {} {}",
            deploy.display(),
            revert.display(),
            verify.display()
        )
    };
    assert_eq!(
        paths(first),
        "deploy/insert_user@v1.0.0-dev2.sql revert/insert_user@v1.0.0-dev2.sql verify/insert_user@v1.0.0-dev2.sql"
    );
    assert_eq!(
        paths(last),
        "deploy/insert_user.sql revert/insert_user.sql verify/insert_user.sql"
    );
}

#[test]
fn a_change_reworked_twice_has_one_id_per_instance_and_plain_names_mean_the_first() {
    let text = format!(
        "{PRAGMAS}foo {BY}\n@v1 {BY}\nfoo [foo@v1] {BY}\n@v2 {BY}\n@v2b {BY}\nfoo [foo@v2] {BY}\nbar [foo @v1 foo@v2b !foo@v1] {BY}\n"
    );
    insta::assert_snapshot!(expect_ok(&text), @r#"
    project test uri None
    0 foo (foo@v1) 2024-01-01T00:00:00Z | Ann <ann@example.com> | ""
      @v1 2024-01-01T00:00:00Z | ""
    1 foo~2 (foo@v2) 2024-01-01T00:00:00Z foo@v1->0 | Ann <ann@example.com> | ""
      @v2 2024-01-01T00:00:00Z | ""
      @v2b 2024-01-01T00:00:00Z | ""
    2 foo~3 (foo) 2024-01-01T00:00:00Z foo@v2->1 | Ann <ann@example.com> | ""
    3 bar (bar) 2024-01-01T00:00:00Z foo->0 @v1->0 foo@v2b->1 !foo@v1->0 | Ann <ann@example.com> | ""
    "#);
}

#[test]
fn other_projects_ids_and_legacy_operators_are_read_but_not_resolved() {
    let id = "6c2f28d125aff1deea615f8de774599acf39a7a1";
    let text = format!(
        "{PRAGMAS}+roles {BY}\n- users [roles test:roles log:logger@beta1 !other:x {id}] {BY}\n"
    );
    insta::assert_snapshot!(expect_ok(&text), @r#"
    project test uri None
    0 roles (roles) 2024-01-01T00:00:00Z | Ann <ann@example.com> | ""
    1 users (users) 2024-01-01T00:00:00Z roles->0 test:roles->0 log:logger@beta1 6c2f28d125aff1deea615f8de774599acf39a7a1 !other:x | Ann <ann@example.com> | ""
    "#);
}

#[test]
fn notes_keep_brackets_and_hashes_and_unescape_like_sqitch() {
    let text = format!(
        "{PRAGMAS}a_b {BY}   #  see [x] and #2 \\n next \\\\n \\q  \n# a comment line\n   \n"
    );
    insta::assert_snapshot!(expect_ok(&text), @r#"
    project test uri None
    0 a_b (a_b) 2024-01-01T00:00:00Z | Ann <ann@example.com> | "see [x] and #2 \n next \\n \\q"
    "#);
}

#[test]
fn unicode_names_and_planners_are_accepted_as_sqitch_accepts_them() {
    let text = format!(
        "%project=проект\n\n阱阪阬 2024-01-01T00:00:00Z José Ñu <j@ñ.es>\n@τ1 {BY}\nschema/café [阱阪阬 @τ1] {BY}\n"
    );
    insta::assert_snapshot!(expect_ok(&text), @r#"
    project проект uri None
    0 阱阪阬 (阱阪阬) 2024-01-01T00:00:00Z | José Ñu <j@ñ.es> | ""
      @τ1 2024-01-01T00:00:00Z | ""
    1 schema/café (schema/café) 2024-01-01T00:00:00Z 阱阪阬->0 @τ1->0 | Ann <ann@example.com> | ""
    "#);
}

#[test]
fn crlf_and_a_byte_order_mark_read_like_lf_with_spans_into_the_given_text() {
    let text = format!("\u{feff}{}", FLIPR.replace('\n', "\r\n"));
    let plan = match parse_plan(&text) {
        Ok(plan) => plan,
        Err(problems) => panic!("{problems:#?}"),
    };
    let lf = match parse_plan(FLIPR) {
        Ok(plan) => plan,
        Err(problems) => panic!("{problems:#?}"),
    };
    let names = |plan: &SqitchPlan| {
        plan.changes
            .iter()
            .map(|change| (change.name.clone(), change.note.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&plan), names(&lf));
    let users = &plan.changes[1];
    assert!(text[users.span.clone()].starts_with("users [appschema]"));
    assert!(text[users.span.clone()].ends_with("our users."));
    assert_eq!(&text[users.requires[0].span.clone()], "appschema");
    let problems = expect_problems(&format!("\u{feff}%project=x\r\n\r\n@t {BY}\r\n"));
    insta::assert_snapshot!(problems, @r#"TagWithoutChange "@t 2024-01-01T00:00:00Z Ann <ann@example.com>": tag "@t" comes before any change"#);
}

#[test]
fn a_plan_without_pragmas_is_refused_as_sqitch_refuses_it() {
    insta::assert_snapshot!(expect_problems(&format!("foo {BY}\nbar [foo] {BY}\n")), @r#"
    InvalidPragma "foo 2024-01-01T00:00:00Z Ann <ann@example.com>": the first change follows the pragmas without a blank line
    MissingProject "": the plan has no %project pragma
    "#);
    insta::assert_snapshot!(expect_problems(&format!("\nfoo {BY}\n")), @r#"MissingProject "": the plan has no %project pragma"#);
}

#[test]
fn every_problem_of_every_line_is_reported_at_once() {
    let text = format!(
        "%project=ok\n%=x\n\n\
         @early {BY}\n\
         a {BY}\n\
         ^bad {BY}\n\
         HEAD {BY}\n\
         6c2f28d125aff1deea615f8de774599acf39a7a1x {BY}\n\
         @x/y {BY}\n\
         b [a {BY}\n\
         c [] {BY}\n\
         d extra {BY}\n\
         e 2024-02-30T00:00:00Z Ann <ann@example.com>\n\
         f\n\
         g Ann <a@b>\n\
         h 2024-01-01T00:00:00Z\n\
         i 2024-01-01T00:00:00Z Ann\n\
         @t [a] {BY}\n\
         a {BY}\n\
         @t {BY}\n\
         j [a@ a a] {BY}\n\
         k [nope @nope a@t2 later k] {BY}\n\
         l [!ghost !@nope !other:ghost] {BY}\n\
         later {BY}\n\
         @t2 {BY}\n\
         m {BY}\n\
         m {BY}\n"
    );
    insta::assert_snapshot!(expect_problems(&text), @r#"
    InvalidPragma "%=x": malformed pragma
    TagWithoutChange "@early 2024-01-01T00:00:00Z Ann <ann@example.com>": tag "@early" comes before any change
    InvalidName "^bad": invalid change name "^bad"
    ReservedName "HEAD": "HEAD" is a reserved name
    IdLikeName "6c2f28d125aff1deea615f8de774599acf39a7a1x": "6c2f28d125aff1deea615f8de774599acf39a7a1x" could be confused with a change ID
    TagWithSlash "x/y": tag "x/y" contains "/"
    MalformedLine "[a 2024-01-01T00:00:00Z Ann <ann@example.com>": unclosed "["
    MalformedLine "[]": empty dependency list
    MalformedLine "extra": unexpected "extra" before the timestamp
    BadTimestamp "2024-02-30T00:00:00Z": invalid timestamp "2024-02-30T00:00:00Z": day 30 does not exist in month 02
    MissingTimestamp "f": missing timestamp and planner
    MissingTimestamp "Ann <a@b>": missing timestamp
    MissingPlanner "h 2024-01-01T00:00:00Z": missing planner name and email
    MissingPlanner "Ann": "Ann" is not a planner
    TagWithDependencies "[a]": tag "@t" has dependencies
    DuplicateTag "t": tag "@t" is already declared on line 18
    BadDependency "a@": "a@" is not a valid dependency
    DuplicateDependency "a": dependency "a" is listed twice
    UnknownRequirement "nope": change "k" requires "nope", which is not in the plan
    UnknownRequirement "@nope": change "k" requires "@nope", but tag "@nope" is not declared before it
    UnknownRequirement "a@t2": change "k" requires "a@t2", but tag "@t2" is not declared before it
    RequirementPlannedLater "later": change "k" requires "later", which is planned after it
    SelfRequirement "k": change "k" requires itself
    UnknownConflict "!ghost": change "l" conflicts with "ghost", which is not in the plan
    UnknownConflict "!@nope": change "l" conflicts with "@nope", which is not in the plan
    DuplicateChange "m": change "m" is already planned on line 26 with no tag in between
    "#);
}

#[test]
fn invalid_project_and_a_change_tag_pair_that_does_not_exist() {
    let text = format!("%project=bad:name\n\na {BY}\n@t {BY}\nb {BY}\nc [b@t] {BY}\n");
    insta::assert_snapshot!(expect_problems(&text), @r#"
    InvalidProject "%project=bad:name": invalid project name "bad:name"
    UnknownRequirement "b@t": change "c" requires "b@t", but "b" is not planned before tag "@t"
    "#);
}

#[test]
fn tutorial_config_gives_sqitch_defaults() {
    let config = read_config(
        "[core]\n\tengine = pg\n\t# plan_file = sqitch.plan\n\t# top_dir = .\n# [engine \"pg\"]\n\t# target = db:pg:\n",
    );
    insta::assert_debug_snapshot!(config, @r#"
    SqitchConfig {
        engine: Some(
            "pg",
        ),
        target: None,
        top_dir: ".",
        plan_file: "sqitch.plan",
        deploy_dir: "deploy",
        revert_dir: "revert",
        verify_dir: "verify",
        reworked_deploy_dir: "deploy",
        reworked_revert_dir: "revert",
        reworked_verify_dir: "verify",
        extension: "sql",
        unreadable: [],
    }
    "#);
}

#[test]
fn target_then_engine_then_core_as_sqitch_fetches_them() {
    let config = read_config(
        "[Core]\n  engine = pg ; the default\n  top_dir = db\n  deploy_dir = core-deploy\n  reworked_dir = old\n\
         [engine \"pg\"]\n  target = prod\n  top_dir = \"pg top\" # quoted\n  verify_dir = checks\n\
         [target \"prod\"]\n  uri = db:postgres://db.example.com/flipr\n  top_dir = prod\\\n-dir\n  revert_dir = undo\n  extension = pgsql\n\
         [target \"other\"]\n  top_dir = never\n\
         not a setting\n",
    );
    insta::assert_debug_snapshot!(config, @r#"
    SqitchConfig {
        engine: Some(
            "pg",
        ),
        target: Some(
            "prod",
        ),
        top_dir: "prod-dir",
        plan_file: "prod-dir/sqitch.plan",
        deploy_dir: "core-deploy",
        revert_dir: "undo",
        verify_dir: "checks",
        reworked_deploy_dir: "old/core-deploy",
        reworked_revert_dir: "old/undo",
        reworked_verify_dir: "old/checks",
        extension: "pgsql",
        unreadable: [
            337..350,
        ],
    }
    "#);
}

#[test]
fn core_target_uri_names_the_engine_and_scripts_follow_folders_in_names() {
    let config = read_config(
        "[core]\n  target = db:sqlite:flipr.db\n  engine = pg\n  plan_file = plans/main.plan\n  reworked_deploy_dir = attic\n",
    );
    assert_eq!(
        (config.engine.as_deref(), config.target.as_deref()),
        (Some("sqlite"), None)
    );
    assert_eq!(config.plan_file, std::path::Path::new("plans/main.plan"));
    let plan = match parse_plan(&format!(
        "{PRAGMAS}schema/users {BY}\n@v1 {BY}\nschema/users {BY}\n"
    )) {
        Ok(plan) => plan,
        Err(problems) => panic!("{problems:#?}"),
    };
    let (deploy, revert, _) = script_paths(&config, &plan.changes[0]);
    assert_eq!(
        (deploy.display().to_string(), revert.display().to_string()),
        (
            "attic/schema/users@v1.sql".to_owned(),
            "revert/schema/users@v1.sql".to_owned()
        )
    );
}

proptest! {
    #[test]
    fn random_input_never_panics(text in "\\PC{0,200}") {
        let _ = parse_plan(&text);
        let _ = read_config(&text);
    }

    #[test]
    fn plan_shaped_noise_never_panics_and_spans_stay_inside(
        lines in prop::collection::vec("[%@!+:#\\[\\] \\t\\r\\\\a-c1-2é=<>/\";-]{0,12}( 2024-0[1-9]-[0-3][0-9]T00:00:00Z A <a@b>)?( #[x\\\\n]{0,3})?", 0..12),
        bom in any::<bool>(),
    ) {
        let text = format!("{}%project=p\n\n{}", if bom { "\u{feff}" } else { "" }, lines.join("\n"));
        match parse_plan(&text) {
            Ok(plan) => {
                let config = read_config(&text);
                for change in &plan.changes {
                    prop_assert!(text.get(change.span.clone()).is_some());
                    let _ = script_paths(&config, change);
                }
            }
            Err(problems) => {
                for problem in problems {
                    prop_assert!(text.get(problem.span.clone()).is_some(), "{problem:?}");
                }
            }
        }
    }
}
