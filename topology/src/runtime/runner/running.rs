//! The spawned pipelines: each becomes one task that waits out its jitter,
//! runs inside its span, and comes back with its slot and its result.

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
    metrics::pipeline::{PipelineMetrics, TypetagCache},
    runner::spawner::Command,
    scope::{Reporters, scope_pipeline},
    shutdown::ShutdownHandle,
    status::{PipelineStatus, StatusBoard},
    task::{TaskError, TaskResult},
};

/// What the runner keeps about each spawned pipeline until it ends.
pub(super) struct Entry<K> {
    pub(super) key: K,
    /// The pipeline's start jitter, from when the pipelines were spawned:
    /// aborted before it ends, the pipeline never started, and is reported
    /// cancelled.
    pub(super) jitter: Duration,
    pub(super) metrics: Option<Arc<PipelineMetrics>>,
    pub(super) status: Option<Arc<PipelineStatus>>,
    pub(super) typetag: &'static str,
}

/// The two ends of the channel from spawners to the collecting loop.
pub(super) type Commands<K> = (UnboundedSender<Command<K>>, UnboundedReceiver<Command<K>>);

/// What a pipeline's task ends with: its slot, its result, and how many
/// times it restarted.
pub(super) type Ended = (usize, TaskResult, u32);

/// Pipelines that have been spawned and not yet collected.
///
/// Dropping it aborts every pipeline still running.
pub struct RunningPipelines<K> {
    /// Each task ends with its slot, so that its entry is found without a map.
    pub(super) tasks: JoinSet<Ended>,
    /// One entry per spawned pipeline, taken when its outcome is collected.
    pub(super) slots: Vec<Option<Entry<K>>>,
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
    /// Where each pipeline's status is kept, when `/pipelines` is served.
    pub(super) board: Option<Arc<StatusBoard>>,
    /// The histograms of each `typetag` spawned, registered once.
    pub(super) typetags: TypetagCache,
    /// Whether collecting goes on until shutdown even with no pipeline.
    pub(crate) hold: bool,
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
    pub(super) fn spawn<F>(&mut self, key: K, typetag: &'static str, work: F, max_jitter_secs: u64)
    where
        F: Future<Output = TaskResult> + Send + 'static,
    {
        let slot = self.slots.len();
        let metrics = PipelineMetrics::new(&key, typetag, &mut self.typetags);
        let status = self
            .board
            .as_ref()
            .map(|board| board.register(key.to_string(), typetag));
        let span = tracing::info_span!("pipeline", key = %key, typetag);
        let jitter = random_jitter(max_jitter_secs);
        // Without jitter there is nothing to wait for, so the task needs no
        // token: a pipeline spawned after shutdown began is cancelled here.
        let jitter_wait = if jitter.is_zero() {
            None
        } else {
            Some((Arc::clone(&self.shutdown), jitter))
        };
        let cancelled = jitter.is_zero() && self.shutdown.is_cancelled();
        let reporters = (metrics.clone(), status.clone());
        // Built from combinators, not an `async` block: a block that awaits
        // the pipeline's future keeps a second copy of it in the task, and
        // every byte of the task is paid per pipeline.
        let body = scoped_body(slot, jitter, reporters, work);
        let run = match jitter_wait {
            None if cancelled => Either::Left(ready((slot, Err(TaskError::Cancelled), 0))),
            None => Either::Right(Either::Left(body)),
            Some((shutdown, jitter)) => {
                // Boxed, timer and all, so that the many pipelines without
                // jitter do not carry the wait's state in their task.
                let waited: Pin<Box<dyn Future<Output = bool> + Send>> =
                    Box::pin(async move { shutdown.run_until_cancelled(sleep(jitter)).await.is_some() });
                Either::Right(Either::Right(waited.then(move |waited| {
                    if waited {
                        Either::Left(body)
                    } else {
                        Either::Right(ready((slot, Err(TaskError::Cancelled), 0)))
                    }
                })))
            }
        };
        let run = run.instrument(span);
        if slot == 0 {
            // Every pipeline of a runner has a task of this size: what each
            // one costs beyond its own future.
            tracing::debug!(bytes = std::mem::size_of_val(&run), "pipeline task size");
        }
        self.tasks.spawn(run);
        self.slots.push(Some(Entry {
            key,
            jitter,
            metrics,
            status,
            typetag,
        }));
        self.remaining += 1;
    }
}

/// A pipeline's run once its jitter is over: marked started, in its scope,
/// with a panic caught as its outcome, and marked ended.
fn scoped_body<F>(
    slot: usize,
    jitter: Duration,
    (metrics, status): Reporters,
    work: F,
) -> impl Future<Output = Ended> + Send + 'static
where
    F: Future<Output = TaskResult> + Send + 'static,
{
    let starting = lazy(move |_| {
        // Boxed: held across the whole run, and only there with metrics on.
        let running = metrics.as_ref().map(|metrics| Box::new(metrics.started(jitter)));
        if let Some(status) = &status {
            status.running();
        }
        tracing::debug!(jitter_secs = jitter.as_secs_f64(), "pipeline started");
        (running, metrics, status)
    });
    starting.then(move |(running, metrics, status)| {
        let ended = status.clone();
        // Caught here rather than from the JoinError, so the outcome always
        // comes back with its slot and the panic's message.
        AssertUnwindSafe(scope_pipeline((metrics, status), work))
            .catch_unwind()
            .map(move |caught| {
                let (result, restarts) = caught.unwrap_or_else(|payload| (Err(panicked(payload)), 0));
                drop(running);
                // Here rather than when collected: `/pipelines` shows the
                // end even while nobody awaits the outcomes.
                if let Some(status) = &ended {
                    status.ended_with(&result);
                }
                (slot, result, restarts)
            })
    })
}

/// The outcome of a panic. The payload is dropped here, where a payload
/// whose own drop panics cannot take the task (and the outcome's slot) down
/// with it; a payload that panics again is forgotten.
fn panicked(payload: Box<dyn Any + Send>) -> TaskError {
    let error = TaskError::panicked(payload.as_ref());
    if let Err(again) = std::panic::catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(again);
    }
    error
}
