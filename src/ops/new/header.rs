//! The text of a new migration: its header written the way the project's latest migration
//! writes its own ([`HeaderStyle`]: key names, date, `Migration:` line, seed 001's banner and
//! dependency block), and the failing statement that stands in for SQL not written yet. Which
//! files get which text is `scaffold`'s job.

use super::layout::PlanStyle;
use crate::project::{MigrationId, Project};

/// How the project's latest migration writes its header, so the new one looks the same.
pub(super) struct HeaderStyle {
    /// `Purpose` (seed 001) or `Description`.
    description_key: &'static str,
    /// `Created` (seed 003) or `Date` (seed 004), when the project dates its migrations.
    date_key: Option<&'static str>,
    /// How the `Migration:` line names it.
    migration_line: MigrationLine,
    /// Seed 001's block: `-- Dependencies:` then `--   - 001_x.sql` lines.
    dependency_block: bool,
}

enum MigrationLine {
    /// `005_add_limits`.
    Id,
    /// `005_add_limits.sql` (seed 003).
    FileName,
    /// `005 - Add Limits` (seed 001).
    Titled,
}

impl HeaderStyle {
    pub(super) fn of(project: &Project, layout: PlanStyle) -> HeaderStyle {
        let latest = project.migrations().last();
        let has = |key: &str| {
            latest.is_some_and(|migration| {
                migration
                    .metadata()
                    .keys()
                    .any(|known| known.eq_ignore_ascii_case(key))
            })
        };
        let written = latest.and_then(|migration| {
            migration
                .metadata()
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case("migration"))
                .map(|(_, value)| value.clone())
        });
        let seed_001 = layout == PlanStyle::RollbackPrefix;
        HeaderStyle {
            description_key: if has("purpose") || (seed_001 && !has("description")) {
                "Purpose"
            } else {
                "Description"
            },
            date_key: if has("created") {
                Some("Created")
            } else if has("date") {
                Some("Date")
            } else {
                None
            },
            migration_line: match written.as_deref() {
                Some(value) if value.ends_with(".sql") => MigrationLine::FileName,
                Some(value) if value.contains(" - ") => MigrationLine::Titled,
                Some(_) => MigrationLine::Id,
                None if seed_001 => MigrationLine::Titled,
                None => MigrationLine::Id,
            },
            dependency_block: seed_001,
        }
    }
}

/// The header's content.
pub(super) struct Header<'a> {
    pub(super) id: &'a MigrationId,
    pub(super) version: &'a str,
    pub(super) name: &'a str,
    pub(super) today: &'a str,
    /// `None`: no dependency line; `Some(empty)`: `none`.
    pub(super) dependencies: Option<Vec<MigrationId>>,
    pub(super) environments: Option<Vec<String>>,
    pub(super) rollback_file: Option<&'a str>,
}

impl Header<'_> {
    fn migration_value(&self, style: &HeaderStyle) -> String {
        match style.migration_line {
            MigrationLine::Id => self.id.to_string(),
            MigrationLine::FileName => format!("{}.sql", self.id),
            MigrationLine::Titled => format!("{} - {}", self.version, title(self.name)),
        }
    }

    /// `-- Key: value` lines, ending with a blank line.
    pub(super) fn lines(&self, style: &HeaderStyle) -> String {
        let mut text = format!("-- Migration: {}\n", self.migration_value(style));
        text.push_str(&format!(
            "-- {}: {}\n",
            style.description_key,
            sentence(self.name)
        ));
        if let Some(key) = style.date_key {
            text.push_str(&format!("-- {key}: {}\n", self.today));
        }
        text.push_str(&self.dependency_lines(style));
        text.push_str(&self.environment_line());
        text.push_str("-- Requires:\n");
        text
    }

    /// Seed 001's banner: `-- ====` lines around the header, ending with a blank line.
    pub(super) fn banner(&self, style: &HeaderStyle) -> String {
        const RULE: &str = "-- ============================================\n";
        let mut text = format!(
            "{RULE}-- Migration: {}\n{RULE}",
            self.migration_value(style)
        );
        text.push_str(&format!(
            "-- {}: {}\n--\n",
            style.description_key,
            sentence(self.name)
        ));
        if let Some(key) = style.date_key {
            text.push_str(&format!("-- {key}: {}\n--\n", self.today));
        }
        text.push_str(&self.dependency_lines(style));
        text.push_str(&self.environment_line());
        text.push_str("-- Requires:\n");
        if let Some(file) = self.rollback_file {
            text.push_str(&format!("--\n-- Rollback:\n--   See {file}\n"));
        }
        text.push_str(RULE);
        text
    }

    fn dependency_lines(&self, style: &HeaderStyle) -> String {
        match &self.dependencies {
            None => String::new(),
            Some(list) if list.is_empty() && style.dependency_block => {
                "-- Dependencies: None\n".to_string()
            }
            Some(list) if list.is_empty() => "-- Depends: none\n".to_string(),
            Some(list) if style.dependency_block => {
                let mut text = "-- Dependencies:\n".to_string();
                for id in list {
                    text.push_str(&format!("--   - {id}.sql\n"));
                }
                text
            }
            Some(list) => format!(
                "-- Depends: {}\n",
                list.iter()
                    .map(MigrationId::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    fn environment_line(&self) -> String {
        match &self.environments {
            Some(names) => format!("-- Environment: {}\n", names.join(", ")),
            None => String::new(),
        }
    }
}

#[derive(Clone, Copy)]
pub(super) enum Direction {
    Up,
    Down,
}

/// The statement standing in for SQL not written yet: it fails, naming the file's migration.
pub(super) fn placeholder(id: &MigrationId, direction: Direction) -> String {
    let (what, stops, message) = match direction {
        Direction::Up => (
            "the migration's SQL",
            "plan apply",
            format!("migration {id} is still the template written by plan new"),
        ),
        Direction::Down => (
            "SQL that undoes the migration",
            "plan rollback",
            format!("the rollback of {id} is still the template written by plan new"),
        ),
    };
    format!(
        "-- Replace the statement below with {what}; until then it stops {stops}.\nDO $$ BEGIN RAISE EXCEPTION '{message}'; END $$;\n"
    )
}

/// `add_project_limits` → `Add project limits`.
fn sentence(name: &str) -> String {
    let words: Vec<&str> = name
        .split(['_', '-'])
        .filter(|word| !word.is_empty())
        .collect();
    let joined = words.join(" ");
    let mut chars = joined.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => joined,
    }
}

/// `add_project_limits` → `Add Project Limits`.
fn title(name: &str) -> String {
    name.split(['_', '-'])
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_as_sentences_and_titles() {
        assert_eq!(sentence("add_project_limits"), "Add project limits");
        assert_eq!(title("add_project-limits"), "Add Project Limits");
    }
}
