DROP TABLE platform.permissions;
