//! What a replica knows of the leases it does not hold and of the other
//! replicas, from one listing per scan: each object's version and when this
//! replica first saw that version, by its own monotonic clock.
//!
//! Expiry is judged the way Kubernetes' leader election judges it: a lease
//! whose version has not changed for its duration, as measured here, has
//! expired. No two machines' clocks are compared, so clock skew does not
//! matter; only the rate of the clocks does.

use std::{collections::HashMap, time::Duration};

use futures_util::TryStreamExt;
use object_store::path::Path;
use tokio::time::Instant;

use crate::runtime::ownership::lease::{LEASES, LeaseStore, REPLICAS, version_text};

/// One object as last listed.
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    /// Its version, as text.
    pub(crate) version: String,
    /// When this replica first listed that version.
    pub(crate) since: Instant,
}

/// The lease objects and heartbeats, as of the last listing.
#[derive(Debug, Default)]
pub(crate) struct Observations {
    pub(crate) leases: HashMap<u32, Seen>,
    pub(crate) heartbeats: HashMap<u32, Seen>,
}

impl Observations {
    /// Lists the leases and heartbeats once, keeping when each version was
    /// first seen.
    pub(crate) async fn refresh(&mut self, store: &LeaseStore, now: Instant) -> Result<(), object_store::Error> {
        let listed: Vec<_> = store.store().list(None).try_collect().await?;
        let mut leases = HashMap::new();
        let mut heartbeats = HashMap::new();
        for meta in listed {
            let version = version_text(&meta);
            let parts: Vec<_> = meta.location.parts().collect();
            let Some(dir) = parts.first().map(|part| part.as_ref().to_owned()) else {
                continue;
            };
            if dir == LEASES {
                let Some(bucket) = LeaseStore::bucket_of(&meta.location) else {
                    continue;
                };
                leases.insert(bucket, keep(self.leases.get(&bucket), version, now));
            } else if dir == REPLICAS {
                let Some(index) = heartbeat_index(&meta.location) else {
                    continue;
                };
                heartbeats.insert(index, keep(self.heartbeats.get(&index), version, now));
            }
        }
        self.leases = leases;
        self.heartbeats = heartbeats;
        Ok(())
    }

    /// Whether the lease of `bucket` has kept one version for `duration`.
    pub(crate) fn unchanged_for(&self, bucket: u32, duration: Duration, now: Instant) -> bool {
        self.leases
            .get(&bucket)
            .is_some_and(|seen| now.saturating_duration_since(seen.since) >= duration)
    }

    /// Whether the replica with shard `index` wrote its heartbeat within
    /// `duration`, as seen here.
    pub(crate) fn alive(&self, index: u32, duration: Duration, now: Instant) -> bool {
        self.heartbeats
            .get(&index)
            .is_some_and(|seen| now.saturating_duration_since(seen.since) < duration)
    }
}

/// The seen version, kept with its first sighting while unchanged.
fn keep(before: Option<&Seen>, version: String, now: Instant) -> Seen {
    match before {
        Some(seen) if seen.version == version => seen.clone(),
        _ => Seen { version, since: now },
    }
}

/// The path of the heartbeat of shard `index`.
pub(crate) fn heartbeat_path(index: u32) -> Path {
    Path::from(format!("{REPLICAS}/shard-{index:04}.json"))
}

fn heartbeat_index(path: &Path) -> Option<u32> {
    path.filename()?
        .strip_prefix("shard-")?
        .strip_suffix(".json")?
        .parse()
        .ok()
}
