//! `plan lint --format sarif`: the findings as SARIF 2.1.0 (OASIS), what code-scanning UIs read
//! (GitHub's `upload-sarif` action): one run whose tool is `plan`, every rule described in
//! `tool.driver.rules`, one result per finding at its file, line and column. Columns count
//! characters (`columnKind: unicodeCodePoints`), as the other formats do. Findings an allow
//! comment set aside are left out, as in the text output.

use serde::Serialize;

use crate::lint::{Finding, Rule, Severity};

/// Where the schema of this output is published.
const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The SARIF log of `findings`, as pretty JSON with a final newline.
pub(super) fn sarif(findings: &[Finding]) -> String {
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "plan",
                    version: env!("CARGO_PKG_VERSION"),
                    rules: Rule::ALL.iter().map(|rule| Descriptor::of(*rule)).collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            results: findings.iter().map(SarifResult::of).collect(),
        }],
    };
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
struct Driver {
    name: &'static str,
    version: &'static str,
    rules: Vec<Descriptor>,
}

/// A rule as SARIF describes it (`reportingDescriptor`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    id: &'static str,
    short_description: Text,
    full_description: Text,
    default_configuration: Configuration,
}

impl Descriptor {
    fn of(rule: Rule) -> Self {
        Descriptor {
            id: rule.name(),
            short_description: Text {
                text: rule.summary().to_string(),
            },
            full_description: Text {
                text: format!(
                    "{}. plan's docs/lint.md, section {}, says why it hurts and the safe way.",
                    rule.summary(),
                    rule.name()
                ),
            },
            default_configuration: Configuration {
                level: level(rule.severity()),
            },
        }
    }
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

/// One finding (`result`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
}

impl SarifResult {
    fn of(finding: &Finding) -> Self {
        SarifResult {
            rule_id: finding.rule.name(),
            rule_index: Rule::ALL
                .iter()
                .position(|rule| *rule == finding.rule)
                .unwrap_or_default(),
            level: level(finding.severity),
            message: Text {
                text: format!("{} ({})", finding.message, finding.help),
            },
            locations: [Location {
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation {
                        // Relative to the project folder; SARIF URIs use forward slashes.
                        uri: finding.file.name().replace('\\', "/"),
                    },
                    region: Region {
                        start_line: finding.line(),
                        start_column: finding.column(),
                    },
                },
            }],
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
}

/// SARIF's name for a severity.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;
    use crate::project::MigrationId;

    fn check(findings: &[Finding], expect: serde_json::Value) {
        let log: serde_json::Value = match serde_json::from_str(&sarif(findings)) {
            Ok(log) => log,
            Err(error) => panic!("not JSON: {error}"),
        };
        let run = &log["runs"][0];
        assert_eq!(log["version"], "2.1.0");
        assert_eq!(run["tool"]["driver"]["name"], "plan");
        assert_eq!(
            run["tool"]["driver"]["rules"].as_array().map(Vec::len),
            Some(Rule::ALL.len())
        );
        assert_eq!(run["results"], expect);
    }

    #[test]
    fn a_finding_is_a_result_at_its_file_line_and_column() {
        let finding = Finding {
            rule: Rule::BanDropTable,
            severity: Severity::Warning,
            migration: MigrationId::new("002_drop"),
            file: SourceFile::new(
                "migrations\\002_drop.sql",
                "SELECT 1;\n  DROP TABLE old;\n".to_string(),
            ),
            span: 12..27,
            message: "dropping a table".to_string(),
            help: "stop using it first".to_string(),
            table: Some("public.old".to_string()),
            lock: None,
            estimated_rows: None,
            size_bytes: None,
        };
        check(
            &[finding],
            serde_json::json!([{
                "ruleId": "ban-drop-table",
                "ruleIndex": 10,
                "level": "warning",
                "message": {"text": "dropping a table (stop using it first)"},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": "migrations/002_drop.sql"},
                    "region": {"startLine": 2, "startColumn": 3}
                }}]
            }]),
        );
        check(&[], serde_json::json!([]));
    }
}
