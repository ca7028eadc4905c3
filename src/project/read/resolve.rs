//! Dependencies resolved to migrations (each reference as written, found, ambiguous or
//! missing), and every environment a migration names checked against plan.yaml's. What was
//! declared is `declared`'s.

use super::declared::{Unresolved, UnresolvedDependencies};
use crate::diagnostic::{Origin, to_source_span};
use crate::project::lines;
use crate::project::manifest;
use crate::project::migration::{Dependency, MigrationId};
use crate::project::model::{Project, Resolution};
use crate::project::problem::{self, Problem};

pub(super) fn resolve_dependencies(
    project: &mut Project,
    unresolved: UnresolvedDependencies,
    problems: &mut Vec<Problem>,
) {
    let folder = project.manifest.migrations_dir.display().to_string();
    let mut resolved: Vec<(MigrationId, Option<Vec<Dependency>>)> = Vec::new();
    for (id, declared) in unresolved {
        let Some(declared) = declared else {
            resolved.push((id, None));
            continue;
        };
        // Sized by what was declared: grown from empty, a vector of two held room for four,
        // in every migration until the end (0.6 MB of a 10,000-migration `plan show`).
        let mut dependencies: Vec<Dependency> = Vec::with_capacity(declared.len());
        for Unresolved { written, file } in declared {
            let span = to_source_span(&written.span);
            match project.resolve(&written.text) {
                Resolution::Found(target) if *target == id => {
                    problems.push(Problem::SelfDependency {
                        id: id.to_string(),
                        file,
                        span,
                    });
                }
                Resolution::Found(target) if depends_on_repeatable(project, &id, target) => {
                    problems.push(Problem::DependsOnRepeatable {
                        id: id.to_string(),
                        target: target.to_string(),
                        file,
                        span,
                    });
                }
                Resolution::Found(target) => {
                    // The same dependency declared twice (header and plan.yaml) counts once.
                    if !dependencies
                        .iter()
                        .any(|existing| existing.target == *target)
                    {
                        dependencies.push(Dependency {
                            target: target.clone(),
                            origin: Origin::new(file, written.span),
                        });
                    }
                }
                Resolution::Ambiguous(ids) => {
                    let candidates: Vec<String> = ids.iter().map(ToString::to_string).collect();
                    problems.push(Problem::AmbiguousReference {
                        written: written.text.clone(),
                        example: candidates.first().cloned().unwrap_or_default(),
                        candidates: candidates.join(", "),
                        file,
                        span,
                    });
                }
                Resolution::Missing(closest) => {
                    problems.push(Problem::UnknownDependency {
                        id: id.to_string(),
                        written: written.text.clone(),
                        folder: folder.clone(),
                        help: match closest {
                            Some(close) => format!("did you mean `{close}`?"),
                            None => "check the name, or add the missing migration".to_string(),
                        },
                        file,
                        span,
                    });
                }
            }
        }
        resolved.push((id, Some(dependencies)));
    }
    for (id, dependencies) in resolved {
        if let Some(migration) = project.migrations.get_mut(&id) {
            migration.dependencies = dependencies;
        }
    }
}

/// Whether versioned `id` names repeatable `target`: an order that cannot be honoured, as a
/// repeatable migration runs after every versioned one.
fn depends_on_repeatable(project: &Project, id: &MigrationId, target: &MigrationId) -> bool {
    let repeatable = |id: &MigrationId| {
        project
            .migrations
            .get(id)
            .is_some_and(|migration| migration.is_repeatable())
    };
    !repeatable(id) && repeatable(target)
}

pub(super) fn check_environments(project: &mut Project, problems: &mut Vec<Problem>) {
    let declared: Vec<String> = project.manifest.environments.keys().cloned().collect();
    if declared.is_empty() {
        let mut used: Vec<String> = project
            .migrations
            .values()
            .flat_map(|migration| migration.environments.iter().flatten().cloned())
            .collect();
        used.sort();
        used.dedup();
        project.environments = used;
        return;
    }
    let names: Vec<&str> = declared.iter().map(String::as_str).collect();
    let manifest_file = project.manifest.file.clone();
    for migration in project.migrations.values() {
        for name in migration.environments.iter().flatten() {
            if declared.contains(name) {
                continue;
            }
            // Point at the header line when the header names it, else at plan.yaml.
            let (file, span) = match find_word(migration.file.text(), name) {
                Some(span) => (migration.file.clone(), span),
                None => match &manifest_file {
                    Some(file) => {
                        let span = manifest::locate_value(
                            file.text(),
                            &["migrations", migration.id.as_str(), "environments"],
                            name,
                        );
                        (file.clone(), span)
                    }
                    None => (migration.file.clone(), 0..0),
                },
            };
            problems.push(Problem::UnknownEnvironment {
                name: name.clone(),
                help: problem::suggestion(name, &names, "environments declared in plan.yaml"),
                file,
                span: to_source_span(&span),
            });
        }
    }
    project.environments = declared;
}

/// The span of `word` in an `environment` header line of `text`.
fn find_word(text: &str, word: &str) -> Option<std::ops::Range<usize>> {
    lines::lines(text)
        .take_while(|line| {
            line.content.trim().is_empty() || line.content.trim_start().starts_with("--")
        })
        .filter(|line| line.content.to_lowercase().contains("env"))
        .find_map(|line| {
            line.content
                .find(word)
                .map(|offset| line.start + offset..line.start + offset + word.len())
        })
}

#[cfg(test)]
mod tests {
    use miette::Diagnostic;

    use crate::project::read::read;
    use crate::testing::project_dir;

    /// The problems of reading `files`, one `code: message (at line N)` each; `ok` when none.
    fn check(files: &[(&str, &str)], expect: &str) {
        let dir = project_dir(files);
        let reading = read(dir.path());
        let found: Vec<String> = reading
            .problems
            .iter()
            .map(|problem| {
                let code = problem
                    .code()
                    .map(|code| code.to_string())
                    .unwrap_or_default();
                let line = problem
                    .labels()
                    .and_then(|mut labels| labels.next())
                    .zip(problem.source_code())
                    .and_then(|(label, source)| {
                        source
                            .read_span(label.inner(), 0, 0)
                            .ok()
                            .map(|span| span.line() + 1)
                    })
                    .map_or(String::new(), |line| format!(" (at line {line})"));
                format!("{code}: {problem}{line}")
            })
            .collect();
        let found = if found.is_empty() {
            "ok".to_string()
        } else {
            found.join("\n")
        };
        assert_eq!(found, expect);
    }

    #[test]
    fn a_versioned_migration_depending_on_a_repeatable_one_is_refused_at_its_line() {
        check(
            &[
                ("migrations/001_a.sql", "SELECT 1;"),
                (
                    "migrations/002_b.sql",
                    "-- Migration: b\n-- depends: 001, R__views\nSELECT 2;",
                ),
                ("migrations/R__views.sql", "SELECT 'views';"),
            ],
            "plan::project::depends_on_repeatable: versioned migration 002_b depends on R__views, a repeatable migration, which runs after every versioned one (at line 2)",
        );
    }

    #[test]
    fn a_repeatable_migration_may_depend_on_versioned_and_repeatable_ones() {
        check(
            &[
                ("migrations/001_a.sql", "SELECT 1;"),
                ("migrations/R__a.sql", "-- depends: 001\nSELECT 'a';"),
                ("migrations/R__b.sql", "-- depends: R__a\nSELECT 'b';"),
            ],
            "ok",
        );
    }

    #[test]
    fn a_file_of_only_comments_is_a_no_op_but_an_empty_one_is_a_problem() {
        check(
            &[
                (
                    "migrations/001_a.sql",
                    "-- NO-OP to fix out-of-sequence migrations\n",
                ),
                ("migrations/002_b.sql", "/* nothing */\n"),
            ],
            "ok",
        );
        check(
            &[
                ("migrations/001_a.sql", ""),
                ("migrations/002_b.sql", " \n\n"),
            ],
            "plan::project::empty_migration: migration 001_a is empty (at line 1)\nplan::project::empty_migration: migration 002_b is empty (at line 1)",
        );
    }
}
