-- Step of migration 003 (declared in plan.yaml): permission inheritance.
-- Every user inherits access to every project of the organizations they belong
-- to, at the level their role grants.
INSERT INTO platform.permissions (user_id, project_id, access_level)
SELECT user_roles.user_id,
       projects.id,
       CASE user_roles.role
           WHEN 'owner' THEN 'admin'
           WHEN 'admin' THEN 'admin'
           WHEN 'member' THEN 'write'
           ELSE 'read'
       END
FROM platform.user_roles
JOIN platform.projects ON projects.organization_id = user_roles.organization_id
ON CONFLICT (user_id, project_id) DO NOTHING;
