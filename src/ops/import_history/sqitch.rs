//! Sqitch's registry rows as the instances of reworked changes. `sqitch.changes` names a
//! change by its name, which every instance of a reworked change shares (plan's IDs are `f`,
//! `f~2`, …); its `change_id` is what tells them apart: the SHA-1 of the change's `info`,
//! which this file computes from the plan as lib/App/Sqitch/Plan/Change.pm does (`info` and
//! `id`), so that each row finds the instance it deployed. A row whose `change_id` matches no
//! change of the plan (the plan was edited since, or holds what plan does not keep) takes, among
//! the instances of its name no other row matched, the first in plan order: Sqitch deploys in
//! plan order and a revert deletes the row, so the rows of a name, oldest first, are its first
//! instances.

use indexmap::{IndexMap, IndexSet};

use super::foreign::ForeignRow;
use crate::diagnostic::Origin;
use crate::project::{Migration, MigrationId, Project};

/// `rows` (oldest first), each row of a reworked change pointed at the instance it deployed,
/// and any other row whose `change_id` matches a change of the plan pointed at that change.
/// `name` is the plan's `%project`, `uri` its `%uri`.
pub(super) fn map_instances(
    project: &Project,
    rows: Vec<ForeignRow>,
    name: &str,
    uri: Option<&str>,
) -> Vec<ForeignRow> {
    let changes = plan_order(project);
    let ids = change_ids(&changes, name, uri);
    let mut instances: IndexMap<&str, Vec<&MigrationId>> = IndexMap::new();
    for change in &changes {
        instances
            .entry(change_name(change.id()))
            .or_default()
            .push(change.id());
    }
    let reworked = |row: &ForeignRow| {
        row.name
            .as_deref()
            .and_then(|name| instances.get(name))
            .is_some_and(|ids| ids.len() > 1)
    };
    let mut rows = rows;
    let mut claimed: IndexSet<&MigrationId> = IndexSet::new();
    for row in &mut rows {
        let Some(id) = row.tool_id.as_deref().and_then(|tool_id| ids.get(tool_id)) else {
            continue;
        };
        if reworked(row) {
            row.how = Some(format!("its change_id is {id}'s"));
        }
        row.instance = Some((*id).clone());
        claimed.insert(id);
    }
    for row in &mut rows {
        if row.instance.is_some() || !reworked(row) {
            continue;
        }
        let Some(next) = row
            .name
            .as_deref()
            .and_then(|name| instances.get(name))
            .and_then(|ids| ids.iter().find(|id| !claimed.contains(*id)))
        else {
            continue;
        };
        row.how = Some(format!(
            "{next} by deploy order: its change_id matches no change of the plan"
        ));
        row.instance = Some((*next).clone());
        claimed.insert(next);
    }
    rows
}

/// The project's Sqitch changes, in plan order.
fn plan_order(project: &Project) -> Vec<&Migration> {
    let mut changes: Vec<&Migration> = project
        .migrations()
        .filter(|migration| migration.rank.is_some())
        .collect();
    changes.sort_by_key(|migration| migration.rank);
    changes
}

/// Each change's Sqitch ID and the migration it is, computed along the plan (each ID holds its
/// parent's). Stops at a change whose planner or date plan did not keep.
fn change_ids<'p>(
    changes: &[&'p Migration],
    name: &str,
    uri: Option<&str>,
) -> IndexMap<String, &'p MigrationId> {
    let mut ids = IndexMap::new();
    let mut parent: Option<String> = None;
    for change in changes {
        let Some(info) = info(change, name, uri, parent.as_deref()) else {
            break;
        };
        let id = change_id(&info);
        ids.insert(id.clone(), change.id());
        parent = Some(id);
    }
    ids
}

/// Sqitch's `info` of a change (`has info` in lib/App/Sqitch/Plan/Change.pm): its project,
/// URI, name, parent's ID, planner, planning time, requires and conflicts as written (`as_string`
/// in lib/App/Sqitch/Plan/Depend.pm: without this project's `project:`), and note, one per
/// line.
fn info(change: &Migration, name: &str, uri: Option<&str>, parent: Option<&str>) -> Option<String> {
    // `<date> by <planner>`, as read/sqitch.rs keeps them; the date has no blank.
    let (date, planner) = change.metadata().get("Planned")?.split_once(" by ")?;
    let written = |origin: &Origin| {
        origin
            .file
            .text()
            .get(origin.span.clone())
            .map(|text| as_string(text.trim_start_matches('!'), name))
    };
    let requires: Vec<String> = change
        .dependencies()
        .unwrap_or_default()
        .iter()
        .map(|dependency| written(&dependency.origin))
        .collect::<Option<_>>()?;
    let conflicts: Vec<String> = change
        .conflicts()
        .iter()
        .map(|conflict| written(&conflict.origin))
        .collect::<Option<_>>()?;
    let mut lines = vec![format!("project {name}")];
    if let Some(uri) = uri.filter(|uri| !uri.is_empty()) {
        lines.push(format!("uri {}", canonical_uri(uri)));
    }
    lines.push(format!("change {}", change_name(change.id())));
    if let Some(parent) = parent {
        lines.push(format!("parent {parent}"));
    }
    lines.push(format!("planner {planner}"));
    lines.push(format!("date {date}"));
    if !requires.is_empty() {
        lines.push(format!("requires\n  + {}", requires.join("\n  + ")));
    }
    if !conflicts.is_empty() {
        lines.push(format!("conflicts\n  - {}", conflicts.join("\n  - ")));
    }
    // Perl's truth: an empty note, or `0`, is left out.
    if let Some(note) = change
        .metadata()
        .get("Note")
        .filter(|note| !note.is_empty() && note.as_str() != "0")
    {
        lines.push(String::new());
        lines.push(note.clone());
    }
    Some(lines.join("\n"))
}

/// Sqitch's `id` of an `info`: the SHA-1, in hex, of `change <length in bytes>\0<info>`.
fn change_id(info: &str) -> String {
    let mut content = format!("change {}\0", info.len()).into_bytes();
    content.extend_from_slice(info.as_bytes());
    openssl::sha::sha1(&content)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// A reference as Sqitch's `as_string` writes it: `project:` left out for this project.
fn as_string(written: &str, project: &str) -> String {
    match written.split_once(':') {
        Some((named, rest)) if named == project => rest.to_string(),
        _ => written.to_string(),
    }
}

/// The change's name: its ID without the `~N` of a rework (a Sqitch name cannot end so).
fn change_name(id: &MigrationId) -> &str {
    match id.as_str().rsplit_once('~') {
        Some((name, number))
            if !number.is_empty() && number.bytes().all(|byte| byte.is_ascii_digit()) =>
        {
            name
        }
        _ => id.as_str(),
    }
}

/// What Perl's `URI->canonical` does to the URIs plans hold: the scheme and host in lower
/// case, the default port of http and https left out. (Percent escapes are kept as written.)
fn canonical_uri(uri: &str) -> String {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return uri.to_string();
    };
    let scheme = scheme.to_ascii_lowercase();
    let (authority, path) = rest.find('/').map_or((rest, ""), |at| rest.split_at(at));
    let (user, host) = authority
        .rsplit_once('@')
        .map_or(("", authority), |(user, host)| (user, host));
    let mut host = host.to_ascii_lowercase();
    for (default_scheme, port) in [("http", ":80"), ("https", ":443")] {
        if scheme == default_scheme && host.ends_with(port) {
            host.truncate(host.len() - port.len());
        }
    }
    let user = if user.is_empty() {
        String::new()
    } else {
        format!("{user}@")
    };
    let path = if path.is_empty() && (scheme == "http" || scheme == "https") {
        "/"
    } else {
        path
    };
    format!("{scheme}://{user}{host}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::{ProjectFiles, load_files};

    /// A Sqitch project of `plan`, each change's deploy script doing nothing much.
    fn project_of(plan: &str, scripts: &[&str]) -> Project {
        let mut files = ProjectFiles::new();
        files.insert("sqitch.conf", b"[core]\n\tengine = pg\n".to_vec());
        files.insert("sqitch.plan", plan.as_bytes().to_vec());
        for script in scripts {
            files.insert(&format!("deploy/{script}.sql"), b"SELECT 1;\n".to_vec());
        }
        load_files(&files).expect("the project loads")
    }

    /// The change IDs of `project`'s changes, as `(migration, change_id)`.
    fn ids_of(project: &Project, uri: Option<&str>) -> Vec<(String, String)> {
        let changes = plan_order(project);
        change_ids(&changes, project.sqitch_project().unwrap_or_default(), uri)
            .into_iter()
            .map(|(change_id, id)| (id.to_string(), change_id))
            .collect()
    }

    fn row(name: &str, change_id: &str) -> ForeignRow {
        ForeignRow {
            name: Some(name.to_string()),
            tool_id: Some(change_id.to_string()),
            ..ForeignRow::default()
        }
    }

    /// Which migration each row maps to, with how when said.
    fn check(project: &Project, rows: Vec<ForeignRow>, expect: &[(&str, Option<&str>)]) {
        let mapped: Vec<(String, Option<String>)> = map_instances(project, rows, "flipr", None)
            .into_iter()
            .map(|row| {
                (
                    row.instance
                        .map_or_else(|| "-".to_string(), |id| id.to_string()),
                    row.how,
                )
            })
            .collect();
        let expect: Vec<(String, Option<String>)> = expect
            .iter()
            .map(|(id, how)| ((*id).to_string(), how.map(str::to_string)))
            .collect();
        assert_eq!(mapped, expect);
    }

    const REWORKED: &str = "%syntax-version=1.0.0\n%project=flipr\n\nf 2024-01-15T10:00:00Z Ann <ann@example.com> # f\n@v1.0 2024-01-15T10:01:00Z Ann <ann@example.com> # tag\nf [f@v1.0] 2024-01-16T10:00:00Z Ann <ann@example.com> # rework f\n";

    #[test]
    fn change_ids_are_sqitchs() {
        // tests/fixtures/tools/sqitch: the plan and the change_ids its registry holds.
        let project = project_of(
            "%syntax-version=1.0.0\n%project=flipr\n%uri=https://github.com/example/flipr/\n\nusers 2024-01-15T10:00:00Z Ann Example <ann@example.com> # Creates table to track our users.\nposts [users] 2024-01-15T10:05:00Z Ann Example <ann@example.com> # Creates table to track posts.\n@v1.0 2024-01-15T10:06:00Z Ann Example <ann@example.com> # Tag v1.0.\nposts_user_idx [posts] 2024-01-16T09:00:00Z Ann Example <ann@example.com> # Indexes posts by user.\n",
            &["users", "posts", "posts_user_idx"],
        );
        assert_eq!(
            ids_of(&project, Some("https://github.com/example/flipr/")),
            vec![
                (
                    "users".to_string(),
                    "34252e0320084271bd1e0fcc170b1e74992f4940".to_string()
                ),
                (
                    "posts".to_string(),
                    "ed0c0bf72f6efe806f5b202357e1cc351c9379c5".to_string()
                ),
                (
                    "posts_user_idx".to_string(),
                    "18c82162664bb9a4fd7cdd3c6a0a874a0434e465".to_string()
                ),
            ]
        );
    }

    #[test]
    fn the_info_of_a_rework_names_the_change_and_what_it_requires_as_written() {
        let project = project_of(REWORKED, &["f@v1.0", "f"]);
        let changes = plan_order(&project);
        let first = info(changes[0], "flipr", None, None);
        assert_eq!(
            first.as_deref(),
            Some(
                "project flipr\nchange f\nplanner Ann <ann@example.com>\ndate 2024-01-15T10:00:00Z\n\nf"
            )
        );
        let rework = info(changes[1], "flipr", None, Some("abc"));
        assert_eq!(
            rework.as_deref(),
            Some(
                "project flipr\nchange f\nparent abc\nplanner Ann <ann@example.com>\ndate 2024-01-16T10:00:00Z\nrequires\n  + f@v1.0\n\nrework f"
            )
        );
    }

    #[test]
    fn each_row_finds_its_instance_by_change_id_whatever_their_order() {
        let project = project_of(REWORKED, &["f@v1.0", "f"]);
        let ids = ids_of(&project, None);
        check(
            &project,
            vec![row("f", &ids[1].1), row("f", &ids[0].1)],
            &[
                ("f~2", Some("its change_id is f~2's")),
                ("f", Some("its change_id is f's")),
            ],
        );
    }

    #[test]
    fn without_a_matching_change_id_the_rows_of_a_name_take_its_instances_in_plan_order() {
        let project = project_of(REWORKED, &["f@v1.0", "f"]);
        let ids = ids_of(&project, None);
        let by_order = "by deploy order: its change_id matches no change of the plan";
        check(
            &project,
            vec![row("f", "1111"), row("f", "2222")],
            &[
                ("f", Some(&format!("f {by_order}"))),
                ("f~2", Some(&format!("f~2 {by_order}"))),
            ],
        );
        // One row matched by its ID: the other takes the instance left.
        check(
            &project,
            vec![row("f", "1111"), row("f", &ids[0].1)],
            &[
                ("f~2", Some(&format!("f~2 {by_order}"))),
                ("f", Some("its change_id is f's")),
            ],
        );
    }

    #[test]
    fn a_change_that_was_not_reworked_is_left_to_its_name_unless_its_id_matches() {
        let project = project_of(
            "%syntax-version=1.0.0\n%project=flipr\n\nusers 2024-01-15T10:00:00Z Ann <ann@example.com> # u\n",
            &["users"],
        );
        let ids = ids_of(&project, None);
        check(&project, vec![row("users", "1111")], &[("-", None)]);
        check(&project, vec![row("users", &ids[0].1)], &[("users", None)]);
    }

    #[test]
    fn references_and_uris_are_written_as_sqitch_writes_them() {
        assert_eq!(as_string("flipr:users@v1.0", "flipr"), "users@v1.0");
        assert_eq!(as_string("other:users", "flipr"), "other:users");
        assert_eq!(as_string("users", "flipr"), "users");
        assert_eq!(
            canonical_uri("HTTPS://GitHub.com:443/Example/flipr/"),
            "https://github.com/Example/flipr/"
        );
        assert_eq!(canonical_uri("http://example.com"), "http://example.com/");
        assert_eq!(canonical_uri("urn:uuid:abc"), "urn:uuid:abc");
    }
}
