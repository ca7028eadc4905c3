//! Issue 11 regression tests (verify_rollbacks).
