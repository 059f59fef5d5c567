//! Pipelines served together with their metrics endpoint: what
//! [`run_pipelines`](crate::run_pipelines) starts, and what the generated
//! program's started topology wraps.

use std::{fmt, fmt::Display, net::SocketAddr};

use crate::runtime::{
    config::GlobalConfig,
    context::PipelineContext,
    error::TopologyError,
    key_list::key_list,
    metrics::{
        PrometheusRecorder,
        server::{MetricsAddress, MetricsServer},
    },
    pipeline::Pipeline,
    runner::{PipelineRunner, running::RunningPipelines, spawner::PipelineSpawner},
    running_topology::RunningTopology,
    shutdown::ShutdownHandle,
    stats::RunStats,
};

/// Running pipelines and, unless turned off, their metrics endpoint, which
/// stops once the last pipeline has ended.
#[derive(Debug)]
pub(crate) struct ServedPipelines<K> {
    running: RunningPipelines<K>,
    server: Option<MetricsServer>,
}

impl<K: Clone + Display + Send + 'static> ServedPipelines<K> {
    /// Validates the settings, serves metrics, builds the context, calls
    /// `build` for the pipelines, logs the start-up line and starts them.
    /// Signals are not watched.
    pub(crate) async fn start<P, I, F>(
        global: &GlobalConfig,
        metrics: &MetricsAddress,
        typetag: &'static str,
        build: F,
    ) -> Result<Self, TopologyError>
    where
        P: Pipeline<Key = K>,
        I: IntoIterator<Item = P>,
        F: FnOnce(&PipelineContext) -> I,
    {
        let (mut served, runner) = Self::prepare(global, metrics, typetag).await?;
        let pipelines: Vec<P> = build(runner.context()).into_iter().collect();
        announce(
            &RuntimeSettings { global, metrics },
            typetag,
            pipelines.len(),
            pipelines.iter().map(|p| p.key()),
        );
        runner.spawn_all(&mut served.running, pipelines);
        Ok(served)
    }

    /// Validates the settings, serves metrics and builds the context, with
    /// no pipeline yet; the runner spawns them.
    pub(crate) async fn prepare(
        global: &GlobalConfig,
        metrics: &MetricsAddress,
        typetag: &'static str,
    ) -> Result<(Self, PipelineRunner), TopologyError> {
        let context = PipelineContext::from_config(global)?;
        let server = match metrics {
            MetricsAddress::Listen(address) => {
                // The one place a topology installs a process-wide recorder:
                // serving `/metrics` needs it.
                let recorder = PrometheusRecorder::install()?;
                let server = MetricsServer::start(*address, context.shutdown.clone(), &recorder).await?;
                server.require_no_failed(global.ready_requires_no_failed);
                Some(server)
            }
            MetricsAddress::Off => None,
        };
        let mut runner = PipelineRunner::new(context, typetag)
            .shutdown_timeout(global.shutdown_timeout())
            .failure_policy(global.failure_policy)
            .per_key_histograms(global.per_key_histograms);
        // Each run's record is listed only where `/pipelines` serves it.
        if let Some(server) = &server {
            runner = runner.served_by(server);
        }
        let running = runner.running(0);
        Ok((Self { running, server }, runner))
    }

    /// Spawns what spawners have sent so far, before anything is awaited: a
    /// topology started and then shut down still runs what it started.
    pub(crate) fn apply_pending(&mut self) {
        self.running.apply_pending();
    }

    /// Where the metrics endpoint listens, if it is on.
    pub(crate) fn metrics_addr(&self) -> Option<SocketAddr> {
        self.server.as_ref().map(MetricsServer::local_addr)
    }

    /// A spawner that adds pipelines while these are awaited.
    pub(crate) fn spawner(&mut self) -> PipelineSpawner<K> {
        self.running.spawner()
    }

    /// A handle that starts or forces shutdown while the pipelines are awaited.
    pub(crate) fn shutdown_handle(&self) -> ShutdownHandle {
        self.running.shutdown_handle()
    }
}

impl<K: Clone + Display + Send + 'static> RunningTopology for ServedPipelines<K> {
    type Stats = RunStats<K>;

    async fn run_to_completion(self) -> RunStats<K> {
        let stats = self.running.run_to_completion().await;
        if let Some(server) = self.server {
            server.stop().await;
        }
        stats
    }

    fn shutdown(&self) {
        self.running.shutdown();
    }
}

/// Logs the start-up line: the settings in force (as `name=value` pairs),
/// how many pipelines, and the first keys.
pub(crate) fn announce<D: Display>(
    settings: &dyn Display,
    typetag: &'static str,
    count: usize,
    keys: impl Iterator<Item = D>,
) {
    tracing::info!(typetag, %settings, "starting {count} pipelines: {}", key_list(keys));
}

/// The runtime's settings as `name=value` pairs, for the start-up line of
/// [`run_pipelines`](crate::run_pipelines).
struct RuntimeSettings<'a> {
    global: &'a GlobalConfig,
    metrics: &'a MetricsAddress,
}

impl fmt::Display for RuntimeSettings<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, value) in self.global.values() {
            write!(f, "{name}={value} ")?;
        }
        write!(f, "metrics_addr={}", self.metrics)
    }
}
