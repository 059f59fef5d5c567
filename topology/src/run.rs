//! The one-call way to run a topology.

use crate::{
    GlobalConfig, MetricsAddress, MetricsServer, Pipeline, PipelineContext, PipelineRunner,
    RunStats, ShutdownSignals, TopologyError,
};

/// Runs a topology: installs the signal handlers, serves metrics, builds the
/// shared context, calls `build` for the pipelines, runs them with jittered
/// starts until they end or a signal shuts them down, and returns every
/// outcome.
///
/// `metrics_address` is `off` or an address such as `0.0.0.0:9090`; an
/// address that cannot be bound is an error. Invalid settings are errors too,
/// reported before anything starts.
///
/// ```no_run
/// # use topology::{GlobalConfig, Pipeline, PipelineContext, run_pipelines};
/// # struct MyPipeline(String, PipelineContext);
/// # impl MyPipeline { fn new(key: &str, ctx: PipelineContext) -> Self { Self(key.into(), ctx) } }
/// # impl Pipeline for MyPipeline {
/// #     type Key = String;
/// #     type Error = std::io::Error;
/// #     fn key(&self) -> &String { &self.0 }
/// #     async fn run(self) -> std::io::Result<()> { Ok(()) }
/// # }
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// let global_config = GlobalConfig::default();
/// let stats = run_pipelines("0.0.0.0:9090", &global_config, "pipeline", |ctx| {
///     vec![MyPipeline::new("table-a", ctx.clone()), MyPipeline::new("table-b", ctx.clone())]
/// })
/// .await?;
/// std::process::exit(if stats.is_success() { 0 } else { 1 });
/// # }
/// ```
pub async fn run_pipelines<P, I, F>(
    metrics_address: &str,
    global_config: &GlobalConfig,
    typetag: &'static str,
    build: F,
) -> Result<RunStats<P::Key>, TopologyError>
where
    P: Pipeline,
    I: IntoIterator<Item = P>,
    F: FnOnce(&PipelineContext) -> I,
{
    // Before anything else, so that a signal during start-up is queued, not fatal.
    let signals = ShutdownSignals::install().map_err(TopologyError::Signals)?;
    let metrics_address: MetricsAddress = metrics_address.parse()?;
    let context = PipelineContext::from_config(global_config)?;
    let server = match metrics_address {
        MetricsAddress::Listen(address) => {
            Some(MetricsServer::start(address, context.shutdown.clone()).await?)
        }
        MetricsAddress::Off => None,
    };
    let pipelines: Vec<P> = build(&context).into_iter().collect();
    let keys: Vec<String> = pipelines
        .iter()
        .map(|pipeline| pipeline.key().to_string())
        .collect();
    tracing::info!(
        typetag,
        poll_jitter_secs = global_config.poll_jitter_secs,
        total_concurrency = ?global_config.total_concurrency,
        connection_pooling = global_config.connection_pooling,
        shutdown_timeout_secs = global_config.shutdown_timeout_secs,
        "starting {} pipelines: {}",
        keys.len(),
        keys.join(", ")
    );
    let stats = PipelineRunner::new(context, typetag)
        .shutdown_timeout(global_config.shutdown_timeout())
        .run_with_signals(signals, pipelines)
        .await;
    if let Some(server) = server {
        server.stop().await;
    }
    Ok(stats)
}
