//! The two problems an inferred edge can be ([`DependencyProblem`]), as diagnostics pointing at
//! the use: `plan::graph::missing_dependency` (with the exact line that declares it) and
//! `plan::graph::used_before_created`.

use miette::{Diagnostic, SourceSpan};

use super::declare::declaration;
use super::walk::{InferredEdge, Standing};
use crate::diagnostic::{Classified, ErrorClass, SourceFile};
use crate::project::Project;

/// An inferred edge the declared graph does not imply.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum DependencyProblem {
    /// The creator comes first, but the user does not depend on it.
    #[error("{user} uses {object}, which {creator} creates, but does not depend on {creator}")]
    #[diagnostic(
        code(plan::graph::missing_dependency),
        help(
            "add `{line}` to {declared_in}, so that `--to {user}` and every plan include {creator}; `plan check --fix` writes it"
        )
    )]
    Missing {
        /// The migration that uses the object.
        user: String,
        /// The object.
        object: String,
        /// The migration that creates it.
        creator: String,
        /// The text that declares the dependency.
        line: String,
        /// Where that text goes (the migration's file, or plan.yaml).
        declared_in: String,
        /// The user's file.
        #[source_code]
        file: SourceFile,
        /// The use.
        #[label("uses {object} here")]
        span: SourceSpan,
    },
    /// The creator comes after the user in plan order.
    #[error("{user} uses {object} before {creator} creates it: {creator} comes later in the plan")]
    #[diagnostic(
        code(plan::graph::used_before_created),
        help(
            "the order is wrong: create {object} in {user} or in a migration before it, or move the use into a migration after {creator}; a dependency cannot fix it (it would point backwards), so `plan check --fix` leaves it"
        )
    )]
    UsedBeforeCreated {
        /// The migration that uses the object.
        user: String,
        /// The object.
        object: String,
        /// The migration that creates it.
        creator: String,
        /// The user's file.
        #[source_code]
        file: SourceFile,
        /// The use.
        #[label("uses {object} here")]
        span: SourceSpan,
    },
}

impl DependencyProblem {
    /// The problem `edge` is, or `None` when the declared graph implies it.
    pub(crate) fn of(edge: &InferredEdge, project: &Project) -> Option<DependencyProblem> {
        let (user, object, creator) = (
            edge.user.to_string(),
            edge.object.to_string(),
            edge.creator.to_string(),
        );
        let (file, span) = (edge.at.file.clone(), edge.at.source_span());
        match edge.standing {
            Standing::Declared => None,
            Standing::Missing => {
                let declared = project
                    .migration(&edge.user)
                    .map(|migration| declaration(project, migration, &[&edge.creator]));
                let (line, declared_in) = match declared {
                    Some(declared) => (declared.shown(), declared.file_name),
                    None => (format!("-- depends: {creator}"), file.name().to_string()),
                };
                Some(DependencyProblem::Missing {
                    user,
                    object,
                    creator,
                    line,
                    declared_in,
                    file,
                    span,
                })
            }
            Standing::UsedBeforeCreated => Some(DependencyProblem::UsedBeforeCreated {
                user,
                object,
                creator,
                file,
                span,
            }),
        }
    }
}

/// A missing dependency is the project's own contradiction: invalid input. (`plan check`
/// lists them as its findings, and fails with exit 1.)
impl Classified for DependencyProblem {
    fn class(&self) -> ErrorClass {
        ErrorClass::InvalidInput
    }
}
