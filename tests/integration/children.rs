//! Issue 11 regression tests (children).
