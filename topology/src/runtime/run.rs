//! The one-call way to run a topology.

use crate::runtime::{
    config::GlobalConfig, context::PipelineContext, error::TopologyError, metrics::server::MetricsAddress,
    pipeline::Pipeline, running_topology::run_until_signalled, served::ServedPipelines, setting::SettingValue,
    shutdown::ShutdownSignals, stats::RunStats,
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
    let metrics: MetricsAddress =
        SettingValue::parse_text(metrics_address).map_err(|reason| TopologyError::InvalidSetting {
            setting: "metrics_addr",
            value: metrics_address.to_owned(),
            reason,
        })?;
    let served = ServedPipelines::start(global_config, &metrics, typetag, build).await?;
    let handle = served.shutdown_handle();
    Ok(run_until_signalled(signals, handle, served).await)
}
