//! Issue 11 regression tests (exactly_once).
