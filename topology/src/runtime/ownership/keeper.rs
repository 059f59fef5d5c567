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

use crate::runtime::{
    ownership::{
        OwnershipSettings, Settled,
        grant::{Grant, Holdings, HoldingsSender, OwnerState},
        lease::{LeaseRecord, LeaseStore, Observed, WriteError, unix_millis, version_text},
        observe::{Observations, heartbeat_path},
        tally,
    },
    shard::{Shard, owner},
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
        owner(&format!("bucket-{bucket}"), self.shard.count())
    }

    /// Stops holding every lease past its validity: its keys stop at once.
    fn lapse(&mut self) {
        let now = Instant::now();
        let lapsed: Vec<u32> = self
            .holds
            .iter()
            .filter(|(_, hold)| now >= hold.valid_until)
            .map(|(bucket, _)| *bucket)
            .collect();
        for bucket in lapsed {
            self.lose(bucket, "it could not be renewed in time");
        }
    }

    fn lose(&mut self, bucket: u32, why: &str) {
        if self.holds.remove(&bucket).is_some() {
            tracing::error!(
                bucket,
                "lost the lease of bucket {bucket}: {why}; its pipelines are stopped"
            );
            tally::lost();
            self.states.insert(bucket, OwnerState::Lost);
        }
    }

    async fn renew_due(&mut self) {
        let now = Instant::now();
        let due: Vec<u32> = self
            .holds
            .iter()
            .filter(|(bucket, hold)| now >= hold.next_renewal || (hold.releasing && (self.settled)(**bucket)))
            .map(|(bucket, _)| *bucket)
            .collect();
        for bucket in due {
            self.renew(bucket).await;
        }
    }

    /// Renews the lease of `bucket`, or releases it when its keys stopped
    /// for a handover.
    async fn renew(&mut self, bucket: u32) {
        let release = self.holds.get(&bucket).is_some_and(|hold| hold.releasing) && (self.settled)(bucket);
        let Some(hold) = self.holds.get(&bucket) else { return };
        let mut record = hold.record.clone();
        record.renewed_unix_ms = unix_millis();
        record.released = release;
        let version = hold.version.clone();
        let start = Instant::now();
        let written = bounded(
            self.settings.request_timeout(),
            self.leases.update(bucket, &record, &version),
        )
        .await;
        match written {
            Ok(_) if release => {
                self.holds.remove(&bucket);
                self.states.insert(bucket, OwnerState::Released);
                tracing::info!(bucket, token = record.token, "released the lease of bucket {bucket}");
            }
            Ok(version) => {
                if let Some(hold) = self.holds.get_mut(&bucket) {
                    hold.record = record;
                    hold.version = version;
                    hold.next_renewal = start + self.settings.renew_interval;
                    hold.valid_until = start + self.settings.valid_for();
                }
            }
            Err(WriteError::Conflict) => self.lose(bucket, "another replica took it"),
            Err(error) => {
                tally::renewal_failed();
                tracing::warn!(bucket, "could not renew the lease of bucket {bucket}: {error}");
                if let Some(hold) = self.holds.get_mut(&bucket) {
                    hold.next_renewal = Instant::now() + self.settings.retry_interval();
                }
            }
        }
    }

    /// Lists the leases, takes the ones this replica may take, hands back
    /// the ones taken over from a replica that is back, and beats.
    async fn scan(&mut self) {
        let now = Instant::now();
        let listing = bounded_store(
            self.settings.request_timeout(),
            self.observations.refresh(&self.leases, now),
        )
        .await;
        if let Err(error) = listing {
            tracing::warn!("could not list the coordination store's leases: {error}");
            return;
        }
        // Read again every lease whose listed version is not the one last
        // read (a read that failed is tried again at the next scan).
        let stale: Vec<u32> = self
            .observations
            .leases
            .iter()
            .filter(|(bucket, seen)| {
                !self.holds.contains_key(bucket)
                    && self.read.get(bucket).is_none_or(|observed| {
                        version_text(observed.version.e_tag.as_deref(), observed.version.version.as_deref())
                            != seen.version
                    })
            })
            .map(|(bucket, _)| *bucket)
            .collect();
        for bucket in stale {
            match bounded(self.settings.request_timeout(), self.leases.read(bucket)).await {
                Ok(Some(observed)) => {
                    self.read.insert(bucket, observed);
                }
                Ok(None) => {
                    self.read.remove(&bucket);
                }
                Err(error) => tracing::warn!(bucket, "could not read the lease of bucket {bucket}: {error}"),
            }
        }
        self.hand_back(now);
        for bucket in 0..self.settings.buckets {
            if !self.holds.contains_key(&bucket) {
                self.try_take(bucket, now).await;
            }
        }
        self.beat().await;
    }

    /// Starts handing back the buckets this replica took over, once the
    /// replica that should own them beats again.
    fn hand_back(&mut self, now: Instant) {
        let duration = self.settings.duration;
        let back: Vec<u32> = self
            .holds
            .iter()
            .filter(|(bucket, hold)| {
                !hold.releasing && !self.prefers(**bucket) && {
                    let index = self.preferred_index(**bucket);
                    self.observations.alive(index, duration, now)
                }
            })
            .map(|(bucket, _)| *bucket)
            .collect();
        for bucket in back {
            if let Some(hold) = self.holds.get_mut(&bucket) {
                hold.releasing = true;
                self.states.insert(bucket, OwnerState::Releasing);
                tracing::info!(bucket, "handing bucket {bucket} back to the replica that should own it");
            }
        }
    }

    /// Takes the lease of `bucket` if this replica may: it should own it,
    /// or its owner stopped renewing; and the lease is free, released, or
    /// expired.
    async fn try_take(&mut self, bucket: u32, now: Instant) {
        let preferred = self.prefers(bucket);
        let duration = self.settings.duration;
        // Another replica's bucket is taken over only once this replica has
        // watched the store for a lease's duration: before that, a missing
        // heartbeat says nothing.
        let owner_alive = self.observations.alive(self.preferred_index(bucket), duration, now);
        if !preferred && (owner_alive || now < self.started + duration) {
            self.wanting.remove(&bucket);
            return;
        }
        if preferred {
            self.wanting.entry(bucket).or_insert(now);
            self.states.entry(bucket).or_insert(OwnerState::Acquiring);
        }
        let listed = self.observations.leases.get(&bucket).map(|seen| seen.version.clone());
        let previous = if listed.is_some() {
            self.read.get(&bucket).cloned()
        } else {
            None
        };
        let available = match &previous {
            None => listed.is_none(),
            // Only the version whose age was measured may be replaced: one
            // read after the listing may be a renewal made a moment ago.
            Some(observed)
                if listed.as_deref()
                    != Some(&version_text(
                        observed.version.e_tag.as_deref(),
                        observed.version.version.as_deref(),
                    )) =>
            {
                false
            }
            Some(observed) => {
                let lasted = duration.max(Duration::from_millis(observed.record.duration_ms));
                let mine = observed.record.owner == self.identity;
                (observed.record.released && (preferred || self.observations.unchanged_for(bucket, lasted, now)))
                    || mine
                    || self.observations.unchanged_for(bucket, lasted, now)
            }
        };
        if !available {
            return;
        }
        let token = previous
            .as_ref()
            .map_or(1, |observed| observed.record.token.saturating_add(1));
        let millis = unix_millis();
        let record = LeaseRecord {
            owner: self.identity.clone(),
            shard: self.shard.to_string(),
            token,
            duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
            acquired_unix_ms: millis,
            renewed_unix_ms: millis,
            released: false,
        };
        let start = Instant::now();
        let written = match &previous {
            None => bounded(self.settings.request_timeout(), self.leases.create(bucket, &record)).await,
            Some(observed) => {
                bounded(
                    self.settings.request_timeout(),
                    self.leases.update(bucket, &record, &observed.version),
                )
                .await
            }
        };
        match written {
            Ok(version) => {
                let handover = previous
                    .as_ref()
                    .is_some_and(|observed| observed.record.owner != self.identity);
                let waited = self
                    .wanting
                    .remove(&bucket)
                    .map(|since| start.saturating_duration_since(since));
                tally::acquired(handover.then_some(waited.unwrap_or_default()));
                tracing::info!(bucket, token, "acquired the lease of bucket {bucket}");
                self.read.remove(&bucket);
                self.states.insert(bucket, OwnerState::Owned);
                self.holds.insert(
                    bucket,
                    Hold {
                        record,
                        version,
                        next_renewal: start + self.settings.renew_interval,
                        valid_until: start + self.settings.valid_for(),
                        releasing: false,
                    },
                );
            }
            Err(WriteError::Conflict) => {
                self.read.remove(&bucket);
            }
            Err(error) => tracing::warn!(bucket, "could not take the lease of bucket {bucket}: {error}"),
        }
    }

    /// Writes this replica's heartbeat: the replicas that took over its
    /// buckets hand them back once they see it.
    async fn beat(&self) {
        let body = serde_json::json!({
            "owner": self.identity,
            "shard": self.shard.to_string(),
            "unix_ms": unix_millis(),
        });
        let path = heartbeat_path(self.shard.index());
        let put = self.leases.store().put(&path, body.to_string().into_bytes().into());
        if let Err(error) = bounded_store(self.settings.request_timeout(), put).await {
            tracing::warn!("could not write this replica's heartbeat: {error}");
        }
    }

    /// Releases, on a graceful stop, every lease whose keys have stopped.
    async fn release_all(&mut self) {
        let buckets: Vec<u32> = self.holds.keys().copied().collect();
        for bucket in buckets {
            if let Some(hold) = self.holds.get_mut(&bucket) {
                hold.releasing = true;
            }
            if (self.settled)(bucket) {
                self.renew(bucket).await;
            }
        }
        self.holds.clear();
        self.publish();
    }

    fn publish(&self) {
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
