//! Renewing: every lease due is rewritten at once, each write bounded, so
//! that a store that stops answering costs one request timeout, not one per
//! lease, before the keys of a lease that runs out are stopped.

use futures_util::future::join_all;
use object_store::UpdateVersion;
use tokio::time::Instant;

use crate::runtime::{
    ownership::{
        grant::OwnerState,
        keeper::{Keeper, bounded},
        lease::{LeaseRecord, WriteError},
        tally,
    },
    unix_time::now_ms,
};

/// One renewal to write: the bucket, its new record, the version it
/// replaces, and whether it lets the lease go.
struct Renewal {
    bucket: u32,
    record: LeaseRecord,
    version: UpdateVersion,
    release: bool,
}

impl Keeper {
    /// Renews the leases due, and releases those handed over whose keys
    /// have stopped.
    pub(super) async fn renew_due(&mut self) {
        let now = Instant::now();
        let due: Vec<u32> = self
            .holds
            .iter()
            .filter(|(bucket, hold)| now >= hold.next_renewal || (hold.releasing && (self.settled)(**bucket)))
            .map(|(bucket, _)| *bucket)
            .collect();
        self.renew(due).await;
    }

    /// Releases, on a graceful stop, every lease whose keys have stopped;
    /// the others expire.
    pub(super) async fn release_all(&mut self) {
        for hold in self.holds.values_mut() {
            hold.releasing = true;
        }
        let settled: Vec<u32> = self
            .holds
            .keys()
            .copied()
            .filter(|bucket| (self.settled)(*bucket))
            .collect();
        self.renew(settled).await;
        self.holds.clear();
        self.publish();
    }

    /// Writes the renewals of `buckets` together.
    async fn renew(&mut self, buckets: Vec<u32>) {
        let renewals: Vec<Renewal> = buckets
            .into_iter()
            .filter_map(|bucket| {
                let hold = self.holds.get(&bucket)?;
                let release = hold.releasing && (self.settled)(bucket);
                let mut record = hold.record.clone();
                record.renewed_unix_ms = now_ms();
                record.released = release;
                Some(Renewal {
                    bucket,
                    record,
                    version: hold.version.clone(),
                    release,
                })
            })
            .collect();
        let limit = self.settings.request_timeout();
        let leases = &self.leases;
        let written = join_all(renewals.iter().map(|renewal| async move {
            let start = Instant::now();
            let written = bounded(limit, leases.update(renewal.bucket, &renewal.record, &renewal.version)).await;
            (start, written)
        }))
        .await;
        for (renewal, (start, written)) in renewals.into_iter().zip(written) {
            self.renewed(renewal, start, written);
        }
    }

    /// Keeps what one renewal's write came to.
    fn renewed(&mut self, renewal: Renewal, start: Instant, written: Result<UpdateVersion, WriteError>) {
        let Renewal {
            bucket,
            record,
            release,
            ..
        } = renewal;
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
}
