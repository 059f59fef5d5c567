//! The global concurrency limit shared by every pipeline.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::runtime::metrics::{PERMITS_IN_USE, PERMITS_WAITING};

/// A permit from the topology's global semaphore, held while it lives.
///
/// Obtained from [`PipelineContext::acquire`](crate::PipelineContext::acquire).
/// When the topology has no limit the permit is a no-op, so pipeline code
/// reads the same either way. Dropping it gives the permit back.
#[derive(Debug)]
#[must_use = "the permit is given back as soon as it is dropped"]
pub struct ConcurrencyPermit {
    permit: Option<OwnedSemaphorePermit>,
}

impl ConcurrencyPermit {
    /// Waits for a permit of `semaphore`, or returns a no-op permit for `None`.
    ///
    /// A closed semaphore no longer limits anything, so it also gives a no-op
    /// permit rather than an error the pipeline could do nothing about.
    pub(crate) async fn acquire(semaphore: Option<&Arc<Semaphore>>) -> Self {
        let Some(semaphore) = semaphore else {
            return Self { permit: None };
        };
        // Counted as waiting only when it has to wait, until it stops
        // waiting, with or without a permit (its future may be dropped).
        let permit = match Arc::clone(semaphore).try_acquire_owned() {
            Ok(permit) => Some(permit),
            Err(_) => {
                let _waiting = Waiting::new();
                Arc::clone(semaphore).acquire_owned().await.ok()
            }
        };
        if permit.is_some() {
            metrics::gauge!(PERMITS_IN_USE).increment(1.0);
        }
        Self { permit }
    }

    /// Whether this permit counts against a limit (false when unlimited).
    pub fn is_limited(&self) -> bool {
        self.permit.is_some()
    }
}

impl Drop for ConcurrencyPermit {
    fn drop(&mut self) {
        if self.permit.take().is_some() {
            metrics::gauge!(PERMITS_IN_USE).decrement(1.0);
        }
    }
}

/// One pipeline waiting for a permit, in `topology_semaphore_waiting`.
struct Waiting;

impl Waiting {
    fn new() -> Self {
        metrics::gauge!(PERMITS_WAITING).increment(1.0);
        Self
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        metrics::gauge!(PERMITS_WAITING).decrement(1.0);
    }
}
