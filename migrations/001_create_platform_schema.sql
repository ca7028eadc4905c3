-- ============================================
-- Migration: 001 - Create Platform Schema
-- ============================================
-- Purpose: Initial platform database schema creation
--
-- Dependencies: None (initial migration)
--
-- Rollback:
--   See rollback-001.sql
-- ============================================

BEGIN;

CREATE SCHEMA IF NOT EXISTS platform;

-- Keeps updated_at honest on every table that has one.
CREATE OR REPLACE FUNCTION platform.touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

-- Multi-tenancy support
CREATE TABLE platform.organizations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    billing_email TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Project management
CREATE TABLE platform.projects (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name TEXT NOT NULL,
    ref TEXT NOT NULL UNIQUE CHECK (length(ref) = 16), -- 16-char project reference
    organization_id UUID NOT NULL REFERENCES platform.organizations(id) ON DELETE CASCADE,
    region TEXT NOT NULL DEFAULT 'eu-west-1',
    status TEXT NOT NULL DEFAULT 'active',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- JWT keys and secrets storage
CREATE TABLE platform.credentials (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id UUID NOT NULL REFERENCES platform.projects(id) ON DELETE CASCADE,
    anon_key TEXT NOT NULL,
    service_role_key TEXT NOT NULL,
    jwt_secret TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Members as the platform knew them before user accounts existed: one row per
-- e-mail address and organization, with a free-text role. Migration 003 turns
-- these into users and role assignments.
CREATE TABLE platform.members (
    id BIGSERIAL PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES platform.organizations(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    display_name TEXT,
    role TEXT NOT NULL DEFAULT 'member',
    UNIQUE (organization_id, email)
);

CREATE INDEX idx_projects_organization_id ON platform.projects(organization_id);
-- Migration 003 walks members in e-mail order, batch by batch.
CREATE INDEX idx_members_email ON platform.members(email);
CREATE INDEX idx_credentials_project_id ON platform.credentials(project_id);

CREATE TRIGGER organizations_touch BEFORE UPDATE ON platform.organizations
    FOR EACH ROW EXECUTE FUNCTION platform.touch_updated_at();
CREATE TRIGGER projects_touch BEFORE UPDATE ON platform.projects
    FOR EACH ROW EXECUTE FUNCTION platform.touch_updated_at();
CREATE TRIGGER credentials_touch BEFORE UPDATE ON platform.credentials
    FOR EACH ROW EXECUTE FUNCTION platform.touch_updated_at();

COMMIT;
