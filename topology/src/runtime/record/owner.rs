//! The lease a run holds its key under, as `/pipelines` shows it.

use crate::runtime::{
    ownership::{OwnerState, Ownership},
    record::PipelineRecord,
};

impl PipelineRecord {
    /// Records the lease the run holds its key under.
    pub(crate) fn hold_under(&self, ownership: Ownership) {
        self.cold(|cold| cold.ownership = Some(ownership));
    }

    /// Where the replica stands with the run's lease, and its fencing
    /// token, when ownership is on.
    pub(crate) fn owner(&self) -> Option<(OwnerState, u64)> {
        self.read_cold(|cold| {
            let ownership = cold?.ownership.as_ref()?;
            Some((ownership.state(), ownership.token()))
        })
    }
}
