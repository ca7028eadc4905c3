-- Migration: 001 - Platform with users and roles
-- Description: the tables the permission_inheritance handler works on
-- depends: none

CREATE SCHEMA platform;
CREATE TABLE platform.organizations (id serial PRIMARY KEY, slug text NOT NULL UNIQUE);
CREATE TABLE platform.projects (
    id serial PRIMARY KEY,
    organization_id int NOT NULL REFERENCES platform.organizations(id)
);
CREATE TABLE platform.users (id serial PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE platform.user_roles (
    user_id int NOT NULL REFERENCES platform.users(id),
    organization_id int NOT NULL REFERENCES platform.organizations(id),
    role text NOT NULL,
    PRIMARY KEY (user_id, organization_id)
);
INSERT INTO platform.organizations (slug) VALUES ('acme'), ('globex');
INSERT INTO platform.projects (organization_id) VALUES (1), (1), (2);
INSERT INTO platform.users (email) VALUES ('ann@acme.example'), ('bob@globex.example');
INSERT INTO platform.user_roles VALUES (1, 1, 'owner'), (2, 2, 'viewer');
