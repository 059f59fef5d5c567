//! The spawned pipelines: each becomes one task that waits for the previous
//! run of its key and out its jitter, runs, and comes back with its slot and
//! its result; every step is written to the run's record.

use std::{any::Any, fmt::Display, panic::AssertUnwindSafe, pin::Pin, sync::Arc, time::Duration};

use futures_util::{
    FutureExt,
    future::{Either, lazy, ready},
};
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
    runner::spawner::Command,
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

/// What a pipeline's task ends with: its slot and its result.
/// What a run's task ends with: its slot and its result.
pub(super) struct Ended {
    pub(super) slot: usize,
    pub(super) result: TaskResult,
}

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
        let distributions = Distributions::for_run(key, typetag, &mut self.typetags);
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
        // Built from combinators, not an `async` block: a block that awaits
        // the pipeline's future keeps a second copy of it in the task, and
        // every byte of the task is paid per pipeline.
        let body = body(slot, jitter, Arc::clone(&record), work);
        let run = if jitter.is_zero() && lineage.after.is_none() {
            if record.stopping(&self.shutdown) {
                // Asked to stop before it was spawned: it never starts.
                Either::Left(ready(Ended {
                    slot,
                    result: record.finish(Err(TaskError::Cancelled)),
                }))
            } else {
                Either::Right(Either::Left(body))
            }
        } else {
            // Boxed, timers and all, so that the many pipelines without a
            // wait do not carry its state in their task.
            let waited = wait_to_start(Arc::clone(&record), Arc::clone(&self.shutdown), lineage.after, jitter);
            let cancelled = Arc::clone(&record);
            Either::Right(Either::Right(waited.then(move |start| {
                if start {
                    Either::Left(body)
                } else {
                    Either::Right(ready(Ended {
                        slot,
                        result: cancelled.finish(Err(TaskError::Cancelled)),
                    }))
                }
            })))
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
/// jitter; whether to start (not when the run was stopped meanwhile). A
/// previous run that does not stop is aborted by whoever stopped it, after
/// the shutdown timeout.
fn wait_to_start(
    record: Arc<PipelineRecord>,
    shutdown: Arc<CancellationToken>,
    after: Option<Arc<PipelineRecord>>,
    jitter: Duration,
) -> Pin<Box<dyn Future<Output = bool> + Send>> {
    Box::pin(async move {
        let stop = record.stop_token().unwrap_or(&shutdown);
        if let Some(previous) = after {
            record.behind(Arc::clone(&previous));
            tokio::select! {
                biased;
                () = stop.cancelled() => return false,
                () = previous.settled() => {}
            }
        }
        stop.run_until_cancelled(sleep(jitter)).await.is_some()
    })
}

/// A pipeline's run once its wait is over: marked running, a panic caught
/// as its outcome, and its end recorded.
fn body<F>(
    slot: usize,
    jitter: Duration,
    record: Arc<PipelineRecord>,
    work: F,
) -> impl Future<Output = Ended> + Send + 'static
where
    F: Future<Output = TaskResult> + Send + 'static,
{
    let starting = lazy(move |_| {
        record.running();
        if let Some(distributions) = record.distributions() {
            distributions.started(jitter);
        }
        tracing::debug!(jitter_secs = jitter.as_secs_f64(), "pipeline started");
        (record, Instant::now())
    });
    starting.then(move |(record, began)| {
        // Caught here rather than from the JoinError, so the outcome always
        // comes back with its slot and the panic's message.
        AssertUnwindSafe(work).catch_unwind().map(move |caught| {
            let result = match caught {
                Ok(result) => result,
                Err(payload) => Err(panicked(payload)),
            };
            if let Some(distributions) = record.distributions() {
                distributions.run_ended(began.elapsed());
            }
            // Here rather than when collected: `/pipelines` shows the end
            // even while nobody awaits the outcomes.
            Ended {
                slot,
                result: record.finish(result),
            }
        })
    })
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
