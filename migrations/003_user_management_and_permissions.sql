-- ============================================
-- Migration: 003 - User Management and Permissions
-- ============================================
-- Purpose: User accounts and role-based permissions
--
-- Dependencies:
--   - 001_create_platform_schema.sql
--   - 002_platform_billing_schema.sql
--
-- Special handling:
--   the data migration of existing members, the validation of role assignments
--   and the permission inheritance run as steps declared in plan.yaml, inside
--   this migration's transaction.
--
-- Rollback:
--   See rollback-003.sql
-- ============================================

BEGIN;

-- User account management
CREATE TABLE platform.users (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    email TEXT NOT NULL UNIQUE,
    hashed_password TEXT,
    display_name TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_login_at TIMESTAMPTZ
);

-- Role assignments
CREATE TABLE platform.user_roles (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES platform.users(id) ON DELETE CASCADE,
    organization_id UUID NOT NULL REFERENCES platform.organizations(id) ON DELETE CASCADE,
    role TEXT NOT NULL, -- 'owner', 'admin', 'member', 'viewer'
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (user_id, organization_id)
);

-- Permission definitions: project access per user
CREATE TABLE platform.permissions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES platform.users(id) ON DELETE CASCADE,
    project_id UUID NOT NULL REFERENCES platform.projects(id) ON DELETE CASCADE,
    access_level TEXT NOT NULL CHECK (access_level IN ('admin', 'write', 'read')),
    granted_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (user_id, project_id)
);

CREATE INDEX idx_user_roles_organization_id ON platform.user_roles(organization_id);
CREATE INDEX idx_permissions_project_id ON platform.permissions(project_id);

COMMIT;
