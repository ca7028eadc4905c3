//! The handlers of a team's own `plan` binary: Rust code that plan.yaml runs as `- handler:
//! NAME` steps, inside the migration's transaction. Kept apart from `main.rs` so a test can
//! run the same code (tests/integration/steps.rs includes this file).

use pgplan::{HandlerContext, HandlerError, Handlers};

/// Registers every handler of this binary under the names plan.yaml uses.
pub(crate) fn register(handlers: &mut Handlers) {
    handlers.register("permission_inheritance", permission_inheritance);
}

/// Seed 001's migration 003 set up permission inheritance by hand: every member of an
/// organization gets access to each of its projects, at the level its role grants. Done here in
/// Rust to show what a handler can do that a SQL step cannot: look at the data first, refuse
/// with a message of its own, and report progress.
pub(crate) fn permission_inheritance(
    context: &mut HandlerContext<'_, '_>,
) -> Result<(), HandlerError> {
    let unknown = context.query(
        "SELECT count(*)::text FROM platform.user_roles
         WHERE role NOT IN ('owner', 'admin', 'member', 'viewer')",
        &[],
    )?;
    let unknown = unknown
        .first()
        .and_then(|row| row.first().cloned().flatten())
        .unwrap_or_default();
    if unknown != "0" {
        return Err(HandlerError::new(format!(
            "{unknown} role assignments have a role other than owner, admin, member or viewer"
        )));
    }
    let granted = context.execute(
        "INSERT INTO platform.permissions (user_id, project_id, access_level)
         SELECT user_roles.user_id, projects.id,
                CASE user_roles.role WHEN 'owner' THEN 'admin' WHEN 'admin' THEN 'admin'
                                     WHEN 'member' THEN 'write' ELSE 'read' END
         FROM platform.user_roles
         JOIN platform.projects ON projects.organization_id = user_roles.organization_id
         ON CONFLICT (user_id, project_id) DO NOTHING",
    )?;
    let environment = context
        .environment()
        .unwrap_or("no environment")
        .to_string();
    context.progress(format!(
        "granted {granted} project permissions ({environment})"
    ));
    Ok(())
}
