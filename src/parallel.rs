//! [`map`]: a function over a slice, on every core, results in the items' order; [`map_iter`]
//! and [`map_owned_iter`] (over a vector, taking each item by value) hand the results out one
//! by one instead of in one vector. Loading a
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
    let threads = threads();
    if threads < 2 || items.len() < SERIAL_BELOW {
        return items.iter().map(&work).collect();
    }
    let parts = on_threads(items.chunks(items.len().div_ceil(threads)), |part| {
        part.iter().map(&work).collect()
    });
    // Sized once: grown part by part, the vector was copied each time it doubled.
    let mut results = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for part in parts {
        results.extend(part);
    }
    results
}

/// [`map`], its results handed out in order without first being gathered into one vector: a
/// caller that moves each into a map of its own never holds two copies of them all (at
/// 10,000 migrations of several hundred bytes each, megabytes).
pub(crate) fn map_iter<T, R, F>(items: &[T], work: F) -> impl Iterator<Item = R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    let threads = threads();
    let parts: Vec<Vec<R>> = if threads < 2 || items.len() < SERIAL_BELOW {
        vec![items.iter().map(&work).collect()]
    } else {
        on_threads(items.chunks(items.len().div_ceil(threads)), |part| {
            part.iter().map(&work).collect()
        })
    };
    parts.into_iter().flatten()
}

/// [`map_iter`] for work that takes its item by value.
pub(crate) fn map_owned_iter<T, R, F>(items: Vec<T>, work: F) -> impl Iterator<Item = R>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    let threads = threads();
    let parts: Vec<Vec<R>> = if threads < 2 || items.len() < SERIAL_BELOW {
        vec![items.into_iter().map(&work).collect()]
    } else {
        on_threads(split(items, threads), |part| {
            part.into_iter().map(&work).collect()
        })
    };
    parts.into_iter().flatten()
}

/// How many threads to use: the machine's cores, up to [`MAX_THREADS`].
fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, NonZero::get)
        .min(MAX_THREADS)
}

/// `work` on each of `parts`, their results in the parts' order: the first part on the
/// calling thread, each other on a thread of its own; a panic in any is the caller's. (The
/// caller works rather than waits: one thread fewer to start, of the dozen or so a `plan show`
/// of 10,000 migrations starts.)
fn on_threads<P, R, F>(parts: impl IntoIterator<Item = P>, work: F) -> Vec<Vec<R>>
where
    P: Send,
    R: Send,
    F: Fn(P) -> Vec<R> + Sync,
{
    let work = &work;
    std::thread::scope(|scope| {
        let mut parts = parts.into_iter();
        let first = parts.next();
        let handles: Vec<_> = parts.map(|part| scope.spawn(move || work(part))).collect();
        let mut results = Vec::with_capacity(handles.len() + 1);
        results.extend(first.map(work));
        for handle in handles {
            match handle.join() {
                Ok(part) => results.push(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        results
    })
}

/// `items` in at most `threads` parts of consecutive items, in order.
fn split<T>(items: Vec<T>, threads: usize) -> Vec<Vec<T>> {
    let chunk = items.len().div_ceil(threads.max(1)).max(1);
    let mut parts: Vec<Vec<T>> = Vec::with_capacity(threads);
    let mut items = items.into_iter();
    loop {
        let part: Vec<T> = items.by_ref().take(chunk).collect();
        if part.is_empty() {
            break;
        }
        parts.push(part);
    }
    parts
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
    fn results_handed_out_one_by_one_keep_their_order() {
        let items: Vec<usize> = (0..1000).collect();
        let doubled: Vec<usize> = map_iter(&items, |item| item * 2).collect();
        assert_eq!(
            doubled,
            items.iter().map(|item| item * 2).collect::<Vec<_>>()
        );
        let owned: Vec<usize> = map_owned_iter(items.clone(), |item| item + 1).collect();
        assert_eq!(owned, items.iter().map(|item| item + 1).collect::<Vec<_>>());
        assert_eq!(
            map_iter(&[1, 2], |item| item * 3).collect::<Vec<_>>(),
            vec![3, 6]
        );
        assert_eq!(map_owned_iter(Vec::<u8>::new(), |item| item).count(), 0);
    }

    #[test]
    fn a_panic_in_any_part_is_the_callers() {
        let items: Vec<usize> = (0..1000).collect();
        // The first item is worked on by the calling thread, the last by a spawned one.
        for bad in [0, 999] {
            let caught = std::panic::catch_unwind(|| {
                map(&items, |&item| {
                    assert_ne!(item, bad, "item {bad}");
                    item
                })
            });
            assert!(caught.is_err(), "a panic at item {bad} was lost");
        }
    }

    #[test]
    fn few_items_are_mapped_too() {
        assert_eq!(map(&[1, 2, 3], |item| item + 1), vec![2, 3, 4]);
        assert!(map(&[] as &[u8], |item| *item).is_empty());
    }
}
