//! The future of one run's task: its wait, its start, its body with a panic
//! caught as its outcome, and its end, each written to its record.
//!
//! Written by hand rather than from combinators: every byte of a task is
//! paid per pipeline, and each combinator layer kept a copy of what the
//! others already held (the record, the slot, the jitter) and a state tag
//! of its own, which made a trivial pipeline's task too large to be moved
//! without a call to `memcpy`.

use std::{
    any::Any,
    panic::AssertUnwindSafe,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use pin_project_lite::pin_project;
use tokio::time::Instant;

use crate::runtime::{
    record::PipelineRecord,
    task::{TaskError, TaskResult},
};

/// What a run's task ends with: its slot and its result.
pub(super) struct Ended {
    pub(super) slot: usize,
    pub(super) result: TaskResult,
}

/// A run's wait before it starts (for the previous run of its key, then out
/// its jitter): the jitter it waited, or `None` when it was stopped first.
pub(super) type Wait = Pin<Box<dyn Future<Output = Option<Duration>> + Send>>;

/// Where a run's task is.
enum Stage {
    /// In its wait.
    Waiting(Wait),
    /// Starts when first polled, with no wait.
    Ready,
    /// Running its body since then.
    Running(Instant),
    /// Stopped before it was spawned; its record already says so.
    Cancelled,
    /// Its outcome was returned.
    Done,
}

pin_project! {
    /// The task of one run of a pipeline, ending with its slot and outcome.
    pub(super) struct RunTask<F> {
        #[pin]
        work: F,
        stage: Stage,
        record: Arc<PipelineRecord>,
        slot: usize,
    }
}

impl<F> RunTask<F> {
    /// A run that starts when first polled, or once `wait` (if any) lets it.
    pub(super) fn new(slot: usize, record: Arc<PipelineRecord>, wait: Option<Wait>, work: F) -> Self {
        let stage = wait.map_or(Stage::Ready, Stage::Waiting);
        Self {
            work,
            stage,
            record,
            slot,
        }
    }

    /// A run stopped before it was spawned, whose record says so: it ends
    /// `cancelled` when first polled, without running `work`.
    pub(super) fn cancelled(slot: usize, record: Arc<PipelineRecord>, work: F) -> Self {
        Self {
            work,
            stage: Stage::Cancelled,
            record,
            slot,
        }
    }
}

impl<F: Future<Output = TaskResult>> Future for RunTask<F> {
    type Output = Ended;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Ended> {
        let this = self.project();
        let slot = *this.slot;
        let jitter = match this.stage {
            Stage::Running(_) => None,
            Stage::Ready => Some(Duration::ZERO),
            Stage::Waiting(wait) => match wait.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(jitter)) => Some(jitter),
                Poll::Ready(None) => {
                    *this.stage = Stage::Done;
                    let result = this.record.finish(Err(TaskError::Cancelled));
                    return Poll::Ready(Ended { slot, result });
                }
            },
            Stage::Cancelled => {
                *this.stage = Stage::Done;
                return Poll::Ready(Ended {
                    slot,
                    result: Err(TaskError::Cancelled),
                });
            }
            // tokio never polls a finished task.
            Stage::Done => return Poll::Pending,
        };
        if let Some(jitter) = jitter {
            this.record.running();
            if let Some(distributions) = this.record.distributions() {
                distributions.started(jitter);
            }
            tracing::debug!(jitter_secs = jitter.as_secs_f64(), "pipeline started");
            *this.stage = Stage::Running(Instant::now());
        }
        // Caught here rather than from the JoinError, so the outcome always
        // comes back with its slot and the panic's message.
        let work = this.work;
        let result = match std::panic::catch_unwind(AssertUnwindSafe(|| work.poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(result)) => result,
            Err(payload) => Err(panicked(payload)),
        };
        if let (Stage::Running(began), Some(distributions)) = (&*this.stage, this.record.distributions()) {
            distributions.run_ended(began.elapsed());
        }
        *this.stage = Stage::Done;
        // Here rather than when collected: `/pipelines` shows the end even
        // while nobody awaits the outcomes.
        Poll::Ready(Ended {
            slot,
            result: this.record.finish(result),
        })
    }
}

/// The outcome of a panic. The payload is dropped here, where a payload
/// whose own drop panics cannot take the task (and the outcome's slot) down
/// with it; a payload that panics again is forgotten.
pub(super) fn panicked(payload: Box<dyn Any + Send>) -> TaskError {
    let error = TaskError::panicked(payload.as_ref());
    if let Err(again) = std::panic::catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(again);
    }
    error
}
