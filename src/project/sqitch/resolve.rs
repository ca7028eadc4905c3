//! What each `[...]` entry of a plan names, and the entries Sqitch refuses. Requirements
//! follow `check_changes` in lib/App/Sqitch/Plan.pm: a change must be planned before what
//! requires it, a tag declared before it; another project's changes and change IDs are not
//! checked. Conflicts are not checked when Sqitch parses (`# XXX Ignoring conflicts for now`),
//! but `sqitch deploy` looks each one up in the whole plan and dies on one it cannot find
//! (`Depend->id` in lib/App/Sqitch/Plan/Depend.pm), so an unknown conflict is a problem here.

use std::collections::BTreeMap;

use super::model::{SqitchChange, SqitchProblem, SqitchProblemKind, SqitchReference, SqitchTag};

/// Fills `resolved` in every same-project reference of `changes`, returning what cannot be.
pub(super) fn resolve(
    project: &str,
    changes: &mut [SqitchChange],
    tags: &[SqitchTag],
) -> Vec<SqitchProblem> {
    let mut lookup = Lookup {
        project: project.to_owned(),
        instances: BTreeMap::new(),
        tags: BTreeMap::new(),
    };
    for (index, change) in changes.iter().enumerate() {
        let instances = lookup.instances.entry(change.name.clone()).or_default();
        instances.push(index);
    }
    for tag in tags {
        lookup.tags.entry(tag.name.clone()).or_insert(tag.after);
    }
    let mut problems = Vec::new();
    for (index, change) in changes.iter_mut().enumerate() {
        let name = &change.name;
        for reference in &mut change.requires {
            match lookup.requirement(index, name, reference) {
                Ok(resolved) => reference.resolved = resolved,
                Err(problem) => problems.push(problem),
            }
        }
        for reference in &mut change.conflicts {
            match lookup.conflict(name, reference) {
                Ok(resolved) => reference.resolved = resolved,
                Err(problem) => problems.push(problem),
            }
        }
    }
    problems
}

/// Where each name sits in the plan.
struct Lookup {
    project: String,
    /// Every instance of a change name (more than one when reworked), in plan order.
    instances: BTreeMap<String, Vec<usize>>,
    /// The change each tag follows.
    tags: BTreeMap<String, usize>,
}

impl Lookup {
    /// What a requirement of change `index` names. A bare name means its first instance (the
    /// engine resolves it with `Plan->find`, which is `first_index_of`); `change@tag` the last
    /// instance at or before the tag (`ChangeList->index_of`); `@tag` the change it tags.
    fn requirement(
        &self,
        index: usize,
        name: &str,
        reference: &SqitchReference,
    ) -> Result<Option<usize>, SqitchProblem> {
        if !self.is_checked(reference) {
            return Ok(None);
        }
        let text = written(reference);
        let problem = |kind, message: String, help: &str| {
            SqitchProblem::new(kind, message, reference.span.clone(), help)
        };
        if let Some(tag) = &reference.tag {
            let Some(&tagged) = self.tags.get(tag).filter(|&&tagged| tagged < index) else {
                return Err(problem(
                    SqitchProblemKind::UnknownRequirement,
                    format!(
                        "change \"{name}\" requires \"{text}\", but tag \"@{tag}\" is not declared before it"
                    ),
                    "declare the tag above this change, or correct the name",
                ));
            };
            let Some(change) = &reference.change else {
                return Ok(Some(tagged));
            };
            return self.last_at_or_before(change, tagged).map(Some).ok_or_else(|| {
                problem(
                    SqitchProblemKind::UnknownRequirement,
                    format!("change \"{name}\" requires \"{text}\", but \"{change}\" is not planned before tag \"@{tag}\""),
                    "name a change planned before the tag, or correct the name",
                )
            });
        }
        let Some(change) = &reference.change else {
            return Ok(None);
        };
        match self.instances.get(change).and_then(|found| found.first()) {
            Some(&first) if first < index => Ok(Some(first)),
            _ if change == name => Err(problem(
                SqitchProblemKind::SelfRequirement,
                format!("change \"{name}\" requires itself"),
                "remove it from its own \"[...]\" (to require an earlier instance of a reworked change, write `name@tag`)",
            )),
            Some(_) => Err(problem(
                SqitchProblemKind::RequirementPlannedLater,
                format!("change \"{name}\" requires \"{change}\", which is planned after it"),
                "move the required change above this one in sqitch.plan",
            )),
            None => Err(problem(
                SqitchProblemKind::UnknownRequirement,
                format!("change \"{name}\" requires \"{change}\", which is not in the plan"),
                "correct the name, or write `project:change` for another project's change",
            )),
        }
    }

    /// What a conflict of change `name` names, anywhere in the plan.
    fn conflict(
        &self,
        name: &str,
        reference: &SqitchReference,
    ) -> Result<Option<usize>, SqitchProblem> {
        if !self.is_checked(reference) {
            return Ok(None);
        }
        let found = match (&reference.change, &reference.tag) {
            (change, Some(tag)) => self.tags.get(tag).and_then(|&tagged| match change {
                Some(change) => self.last_at_or_before(change, tagged),
                None => Some(tagged),
            }),
            (Some(change), None) => self
                .instances
                .get(change)
                .and_then(|found| found.first().copied()),
            (None, None) => return Ok(None),
        };
        found.map(Some).ok_or_else(|| {
            SqitchProblem::new(
                SqitchProblemKind::UnknownConflict,
                format!("change \"{name}\" conflicts with \"{}\", which is not in the plan", written(reference)),
                reference.span.clone(),
                "Sqitch reads this plan but `sqitch deploy` stops at this change (\"Unable to find change\"); correct the name, or write `project:change` for another project's change",
            )
        })
    }

    /// Sqitch checks references to this project that name a change or tag, not IDs.
    fn is_checked(&self, reference: &SqitchReference) -> bool {
        reference.id.is_none()
            && reference
                .project
                .as_ref()
                .is_none_or(|project| *project == self.project)
    }

    fn last_at_or_before(&self, change: &str, index: usize) -> Option<usize> {
        let instances = self.instances.get(change)?;
        instances.iter().rev().find(|&&at| at <= index).copied()
    }
}

/// A reference as Sqitch prints it, without its project.
fn written(reference: &SqitchReference) -> String {
    let change = reference.change.as_deref().unwrap_or_default();
    match &reference.tag {
        Some(tag) => format!("{change}@{tag}"),
        None => change.to_owned(),
    }
}
