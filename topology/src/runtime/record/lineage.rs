//! A run's place among the runs of its key: the one before it, which must
//! end before it starts, and the chain of them a stopped waiter leaves.

use std::sync::{Arc, atomic::Ordering};

use crate::runtime::record::{BEHIND_PREVIOUS, Phase, PipelineRecord};

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
