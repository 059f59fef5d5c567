//! The tokio runtime a topology's `main` runs on.

use std::{io, time::Duration};

/// How long dropping the runtime may wait for blocking tasks that are still
/// running; past it the process exits anyway.
const RUNTIME_SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Runs `future` to its end on a new multi-threaded tokio runtime, then shuts
/// the runtime down within a few seconds even if blocking tasks are stuck.
///
/// Dropping a tokio runtime normally waits forever for `spawn_blocking`
/// work; a stuck one would keep the process alive after every pipeline has
/// ended.
///
/// ```
/// let answer = topology::block_on(async { 6 * 7 }).unwrap();
/// assert_eq!(answer, 42);
/// ```
pub fn block_on<F: Future>(future: F) -> io::Result<F::Output> {
    block_on_then(future, |_| true)
}

/// [`block_on`], waiting for the runtime's blocking tasks only when
/// `worth_waiting` says the output leaves something that can still finish:
/// after the runner has given up on tasks that block their threads, the
/// wait would only spend the orchestrator's grace period.
pub(crate) fn block_on_then<F: Future>(
    future: F,
    worth_waiting: impl FnOnce(&F::Output) -> bool,
) -> io::Result<F::Output> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let output = runtime.block_on(future);
    if worth_waiting(&output) {
        runtime.shutdown_timeout(RUNTIME_SHUTDOWN_GRACE);
    } else {
        runtime.shutdown_background();
    }
    Ok(output)
}
