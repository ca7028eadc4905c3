//! At most N threads working through a list: each takes the next index when it is done with
//! one, so a slow target holds up one thread, not a fixed share of the list. A thread takes
//! nothing more once `halted` says so. Std threads, no pool: a fleet run is a handful of
//! threads that mostly wait on the network.

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Calls `work(index)` for each index of `range`, in order of taking, on at most `width`
/// threads (at least one); returns when every thread is done. Indexes not taken because
/// `halted()` said so are simply not called.
pub(crate) fn each_index(
    range: Range<usize>,
    width: usize,
    halted: &(dyn Fn() -> bool + Sync),
    work: &(dyn Fn(usize) + Sync),
) {
    let next = AtomicUsize::new(range.start);
    let threads = width.max(1).min(range.len());
    let worker = || {
        loop {
            if halted() {
                break;
            }
            let index = next.fetch_add(1, Ordering::SeqCst);
            if index >= range.end {
                break;
            }
            work(index);
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(worker);
        }
        if threads > 0 {
            worker();
        }
    });
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::AtomicBool;

    use super::*;

    /// The indexes `each_index` calls for `range` on `width` threads, halting after `halt_at`.
    fn check(range: Range<usize>, width: usize, halt_at: Option<usize>, expect: &[usize]) {
        let seen = Mutex::new(Vec::new());
        let halted = AtomicBool::new(false);
        each_index(range, width, &|| halted.load(Ordering::SeqCst), &|index| {
            seen.lock().map(|mut seen| seen.push(index)).ok();
            if Some(index) == halt_at {
                halted.store(true, Ordering::SeqCst);
            }
        });
        let mut seen = seen.into_inner().unwrap_or_default();
        seen.sort_unstable();
        assert_eq!(seen, expect);
    }

    #[test]
    fn every_index_once_on_any_width_until_halted() {
        check(0..5, 3, None, &[0, 1, 2, 3, 4]);
        check(2..4, 8, None, &[2, 3]);
        check(0..0, 4, None, &[]);
        check(0..5, 1, Some(1), &[0, 1]);
    }
}
