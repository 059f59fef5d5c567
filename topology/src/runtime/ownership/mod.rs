//! Ownership across replicas: a replica runs a key only while it holds the
//! lease of the key's bucket in an object store, and each run carries a
//! fencing token that lets a sink refuse the writes of a replaced owner.
//!
//! Keys hash into a fixed number of buckets, and each bucket has one lease
//! object, so what a replica renews per interval depends on the buckets,
//! never on how many keys it runs. Rendezvous hashing over the shards says
//! which replica should own a bucket; the lease says which one may run it.
//! A lease is taken with create-if-absent or with replace-if-the-version-
//! matches, renewed the same way, and released (marked so) after a graceful
//! stop. A replica whose renewal does not succeed in time stops the keys of
//! that bucket before another replica could take it over: it asks them to
//! stop `duration - margin` after the last renewal began, and aborts them
//! half a margin later.

mod bucket;
mod fence;
mod grant;
mod keeper;
mod lease;
mod observe;
mod tally;
mod view;

#[cfg(test)]
mod tests;

use std::{sync::Arc, time::Duration};

use object_store::ObjectStore;
use tokio::{sync::watch, task::JoinHandle};
use tokio_util::sync::CancellationToken;

pub use bucket::bucket_of;
pub(crate) use bucket::preferred_index;
pub use fence::{FenceError, Ownership};
pub use grant::{Grant, Holdings, HoldingsReceiver, OwnerState};
pub use lease::{LeaseRecord, read_leases};
pub(crate) use view::OwnershipView;

use crate::runtime::{
    ownership::{keeper::Keeper, lease::LeaseStore},
    shard::Shard,
};

/// Ownership settings that cannot work together.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid value `{value}` for setting `{setting}`: {reason}")]
pub struct InvalidOwnershipSettings {
    /// The setting at fault.
    pub setting: &'static str,
    /// Its value.
    pub value: String,
    /// Why it cannot be used with the others.
    pub reason: String,
}

/// Whether the keys of a bucket have all stopped: a lease is released only
/// then.
pub type Settled = Arc<dyn Fn(u32) -> bool + Send + Sync>;

/// The timing of the leases and how many buckets the keys hash into.
///
/// ```
/// use std::time::Duration;
/// use topology::OwnershipSettings;
///
/// let settings = OwnershipSettings::default();
/// assert_eq!(settings.duration, Duration::from_secs(15));
/// assert!(settings.check().is_ok());
/// let bad = OwnershipSettings { margin: Duration::from_secs(20), ..settings };
/// assert_eq!(bad.check().unwrap_err().setting, "lease_margin");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OwnershipSettings {
    /// How long a lease lasts without a renewal.
    pub duration: Duration,
    /// How often a held lease is renewed.
    pub renew_interval: Duration,
    /// How long before its lease could be taken over a replica that failed
    /// to renew asks its pipelines to stop.
    pub margin: Duration,
    /// How many buckets the keys hash into: one lease object each.
    pub buckets: u32,
}

impl Default for OwnershipSettings {
    fn default() -> Self {
        Self {
            duration: Duration::from_secs(15),
            renew_interval: Duration::from_secs(10),
            margin: Duration::from_secs(2),
            buckets: 64,
        }
    }
}

impl OwnershipSettings {
    /// The most buckets: one lease object each, listed at every scan.
    pub const MAX_BUCKETS: u32 = 4096;

    /// The longest lease: longer ones would only delay every takeover.
    pub const MAX_DURATION: Duration = Duration::from_secs(3600);

    /// Why these settings cannot work together, naming the setting.
    pub fn check(&self) -> Result<(), InvalidOwnershipSettings> {
        let invalid = |setting, value: String, reason: String| Err(InvalidOwnershipSettings { setting, value, reason });
        if self.buckets == 0 || self.buckets > Self::MAX_BUCKETS {
            let reason = format!("must be between 1 and {}", Self::MAX_BUCKETS);
            return invalid("lease_buckets", self.buckets.to_string(), reason);
        }
        if self.duration > Self::MAX_DURATION {
            let reason = format!("must be at most {:?}", Self::MAX_DURATION);
            return invalid("lease_duration", format!("{:?}", self.duration), reason);
        }
        if self.margin.is_zero() || self.margin >= self.duration {
            let reason = format!("must be above zero and below lease_duration ({:?})", self.duration);
            return invalid("lease_margin", format!("{:?}", self.margin), reason);
        }
        if self.renew_interval.is_zero() || self.renew_interval >= self.valid_for() {
            let reason = format!(
                "must be above zero and below lease_duration - lease_margin ({:?})",
                self.valid_for()
            );
            return invalid("lease_renew_interval", format!("{:?}", self.renew_interval), reason);
        }
        Ok(())
    }

    /// How long after a renewal began its keys may run.
    pub(crate) fn valid_for(&self) -> Duration {
        self.duration.saturating_sub(self.margin)
    }

    /// How often the leases are listed.
    pub(crate) fn scan_interval(&self) -> Duration {
        (self.renew_interval / 2).max(Duration::from_millis(10))
    }

    /// How soon a failed renewal is tried again.
    pub(crate) fn retry_interval(&self) -> Duration {
        (self.renew_interval / 10).clamp(Duration::from_millis(10), Duration::from_secs(1))
    }

    /// How long one request to the store may take.
    pub(crate) fn request_timeout(&self) -> Duration {
        (self.margin / 2).max(Duration::from_millis(10))
    }

    /// How long the keys of a lost lease have to stop before they are
    /// aborted.
    pub fn stop_grace(&self) -> Duration {
        self.margin / 2
    }
}

/// The lease keeper of one replica, running in the background.
///
/// ```
/// # topology::block_on(async {
/// use std::sync::Arc;
/// use object_store::memory::InMemory;
/// use topology::{Coordinator, OwnershipSettings, Shard};
///
/// let store = Arc::new(InMemory::new());
/// let coordinator = Coordinator::start(store, OwnershipSettings::default(), Shard::ALL, "pod-0/1".into(), Arc::new(|_| true));
/// let mut holdings = coordinator.holdings();
/// holdings.wait_for(|held| held.granted.len() == 64).await.unwrap();
/// assert!(coordinator.ownership_of("orders").is_some());
/// coordinator.stop().await;
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct Coordinator {
    settings: OwnershipSettings,
    view: OwnershipView,
    stop: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl Coordinator {
    /// Starts keeping the leases of `shard`'s buckets in `store`, as
    /// `identity` (a pod name and process id); `settled` says when a
    /// bucket's keys have all stopped.
    pub fn start(
        store: Arc<dyn ObjectStore>,
        settings: OwnershipSettings,
        shard: Shard,
        identity: String,
        settled: Settled,
    ) -> Self {
        let (publish, holdings) = watch::channel(Arc::new(Holdings::default()));
        let stop = CancellationToken::new();
        let keeper = Keeper::new(LeaseStore::new(store), settings, shard, identity, settled, publish);
        let task = tokio::spawn(keeper.run(stop.clone()));
        Self {
            settings,
            view: OwnershipView::new(holdings, settings.buckets),
            stop,
            task: Some(task),
        }
    }

    /// The settings it keeps the leases with.
    pub fn settings(&self) -> OwnershipSettings {
        self.settings
    }

    /// What this replica holds, as it changes.
    pub fn holdings(&self) -> HoldingsReceiver {
        self.view.receiver()
    }

    /// The bucket of `key` under these settings.
    pub fn bucket(&self, key: &str) -> u32 {
        self.view.bucket(key)
    }

    /// The ownership a run of `key` starts under, while this replica may
    /// run it.
    pub fn ownership_of(&self, key: &str) -> Option<Ownership> {
        self.view.ownership_in(&self.view.now(), key)
    }

    /// What the places that start runs read of the leases.
    pub(crate) fn view(&self) -> OwnershipView {
        self.view.clone()
    }

    /// Stops keeping the leases, and releases those whose keys have all
    /// stopped (the others expire).
    pub async fn stop(mut self) {
        self.stop.cancel();
        if let Some(task) = self.task.take() {
            // A keeper that panicked has nothing left to release.
            let _ = task.await;
        }
    }
}

#[cfg(test)]
impl Coordinator {
    /// Ends the keeper as a killed process would: no release.
    pub(crate) fn crash(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl Drop for Coordinator {
    fn drop(&mut self) {
        // Dropped without `stop`: the leases are no longer renewed.
        self.stop.cancel();
    }
}
