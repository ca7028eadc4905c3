//! `plan schema`: prints the JSON Schema of plan.yaml (schema/plan.schema.json, embedded at build
//! time) for editors, e.g. yaml-language-server's `# yaml-language-server: $schema=…` comment
//! (docs/plan-file.md). What plan.yaml may hold is decided by `project::manifest`; the schema
//! describes it, and tests/integration/schema.rs keeps the two in step.

use std::io::Write;

use clap::Args;

use super::Failure;

/// The JSON Schema (draft-07, the newest yaml-language-server supports) of plan.yaml, byte for
/// byte as shipped in the repository.
pub(crate) const PLAN_SCHEMA: &str = include_str!("../../schema/plan.schema.json");

/// Arguments of `plan schema`: none; it needs no project and no database.
#[derive(Debug, Args)]
pub(crate) struct SchemaArgs {}

/// Runs `plan schema`.
pub(crate) fn run(_args: SchemaArgs, out: &mut dyn Write) -> Result<(), Failure> {
    // A closed pipe (`plan schema | head`) is not worth an error.
    let _ = out.write_all(PLAN_SCHEMA.as_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_schema_is_draft_07_json_of_an_object() {
        let schema: serde_json::Value =
            serde_json::from_str(PLAN_SCHEMA).expect("schema/plan.schema.json is JSON");
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
        assert_eq!(schema["type"], "object");
        assert_eq!(schema["additionalProperties"], false);
    }

    #[test]
    fn it_prints_the_schema_unchanged() {
        let mut out = Vec::new();
        assert!(run(SchemaArgs {}, &mut out).is_ok());
        assert_eq!(out, PLAN_SCHEMA.as_bytes());
    }
}
