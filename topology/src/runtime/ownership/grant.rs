//! What the keeper tells the rest of the replica: the buckets it may run,
//! each with its fencing token and until when, and every bucket's owner
//! state for operators.

use std::{collections::BTreeMap, fmt, sync::Arc};

use tokio::{sync::watch, time::Instant};

/// A bucket this replica holds the lease of, and may run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The fencing token of this hold.
    pub token: u64,
    /// When the lease could be taken over, less the safety margin, by this
    /// replica's monotonic clock: its pipelines must have stopped by then.
    pub valid_until: Instant,
}

/// Where this replica stands with one bucket's lease.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnerState {
    /// This replica should own it, and waits for the holder to release it
    /// or for its lease to expire.
    Acquiring,
    /// This replica holds it and runs its keys.
    Owned,
    /// This replica holds it but stops its keys, to hand it over.
    Releasing,
    /// This replica held it, then failed to renew it in time or found it
    /// taken: its keys were stopped.
    Lost,
    /// This replica let it go after its keys stopped.
    Released,
}

impl OwnerState {
    /// The state as `/pipelines` and the logs write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Acquiring => "acquiring",
            Self::Owned => "owned",
            Self::Releasing => "releasing",
            Self::Lost => "lost",
            Self::Released => "released",
        }
    }
}

impl fmt::Display for OwnerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The buckets this replica may run, and its state with every bucket it
/// has wanted or held.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Holdings {
    /// The buckets whose keys may run, with their grants.
    pub granted: BTreeMap<u32, Grant>,
    /// This replica's state with each bucket it wants or held.
    pub states: BTreeMap<u32, OwnerState>,
}

impl Holdings {
    /// The grant of `bucket`, while it may run.
    pub fn grant(&self, bucket: u32) -> Option<Grant> {
        self.granted.get(&bucket).copied()
    }

    /// This replica's state with `bucket`, if it wants or held it.
    pub fn state(&self, bucket: u32) -> Option<OwnerState> {
        self.states.get(&bucket).copied()
    }
}

/// The keeper's side of the holdings: it publishes, the replica watches.
pub(crate) type HoldingsSender = watch::Sender<Arc<Holdings>>;
/// What the replica watches.
pub type HoldingsReceiver = watch::Receiver<Arc<Holdings>>;
