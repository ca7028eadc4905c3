-- Rollback for migration 003
BEGIN;

DROP TABLE IF EXISTS platform.permissions;
DROP TABLE IF EXISTS platform.user_roles;
DROP TABLE IF EXISTS platform.users;

COMMIT;
