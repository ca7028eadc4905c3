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
        let mut dependencies: Vec<Dependency> = Vec::new();
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
