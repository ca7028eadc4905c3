//! [`map`]: a function over a slice, on every core, results in the items' order; [`map_chunks`]
//! the same over runs of consecutive items; [`map_iter`]
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
    spread(items, threads, work)
}

/// `work` applied to each run of `chunk` consecutive items of `items` (the last may be
/// shorter), the results in order: for work that batches its items (one string of output for
/// dozens of migrations). Whether threads are worth starting is judged by the items, not by
/// the chunks: judged by its 16 chunks of 64 migrations, a batch of 1,024 looked like too
/// little work for a thread, and `plan show` wrote 10,000 migrations on one core.
pub(crate) fn map_chunks<T, R, F>(items: &[T], chunk: usize, work: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&[T]) -> R + Sync,
{
    let chunks: Vec<&[T]> = items.chunks(chunk.max(1)).collect();
    let threads = threads();
    if threads < 2 || items.len() < SERIAL_BELOW || chunks.len() < 2 {
        return chunks.into_iter().map(&work).collect();
    }
    spread(&chunks, threads, |chunk| work(chunk))
}

/// `work` on every item, on `threads` threads each taking consecutive items, the results in
/// order: [`map`] and [`map_chunks`] once they have judged the work worth the threads.
fn spread<T, R, F>(items: &[T], threads: usize, work: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    let parts = on_threads(items.chunks(items.len().div_ceil(threads)), |part| {
        part.iter().map(&work).collect()
    });
    // Sized once: grown part by part, the vector was copied each time it doubled.
    let mut results = Vec::with_capacity(items.len());
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
    fn chunks_are_worked_on_in_order_by_more_than_one_thread() {
        let items: Vec<usize> = (0..1024).collect();
        let sums = map_chunks(&items, 64, |chunk| {
            (chunk.iter().sum::<usize>(), std::thread::current().id())
        });
        let expected: Vec<usize> = items.chunks(64).map(|chunk| chunk.iter().sum()).collect();
        assert_eq!(
            sums.iter().map(|(sum, _)| *sum).collect::<Vec<_>>(),
            expected
        );
        // 16 chunks, 1,024 items: enough for every core (this is what `map` of the chunks
        // got wrong, judging by their count).
        let threads_used: indexmap::IndexSet<_> = sums.iter().map(|(_, id)| *id).collect();
        assert_eq!(threads_used.len(), threads().min(16));
    }

    #[test]
    fn a_few_items_in_chunks_stay_on_the_calling_thread() {
        let items: Vec<usize> = (0..10).collect();
        let caller = std::thread::current().id();
        let ran_on = map_chunks(&items, 3, |chunk| {
            (chunk.len(), std::thread::current().id())
        });
        assert_eq!(
            ran_on.iter().map(|(len, _)| *len).collect::<Vec<_>>(),
            [3, 3, 3, 1]
        );
        assert!(ran_on.iter().all(|(_, id)| *id == caller));
    }

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
