-- Rollback for migration 001
BEGIN;

DROP TABLE IF EXISTS platform.members;
DROP TABLE IF EXISTS platform.credentials;
DROP TABLE IF EXISTS platform.projects;
DROP TABLE IF EXISTS platform.organizations;
DROP FUNCTION IF EXISTS platform.touch_updated_at();
DROP SCHEMA IF EXISTS platform;

COMMIT;
