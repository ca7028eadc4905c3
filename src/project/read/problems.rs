//! Each reader's problem (plan.yaml's, a file's sections', a header's) as a [`Problem`] placed
//! in its file. The wording of problems is `project::problem`'s; finding them, the readers'.

use crate::diagnostic::{SourceFile, to_source_span};
use crate::project::header;
use crate::project::manifest::{self, ManifestProblem};
use crate::project::problem::{self, Problem};
use crate::project::sections;

pub(super) fn manifest_problem(problem: ManifestProblem, file: &SourceFile) -> Problem {
    let file = file.clone();
    match problem {
        ManifestProblem::Syntax { message, span } => Problem::YamlSyntax {
            message,
            file,
            span: to_source_span(&span),
        },
        ManifestProblem::DuplicateKey {
            message,
            first,
            again,
        } => Problem::DuplicateKey {
            message,
            file,
            again: to_source_span(&again),
            first: to_source_span(&first),
        },
        ManifestProblem::UnknownKey {
            key,
            expected,
            span,
        } => {
            let names: Vec<&str> = expected.iter().map(String::as_str).collect();
            Problem::UnknownKey {
                help: problem::suggestion(&key, &names, "keys allowed here"),
                key,
                file,
                span: to_source_span(&span),
            }
        }
        ManifestProblem::WrongType {
            message,
            span,
            expected,
        } => Problem::WrongType {
            help: if expected.is_empty() {
                "see docs/plan-file.md for the type of each key".to_string()
            } else {
                format!("write one of: {}", expected.join(", "))
            },
            message,
            file,
            span: to_source_span(&span),
        },
        ManifestProblem::UnknownStepKind { kind, span } => Problem::UnknownStepKind {
            help: problem::suggestion(&kind, &manifest::STEP_KINDS, "step kinds"),
            kind,
            file,
            span: to_source_span(&span),
        },
        ManifestProblem::Invalid {
            message,
            help,
            span,
        } => Problem::InvalidValue {
            message,
            help,
            file,
            span: to_source_span(&span),
        },
    }
}

pub(super) fn section_problem(problem: sections::SectionProblem, file: &SourceFile) -> Problem {
    let name = file.name().to_string();
    match problem {
        sections::SectionProblem::DownBeforeUp { down, up } => Problem::DownBeforeUp {
            name,
            file: file.clone(),
            down: to_source_span(&down),
            up: to_source_span(&up),
        },
        sections::SectionProblem::Repeated {
            marker,
            first,
            again,
        } => Problem::RepeatedMarker {
            marker: match marker {
                sections::Marker::Up => "up",
                sections::Marker::Down => "down",
            },
            name,
            file: file.clone(),
            first: to_source_span(&first),
            again: to_source_span(&again),
        },
        sections::SectionProblem::SqlBeforeUp { sql } => Problem::SqlBeforeUp {
            name,
            file: file.clone(),
            span: to_source_span(&sql),
        },
        sections::SectionProblem::DownWithoutUp { down } => Problem::DownWithoutUp {
            marker: file.text()[down.clone()].trim().to_string(),
            name,
            file: file.clone(),
            span: to_source_span(&down),
        },
        sections::SectionProblem::Mixed {
            first_tool,
            first,
            second_tool,
            second,
        } => Problem::MixedMarkers {
            first_tool,
            second_tool,
            name,
            file: file.clone(),
            first: to_source_span(&first),
            second: to_source_span(&second),
        },
        sections::SectionProblem::Foreign { marker, line } => Problem::ForeignMarker {
            tool: marker.tool,
            help: marker.help,
            name,
            file: file.clone(),
            span: to_source_span(&line),
        },
    }
}

pub(super) fn header_problem(problem: &header::HeaderProblem, file: &SourceFile) -> Problem {
    match problem {
        header::HeaderProblem::MalformedRequirement { written, span } => {
            Problem::MalformedRequirement {
                written: written.clone(),
                help: "write `-- requires: table schema.table` or `-- requires: column schema.table.column` (also `schema S`, `extension E`)".to_string(),
                file: file.clone(),
                span: to_source_span(span),
            }
        }
        header::HeaderProblem::UnknownDirective { written, span } => Problem::UnknownDirective {
            written: written.clone(),
            file: file.clone(),
            span: to_source_span(span),
        },
        header::HeaderProblem::MalformedEnvironment { written, span } => {
            Problem::UnknownEnvironment {
                name: written.clone(),
                help: "environment names are single words, separated by commas".to_string(),
                file: file.clone(),
                span: to_source_span(span),
            }
        }
    }
}
