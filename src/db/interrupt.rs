//! What plan does when it is interrupted (Ctrl-C, SIGINT, or SIGTERM from a deploy tool) while
//! it holds something the server does not release by itself: a table lock's row, which would
//! otherwise keep every other run waiting until it expires. A session advisory lock, an open
//! transaction, a running statement all end with the connection, which the process's exit
//! closes; the row does not.
//!
//! Owns: the list of what to release ([`on_interrupt`], [`Release`]) and the thread that, on
//! the first such signal, releases everything listed and then lets the signal end the process
//! as it would have ([`release_on_interrupt`]). Leaves to others: what releasing means
//! (`table_lock`), and whether to catch the signals at all: the `plan` binary asks for it as it
//! starts; a program that embeds plan and handles its own signals does not, and a row left
//! behind then expires.
//!
//! With nothing listed, a signal ends the process at once, as its default would have. A
//! second signal while releasing ends it at once too, so a release that hangs (an unreachable
//! server) never keeps plan from stopping.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

type Cleanup = Box<dyn Fn() + Send + Sync>;

/// What is released on interrupt, by registration number.
fn listed() -> &'static Mutex<BTreeMap<u64, Cleanup>> {
    static LISTED: OnceLock<Mutex<BTreeMap<u64, Cleanup>>> = OnceLock::new();
    LISTED.get_or_init(|| Mutex::new(BTreeMap::new()))
}

/// Unlists its cleanup when dropped (the thing was released the ordinary way).
#[derive(Debug)]
pub(crate) struct Release(u64);

impl Drop for Release {
    fn drop(&mut self) {
        listed()
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.0);
    }
}

/// Lists `cleanup` to run if the process is interrupted before the returned [`Release`] is
/// dropped (it runs only where [`release_on_interrupt`] was called).
pub(crate) fn on_interrupt(cleanup: impl Fn() + Send + Sync + 'static) -> Release {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let number = NEXT.fetch_add(1, Ordering::Relaxed);
    listed()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(number, Box::new(cleanup));
    Release(number)
}

/// Catches SIGINT and SIGTERM from now on: the first releases what is listed, then ends the
/// process as the signal would have. Called once by the `plan` binary as it starts; when the
/// signals cannot be caught, nothing changes.
pub(crate) fn release_on_interrupt() {
    static WATCHING: OnceLock<()> = OnceLock::new();
    WATCHING.get_or_init(watch);
}

fn watch() {
    let Ok(mut signals) = Signals::new([SIGINT, SIGTERM]) else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("plan interrupt".to_string())
        .spawn(move || {
            static RELEASING: AtomicBool = AtomicBool::new(false);
            for signal in signals.forever() {
                if RELEASING.swap(true, Ordering::SeqCst) {
                    end_as_signalled(signal);
                }
                // On a thread of its own, so that a second signal still reaches this loop.
                std::thread::spawn(move || {
                    let cleanups = std::mem::take(
                        &mut *listed().lock().unwrap_or_else(PoisonError::into_inner),
                    );
                    for cleanup in cleanups.values() {
                        cleanup();
                    }
                    end_as_signalled(signal);
                });
            }
        });
}

/// Ends the process as `signal`'s default action would have (a shell reports it so).
fn end_as_signalled(signal: i32) {
    let _ = signal_hook::low_level::emulate_default_handler(signal);
    // Only a signal with no known default gets here: end all the same.
    signal_hook::low_level::exit(128 + signal);
}
