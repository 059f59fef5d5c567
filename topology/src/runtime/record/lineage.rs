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

    /// Waits until this run and every run of its key before it have ended.
    pub(crate) async fn settled(self: &Arc<Self>) {
        let mut run = Some(Arc::clone(self));
        while let Some(current) = run {
            current.ended().await;
            run = current.previous();
        }
    }

    /// Whether this run and every run of its key before it have ended.
    pub(crate) fn is_settled(self: &Arc<Self>) -> bool {
        let mut run = Some(Arc::clone(self));
        while let Some(current) = run {
            if current.phase() != Phase::Ended {
                return false;
            }
            run = current.previous();
        }
        true
    }
}
