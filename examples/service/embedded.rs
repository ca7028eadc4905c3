// The project in examples/service/project, embedded by pgplan::embed. Generated: do not edit.
// It was read and checked as `plan` reads it when this file was written.
&[
    ("migrations/001_accounts.sql", include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/service/project/migrations/001_accounts.sql")) as &[u8]),
    ("migrations/002_sessions.down.sql", include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/service/project/migrations/002_sessions.down.sql")) as &[u8]),
    ("migrations/002_sessions.sql", include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/service/project/migrations/002_sessions.sql")) as &[u8]),
    ("migrations/003_audit_log.sql", include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/service/project/migrations/003_audit_log.sql")) as &[u8]),
    ("migrations/004_accounts_email_unique.sql", include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/service/project/migrations/004_accounts_email_unique.sql")) as &[u8]),
    ("migrations/steps/003_first_entry.sql", include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/service/project/migrations/steps/003_first_entry.sql")) as &[u8]),
    ("plan.yaml", include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/service/project/plan.yaml")) as &[u8]),
]
