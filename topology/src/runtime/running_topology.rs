//! A running topology: its lifecycle, and running it to its end under the
//! process's shutdown signals.

use std::fmt::Display;

use crate::runtime::{
    shutdown::{ShutdownHandle, ShutdownSignals},
    stats::RunStats,
};

/// The lifecycle of a running topology.
#[allow(async_fn_in_trait)] // callers await it in place; no boxing is wanted
pub trait RunningTopology {
    /// What the run ends with.
    type Stats;

    /// Waits until every component has ended, and reports how.
    async fn run_to_completion(self) -> Self::Stats;

    /// Starts a graceful shutdown.
    fn shutdown(&self);
}

/// Runs a started topology to its end, shutting it down through `handle` on
/// `signals`.
pub(crate) async fn run_until_signalled<K, T>(
    signals: ShutdownSignals,
    handle: ShutdownHandle,
    topology: T,
) -> RunStats<K>
where
    K: Clone + Display + Send + 'static,
    T: RunningTopology<Stats = RunStats<K>>,
{
    let watcher = signals.watch(handle);
    let stats = topology.run_to_completion().await;
    watcher.stop();
    stats
}
