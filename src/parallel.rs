//! [`map`]: a function over a slice, on every core, results in the slice's order. Loading a
//! project of thousands of migrations is thousands of independent pieces of work (read a file,
//! hash it, split its SQL, parse it): on one core they were most of `plan show`'s time.

use std::num::NonZero;

/// Below this many items a thread costs more than it saves.
const SERIAL_BELOW: usize = 64;

/// At most this many threads: beyond, reading files and parsing gain nothing measurable.
const MAX_THREADS: usize = 8;

/// `work` applied to every item of `items`, the results in order. Runs on up to as many
/// threads as the machine has cores, each taking consecutive items, so a result never waits
/// for a lock. A panic in `work` is propagated to the caller, as in a loop.
pub(crate) fn map<T, R, F>(items: &[T], work: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    let threads = std::thread::available_parallelism()
        .map_or(1, NonZero::get)
        .min(MAX_THREADS);
    if threads < 2 || items.len() < SERIAL_BELOW {
        return items.iter().map(&work).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(work).collect::<Vec<R>>()))
            .collect();
        let mut results = Vec::with_capacity(items.len());
        for handle in handles {
            match handle.join() {
                Ok(part) => results.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        results
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_order_of_the_items() {
        let items: Vec<usize> = (0..1000).collect();
        let doubled = map(&items, |item| item * 2);
        assert_eq!(
            doubled,
            items.iter().map(|item| item * 2).collect::<Vec<_>>()
        );
    }

    #[test]
    fn few_items_are_mapped_too() {
        assert_eq!(map(&[1, 2, 3], |item| item + 1), vec![2, 3, 4]);
        assert!(map(&[] as &[u8], |item| *item).is_empty());
    }
}
