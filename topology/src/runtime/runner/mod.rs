//! Spawning pipelines, watching them, and collecting how each one ended.

mod collect;
mod commands;
mod deadline;
mod run_task;
pub(crate) mod running;
pub(crate) mod spawner;

use std::{fmt::Display, sync::Arc, time::Duration};

use futures_util::FutureExt;

use crate::runtime::{
    config::{FailurePolicy, GlobalConfig},
    context::PipelineContext,
    metrics::pipeline::TypetagCache,
    metrics::server::MetricsServer,
    pipeline::Pipeline,
    record::lineage::Lineage,
    reporter::RunReporter,
    runner::running::RunningPipelines,
    running_topology::{RunningTopology, run_until_signalled},
    shutdown::ShutdownSignals,
    stats::RunStats,
    status::Boards,
    task::{Task, TaskError, TaskOutput, TaskResult},
};

/// A pipeline's run as a task's work: its error kept as the failure. A
/// combinator rather than an `async` block, which would hold the pipeline and
/// its future side by side.
pub(crate) fn pipeline_task<P: Pipeline>(
    pipeline: P,
    reporter: RunReporter,
) -> impl Future<Output = TaskResult> + Send + 'static {
    pipeline
        .run_reporting(reporter)
        .map(|result| result.map(|()| TaskOutput::default()).map_err(TaskError::failed))
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
/// let runner = PipelineRunner::new(PipelineContext::default().with_poll_jitter_secs(0), "job");
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
    failure_policy: FailurePolicy,
    per_key_histograms: bool,
    /// The boards of the endpoint that serves it: each topology it starts
    /// lists its runs on a board of its own there.
    boards: Option<Arc<Boards>>,
}

impl PipelineRunner {
    /// How often shutdown progress is logged unless set otherwise.
    pub const DEFAULT_PROGRESS_INTERVAL: Duration = Duration::from_secs(5);

    /// A runner for pipelines sharing `context`; `typetag` names their kind
    /// (such as `"table"`) in logs and metrics. The shutdown timeout and
    /// the failure policy start at [`GlobalConfig`]'s defaults.
    pub fn new(context: PipelineContext, typetag: &'static str) -> Self {
        let defaults = GlobalConfig::default();
        Self {
            context,
            typetag,
            shutdown_timeout: defaults.shutdown_timeout(),
            progress_interval: Self::DEFAULT_PROGRESS_INTERVAL,
            failure_policy: defaults.failure_policy,
            per_key_histograms: defaults.per_key_histograms,
            boards: None,
        }
    }

    /// Whether each key also gets its own run-duration, iteration-duration
    /// and start-jitter histograms, besides its `typetag`'s (48 lines per
    /// key in every scrape: for small topologies). They are kept with each
    /// run's record and served, like the other per-key series, by the
    /// endpoint given to [`served_by`](Self::served_by); an unserved runner
    /// keeps none.
    #[must_use]
    pub fn per_key_histograms(mut self, on: bool) -> Self {
        self.per_key_histograms = on;
        self
    }

    /// Lists each run's record at `server`, on a board of the topology's
    /// own: `/pipelines` shows the runs, and `/metrics` their per-key series
    /// (running, starts, restarts, outcomes, last iteration). A run whose
    /// entry leaves the topology leaves both, and so does every run of a
    /// topology that has ended.
    ///
    /// ```
    /// # topology::block_on(async {
    /// use topology::{CancellationToken, MetricsServer, PipelineContext, PipelineRunner, PrometheusRecorder};
    ///
    /// let recorder = PrometheusRecorder::install().unwrap();
    /// let server = MetricsServer::start("127.0.0.1:0".parse().unwrap(), CancellationToken::new(), &recorder).await.unwrap();
    /// let runner = PipelineRunner::new(PipelineContext::default().with_poll_jitter_secs(0), "job").served_by(&server);
    /// # server.stop().await;
    /// # });
    /// ```
    #[must_use]
    pub fn served_by(mut self, server: &MetricsServer) -> Self {
        self.boards = Some(Arc::clone(server.boards()));
        self
    }

    /// What happens when a pipeline ends failed or panicked: the others keep
    /// running ([`FailurePolicy::Isolate`], the default), or a graceful
    /// shutdown of all begins ([`FailurePolicy::Shutdown`]).
    pub fn failure_policy(mut self, policy: FailurePolicy) -> Self {
        self.failure_policy = policy;
        self
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
        self.spawn_all(&mut running, pipelines);
        running
    }

    /// Spawns every pipeline into `running`.
    pub(crate) fn spawn_all<P: Pipeline>(
        &self,
        running: &mut RunningPipelines<P::Key>,
        pipelines: impl IntoIterator<Item = P>,
    ) {
        for pipeline in pipelines {
            let key = pipeline.key().clone();
            // Not boxed: a pipeline's future is spawned as it is.
            running.spawn(
                key,
                self.typetag,
                |reporter| pipeline_task(pipeline, reporter),
                self.lineage(),
            );
        }
    }

    /// Spawns tasks as [`start`](Self::start) spawns pipelines.
    pub fn start_tasks<K>(&self, tasks: impl IntoIterator<Item = Task<K>>) -> RunningPipelines<K>
    where
        K: Clone + Display + Send + 'static,
    {
        let tasks = tasks.into_iter();
        let mut running = self.running(tasks.size_hint().0);
        for Task { key, future, typetag } in tasks {
            running.spawn(key, typetag, |_| future, self.lineage());
        }
        running
    }

    /// How a pipeline started by this runner is spawned: it stops with the
    /// topology, after its start jitter.
    fn lineage(&self) -> Lineage {
        Lineage {
            stop: None,
            after: None,
            max_jitter_secs: self.context.poll_jitter_secs,
        }
    }

    /// Nothing spawned yet, with this runner's settings.
    pub(crate) fn running<K>(&self, expected: usize) -> RunningPipelines<K> {
        let mut running = RunningPipelines::new(
            self.context.shutdown.clone(),
            self.shutdown_timeout,
            self.progress_interval,
            expected,
        );
        running.failure_policy = self.failure_policy;
        running.board = self.boards.as_ref().map(|boards| boards.add());
        // A key's own histograms are read only from a board.
        running.typetags = TypetagCache::new(self.per_key_histograms && running.board.is_some());
        running
    }

    /// Runs every pipeline to its end, shutting down on `signals`: the first
    /// SIGINT, SIGTERM or SIGQUIT starts a graceful shutdown, any signal
    /// after that aborts every pipeline at once. Install the signals before
    /// building anything that may take time, so that an early signal is not
    /// lost. ([`run_pipelines`](crate::run_pipelines) does all of this and
    /// serves metrics too.)
    pub async fn run_with_signals<P: Pipeline>(
        self,
        signals: ShutdownSignals,
        pipelines: impl IntoIterator<Item = P>,
    ) -> RunStats<P::Key> {
        let running = self.start(pipelines);
        let handle = running.shutdown_handle();
        run_until_signalled(signals, handle, running).await
    }
}
