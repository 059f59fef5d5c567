//! Ownership in the generated program: the lease keeper started from the
//! `coordination` settings, which keys its leases let this replica run
//! (and under which fencing token), and when a bucket's runs have all
//! stopped, so that its lease can be released.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use crate::{
    program::{error::ProgramError, settings::ReplicaConfig},
    runtime::{
        ownership::{
            Coordinator, HoldingsReceiver, LeaseRecord, OwnerState, Ownership, OwnershipView, bucket_of,
            preferred_index, read_leases,
        },
        record::PipelineRecord,
        shard::Shard,
        storage,
    },
};

/// The runs of each bucket that may not have ended: a bucket's lease is
/// released only once they have.
#[derive(Clone, Default)]
struct BucketRuns(Arc<Mutex<HashMap<u32, Vec<Arc<PipelineRecord>>>>>);

impl BucketRuns {
    fn track(&self, bucket: u32, record: &Arc<PipelineRecord>) {
        let mut runs = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        runs.entry(bucket).or_default().push(Arc::clone(record));
    }

    /// Whether every run of `bucket` (and every run before it) has ended;
    /// the ended ones are forgotten.
    fn settled(&self, bucket: u32) -> bool {
        let mut runs = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(live) = runs.get_mut(&bucket) else {
            return true;
        };
        live.retain(|record| !record.is_settled());
        if live.is_empty() {
            runs.remove(&bucket);
            return true;
        }
        false
    }
}

/// What the launcher needs of the leases: which keys may run, and under
/// which ownership.
#[derive(Clone)]
pub(crate) struct Leases {
    view: OwnershipView,
    /// How long the runs of a lost lease have to stop.
    stop_grace: Duration,
    runs: BucketRuns,
}

impl Leases {
    /// Starts keeping leases in the store `replica.coordination` names, when
    /// it names one: the keeper (to stop when the topology ends) and what
    /// the launcher reads.
    pub(crate) fn start(replica: &ReplicaConfig) -> Result<Option<(Coordinator, Self)>, ProgramError> {
        let Some(url) = replica.coordination.url() else {
            return Ok(None);
        };
        let store = storage::open(url, std::iter::empty::<(String, String)>()).map_err(ProgramError::Coordination)?;
        let settings = replica.ownership();
        let runs = BucketRuns::default();
        let settled = runs.clone();
        let coordinator = Coordinator::start(
            store,
            settings,
            replica.shard,
            identity(),
            Arc::new(move |bucket| settled.settled(bucket)),
        );
        let leases = Self {
            view: coordinator.view(),
            stop_grace: settings.stop_grace(),
            runs,
        };
        tracing::info!(
            coordination = %replica.coordination,
            "ownership is on: this replica runs a key only while it holds its bucket's lease in {}",
            replica.coordination
        );
        Ok(Some((coordinator, leases)))
    }

    /// What the launcher reads of the leases.
    pub(crate) fn view(&self) -> &OwnershipView {
        &self.view
    }

    /// Remembers a run of `ownership`'s bucket until it has ended.
    pub(crate) fn track(&self, ownership: &Ownership, record: &Arc<PipelineRecord>) {
        self.runs.track(ownership.bucket(), record);
    }

    /// How long the run of `key` has to stop once it may no longer run:
    /// `shutdown` as for any stop, or half a margin when its lease was lost,
    /// since another replica may take it over soon after.
    pub(crate) fn stop_timeout(&self, key: &str, shutdown: Option<Duration>) -> Option<Duration> {
        match self.view.state(key) {
            Some(OwnerState::Lost) => Some(self.stop_grace),
            _ => shutdown,
        }
    }

    /// Watches the holdings: resolves whenever the buckets granted, or
    /// their tokens, change (not at every renewal); `false` once the keeper
    /// has stopped.
    pub(crate) fn watcher(&self) -> HoldingsWatcher {
        HoldingsWatcher {
            holdings: self.view.receiver(),
            last: Vec::new(),
        }
    }
}

/// Waits for the grants to change.
pub(crate) struct HoldingsWatcher {
    holdings: HoldingsReceiver,
    last: Vec<(u32, u64)>,
}

impl HoldingsWatcher {
    pub(crate) async fn changed(&mut self) -> bool {
        loop {
            if self.holdings.changed().await.is_err() {
                return false;
            }
            let grants: Vec<(u32, u64)> = self
                .holdings
                .borrow_and_update()
                .granted
                .iter()
                .map(|(bucket, grant)| (*bucket, grant.token))
                .collect();
            if grants != self.last {
                self.last = grants;
                return true;
            }
        }
    }
}

/// The leases as `--list` shows them: read once from the store.
pub(crate) struct LeaseView {
    leases: BTreeMap<u32, LeaseRecord>,
    buckets: u32,
}

impl LeaseView {
    /// Reads every lease of the store `replica.coordination` names, when
    /// it names one. On a thread of its own with its own runtime, so that
    /// `--list` reads them whether or not it runs inside a runtime.
    pub(crate) fn read(replica: &ReplicaConfig) -> Result<Option<Self>, ProgramError> {
        let Some(url) = replica.coordination.url() else {
            return Ok(None);
        };
        let store = storage::open(url, std::iter::empty::<(String, String)>()).map_err(ProgramError::Coordination)?;
        let buckets = replica.ownership().buckets;
        let read = std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
                    runtime.block_on(read_leases(store, buckets))
                })
                .join()
        });
        match read {
            Ok(Ok(leases)) => Ok(Some(Self { leases, buckets })),
            Ok(Err(source)) => Err(ProgramError::LeasesUnreadable(source)),
            Err(_) => Err(ProgramError::LeasesUnreadable("the reading thread panicked".into())),
        }
    }

    fn bucket(&self, key: &str) -> u32 {
        bucket_of(key, self.buckets)
    }

    fn held_by(&self, key: &str, shard: Shard) -> bool {
        let shard = shard.to_string();
        self.leases
            .get(&self.bucket(key))
            .is_some_and(|lease| !lease.released && lease.shard == shard)
    }

    fn would_own(&self, key: &str, shard: Shard) -> bool {
        preferred_index(self.bucket(key), shard.count()) == shard.index()
    }

    /// Whether `shard` would own `key` or holds it.
    pub(crate) fn concerns(&self, key: &str, shard: Shard) -> bool {
        self.would_own(key, shard) || self.held_by(key, shard)
    }

    /// `key`'s bucket, whether `shard` would own it, and who holds it.
    pub(crate) fn describe(&self, key: &str, shard: Shard) -> String {
        let bucket = self.bucket(key);
        let preferred = if self.would_own(key, shard) {
            "would own"
        } else {
            "taken over"
        };
        let holder = match self.leases.get(&bucket) {
            None => "lease free".to_owned(),
            Some(lease) if lease.released => format!("lease released by {} (token {})", lease.owner, lease.token),
            Some(lease) if lease.shard == shard.to_string() => {
                format!("held by this shard ({}, token {})", lease.owner, lease.token)
            }
            Some(lease) => format!("held by shard {} ({}, token {})", lease.shard, lease.owner, lease.token),
        };
        format!("bucket {bucket}  {preferred}  {holder}")
    }
}

/// Who holds a lease, as operators read it in the lease object: the pod's
/// name (or the host's) and the process id.
fn identity() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "unknown-host".to_owned());
    format!("{host}/{}", std::process::id())
}
