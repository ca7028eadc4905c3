//! plan.yaml's JSON Schema (schema/plan.schema.json, printed by `plan schema`) against what the
//! `plan` binary accepts (issue 13): the worked example, the examples and every fixture
//! plan.yaml validate when plan accepts their shape and fail when plan refuses it (an unknown
//! key, a wrong type, an unknown step kind); edge cases give one verdict from both; and every
//! key, step kind and enum value the code knows (read from the binary's own "keys allowed here"
//! and "write one of" help, which serde's lists feed) is the schema's, and no other.
//!
//! No JSON Schema crate builds here without a heavy tree (url, idna, ICU): `Validator` is a small
//! draft-07 validator for the keywords the schema uses, and refuses any other keyword, so the
//! schema cannot grow a rule these tests silently skip.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::support::project::{TestProject, crate_root, plan_with_env};

const SCHEMA_FILE: &str = "schema/plan.schema.json";

fn schema() -> Value {
    let text = std::fs::read_to_string(crate_root().join(SCHEMA_FILE)).expect("read the schema");
    serde_json::from_str(&text).expect("the schema is JSON")
}

/// A plan.yaml's text as the JSON value an editor's YAML server sees; None when it is not YAML
/// one value can hold (a syntax error, a repeated key).
fn yaml_value(text: &str) -> Option<Value> {
    if text.trim().is_empty() {
        return Some(Value::Object(Default::default()));
    }
    serde_yaml::from_str::<Value>(text).ok()
}

// ---------------------------------------------------------------------------------------------
// The validator.

/// Keywords that only annotate.
const ANNOTATIONS: &[&str] = &["$schema", "title", "description", "default", "definitions"];

struct Validator<'a> {
    root: &'a Value,
}

impl Validator<'_> {
    /// Every way `instance` breaks `schema`, as `path: what`.
    fn errors(&self, schema: &Value, instance: &Value, path: &str) -> Vec<String> {
        let Some(keywords) = schema.as_object() else {
            return match schema {
                Value::Bool(true) => vec![],
                Value::Bool(false) => vec![format!("{path}: not allowed")],
                other => panic!("not a schema: {other}"),
            };
        };
        let mut errors = Vec::new();
        for (keyword, value) in keywords {
            match keyword.as_str() {
                "$ref" => {
                    let name = value
                        .as_str()
                        .and_then(|reference| reference.strip_prefix("#/definitions/"))
                        .unwrap_or_else(|| panic!("unsupported $ref {value}"));
                    let target = &self.root["definitions"][name];
                    assert!(!target.is_null(), "$ref to a missing definition {name}");
                    errors.extend(self.errors(target, instance, path));
                }
                "type" => {
                    let types: Vec<&str> = match value {
                        Value::String(one) => vec![one.as_str()],
                        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
                        other => panic!("bad type {other}"),
                    };
                    if !types.iter().any(|kind| has_type(instance, kind)) {
                        errors.push(format!("{path}: {instance} is not {}", types.join(" or ")));
                    }
                }
                "enum" => {
                    let allowed = value.as_array().expect("enum is a list");
                    if !allowed.contains(instance) {
                        errors.push(format!("{path}: {instance} is not one of {value}"));
                    }
                }
                "pattern" => {
                    let pattern = regex::Regex::new(value.as_str().expect("pattern is text"))
                        .expect("pattern compiles");
                    match instance.as_str() {
                        Some(text) if !pattern.is_match(text) => {
                            errors.push(format!("{path}: {text:?} does not match {pattern}"));
                        }
                        _ => {}
                    }
                }
                "minimum" | "maximum" => {
                    let bound = value.as_f64().expect("a numeric bound");
                    if let Some(number) = instance.as_f64() {
                        let ok = if keyword == "minimum" {
                            number >= bound
                        } else {
                            number <= bound
                        };
                        if !ok {
                            errors.push(format!("{path}: {number} breaks {keyword} {bound}"));
                        }
                    }
                }
                "minItems" => {
                    let least = value.as_u64().expect("minItems is a count");
                    let count = instance
                        .as_array()
                        .map_or(u64::MAX, |items| items.len() as u64);
                    if count < least {
                        errors.push(format!("{path}: fewer than {least} items"));
                    }
                }
                "items" => {
                    for (index, item) in instance.as_array().into_iter().flatten().enumerate() {
                        errors.extend(self.errors(value, item, &format!("{path}[{index}]")));
                    }
                }
                "required" => {
                    if let Some(object) = instance.as_object() {
                        for name in value.as_array().expect("required is a list") {
                            let name = name.as_str().expect("a key");
                            if !object.contains_key(name) {
                                errors.push(format!("{path}: missing {name}"));
                            }
                        }
                    }
                }
                "properties" => {
                    let object = instance.as_object();
                    for (name, property) in value.as_object().expect("properties is a map") {
                        if let Some(found) = object.and_then(|object| object.get(name)) {
                            errors.extend(self.errors(property, found, &format!("{path}.{name}")));
                        }
                    }
                }
                "additionalProperties" => {
                    let declared = keywords.get("properties").and_then(Value::as_object);
                    for (name, found) in instance.as_object().into_iter().flatten() {
                        if !declared.is_some_and(|declared| declared.contains_key(name)) {
                            errors.extend(self.errors(value, found, &format!("{path}.{name}")));
                        }
                    }
                }
                "oneOf" => {
                    let branches = value.as_array().expect("oneOf is a list");
                    let passing = branches
                        .iter()
                        .filter(|branch| self.errors(branch, instance, path).is_empty())
                        .count();
                    if passing != 1 {
                        errors.push(format!(
                            "{path}: {instance} matches {passing} of oneOf's {} schemas",
                            branches.len()
                        ));
                    }
                }
                annotation if ANNOTATIONS.contains(&annotation) => {}
                other => panic!("the schema uses `{other}`, which this validator does not know"),
            }
        }
        errors
    }
}

fn has_type(instance: &Value, kind: &str) -> bool {
    match kind {
        "object" => instance.is_object(),
        "array" => instance.is_array(),
        "string" => instance.is_string(),
        "boolean" => instance.is_boolean(),
        "null" => instance.is_null(),
        "number" => instance.is_number(),
        // Draft-07: any number whose fractional part is zero.
        "integer" => instance
            .as_f64()
            .is_some_and(|number| number.fract() == 0.0),
        other => panic!("unknown type {other}"),
    }
}

/// The problems of `yaml` under the shipped schema (empty: valid).
fn schema_errors(yaml: &str) -> Vec<String> {
    let schema = schema();
    let value = yaml_value(yaml).unwrap_or_else(|| panic!("not one YAML value:\n{yaml}"));
    Validator { root: &schema }.errors(&schema, &value, "plan.yaml")
}

#[test]
fn issue_13_the_validator_checks_each_keyword_it_knows() {
    let check = |schema: Value, instance: Value, expect: bool| {
        let errors = Validator { root: &schema }.errors(&schema, &instance, "$");
        assert_eq!(
            errors.is_empty(),
            expect,
            "{schema} on {instance}: {errors:?}"
        );
    };
    let object = serde_json::json!({
        "type": "object", "additionalProperties": false, "required": ["a"],
        "properties": {"a": {"type": ["integer", "null"], "minimum": 1, "maximum": 3}}
    });
    check(object.clone(), serde_json::json!({"a": 2}), true);
    check(object.clone(), serde_json::json!({"a": null}), true);
    check(object.clone(), serde_json::json!({"a": 2.0}), true);
    check(object.clone(), serde_json::json!({"a": 2.5}), false);
    check(object.clone(), serde_json::json!({"a": 4}), false);
    check(object.clone(), serde_json::json!({"a": 0}), false);
    check(object.clone(), serde_json::json!({"a": 1, "b": 1}), false);
    check(object.clone(), serde_json::json!({}), false);
    check(object, serde_json::json!([]), false);
    let texts = serde_json::json!({
        "type": "array", "minItems": 1,
        "items": {"$ref": "#/definitions/word"},
        "definitions": {"word": {"type": "string", "pattern": "^[a-z]+$"}}
    });
    check(texts.clone(), serde_json::json!(["ab", "c"]), true);
    check(texts.clone(), serde_json::json!(["ab", "C"]), false);
    check(texts.clone(), serde_json::json!([]), false);
    check(texts, serde_json::json!([1]), false);
    let choice = serde_json::json!({"oneOf": [{"enum": ["x", null]}, {"type": "string"}]});
    check(choice.clone(), serde_json::json!(null), true);
    check(choice.clone(), serde_json::json!("y"), true);
    check(choice.clone(), serde_json::json!("x"), false);
    check(choice, serde_json::json!(1), false);
    check(
        serde_json::json!({"type": "object", "additionalProperties": {"type": "boolean"}}),
        serde_json::json!({"any": "text"}),
        false,
    );
}

// ---------------------------------------------------------------------------------------------
// plan's verdicts.

/// The problem codes plan gives for a file's shape, which the schema must agree with.
const SHAPE_CODES: &[&str] = &[
    "plan::project::unknown_key",
    "plan::project::wrong_type",
    "plan::project::unknown_step_kind",
];

/// What `plan show` says about the project in `dir`: exit code and stderr.
fn show(dir: &Path) -> (i32, String) {
    let run = plan_with_env(dir, &["show"], &[]);
    (run.code, run.stderr)
}

/// plan's verdict on a plan.yaml's shape: Some(true) accepted (the project may still have other
/// problems), Some(false) refused for its shape, None when the only objection is a value's
/// meaning (`invalid_value`) or YAML syntax, which the schema may or may not see.
fn plan_verdict(dir: &Path) -> Option<bool> {
    let (_, stderr) = show(dir);
    if SHAPE_CODES.iter().any(|code| stderr.contains(code)) {
        Some(false)
    } else if stderr.contains("plan::project::invalid_value")
        || stderr.contains("plan::project::yaml_syntax")
    {
        None
    } else {
        Some(true)
    }
}

#[test]
fn issue_13_the_worked_example_and_the_examples_validate() {
    for project in [
        "",
        "examples/custom_plan/project",
        "examples/service/project",
    ] {
        let dir = crate_root().join(project);
        let (code, stderr) = show(&dir);
        assert_eq!(code, 0, "plan show in {project:?}: {stderr}");
        let text = std::fs::read_to_string(dir.join("plan.yaml")).expect("read plan.yaml");
        assert_eq!(schema_errors(&text), Vec::<String>::new(), "{project:?}");
    }
    // docs/plan-file.md's annotated example, too.
    let reference = std::fs::read_to_string(crate_root().join("docs/plan-file.md"))
        .expect("read docs/plan-file.md");
    let example = reference
        .split("```yaml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/plan-file.md has a yaml example");
    assert_eq!(schema_errors(example), Vec::<String>::new());
}

#[test]
fn issue_13_every_fixture_plan_yaml_gets_the_verdict_plan_gives() {
    let mut fixtures: Vec<_> = std::fs::read_dir(crate_root().join("tests/fixtures"))
        .expect("list tests/fixtures")
        .map(|entry| entry.expect("an entry").path())
        .filter(|dir| dir.join("plan.yaml").is_file())
        .collect();
    fixtures.sort();
    let schema = schema();
    let mut seen = BTreeSet::new();
    for dir in &fixtures {
        let name = dir.file_name().unwrap_or_default().to_string_lossy();
        let text = std::fs::read_to_string(dir.join("plan.yaml")).expect("read plan.yaml");
        let verdict = plan_verdict(dir);
        let Some(value) = yaml_value(&text) else {
            assert_eq!(verdict, None, "{name}: not YAML, yet plan read it");
            seen.insert("not yaml");
            continue;
        };
        let errors = Validator { root: &schema }.errors(&schema, &value, "plan.yaml");
        // None: plan objects to a value's meaning, which the schema may or may not see.
        if let Some(accepted) = verdict {
            assert_eq!(errors.is_empty(), accepted, "{name}: {errors:?}");
            seen.insert(if accepted { "accepted" } else { "refused" });
        }
    }
    // The fixtures cover both verdicts (a change of fixtures cannot empty this test).
    assert!(
        seen.contains("accepted") && seen.contains("refused"),
        "{seen:?}"
    );
    for refused in ["unknown_key", "wrong_type", "unknown_step_kind"] {
        let text = std::fs::read_to_string(
            crate_root().join(format!("tests/fixtures/{refused}/plan.yaml")),
        )
        .expect("read the fixture");
        assert!(!schema_errors(&text).is_empty(), "{refused} validates");
    }
}

/// Edge cases of plan.yaml's shape, each under a project with migration 001_a.
const EDGE_CASES: &[&str] = &[
    "",
    "order: graph\n",
    "order: grph\n",
    "order: ~\n",
    "tracking_table: ~\nmigrations_dir: migrations\n",
    "lock_timeout: 5s\nlock_retries: 0\n",
    "lock_timeout: 250ms\n",
    "lock_timeout: \" 2min \"\n",
    "lock_timeout: 0s\n",
    "lock_timeout: 5\n",
    "lock_timeout: soon\n",
    "lock_retries: \"5\"\n",
    "lock_retries: -1\n",
    "lock_retries: 5000000000\n",
    "environments:\n  staging:\n  production: {backup: required, confirm: true}\n",
    "environments:\n  production: {backup: sometimes}\n",
    "environments:\n  production: {confirm: \"yes\"}\n",
    "migrations:\n  001_a:\n",
    "migrations:\n  001_a:\n    depends_on: []\n    transaction: false\n",
    "migrations:\n  001_a:\n    transaction: yes\n",
    "migrations:\n  001_a:\n    depends_on: 001_a\n",
    "migrations:\n  001_a:\n    requires: {schemas: [public], tables: [public.t], extensions: ~}\n",
    "migrations:\n  001_a:\n    requires: {views: [v]}\n",
    "migrations:\n  001_a:\n    steps: [{sql: SELECT 1}, {handler: h}]\n",
    "migrations:\n  001_a:\n    steps: [{sql: SELECT 1, message: m}]\n",
    "migrations:\n  001_a:\n    steps: [{batch: SELECT 1, commit: each, pause: 100ms, max_batches: 10}]\n",
    "migrations:\n  001_a:\n    steps: [{batch: SELECT 1, max_batches: \"10\"}]\n",
    "migrations:\n  001_a:\n    steps: [{batch: SELECT 1, max_batches: 0}]\n",
    "migrations:\n  001_a:\n    steps: [{batch: SELECT 1, commit: sometimes}]\n",
    "migrations:\n  001_a:\n    steps: [{batch: SELECT 1, pause: 5}]\n",
    "migrations:\n  001_a:\n    steps: [{assert: SELECT true, message: 42}]\n",
    "migrations:\n  001_a:\n    steps: [{command: [./notify, 3], timeout: 30s}]\n",
    "migrations:\n  001_a:\n    steps: [{command: []}]\n",
    "migrations:\n  001_a:\n    steps: [{command: ./notify}]\n",
    "migrations:\n  001_a:\n    steps: [{command: [x], timeout: soon}]\n",
    "migrations:\n  001_a:\n    steps: [{sqll: SELECT 1}]\n",
    "migrations:\n  001_a:\n    steps: [{}]\n",
    "migrations:\n  001_a:\n    steps: [SELECT 1]\n",
    "[]\n",
];

#[test]
fn issue_13_edge_cases_get_one_verdict_from_plan_and_the_schema() {
    let project = TestProject::new(&[("migrations/001_a.sql", "SELECT 1;\n")]);
    for yaml in EDGE_CASES {
        project.write("plan.yaml", yaml);
        let (code, stderr) = show(project.path());
        let errors = schema_errors(yaml);
        assert_eq!(
            code == 0,
            errors.is_empty(),
            "plan.yaml:\n{yaml}\nplan exit {code}: {stderr}\nschema: {errors:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The code's keys against the schema's.

/// Text with the diagnostics' wrapping and gutters undone: words separated by one space.
fn flattened(text: &str) -> String {
    text.replace(['│', '·'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The comma-separated names after `lead` in plan's diagnostics for `yaml` (up to the end, or to
/// `until`).
fn listed_after(project: &TestProject, yaml: &str, lead: &str, until: &str) -> BTreeSet<String> {
    project.write("plan.yaml", yaml);
    let (_, stderr) = show(project.path());
    let text = flattened(&stderr);
    if text.contains("there are no keys allowed here") {
        return BTreeSet::new();
    }
    let rest = text
        .split_once(lead)
        .unwrap_or_else(|| panic!("no `{lead}` for\n{yaml}\n{stderr}"))
        .1;
    // The list ends at `until`, or at the next help (the summary's, printed after the problems).
    let list = rest
        .split(until)
        .next()
        .unwrap_or(rest)
        .split(" help: ")
        .next()
        .unwrap_or(rest);
    list.replace(" or ", ", ")
        .split(", ")
        .map(|name| name.trim().trim_matches('`').to_string())
        .filter(|name| !name.is_empty())
        .collect()
}

/// The keys a schema object declares, through a `$ref`.
fn schema_keys(schema: &Value, object: &Value) -> BTreeSet<String> {
    let object = resolve(schema, object);
    object["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("no properties in {object}"))
        .keys()
        .cloned()
        .collect()
}

fn resolve<'a>(schema: &'a Value, object: &'a Value) -> &'a Value {
    match object["$ref"]
        .as_str()
        .and_then(|reference| reference.strip_prefix("#/definitions/"))
    {
        Some(name) => &schema["definitions"][name],
        None => object,
    }
}

/// A schema enum's text values (null, which stands for "absent", left out).
fn schema_enum(object: &Value) -> BTreeSet<String> {
    object["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("no enum in {object}"))
        .iter()
        .filter_map(|value| value.as_str().map(str::to_string))
        .collect()
}

#[test]
fn issue_13_every_key_and_value_the_code_knows_is_in_the_schema() {
    let schema = schema();
    let definitions = &schema["definitions"];
    let project = TestProject::new(&[("migrations/001_a.sql", "SELECT 1;\n")]);
    let keys = |yaml: &str| listed_after(&project, yaml, "keys allowed here: ", " Error:");
    let entry = |inner: &str| format!("migrations:\n  001_a:\n{inner}");

    let mut compared = vec![
        (
            "top level",
            keys("zz_unknown: 1\n"),
            schema_keys(&schema, &schema),
        ),
        (
            "an environment",
            keys("environments:\n  e: {zz_unknown: 1}\n"),
            schema_keys(&schema, &definitions["environment"]),
        ),
        (
            "a fleet",
            keys("fleets:\n  f: {zz_unknown: 1}\n"),
            schema_keys(&schema, &definitions["fleet"]),
        ),
        (
            "a migration entry",
            keys(&entry("    zz_unknown: 1\n")),
            schema_keys(&schema, &definitions["entry"]),
        ),
        (
            "requires",
            keys(&entry("    requires: {zz_unknown: 1}\n")),
            schema_keys(&schema, &definitions["entry"]["properties"]["requires"]),
        ),
    ];

    // Step kinds: the code's, from its "expected a step" message; the schema's, the key each
    // oneOf branch requires.
    let code_kinds = listed_after(
        &project,
        &entry("    steps: [x]\n"),
        "a mapping whose first key is ",
        " ╭",
    );
    let branches = definitions["step"]["oneOf"].as_array().expect("oneOf");
    let schema_kinds: BTreeSet<String> = branches
        .iter()
        .map(|branch| {
            resolve(&schema, branch)["required"][0]
                .as_str()
                .unwrap_or("?")
                .to_string()
        })
        .collect();
    assert_eq!(code_kinds.len(), 5, "{code_kinds:?}");
    compared.push(("step kinds", code_kinds.clone(), schema_kinds));
    for kind in &code_kinds {
        let value = if kind == "command" { "[x]" } else { "x" };
        let options = keys(&entry(&format!(
            "    steps:\n      - {kind}: {value}\n        zz_unknown: 1\n"
        )));
        let mut declared = schema_keys(&schema, &definitions[format!("{kind}_step")]);
        declared.remove(kind);
        compared.push(("a step's options", options, declared));
    }

    // Enum values: the code's "write one of" help for an unknown variant.
    let variants = |yaml: &str| listed_after(&project, yaml, "write one of: ", " Error:");
    compared.extend([
        (
            "order",
            variants("order: zz_unknown\n"),
            schema_enum(&schema["properties"]["order"]),
        ),
        (
            "backup",
            variants("environments:\n  e: {backup: zz_unknown}\n"),
            schema_enum(&definitions["environment"]["properties"]["backup"]),
        ),
        (
            "on_error",
            variants("fleets:\n  f: {on_error: zz_unknown}\n"),
            schema_enum(&definitions["fleet"]["properties"]["on_error"]),
        ),
        (
            "commit",
            variants(&entry("    steps: [{batch: x, commit: zz_unknown}]\n")),
            schema_enum(&definitions["batch_step"]["properties"]["commit"]),
        ),
    ]);

    for (place, code, schema) in compared {
        assert!(
            place == "a step's options" || !code.is_empty(),
            "no keys read for {place}"
        );
        assert_eq!(
            code, schema,
            "{place}: the code's (left) and the schema's (right)"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// `plan schema`.

#[test]
fn issue_13_plan_schema_prints_the_shipped_file_byte_for_byte() {
    let run = plan_with_env(&crate_root(), &["schema"], &[]).expect_ok();
    let shipped = std::fs::read_to_string(crate_root().join(SCHEMA_FILE)).expect("read");
    assert!(
        run.stdout == shipped,
        "plan schema differs from {SCHEMA_FILE}"
    );
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}
