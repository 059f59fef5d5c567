//! The lease keeper: one background task per replica that acquires the
//! leases of the buckets this replica should own, renews them, takes over
//! the buckets of a replica that stopped renewing, hands back what it took
//! once their owner is back, and lets go on a graceful stop.

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
    time::Duration,
};

use object_store::{ObjectStoreExt, UpdateVersion};
use tokio::time::{Instant, sleep_until, timeout};
use tokio_util::sync::CancellationToken;

mod acquire;
mod renew;

use crate::runtime::{
    ownership::{
        OwnershipSettings, Settled,
        grant::{Grant, Holdings, HoldingsSender, OwnerState},
        lease::{LeaseRecord, LeaseStore, Observed, WriteError},
        observe::{Observations, heartbeat_path},
        preferred_index, tally,
    },
    shard::Shard,
    unix_time::now_ms,
};

/// A lease this replica holds.
#[derive(Debug)]
struct Hold {
    record: LeaseRecord,
    version: UpdateVersion,
    next_renewal: Instant,
    valid_until: Instant,
    /// Its keys are stopping, and it is released once they have.
    releasing: bool,
}

/// The keeper's state; see the module's documentation.
pub(crate) struct Keeper {
    pub(crate) leases: LeaseStore,
    pub(crate) settings: OwnershipSettings,
    pub(crate) shard: Shard,
    pub(crate) identity: String,
    pub(crate) settled: Settled,
    pub(crate) publish: HoldingsSender,
    observations: Observations,
    /// The last lease read of each bucket this replica does not hold.
    read: HashMap<u32, Observed>,
    holds: HashMap<u32, Hold>,
    states: BTreeMap<u32, OwnerState>,
    /// Since when this replica has wanted each bucket it does not hold.
    wanting: HashMap<u32, Instant>,
    /// When this keeper started watching the store.
    started: Instant,
}

impl Keeper {
    pub(crate) fn new(
        leases: LeaseStore,
        settings: OwnershipSettings,
        shard: Shard,
        identity: String,
        settled: Settled,
        publish: HoldingsSender,
    ) -> Self {
        Self {
            leases,
            settings,
            shard,
            identity,
            settled,
            publish,
            observations: Observations::default(),
            read: HashMap::new(),
            holds: HashMap::new(),
            states: BTreeMap::new(),
            wanting: HashMap::new(),
            started: Instant::now(),
        }
    }

    /// Keeps the leases until `stop`, then releases those whose keys have
    /// stopped.
    pub(crate) async fn run(mut self, stop: CancellationToken) {
        let mut next_scan = Instant::now();
        loop {
            let wake = self
                .holds
                .values()
                .flat_map(|hold| [hold.next_renewal, hold.valid_until])
                .fold(next_scan, Instant::min);
            tokio::select! {
                () = stop.cancelled() => break,
                () = sleep_until(wake) => {}
            }
            self.lapse();
            self.renew_due().await;
            if Instant::now() >= next_scan {
                self.scan().await;
                next_scan = Instant::now() + self.settings.scan_interval();
            }
            self.lapse();
            self.publish();
        }
        self.release_all().await;
    }

    /// Whether this replica should own `bucket`, by rendezvous over its
    /// shards.
    fn prefers(&self, bucket: u32) -> bool {
        self.preferred_index(bucket) == self.shard.index()
    }

    fn preferred_index(&self, bucket: u32) -> u32 {
        preferred_index(bucket, self.shard.count())
    }

    /// Stops holding every lease past its validity: its keys stop at once.
    /// Whether any did.
    pub(super) fn lapse(&mut self) -> bool {
        let now = Instant::now();
        let lapsed: Vec<u32> = self
            .holds
            .iter()
            .filter(|(_, hold)| now >= hold.valid_until)
            .map(|(bucket, _)| *bucket)
            .collect();
        for bucket in &lapsed {
            self.lose(*bucket, "it could not be renewed in time");
        }
        !lapsed.is_empty()
    }

    pub(super) fn lose(&mut self, bucket: u32, why: &str) {
        if self.holds.remove(&bucket).is_some() {
            tracing::error!(
                bucket,
                "lost the lease of bucket {bucket}: {why}; its pipelines are stopped"
            );
            tally::lost();
            self.states.insert(bucket, OwnerState::Lost);
        }
    }

    /// Writes this replica's heartbeat: the replicas that took over its
    /// buckets hand them back once they see it.
    async fn beat(&self) {
        let body = serde_json::json!({
            "owner": self.identity,
            "shard": self.shard.to_string(),
            "unix_ms": now_ms(),
        });
        let path = heartbeat_path(self.shard.index());
        let put = self.leases.store().put(&path, body.to_string().into_bytes().into());
        if let Err(error) = bounded_store(self.settings.request_timeout(), put).await {
            tracing::warn!("could not write this replica's heartbeat: {error}");
        }
    }

    pub(super) fn publish(&self) {
        let granted = self
            .holds
            .iter()
            .filter(|(_, hold)| !hold.releasing)
            .map(|(bucket, hold)| {
                let grant = Grant {
                    token: hold.record.token,
                    valid_until: hold.valid_until,
                };
                (*bucket, grant)
            })
            .collect();
        let holdings = Holdings {
            granted,
            states: self.states.clone(),
        };
        tally::held(self.holds.len());
        self.publish.send_if_modified(|current| {
            let changed = **current != holdings;
            if changed {
                *current = Arc::new(holdings);
            }
            changed
        });
    }
}

/// A lease request, given up after `limit`: a store that does not answer
/// must not keep the keeper from stopping pipelines in time.
async fn bounded<T>(limit: Duration, request: impl Future<Output = Result<T, WriteError>>) -> Result<T, WriteError> {
    timeout(limit, request)
        .await
        .unwrap_or_else(|_| Err(WriteError::Store(timed_out())))
}

/// [`bounded`], for a listing or a plain write.
async fn bounded_store<T>(
    limit: Duration,
    request: impl Future<Output = Result<T, object_store::Error>>,
) -> Result<T, object_store::Error> {
    timeout(limit, request).await.unwrap_or_else(|_| Err(timed_out()))
}

fn timed_out() -> object_store::Error {
    object_store::Error::Generic {
        store: "coordination",
        source: "the request timed out".into(),
    }
}
