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
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let output = runtime.block_on(future);
    runtime.shutdown_timeout(RUNTIME_SHUTDOWN_GRACE);
    Ok(output)
}
