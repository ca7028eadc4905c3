INSERT INTO audit_log (what) VALUES ('audit log created');
