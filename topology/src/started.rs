//! A topology started in-process: its pipelines and its metrics endpoint.

use std::{fmt::Display, net::SocketAddr};

use crate::{
    MetricsAddress, MetricsServer, Pipeline, PipelineContext, PipelineRunner, RunStats, RunningPipelines,
    RunningTopology, Settings, ShutdownHandle, TopologyError,
};

/// A running topology: its pipelines and, unless turned off, its metrics
/// endpoint. Await [`run_to_completion`](RunningTopology::run_to_completion)
/// for every outcome; the endpoint stops once the last pipeline has ended.
///
/// `topology!` generates `Topology::start`, which returns one, so that tests
/// can run a whole topology in-process.
#[derive(Debug)]
pub struct StartedTopology<K> {
    running: RunningPipelines<K>,
    server: Option<MetricsServer>,
}

impl<K: Clone + Display + Send + 'static> StartedTopology<K> {
    /// Validates `settings`, serves metrics, builds the context, calls
    /// `build` for the pipelines and starts them. Signals are not watched.
    pub async fn start<P, I, F>(settings: &Settings, typetag: &'static str, build: F) -> Result<Self, TopologyError>
    where
        P: Pipeline<Key = K>,
        I: IntoIterator<Item = P>,
        F: FnOnce(&PipelineContext) -> I,
    {
        let context = PipelineContext::from_config(&settings.global)?;
        let server = match settings.metrics {
            MetricsAddress::Listen(address) => Some(MetricsServer::start(address, context.shutdown.clone()).await?),
            MetricsAddress::Off => None,
        };
        let pipelines: Vec<P> = build(&context).into_iter().collect();
        let keys: Vec<String> = pipelines.iter().map(|pipeline| pipeline.key().to_string()).collect();
        tracing::info!(typetag, %settings, "starting {} pipelines: {}", keys.len(), keys.join(", "));
        let running = PipelineRunner::new(context, typetag)
            .shutdown_timeout(settings.global.shutdown_timeout())
            .start(pipelines);
        Ok(Self { running, server })
    }

    /// Where the metrics endpoint listens, if it is on.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.server.as_ref().map(MetricsServer::local_addr)
    }

    /// A handle that starts or forces shutdown while the topology is awaited.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.running.shutdown_handle()
    }
}

impl<K: Clone + Display + Send + 'static> RunningTopology for StartedTopology<K> {
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
