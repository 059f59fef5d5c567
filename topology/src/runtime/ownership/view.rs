//! What a replica reads of its leases where it starts runs: which keys may
//! run now, and under which ownership.

use std::sync::Arc;

use crate::runtime::ownership::{
    bucket::bucket_of,
    fence::Ownership,
    grant::{Holdings, HoldingsReceiver, OwnerState},
};

/// The leases this replica holds, keyed by the keys they cover; cheap to
/// clone.
#[derive(Clone, Debug)]
pub(crate) struct OwnershipView {
    holdings: HoldingsReceiver,
    buckets: u32,
}

impl OwnershipView {
    pub(crate) fn new(holdings: HoldingsReceiver, buckets: u32) -> Self {
        Self { holdings, buckets }
    }

    /// The bucket of `key`.
    pub(crate) fn bucket(&self, key: &str) -> u32 {
        bucket_of(key, self.buckets)
    }

    /// The holdings as they change.
    pub(crate) fn receiver(&self) -> HoldingsReceiver {
        self.holdings.clone()
    }

    /// What this replica holds now: one view for a whole plan.
    pub(crate) fn now(&self) -> Arc<Holdings> {
        Arc::clone(&self.holdings.borrow())
    }

    /// The ownership a run of `key` starts under, if `held` lets it run.
    pub(crate) fn ownership_in(&self, held: &Holdings, key: &str) -> Option<Ownership> {
        let bucket = self.bucket(key);
        let grant = held.grant(bucket)?;
        Some(Ownership::new(bucket, grant.token, self.receiver()))
    }

    /// This replica's state with the lease of `key`'s bucket.
    pub(crate) fn state(&self, key: &str) -> Option<OwnerState> {
        self.holdings.borrow().state(self.bucket(key))
    }
}
