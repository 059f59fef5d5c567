//! Shutdown progress and the deadline: what the collecting loop logs while it
//! waits, and when it stops waiting.

use std::{fmt::Display, future::pending, time::Duration};

use tokio::time::{Instant, Interval, MissedTickBehavior, interval_at, sleep_until};

use tokio_util::sync::CancellationToken;

use crate::runtime::{key_list::key_list, metrics::shutting_down, runner::running::RunningPipelines, watchdog};

/// How long the runner waits for aborted pipelines to end before it gives
/// up on them: a pipeline that blocks its thread never sees the abort.
pub(crate) const ABORT_GRACE: Duration = Duration::from_secs(1);

/// What has happened so far while collecting outcomes.
#[derive(Default)]
pub(super) struct Collecting {
    pub(super) shutdown_seen: bool,
    pub(super) deadline: Option<Instant>,
    pub(super) timed_out: bool,
    pub(super) forced: bool,
    /// When the runner stops waiting for aborted pipelines.
    pub(super) abandon_at: Option<Instant>,
    /// The deadline and the abort grace on the wall clock, which still fire
    /// when every worker thread is blocked.
    pub(super) deadline_clock: Option<CancellationToken>,
    pub(super) abandon_clock: Option<CancellationToken>,
}

impl Collecting {
    /// Starts the grace after which the runner gives up on aborted pipelines.
    pub(super) fn aborted(&mut self) {
        self.abandon_at = Instant::now().checked_add(ABORT_GRACE);
        self.abandon_clock = Some(watchdog::after(ABORT_GRACE));
    }
}

impl<K: Display> RunningPipelines<K> {
    /// The keys still running, sorted; the first few and a count of the rest.
    pub(super) fn still_running(&self) -> String {
        let mut keys: Vec<String> = self.slots.iter().flatten().map(|entry| entry.key.to_string()).collect();
        keys.sort_unstable();
        key_list(keys)
    }

    /// Notes that shutdown has begun, sets the deadline, and returns the
    /// progress ticker, unless nothing is left to wait for.
    pub(super) fn begin_shutdown(&self, state: &mut Collecting) -> Option<Interval> {
        state.shutdown_seen = true;
        shutting_down();
        let now = Instant::now();
        // A timeout too large to add to the clock is no deadline at all.
        state.deadline = self.shutdown_timeout.and_then(|timeout| now.checked_add(timeout));
        state.deadline_clock = self
            .shutdown_timeout
            .filter(|_| state.deadline.is_some())
            .map(watchdog::after);
        if self.remaining == 0 {
            return None;
        }
        match self.shutdown_timeout.filter(|_| state.deadline.is_some()) {
            Some(timeout) => tracing::info!(
                running = self.remaining,
                "shutdown begun; waiting up to {}s for {} pipelines to finish: {}",
                timeout.as_secs_f64(),
                self.remaining,
                self.still_running()
            ),
            None => tracing::info!(
                running = self.remaining,
                "shutdown begun; waiting with no deadline for {} pipelines to finish: {}",
                self.remaining,
                self.still_running()
            ),
        }
        let first = now.checked_add(self.progress_interval).unwrap_or(now);
        let mut progress = interval_at(first, self.progress_interval);
        progress.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Some(progress)
    }

    /// The line logged at each progress tick.
    pub(super) fn report_progress(&self, state: &Collecting) {
        match state.deadline {
            Some(deadline) => tracing::info!(
                running = self.remaining,
                "shutting down: still waiting on {} pipelines ({}); {}s left before they are aborted",
                self.remaining,
                self.still_running(),
                deadline.saturating_duration_since(Instant::now()).as_secs()
            ),
            None => tracing::info!(
                running = self.remaining,
                "shutting down: still waiting on {} pipelines ({}); no deadline",
                self.remaining,
                self.still_running()
            ),
        }
    }
}

/// Ends at `deadline`, or never.
pub(super) async fn wait_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => sleep_until(deadline).await,
        None => pending().await,
    }
}

/// Ends at the next progress tick, or never.
pub(super) async fn tick(progress: Option<&mut Interval>) {
    match progress {
        Some(progress) => {
            progress.tick().await;
        }
        None => pending().await,
    }
}
