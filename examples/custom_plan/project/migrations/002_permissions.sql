-- Migration: 002 - Permissions, inherited from roles by a Rust handler
-- depends: 001_platform

CREATE TABLE platform.permissions (
    user_id int NOT NULL REFERENCES platform.users(id),
    project_id int NOT NULL REFERENCES platform.projects(id),
    access_level text NOT NULL CHECK (access_level IN ('admin', 'write', 'read')),
    PRIMARY KEY (user_id, project_id)
);
