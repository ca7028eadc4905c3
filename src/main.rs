//! The `plan` binary: its allocator and how it returns memory, then the command line, run, and
//! its exit code. Nothing else.

use std::process::ExitCode;

/// mimalloc rather than the system's malloc: see Cargo.toml for why and what was measured.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its include/mimalloc.h, the same index in v2 and v3;
/// libmimalloc-sys 0.1.49 names no constant for it).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    return_freed_pages_at_once();
    pgplan::cli::run_from_env_telling(tune_for)
}

/// Freed pages go back to the system when they are freed, instead of a second later (the
/// default of the mimalloc v3 linked here). A `plan` command is short and its phases free
/// what the next does not need (files once parsed, each pass's transient work); kept for the
/// delay, those pages were a quarter to a third of the peak RSS: `plan apply` of 1,000
/// migrations 18.5 → 14.2–14.8 MB, `plan show` of 10,000 52–59 → 38–42 MB. The price was
/// `plan show`'s pages faulted in again, about 5 % of its time (docs/performance.md, "Peak
/// memory"), which `tune_for` gives back to it alone.
fn return_freed_pages_at_once() {
    // SAFETY: `mi_option_set` stores a value in mimalloc's option table (an atomic write); it
    // has no precondition beyond a valid option index, which PURGE_DELAY is (tested below).
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
    }
}

/// How long `plan show` keeps freed pages for reuse before they go back: 10 ms, set once the
/// command line says `show`. It frees and allocates again within milliseconds (each file's
/// text once parsed, each pass's work), and with pages returned at once it faulted in about
/// 14,500 pages a run at 10,000 migrations, some 5 % of its time: 10 ms took that to 12,100
/// and the run 5 % faster for 1.3 MB more peak RSS (docs/performance.md, "Freed pages kept
/// 10 ms"). Every other command keeps returning them at once: `plan apply`'s memory is
/// smaller and its time is the server's.
const SHOW_PURGE_DELAY_MS: std::ffi::c_long = 10;

/// Tunes the allocator for the subcommand `command`, before it runs.
fn tune_for(command: &'static str) {
    if command == "show" {
        // SAFETY: as in `return_freed_pages_at_once`.
        #[allow(unsafe_code)]
        unsafe {
            libmimalloc_sys::mi_option_set(PURGE_DELAY, SHOW_PURGE_DELAY_MS);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The index is mimalloc's purge delay, whose default is 1,000 (ms) in the v3 linked here
    /// (or what the environment sets it to, under either of its names).
    #[test]
    #[allow(unsafe_code)]
    fn the_purge_delay_index_names_mimallocs_purge_delay() {
        let expected = ["MIMALLOC_PURGE_DELAY", "MIMALLOC_RESET_DELAY"]
            .iter()
            .find_map(|name| std::env::var(name).ok()?.trim().parse().ok())
            .unwrap_or(1000);
        // SAFETY: reading an option has no precondition beyond a valid index.
        let default = unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) };
        assert_eq!(default, expected);
        return_freed_pages_at_once();
        // SAFETY: as above.
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }, 0);
        // One test for both: the option is the process's, and tests run at once.
        tune_for("apply");
        // SAFETY: as above.
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }, 0);
        tune_for("show");
        // SAFETY: as above.
        assert_eq!(
            unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) },
            SHOW_PURGE_DELAY_MS
        );
    }
}
