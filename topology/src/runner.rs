//! Spawning pipelines, watching them, and collecting how each one ended.

use std::{fmt::Display, future::pending, panic::AssertUnwindSafe, sync::Arc, time::Duration};

use futures_util::FutureExt;
use tokio::{
    task::{JoinError, JoinSet},
    time::{Instant, Interval, MissedTickBehavior, interval_at, sleep, sleep_until},
};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::{
    OutcomeKind, Pipeline, PipelineContext, PipelineOutcome, RunStats, ShutdownSignals, Task, TaskError, TaskOutput,
    TaskResult, TopologyError, metrics::PipelineMetrics, random_jitter,
};

/// The lifecycle of a running topology.
#[allow(async_fn_in_trait)] // callers await it in place; no boxing is wanted
pub trait RunningTopology {
    /// What the run ends with.
    type Stats;

    /// Waits until every component has ended, and reports how.
    async fn run_to_completion(self) -> Self::Stats;

    /// Starts a graceful shutdown.
    fn shutdown(&self);
}

/// Starts and stops a running topology from anywhere: cloneable, and still
/// usable while [`RunningTopology::run_to_completion`] is awaited.
#[derive(Clone, Debug)]
pub struct ShutdownHandle {
    shutdown: CancellationToken,
    force: CancellationToken,
}

impl ShutdownHandle {
    /// Starts a graceful shutdown, as the first signal does.
    pub fn shutdown(&self) {
        self.shutdown.cancel();
    }

    /// Aborts every pipeline at once, as a second signal does.
    pub fn force(&self) {
        self.shutdown.cancel();
        self.force.cancel();
    }

    /// Whether shutdown has begun.
    pub fn is_shutting_down(&self) -> bool {
        self.shutdown.is_cancelled()
    }
}

/// Spawns pipelines with jittered starts and collects their outcomes.
///
/// ```
/// # topology::block_on(async {
/// use std::convert::Infallible;
/// use topology::{Pipeline, PipelineContext, PipelineRunner, RunningTopology};
///
/// struct Once(&'static str);
///
/// impl Pipeline for Once {
///     type Key = &'static str;
///     type Error = Infallible;
///     fn key(&self) -> &&'static str {
///         &self.0
///     }
///     async fn run(self) -> Result<(), Infallible> {
///         Ok(())
///     }
/// }
///
/// let runner = PipelineRunner::new(PipelineContext::default(), "job");
/// let stats = runner.start([Once("a"), Once("b")]).run_to_completion().await;
/// assert_eq!(stats.counts().completed, 2);
/// # }).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct PipelineRunner {
    context: PipelineContext,
    typetag: &'static str,
    shutdown_timeout: Option<Duration>,
    progress_interval: Duration,
}

impl PipelineRunner {
    /// How often shutdown progress is logged unless set otherwise.
    pub const DEFAULT_PROGRESS_INTERVAL: Duration = Duration::from_secs(5);

    /// A runner for pipelines sharing `context`; `typetag` names their kind
    /// (such as `"table"`) in logs and metrics. The shutdown timeout starts
    /// at 30 seconds.
    pub fn new(context: PipelineContext, typetag: &'static str) -> Self {
        Self {
            context,
            typetag,
            shutdown_timeout: Some(Duration::from_secs(30)),
            progress_interval: Self::DEFAULT_PROGRESS_INTERVAL,
        }
    }

    /// How long shutdown waits for running pipelines before aborting them;
    /// `None` waits forever.
    pub fn shutdown_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// How often, while shutdown waits, a line names the pipelines still
    /// running.
    pub fn progress_interval(mut self, every: Duration) -> Self {
        self.progress_interval = every.max(Duration::from_millis(1));
        self
    }

    /// The context the pipelines share.
    pub fn context(&self) -> &PipelineContext {
        &self.context
    }

    /// Spawns every pipeline, each after its own start jitter. Must be called
    /// inside a tokio runtime. Signals are not watched: shut the topology down
    /// through the returned handle or the context's token.
    pub fn start<P: Pipeline>(&self, pipelines: impl IntoIterator<Item = P>) -> RunningPipelines<P::Key> {
        let pipelines = pipelines.into_iter();
        let mut running = self.running(pipelines.size_hint().0);
        for pipeline in pipelines {
            let key = pipeline.key().clone();
            // Not boxed: a pipeline's future is spawned as it is.
            let work = async move {
                pipeline
                    .run()
                    .await
                    .map(|()| TaskOutput::default())
                    .map_err(TaskError::failed)
            };
            running.spawn(key, self.typetag, work, self.context.poll_jitter_secs);
        }
        running
    }

    /// Spawns tasks as [`start`](Self::start) spawns pipelines.
    pub fn start_tasks<K>(&self, tasks: impl IntoIterator<Item = Task<K>>) -> RunningPipelines<K>
    where
        K: Clone + Display + Send + 'static,
    {
        let tasks = tasks.into_iter();
        let mut running = self.running(tasks.size_hint().0);
        for Task { key, future, typetag } in tasks {
            running.spawn(key, typetag, future, self.context.poll_jitter_secs);
        }
        running
    }

    fn running<K>(&self, expected: usize) -> RunningPipelines<K> {
        RunningPipelines {
            tasks: JoinSet::new(),
            slots: Vec::with_capacity(expected),
            remaining: 0,
            started: Instant::now(),
            shutdown: Arc::new(self.context.shutdown.clone()),
            force: CancellationToken::new(),
            shutdown_timeout: self.shutdown_timeout,
            progress_interval: self.progress_interval,
        }
    }

    /// Installs the signal handlers, then runs every pipeline to its end.
    ///
    /// The first SIGINT, SIGTERM or SIGQUIT starts a graceful shutdown; any
    /// signal after that aborts every pipeline at once.
    pub async fn run<P: Pipeline>(
        self,
        pipelines: impl IntoIterator<Item = P>,
    ) -> Result<RunStats<P::Key>, TopologyError> {
        let signals = ShutdownSignals::install().map_err(TopologyError::Signals)?;
        Ok(self.run_with_signals(signals, pipelines).await)
    }

    /// Runs every pipeline to its end, shutting down on `signals`. Install the
    /// signals before building anything that may take time, so that an early
    /// signal is not lost.
    pub async fn run_with_signals<P: Pipeline>(
        self,
        signals: ShutdownSignals,
        pipelines: impl IntoIterator<Item = P>,
    ) -> RunStats<P::Key> {
        let running = self.start(pipelines);
        let watcher = signals.watch(running.shutdown_handle());
        let stats = running.run_to_completion().await;
        watcher.abort();
        stats
    }
}

/// What the runner keeps about each spawned pipeline until it ends.
struct Entry<K> {
    key: K,
    metrics: Option<Arc<PipelineMetrics>>,
    typetag: &'static str,
}

/// Pipelines that have been spawned and not yet collected.
///
/// Dropping it aborts every pipeline still running.
pub struct RunningPipelines<K> {
    /// Each task ends with its slot, so that its entry is found without a map.
    tasks: JoinSet<(usize, TaskResult)>,
    /// One entry per spawned pipeline, taken when its outcome is collected.
    slots: Vec<Option<Entry<K>>>,
    remaining: usize,
    /// When the pipelines were spawned; outcomes report the time since.
    started: Instant,
    /// Shared by the tasks through one `Arc`: cloning a token itself takes a
    /// lock, which thousands of tasks starting at once would contend on.
    shutdown: Arc<CancellationToken>,
    force: CancellationToken,
    shutdown_timeout: Option<Duration>,
    progress_interval: Duration,
}

impl<K> std::fmt::Debug for RunningPipelines<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningPipelines")
            .field("running", &self.remaining)
            .field("shutting_down", &self.shutdown.is_cancelled())
            .finish_non_exhaustive()
    }
}

/// What has happened so far while collecting outcomes.
#[derive(Default)]
struct Collecting {
    shutdown_seen: bool,
    deadline: Option<Instant>,
    timed_out: bool,
    forced: bool,
}

impl<K: Clone + Display + Send + 'static> RunningPipelines<K> {
    fn spawn<F>(&mut self, key: K, typetag: &'static str, work: F, max_jitter_secs: u64)
    where
        F: Future<Output = TaskResult> + Send + 'static,
    {
        let slot = self.slots.len();
        let metrics = PipelineMetrics::new(&key, typetag);
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
        let task_metrics = metrics.clone();
        let run = async move {
            if let Some((shutdown, jitter)) = jitter_wait {
                // Boxed, timer and all, so that the many pipelines without
                // jitter do not carry the wait's state in their task.
                let waited = Box::pin(async move { shutdown.run_until_cancelled(sleep(jitter)).await.is_some() });
                if !waited.await {
                    return (slot, Err(TaskError::Cancelled));
                }
            } else if cancelled {
                return (slot, Err(TaskError::Cancelled));
            }
            // Boxed: held across the whole run, and only there with metrics on.
            let _running = task_metrics.as_ref().map(|metrics| Box::new(metrics.started(jitter)));
            tracing::debug!(jitter_secs = jitter.as_secs_f64(), "pipeline started");
            // Caught here rather than from the JoinError, so the outcome
            // always comes back with its slot and the panic's message.
            let result = AssertUnwindSafe(crate::interval::scope_pipeline(task_metrics, work))
                .catch_unwind()
                .await
                .unwrap_or_else(|payload| Err(TaskError::panicked(payload.as_ref())));
            (slot, result)
        };
        let run = run.instrument(span);
        self.tasks.spawn(run);
        self.slots.push(Some(Entry { key, metrics, typetag }));
        self.remaining += 1;
    }

    /// A handle that starts or forces shutdown while this is being awaited.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle {
            shutdown: CancellationToken::clone(&self.shutdown),
            force: self.force.clone(),
        }
    }

    /// How many pipelines have not been collected yet.
    pub fn len(&self) -> usize {
        self.remaining
    }

    /// Whether every pipeline has been collected.
    pub fn is_empty(&self) -> bool {
        self.remaining == 0
    }

    fn still_running(&self) -> String {
        const SHOWN: usize = 20;
        let mut keys: Vec<String> = self.slots.iter().flatten().map(|entry| entry.key.to_string()).collect();
        keys.sort_unstable();
        let hidden = keys.len().saturating_sub(SHOWN);
        keys.truncate(SHOWN);
        let mut list = keys.join(", ");
        if hidden > 0 {
            list.push_str(&format!(" and {hidden} more"));
        }
        list
    }

    fn begin_shutdown(&self, state: &mut Collecting) -> Option<Interval> {
        state.shutdown_seen = true;
        crate::metrics::shutting_down();
        let now = Instant::now();
        state.deadline = self.shutdown_timeout.map(|timeout| now + timeout);
        if self.remaining == 0 {
            return None;
        }
        match self.shutdown_timeout {
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
        let mut progress = interval_at(now + self.progress_interval, self.progress_interval);
        progress.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Some(progress)
    }

    fn report_progress(&self, state: &Collecting) {
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

    fn record(&mut self, joined: Result<(usize, TaskResult), JoinError>, now: Instant, stats: &mut RunStats<K>) {
        match joined {
            Ok((slot, result)) => self.collect(slot, result, now, stats),
            // Panics are caught inside the task; only an abort ends one
            // without its slot. Aborted entries are swept up at the end.
            Err(error) if error.is_cancelled() => {}
            Err(error) => tracing::error!(%error, "pipeline task ended abnormally"),
        }
    }

    fn collect(&mut self, slot: usize, result: TaskResult, now: Instant, stats: &mut RunStats<K>) {
        let Some(entry) = self.slots.get_mut(slot).and_then(Option::take) else {
            return;
        };
        self.remaining -= 1;
        let kind = OutcomeKind::of(&result);
        if let Some(metrics) = &entry.metrics {
            metrics.outcome(kind);
        }
        log_outcome(&entry, &result);
        stats.outcomes.push(PipelineOutcome {
            key: entry.key,
            result,
            elapsed: now - self.started,
        });
    }

    /// Reports every pipeline whose task ended without an outcome: the ones
    /// aborted at the deadline or by a forced shutdown.
    fn sweep_aborted(&mut self, state: &Collecting, stats: &mut RunStats<K>) {
        let now = Instant::now();
        for slot in 0..self.slots.len() {
            if self.slots[slot].is_some() {
                let result = if state.timed_out && !state.forced {
                    Err(TaskError::TimedOut)
                } else {
                    Err(TaskError::Aborted)
                };
                self.collect(slot, result, now, stats);
            }
        }
    }
}

fn log_outcome<K: Display>(entry: &Entry<K>, result: &TaskResult) {
    let (key, typetag) = (&entry.key, entry.typetag);
    match result {
        Ok(TaskOutput { message: Some(message) }) => {
            tracing::info!(%key, typetag, "pipeline completed: {message}");
        }
        Ok(TaskOutput { message: None }) => tracing::info!(%key, typetag, "pipeline completed"),
        Err(error @ TaskError::Cancelled) => tracing::info!(%key, typetag, "pipeline {error}"),
        Err(error @ TaskError::Aborted) => tracing::warn!(%key, typetag, "pipeline {error}"),
        Err(error) => tracing::error!(%key, typetag, "pipeline {error}"),
    }
}

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
        while !self.tasks.is_empty() {
            let deadline = state.deadline.filter(|_| !state.timed_out && !state.forced);
            tokio::select! {
                biased;
                () = &mut forced, if !state.forced => {
                    state.forced = true;
                    if self.remaining > 0 {
                        tracing::warn!("forced shutdown: aborting {} pipelines now: {}", self.remaining, self.still_running());
                    }
                    self.tasks.abort_all();
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
                () = wait_until(deadline) => {
                    state.timed_out = true;
                    tracing::error!(
                        "shutdown deadline passed; aborting {} pipelines still running: {}",
                        self.remaining,
                        self.still_running()
                    );
                    self.tasks.abort_all();
                }
                () = tick(progress.as_mut()), if !state.timed_out && !state.forced => self.report_progress(&state),
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

async fn wait_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => sleep_until(deadline).await,
        None => pending().await,
    }
}

async fn tick(progress: Option<&mut Interval>) {
    match progress {
        Some(progress) => {
            progress.tick().await;
        }
        None => pending().await,
    }
}
