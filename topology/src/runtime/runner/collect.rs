//! Collecting outcomes: the loop that waits for every task, logs how each
//! pipeline ended, and reports the ones aborted without an outcome.

use std::{fmt::Display, sync::Arc, time::Duration};

use tokio::{
    sync::mpsc::UnboundedReceiver,
    task::{Id, JoinError},
    time::Interval,
};

use crate::runtime::{
    config::FailurePolicy,
    one_line::{OneLine, one_line},
    record::PipelineRecord,
    runner::{
        RunningTopology,
        deadline::{Collecting, tick, wait_until},
        run_task::{Ended, panicked},
        running::{RunningPipelines, Slot},
        spawner::Command,
    },
    stats::{OutcomeKind, PipelineOutcome, RunStats},
    task::{TaskError, TaskOutput, TaskResult},
    watchdog::timer_or_wall_clock,
};

impl<K: Clone + Display + Send + 'static> RunningTopology for RunningPipelines<K> {
    type Stats = RunStats<K>;

    async fn run_to_completion(mut self) -> RunStats<K> {
        let mut stats = RunStats {
            outcomes: Vec::with_capacity(self.remaining),
            ..RunStats::default()
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
                Some(joined) = self.tasks.join_next_with_id() => {
                    // Collect whatever else has ended without another round
                    // of the select, with one reading of the clock.
                    let elapsed = self.started.elapsed();
                    self.take_joined(joined, elapsed, &state, &mut stats);
                    while let Some(joined) = self.tasks.try_join_next_with_id() {
                        self.take_joined(joined, elapsed, &state, &mut stats);
                    }
                }
                () = timer_or_wall_clock(wait_until(deadline), deadline_clock.as_ref()) => {
                    state.timed_out = true;
                    tracing::error!(
                        "shutdown deadline passed; aborting {} pipelines still running: {}",
                        self.remaining,
                        self.still_running()
                    );
                    self.tasks.abort_all();
                    state.aborted();
                }
                () = timer_or_wall_clock(wait_until(state.abandon_at), abandon_clock.as_ref()), if state.abandon_at.is_some() => {
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
    fn take_joined(
        &mut self,
        joined: Result<(Id, Ended), JoinError>,
        elapsed: Duration,
        state: &Collecting,
        stats: &mut RunStats<K>,
    ) {
        match joined {
            Ok((_, Ended { slot, result })) => self.collect(slot, result, elapsed, stats),
            // Aborted together at the deadline or by force: swept up at the
            // end, each reported by what its record says it was doing.
            Err(error) if error.is_cancelled() && state.abandon_at.is_some() => {}
            Err(error) => {
                // Aborted on its own (it outlived its successor's wait), or a
                // panic that escaped: its record is found by its task's id.
                let id = error.id();
                let Some(slot) = self.slot_of(id) else {
                    tracing::error!(%error, "pipeline task ended abnormally");
                    return;
                };
                let result = match error.try_into_panic() {
                    Ok(payload) => Err(panicked(payload)),
                    Err(_) => Ok(TaskOutput::default()),
                };
                let result = match (result, &self.slots[slot]) {
                    (Err(panic), Some(entry)) => entry.record.finish(Err(panic)),
                    (_, Some(entry)) => entry.record.finish_aborted(false),
                    (result, None) => result,
                };
                self.collect(slot, result, elapsed, stats);
            }
        }
    }

    /// The slot of the task `id`: a search, for the rare task that ends
    /// without its slot.
    fn slot_of(&self, id: Id) -> Option<usize> {
        self.slots
            .iter()
            .position(|entry| entry.as_ref().is_some_and(|entry| entry.record.task_id() == Some(id)))
    }

    /// Collects the outcome of the run in `slot`, which ended `elapsed`
    /// after the topology started.
    fn collect(&mut self, slot: usize, result: TaskResult, elapsed: Duration, stats: &mut RunStats<K>) {
        let Some(Slot { key, record }) = self.slots.get_mut(slot).and_then(Option::take) else {
            return;
        };
        if self.free.len() == self.free.capacity() {
            // Room for every slot at once: growing by doubling as thousands
            // end copies the list again and again.
            self.free.reserve_exact(self.slots.len() - self.free.len());
        }
        self.free.push(slot);
        self.remaining -= 1;
        let kind = OutcomeKind::of(&result);
        let restarts = record.restarts();
        log_outcome(&key, &record, &result, restarts);
        if matches!(kind, OutcomeKind::Failed | OutcomeKind::Panicked)
            && self.failure_policy == FailurePolicy::Shutdown
            && !self.shutdown.is_cancelled()
        {
            tracing::warn!(
                key = %key,
                typetag = record.typetag(),
                "pipeline {kind}; failure_policy is `shutdown`: stopping the topology"
            );
            self.shutdown.cancel();
        }
        record.collected();
        if record.is_forgotten() {
            // Logged above; kept as a count, so that reloads do not grow.
            stats.forgotten.add(kind);
            return;
        }
        stats.outcomes.push(PipelineOutcome {
            key,
            result,
            elapsed,
            restarts,
        });
    }

    /// Reports every pipeline whose task ended without an outcome: the ones
    /// aborted at the deadline or by a forced shutdown. What each one's
    /// record says it was doing decides how it is reported.
    fn sweep_aborted(&mut self, state: &Collecting, stats: &mut RunStats<K>) {
        let elapsed = self.started.elapsed();
        for slot in 0..self.slots.len() {
            let Some(entry) = &self.slots[slot] else {
                continue;
            };
            let result = entry.record.finish_aborted(state.timed_out && !state.forced);
            self.collect(slot, result, elapsed, stats);
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

/// Writes how a run ended; `outcome` is a field of every such line (one
/// per run), so that they can be filtered and counted.
fn log_outcome<K: Display>(key: &K, record: &PipelineRecord, result: &TaskResult, restarts: u32) {
    let typetag = record.typetag();
    let outcome = OutcomeKind::of(result).as_str();
    let after = match restarts {
        0 => String::new(),
        1 => " after 1 restart".to_owned(),
        n => format!(" after {n} restarts"),
    };
    match result {
        Ok(TaskOutput { message: Some(message) }) => {
            tracing::info!(%key, typetag, outcome, "pipeline completed{after}: {}", one_line(message));
        }
        Ok(TaskOutput { message: None }) => tracing::info!(%key, typetag, outcome, "pipeline completed{after}"),
        Err(TaskError::Cancelled) if record.started() => {
            tracing::info!(%key, typetag, outcome, "pipeline cancelled{after}: stopped during its restart backoff");
        }
        Err(error @ TaskError::Cancelled) => tracing::info!(%key, typetag, outcome, "pipeline {error}"),
        Err(TaskError::TimedOut) if record.timed_out_alone() => tracing::error!(
            %key,
            typetag,
            outcome,
            "pipeline{after} timed out: it did not stop within the shutdown timeout once its entry changed or left; aborted"
        ),
        Err(error @ TaskError::Aborted) => tracing::warn!(%key, typetag, outcome, "pipeline {error}"),
        Err(error) => tracing::error!(%key, typetag, outcome, "pipeline{after} {}", OneLine(error)),
    }
}
