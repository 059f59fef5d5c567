//! Collecting outcomes: the loop that waits for every task, logs how each
//! pipeline ended, and reports the ones aborted without an outcome.

use std::{fmt::Display, sync::Arc};

use tokio::{
    sync::mpsc::UnboundedReceiver,
    task::JoinError,
    time::{Instant, Interval},
};

use crate::runtime::{
    config::FailurePolicy,
    runner::{
        RunningTopology,
        deadline::{Collecting, tick, wait_until},
        running::{Ended, Entry, RunningPipelines},
        spawner::Command,
    },
    stats::{OutcomeKind, PipelineOutcome, RunStats},
    task::{TaskError, TaskOutput, TaskResult},
    watchdog::either,
};

impl<K: Clone + Display + Send + 'static> RunningTopology for RunningPipelines<K> {
    type Stats = RunStats<K>;

    async fn run_to_completion(mut self) -> RunStats<K> {
        let mut stats = RunStats {
            outcomes: Vec::with_capacity(self.remaining),
            forced: false,
        };
        let mut state = Collecting::default();
        let mut progress: Option<Interval> = None;
        // Held across rounds: registering with a token takes its lock, and
        // the loop turns once per batch of ended pipelines.
        let (shutdown, force) = (Arc::clone(&self.shutdown), self.force.clone());
        let shutdown_begins = shutdown.cancelled();
        let forced = force.cancelled();
        tokio::pin!(shutdown_begins, forced);
        let mut commands = self.commands.take().map(|(_, receiver)| receiver);
        loop {
            if self.tasks.is_empty() && (!self.hold || state.shutdown_seen) {
                // Pipelines sent before the last one ended still run.
                match commands.as_mut().map(UnboundedReceiver::try_recv) {
                    Some(Ok(command)) => {
                        self.apply(command);
                        continue;
                    }
                    _ => break,
                }
            }
            let deadline = state.deadline.filter(|_| !state.timed_out && !state.forced);
            let deadline_clock = state.deadline_clock.clone().filter(|_| deadline.is_some());
            let abandon_clock = state.abandon_clock.clone();
            tokio::select! {
                biased;
                () = &mut forced, if !state.forced => {
                    state.forced = true;
                    if self.remaining > 0 {
                        tracing::warn!("forced shutdown: aborting {} pipelines now: {}", self.remaining, self.still_running());
                    }
                    self.tasks.abort_all();
                    state.aborted();
                }
                () = &mut shutdown_begins, if !state.shutdown_seen => {
                    progress = self.begin_shutdown(&mut state);
                }
                Some(joined) = self.tasks.join_next() => {
                    // Collect whatever else has ended without another round
                    // of the select, with one reading of the clock.
                    let now = Instant::now();
                    self.record(joined, now, &mut stats);
                    while let Some(joined) = self.tasks.try_join_next() {
                        self.record(joined, now, &mut stats);
                    }
                }
                () = either(wait_until(deadline), deadline_clock.as_ref()) => {
                    state.timed_out = true;
                    tracing::error!(
                        "shutdown deadline passed; aborting {} pipelines still running: {}",
                        self.remaining,
                        self.still_running()
                    );
                    self.tasks.abort_all();
                    state.aborted();
                }
                () = either(wait_until(state.abandon_at), abandon_clock.as_ref()), if state.abandon_at.is_some() => {
                    // An aborted task ends at its next `.await`; one that
                    // blocks its thread never gets there. Stop waiting for
                    // it, so that the process still ends.
                    tracing::error!(
                        "{} pipelines did not stop when aborted (blocking their thread?); giving up on them: {}",
                        self.remaining,
                        self.still_running()
                    );
                    break;
                }
                () = tick(progress.as_mut()), if !state.timed_out && !state.forced => self.report_progress(&state),
                command = next_command(commands.as_mut()), if commands.is_some() => match command {
                    Some(command) => self.apply(command),
                    None => commands = None,
                },
            }
        }
        self.sweep_aborted(&state, &mut stats);
        stats.forced = state.forced;
        let summary = stats.summary();
        if stats.is_success() {
            tracing::info!("topology stopped: {summary}");
        } else {
            tracing::warn!("topology stopped: {summary}");
        }
        stats
    }

    fn shutdown(&self) {
        self.shutdown.cancel();
    }
}

impl<K: Clone + Display + Send + 'static> RunningPipelines<K> {
    fn record(&mut self, joined: Result<Ended, JoinError>, now: Instant, stats: &mut RunStats<K>) {
        match joined {
            Ok((slot, result, restarts)) => self.collect(slot, result, restarts, now, stats),
            // Panics are caught inside the task; only an abort ends one
            // without its slot. Aborted entries are swept up at the end.
            Err(error) if error.is_cancelled() => {}
            Err(error) => tracing::error!(%error, "pipeline task ended abnormally"),
        }
    }

    fn collect(&mut self, slot: usize, result: TaskResult, restarts: u32, now: Instant, stats: &mut RunStats<K>) {
        let Some(entry) = self.slots.get_mut(slot).and_then(Option::take) else {
            return;
        };
        self.remaining -= 1;
        let kind = OutcomeKind::of(&result);
        if let Some(metrics) = &entry.metrics {
            metrics.outcome(kind);
        }
        log_outcome(&entry, &result, restarts);
        if matches!(kind, OutcomeKind::Failed | OutcomeKind::Panicked)
            && self.failure_policy == FailurePolicy::Shutdown
            && !self.shutdown.is_cancelled()
        {
            tracing::warn!(
                key = %entry.key,
                typetag = entry.typetag,
                "pipeline {kind}; failure_policy is `shutdown`: stopping the topology"
            );
            self.shutdown.cancel();
        }
        stats.outcomes.push(PipelineOutcome {
            key: entry.key,
            result,
            elapsed: now - self.started,
            restarts,
        });
    }

    /// Reports every pipeline whose task ended without an outcome: the ones
    /// aborted at the deadline or by a forced shutdown.
    fn sweep_aborted(&mut self, state: &Collecting, stats: &mut RunStats<K>) {
        let now = Instant::now();
        for slot in 0..self.slots.len() {
            let Some(entry) = &self.slots[slot] else {
                continue;
            };
            let result = if now.saturating_duration_since(self.started) < entry.jitter {
                // Still in its start jitter: it never ran.
                Err(TaskError::Cancelled)
            } else if state.timed_out && !state.forced {
                Err(TaskError::TimedOut)
            } else {
                Err(TaskError::Aborted)
            };
            // Aborted tasks never told their status how they ended.
            if let Some(status) = &entry.status {
                status.ended_with(&result);
            }
            self.collect(slot, result, 0, now, stats);
        }
    }
}

/// The next command from a spawner; never, without one.
async fn next_command<K>(commands: Option<&mut UnboundedReceiver<Command<K>>>) -> Option<Command<K>> {
    match commands {
        Some(commands) => commands.recv().await,
        None => std::future::pending().await,
    }
}

fn log_outcome<K: Display>(entry: &Entry<K>, result: &TaskResult, restarts: u32) {
    let (key, typetag) = (&entry.key, entry.typetag);
    let after = match restarts {
        0 => String::new(),
        1 => " after 1 restart".to_owned(),
        n => format!(" after {n} restarts"),
    };
    match result {
        Ok(TaskOutput { message: Some(message) }) => {
            tracing::info!(%key, typetag, "pipeline completed{after}: {message}");
        }
        Ok(TaskOutput { message: None }) => tracing::info!(%key, typetag, "pipeline completed{after}"),
        Err(error @ TaskError::Cancelled) => tracing::info!(%key, typetag, "pipeline {error}"),
        Err(error @ TaskError::Aborted) => tracing::warn!(%key, typetag, "pipeline {error}"),
        Err(error) => tracing::error!(%key, typetag, "pipeline{after} {error}"),
    }
}
