//! The spawned pipelines: each becomes one task that waits for the previous
//! run of its key and out its jitter, runs, and comes back with its slot and
//! its result; every step is written to the run's record.

use std::{fmt::Display, sync::Arc, time::Duration};

use tokio::{
    sync::mpsc::{UnboundedReceiver, UnboundedSender},
    task::JoinSet,
    time::{Instant, sleep},
};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::runtime::{
    config::FailurePolicy,
    jitter::random_jitter,
    metrics::{
        metric_names::PIPELINE_TASK_BYTES,
        pipeline::{Distributions, TypetagCache},
    },
    record::{PipelineRecord, lineage::Lineage},
    reporter::RunReporter,
    runner::{
        run_task::{Ended, RunTask, Wait},
        spawner::Command,
    },
    shutdown::ShutdownHandle,
    status::{StatusBoard, new_record},
    task::{TaskError, TaskResult},
};

/// What the runner keeps about each spawned pipeline until it ends: its key
/// and the record its task writes.
pub(super) struct Slot<K> {
    pub(super) key: K,
    pub(super) record: Arc<PipelineRecord>,
}

/// The two ends of the channel from spawners to the collecting loop.
pub(super) type Commands<K> = (UnboundedSender<Command<K>>, UnboundedReceiver<Command<K>>);

/// Pipelines that have been spawned and not yet collected.
///
/// Dropping it aborts every pipeline still running.
pub struct RunningPipelines<K> {
    /// Each task ends with its slot, so that its entry is found without a map.
    pub(super) tasks: JoinSet<Ended>,
    /// One entry per pipeline not yet collected; a collected one's slot is
    /// reused.
    pub(super) slots: Vec<Option<Slot<K>>>,
    /// Slots free for reuse.
    pub(super) free: Vec<usize>,
    pub(super) remaining: usize,
    /// When the pipelines were spawned; outcomes report the time since.
    pub(super) started: Instant,
    /// Shared by the tasks through one `Arc`: cloning a token itself takes a
    /// lock, which thousands of tasks starting at once would contend on.
    pub(super) shutdown: Arc<CancellationToken>,
    pub(super) force: CancellationToken,
    pub(super) shutdown_timeout: Option<Duration>,
    pub(super) progress_interval: Duration,
    pub(super) failure_policy: FailurePolicy,
    /// Where each run's record is listed, when `/pipelines` is served: a
    /// board of its own, whose runs leave the endpoint when this is dropped.
    pub(super) board: Option<Arc<StatusBoard>>,
    /// The histograms of each `typetag` spawned, registered once.
    pub(super) typetags: TypetagCache,
    /// Whether collecting goes on until shutdown even with no pipeline.
    pub(super) hold: bool,
    /// Pipelines added while collecting, once a spawner was asked for.
    pub(super) commands: Option<Commands<K>>,
}

impl<K> std::fmt::Debug for RunningPipelines<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningPipelines")
            .field("running", &self.remaining)
            .field("shutting_down", &self.shutdown.is_cancelled())
            .finish_non_exhaustive()
    }
}

impl<K> RunningPipelines<K> {
    /// Nothing spawned yet; room for `expected` pipelines.
    pub(super) fn new(
        shutdown: CancellationToken,
        shutdown_timeout: Option<Duration>,
        progress_interval: Duration,
        expected: usize,
    ) -> Self {
        Self {
            tasks: JoinSet::new(),
            slots: Vec::with_capacity(expected),
            free: Vec::new(),
            remaining: 0,
            started: Instant::now(),
            shutdown: Arc::new(shutdown),
            force: CancellationToken::new(),
            shutdown_timeout,
            progress_interval,
            failure_policy: FailurePolicy::Isolate,
            board: None,
            typetags: TypetagCache::default(),
            hold: false,
            commands: None,
        }
    }

    /// A handle that starts or forces shutdown while this is being awaited.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle::new(CancellationToken::clone(&self.shutdown), self.force.clone())
    }

    /// How many pipelines have not been collected yet.
    pub fn len(&self) -> usize {
        self.remaining
    }

    /// Whether every pipeline has been collected.
    pub fn is_empty(&self) -> bool {
        self.remaining == 0
    }
}

impl<K: Clone + Display + Send + 'static> RunningPipelines<K> {
    /// A record for a run of `key`, listed on the board if there is one.
    pub(super) fn record(
        &mut self,
        key: &K,
        typetag: &'static str,
        stop: Option<CancellationToken>,
    ) -> Arc<PipelineRecord> {
        let distributions = Distributions::for_run(typetag, &mut self.typetags);
        new_record(self.board.as_ref(), key, typetag, stop, Some(distributions))
    }

    /// Spawns the run `work` builds from its reporter.
    pub(super) fn spawn<F>(
        &mut self,
        key: K,
        typetag: &'static str,
        work: impl FnOnce(RunReporter) -> F,
        lineage: Lineage,
    ) where
        F: Future<Output = TaskResult> + Send + 'static,
    {
        let record = self.record(&key, typetag, lineage.stop.clone());
        self.spawn_recorded(key, record, work, lineage);
    }

    /// Spawns the run `work` builds, writing to `record`.
    pub(super) fn spawn_recorded<F>(
        &mut self,
        key: K,
        record: Arc<PipelineRecord>,
        work: impl FnOnce(RunReporter) -> F,
        lineage: Lineage,
    ) where
        F: Future<Output = TaskResult> + Send + 'static,
    {
        let slot = self.free.pop().unwrap_or(self.slots.len());
        let span = tracing::info_span!("pipeline", key = %key, typetag = record.typetag());
        let jitter = random_jitter(lineage.max_jitter_secs);
        let work = work(RunReporter::to(&record));
        let run = if jitter.is_zero() && lineage.after.is_none() {
            if record.stopping(&self.shutdown) {
                // Asked to stop before it was spawned: it never starts.
                let _ = record.finish(Err(TaskError::Cancelled));
                RunTask::cancelled(slot, Arc::clone(&record), work)
            } else {
                RunTask::new(slot, Arc::clone(&record), None, work)
            }
        } else {
            // Boxed, timers and all, so that the many pipelines without a
            // wait do not carry its state in their task.
            let wait = wait_to_start(Arc::clone(&record), Arc::clone(&self.shutdown), lineage.after, jitter);
            RunTask::new(slot, Arc::clone(&record), Some(wait), work)
        };
        let run = run.instrument(span);
        if self.slots.is_empty() {
            // Every pipeline of a runner has a task of this size: what each
            // one costs in memory beyond its own allocations.
            #[allow(clippy::cast_precision_loss)] // a few kilobytes
            let bytes = std::mem::size_of_val(&run) as f64;
            metrics::gauge!(PIPELINE_TASK_BYTES, "typetag" => record.typetag()).set(bytes);
        }
        let task = self.tasks.spawn(run);
        record.spawned(task);
        let entry = Some(Slot { key, record });
        match self.slots.get_mut(slot) {
            Some(free) => *free = entry,
            None => self.slots.push(entry),
        }
        self.remaining += 1;
    }
}

/// Waits for the previous runs of the key to end, then out the start
/// jitter; the jitter waited, or `None` when the run was stopped meanwhile. A
/// previous run that does not stop is aborted by whoever stopped it, after
/// the shutdown timeout.
fn wait_to_start(
    record: Arc<PipelineRecord>,
    shutdown: Arc<CancellationToken>,
    after: Option<Arc<PipelineRecord>>,
    jitter: Duration,
) -> Wait {
    Box::pin(async move {
        let stop = record.stop_token().unwrap_or(&shutdown);
        if let Some(previous) = after {
            record.behind(Arc::clone(&previous));
            tokio::select! {
                biased;
                () = stop.cancelled() => return None,
                () = previous.settled() => {}
            }
        }
        stop.run_until_cancelled(sleep(jitter)).await.map(|()| jitter)
    })
}
