-- ============================================
-- Migration: 004 - Create Lancio Organization
-- ============================================
-- Purpose: Create Lancio production organization
--
-- Dependencies:
--   - 003_user_management_and_permissions.sql
--
-- Environment: production
--
-- Rollback:
--   See rollback-004.sql
-- ============================================

BEGIN;

INSERT INTO platform.organizations (name, slug, billing_email, billing_plan)
VALUES ('Lancio', 'lancio', 'billing@lancio.example', 'enterprise');

INSERT INTO platform.projects (name, ref, organization_id, region)
SELECT project.name, project.ref, organizations.id, 'eu-west-1'
FROM platform.organizations
CROSS JOIN (VALUES ('Lancio API', 'lancioapi0000001'),
                   ('Lancio Web', 'lanciowebapp0001')) AS project(name, ref)
WHERE organizations.slug = 'lancio';

INSERT INTO platform.users (email, display_name)
VALUES ('ops@lancio.example', 'Lancio Operations');

INSERT INTO platform.user_roles (user_id, organization_id, role)
SELECT users.id, organizations.id, 'owner'
FROM platform.users, platform.organizations
WHERE users.email = 'ops@lancio.example' AND organizations.slug = 'lancio';

INSERT INTO platform.permissions (user_id, project_id, access_level)
SELECT user_roles.user_id, projects.id, 'admin'
FROM platform.user_roles
JOIN platform.projects ON projects.organization_id = user_roles.organization_id
JOIN platform.organizations ON organizations.id = user_roles.organization_id
WHERE organizations.slug = 'lancio';

COMMIT;
