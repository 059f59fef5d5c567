//! The ownership metrics, through the `metrics` facade.

use std::time::Duration;

use crate::runtime::metrics::metric_names::{
    LEASE_ACQUISITIONS, LEASE_HANDOVER_WAIT, LEASE_HANDOVERS, LEASE_RENEWALS_FAILED, LEASES_HELD, LEASES_LOST,
};

/// A lease acquired; `handover` is the wait when it was taken from
/// another replica.
pub(crate) fn acquired(handover: Option<Duration>) {
    metrics::counter!(LEASE_ACQUISITIONS).increment(1);
    if let Some(waited) = handover {
        metrics::counter!(LEASE_HANDOVERS).increment(1);
        metrics::histogram!(LEASE_HANDOVER_WAIT).record(waited.as_secs_f64());
    }
}

/// A renewal the store did not accept in time.
pub(crate) fn renewal_failed() {
    metrics::counter!(LEASE_RENEWALS_FAILED).increment(1);
}

/// A lease lost: not renewed in time, or taken.
pub(crate) fn lost() {
    metrics::counter!(LEASES_LOST).increment(1);
}

/// How many leases this replica holds.
#[allow(clippy::cast_precision_loss, reason = "a count of leases is far below 2^52")]
pub(crate) fn held(count: usize) {
    metrics::gauge!(LEASES_HELD).set(count as f64);
}
