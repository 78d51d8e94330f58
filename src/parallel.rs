//! Work on many independent items, split over the machine's cores in contiguous runs so that
//! the results come back in the items' order.

/// Below this many items a thread of their own costs more than it saves.
const MIN_PER_THREAD: usize = 16;

/// `work` on each item, in order. The items are cut into one contiguous run per core (none for
/// few items: then all run on this thread), and each run gets its own `state`, for buffers
/// the work reuses from item to item. `work` may take an item's contents, leaving what it
/// likes in its place.
pub(crate) fn map_in_order<T, S, R>(
    items: &mut [T],
    state: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, &mut T) -> R + Sync,
) -> Vec<R>
where
    T: Send,
    R: Send,
{
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = cores.min(items.len() / MIN_PER_THREAD).max(1);
    if threads == 1 {
        let mut state = state();
        return items.iter_mut().map(|item| work(&mut state, item)).collect();
    }
    let run = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks_mut(run)
            .map(|chunk| {
                let (state, work) = (&state, &work);
                scope.spawn(move || {
                    let mut state = state();
                    chunk.iter_mut().map(|item| work(&mut state, item)).collect::<Vec<R>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| match handle.join() {
                Ok(results) => results,
                // A panic in the work is a bug: carry it on as this thread's own.
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order_each_run_on_its_own_thread_with_its_own_state() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        for count in [0, 5, MIN_PER_THREAD * 2, MIN_PER_THREAD * 9 + 3] {
            let mut items: Vec<usize> = (0..count).collect();
            let results = map_in_order(
                &mut items,
                || 0usize,
                |seen, &mut n| {
                    *seen += 1;
                    (n * 2, *seen, std::thread::current().id())
                },
            );
            let values: Vec<usize> = results.iter().map(|&(n, _, _)| n).collect();
            assert_eq!(values, (0..count).map(|n| n * 2).collect::<Vec<_>>());
            // A run's state counts from 1 where the run starts, and each run has a thread.
            let runs = if count == 0 { 0 } else { cores.min(count / MIN_PER_THREAD).max(1) };
            let starts = results.iter().filter(|&&(_, seen, _)| seen == 1).count();
            assert_eq!(starts, runs, "{count} items");
            let threads: std::collections::HashSet<_> =
                results.iter().map(|&(_, _, thread)| thread).collect();
            assert_eq!(threads.len(), runs, "{count} items");
        }
    }
}
