//! How a run ends: its outcome recorded once, from the phase it ended in,
//! those waiting for it told, and its place on the board given up once it
//! is collected, if its entry is gone.

use std::sync::{Arc, PoisonError, atomic::Ordering};

use tokio::task::AbortHandle;

use crate::runtime::{
    error::chain,
    record::{COLLECTED, FORGET, Phase, PipelineRecord, TIMED_OUT_ALONE},
    stats::OutcomeKind,
    task::{TaskError, TaskResult},
};

impl PipelineRecord {
    /// Records how its task ended, once: the outcome follows the phase it
    /// ended in (stopped in its backoff, it was cancelled, not completed).
    /// Returns the result as reported.
    pub(crate) fn finish(&self, result: TaskResult) -> TaskResult {
        let result = match result {
            Ok(_) if self.phase() == Phase::Restarting => Err(TaskError::Cancelled),
            result => result,
        };
        self.ended_with(&result);
        result
    }

    /// Records an end its task could not report (it was aborted): what it
    /// was doing decides the kind.
    pub(crate) fn finish_aborted(&self, deadline_passed: bool) -> TaskResult {
        let result = if !self.started() || self.phase() == Phase::Waiting {
            Err(TaskError::Cancelled)
        } else if deadline_passed || self.has(TIMED_OUT_ALONE) {
            Err(TaskError::TimedOut)
        } else {
            Err(TaskError::Aborted)
        };
        self.ended_with(&result);
        result
    }

    fn ended_with(&self, result: &TaskResult) {
        if self.phase() == Phase::Ended {
            return;
        }
        match result {
            Err(TaskError::Failed { error }) => self.set_error(chain(error.as_ref())),
            Err(TaskError::Panicked { message }) => self.set_error(format!("panicked: {message}")),
            _ => {}
        }
        self.outcome.store(OutcomeKind::of(result) as u8, Ordering::Relaxed);
        self.set_phase(Phase::Ended);
        if let Some(ended) = self.read_cold(|cold| cold.and_then(|cold| cold.ended.clone())) {
            ended.notify_waiters();
        }
    }

    /// How it ended, once it has.
    pub(crate) fn outcome(&self) -> Option<OutcomeKind> {
        (self.phase() == Phase::Ended)
            .then(|| OutcomeKind::ALL.get(usize::from(self.outcome.load(Ordering::Relaxed))))
            .flatten()
            .copied()
    }

    /// Waits until it has ended.
    pub(crate) async fn ended(&self) {
        loop {
            // Registered under the lock its end notifies under: no end is
            // missed between the check and the wait.
            let notified = self.cold(|cold| Arc::clone(cold.ended.get_or_insert_with(Arc::default)).notified_owned());
            if self.phase() == Phase::Ended {
                return;
            }
            notified.await;
        }
    }

    /// Keeps the handle of the task that runs it.
    pub(crate) fn spawned(&self, task: AbortHandle) {
        *self.task.lock().unwrap_or_else(PoisonError::into_inner) = Some(task);
    }

    /// The id of the task that runs it, once spawned.
    pub(crate) fn task_id(&self) -> Option<tokio::task::Id> {
        self.task
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(AbortHandle::id)
    }

    /// Aborts its task because it did not end within its successor's wait;
    /// it ends `timed_out`.
    pub(crate) fn abort_timed_out(&self) {
        self.flags.fetch_or(TIMED_OUT_ALONE, Ordering::AcqRel);
        if let Some(task) = &*self.task.lock().unwrap_or_else(PoisonError::into_inner) {
            task.abort();
        }
    }

    /// Whether its entry left or changed: its outcome is counted, not kept.
    pub(crate) fn is_forgotten(&self) -> bool {
        self.has(FORGET)
    }

    /// Whether it was aborted on its own, outliving its successor's wait.
    pub(crate) fn timed_out_alone(&self) -> bool {
        self.has(TIMED_OUT_ALONE)
    }

    /// Its entry is gone: once its outcome is collected, it leaves the board.
    pub(crate) fn forget(&self) {
        if self.flags.fetch_or(FORGET, Ordering::AcqRel) & COLLECTED != 0 {
            self.unlist();
        }
    }

    /// Its outcome was collected and logged; a forgotten run leaves now.
    pub(crate) fn collected(&self) {
        if self.flags.fetch_or(COLLECTED, Ordering::AcqRel) & FORGET != 0 {
            self.unlist();
        }
    }

    fn unlist(&self) {
        if let Some((_, board, place)) = &self.listed
            && let Some(board) = board.upgrade()
        {
            board.unlist(*place);
        }
    }
}
