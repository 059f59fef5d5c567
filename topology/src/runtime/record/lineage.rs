//! A run's place among the runs of its key: the one before it, which must
//! end before it starts, and the chain of them a stopped waiter leaves;
//! and what a run is spawned with ([`Lineage`]).

use std::sync::{Arc, atomic::Ordering};

use tokio_util::sync::CancellationToken;

use crate::runtime::record::{BEHIND_PREVIOUS, Phase, PipelineRecord};

/// How one run is spawned: its own stop, the run of its key it must wait
/// for, and its start jitter.
pub(crate) struct Lineage {
    /// Its own stop token, if it has one; else it stops with the topology.
    pub(crate) stop: Option<CancellationToken>,
    /// The previous run of its key, which must end before this one starts.
    pub(crate) after: Option<Arc<PipelineRecord>>,
    /// The upper bound of its start jitter, in seconds (the seed's
    /// `poll_jitter_secs`).
    pub(crate) max_jitter_secs: u64,
}

impl PipelineRecord {
    /// Waits for `previous`, the previous run of its key, to end.
    pub(crate) fn behind(&self, previous: Arc<PipelineRecord>) {
        self.cold(|cold| cold.previous = Some(previous));
        self.flags.fetch_or(BEHIND_PREVIOUS, Ordering::AcqRel);
    }

    /// The run before this one, while this one has not started.
    fn previous(&self) -> Option<Arc<PipelineRecord>> {
        if !self.has(BEHIND_PREVIOUS) {
            return None;
        }
        self.read_cold(|cold| cold.and_then(|cold| cold.previous.clone()))
    }

    /// This run, then each run of its key before it still linked: read
    /// lazily, so that a link is followed only once the run holding it is
    /// reached.
    fn and_before(self: &Arc<Self>) -> impl Iterator<Item = Arc<Self>> {
        std::iter::successors(Some(Arc::clone(self)), |run| run.previous())
    }

    /// Waits until this run and every run of its key before it have ended.
    pub(crate) async fn settled(self: &Arc<Self>) {
        for run in self.and_before() {
            run.ended().await;
        }
    }

    /// Whether this run and every run of its key before it have ended.
    pub(crate) fn is_settled(self: &Arc<Self>) -> bool {
        self.and_before().all(|run| run.phase() == Phase::Ended)
    }
}
