//! Acquiring: the scan that lists the leases, reads the changed ones,
//! takes what this replica may take and hands back what it took over.

use std::time::Duration;

use tokio::time::Instant;

use crate::runtime::{
    ownership::{
        grant::OwnerState,
        keeper::{Hold, Keeper, bounded, bounded_store},
        lease::{LeaseRecord, WriteError},
        tally,
    },
    unix_time::now_ms,
};

impl Keeper {
    /// Lists the leases, takes the ones this replica may take, hands back
    /// the ones taken over from a replica that is back, and beats.
    pub(super) async fn scan(&mut self) {
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
                    && self
                        .read
                        .get(bucket)
                        .is_none_or(|observed| !observed.forms.contains(&seen.version))
            })
            .map(|(bucket, _)| *bucket)
            .collect();
        for bucket in stale {
            // A slow store must not hold back the stop of a lease that
            // runs out meanwhile.
            if self.lapse() {
                self.publish();
            }
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
            if self.lapse() {
                self.publish();
            }
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
            Some(observed) if !listed.as_ref().is_some_and(|listed| observed.forms.contains(listed)) => false,
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
        let millis = now_ms();
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
}
