//! A topology started in-process from its settings: its pipelines and its
//! metrics endpoint.

use std::{fmt::Display, net::SocketAddr};

use crate::{
    program::{error::ProgramError, reload::Reloader, settings::Settings},
    runtime::{
        context::PipelineContext, ownership::Coordinator, pipeline::Pipeline, runner::spawner::PipelineSpawner,
        running_topology::RunningTopology, served::ServedPipelines, shutdown::ShutdownHandle, stats::RunStats,
    },
};

/// A running topology: its pipelines and, unless turned off, its metrics
/// endpoint. Await [`run_to_completion`](Self::run_to_completion) for every
/// outcome; the endpoint stops once the last pipeline has ended. Both it and
/// [`shutdown`](Self::shutdown) are inherent methods: no trait to import.
///
/// `topology!` generates `Topology::start`, which returns one, so that tests
/// can run a whole topology in-process. Dropped before it is awaited, it
/// stops what it started: its pipelines are aborted and its metrics
/// endpoint closed.
///
/// ```
/// use topology::{PipelineContext, RunningTopology, pipeline, topology};
///
/// #[pipeline(key = "orders")]
/// async fn orders(ctx: PipelineContext) {
///     ctx.shutdown.cancelled().await;
/// }
///
/// topology! { metrics: off, main: false, pipelines: [orders] }
///
/// # fn main() {
/// topology::block_on(async {
///     let settings = Topology::settings().with_global(|global| global.with_poll_jitter_secs(0));
///     let running = Topology::start(&settings).await.unwrap();
///     running.shutdown();
///     let stats = running.run_to_completion().await;
///     assert_eq!(stats.counts().completed, 1);
/// })
/// .unwrap();
/// # }
/// ```
#[derive(Debug)]
pub struct StartedTopology<K> {
    served: ServedPipelines<K>,
    /// Reloads the configuration, for a topology `topology!` started.
    pub(crate) reloader: Option<Reloader>,
    /// Keeps the leases, when ownership is on: released once every
    /// pipeline has ended (dropped, it stops renewing them).
    pub(crate) coordinator: Option<Coordinator>,
}

impl<K: Clone + Display + Send + 'static> StartedTopology<K> {
    /// Validates `settings`, serves metrics, builds the context, calls
    /// `build` for the pipelines and starts them. Signals are not watched.
    pub async fn start<P, I, F>(settings: &Settings, typetag: &'static str, build: F) -> Result<Self, ProgramError>
    where
        P: Pipeline<Key = K>,
        I: IntoIterator<Item = P>,
        F: FnOnce(&PipelineContext) -> I,
    {
        let served = ServedPipelines::start(&settings.global, &settings.replica.metrics_addr, typetag, build).await?;
        Ok(Self {
            served,
            reloader: None,
            coordinator: None,
        })
    }

    /// Validates `settings`, serves metrics and builds the context, with no
    /// pipeline yet: the launcher spawns them through [`spawner`](Self::spawner).
    pub(crate) async fn prepare(
        settings: &Settings,
        typetag: &'static str,
    ) -> Result<(Self, PipelineContext), ProgramError> {
        let (served, runner) =
            ServedPipelines::prepare(&settings.global, &settings.replica.metrics_addr, typetag).await?;
        let context = runner.context().clone();
        Ok((
            Self {
                served,
                reloader: None,
                coordinator: None,
            },
            context,
        ))
    }

    /// Spawns what was sent through the spawner so far.
    pub(crate) fn apply_pending(&mut self) {
        self.served.apply_pending();
    }

    /// Where the metrics endpoint listens, if it is on.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.served.metrics_addr()
    }

    /// Reloads this topology's configuration while it runs, as SIGHUP does
    /// in the generated program: for a topology that `topology!` started.
    pub fn reloader(&self) -> Option<Reloader> {
        self.reloader.clone()
    }

    pub(crate) fn spawner(&mut self) -> PipelineSpawner<K> {
        self.served.spawner()
    }

    /// A handle that starts or forces shutdown while the topology is awaited.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.served.shutdown_handle()
    }
}

/// Running it to its end: waits until every pipeline has ended, stops the
/// metrics endpoint, and returns every outcome.
impl<K: Clone + Display + Send + 'static> RunningTopology for StartedTopology<K> {
    type Stats = RunStats<K>;

    async fn run_to_completion(self) -> RunStats<K> {
        let stats = self.served.run_to_completion().await;
        if let Some(coordinator) = self.coordinator {
            // Every pipeline has ended: each lease is released at once.
            coordinator.stop().await;
        }
        stats
    }

    fn shutdown(&self) {
        self.served.shutdown();
    }
}
