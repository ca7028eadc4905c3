-- Rollback for migration 004
BEGIN;

DELETE FROM platform.users WHERE email = 'ops@lancio.example';
DELETE FROM platform.organizations WHERE slug = 'lancio';

COMMIT;
