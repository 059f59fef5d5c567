//! Run many long-lived async pipelines in one process.
//!
//! A *pipeline* is a unit of work identified by a key (a table, a feed, a
//! tenant) that usually runs until shutdown. This crate starts every pipeline
//! of a *topology* with a random start delay (jitter), shares one
//! [`PipelineContext`] between them (a global concurrency limit, a pool of
//! object-store clients, the shutdown token), serves Prometheus metrics and a
//! health endpoint, and on SIGINT, SIGTERM or SIGQUIT shuts everything down
//! gracefully with a deadline. Every pipeline's outcome is logged with its key
//! and returned to the caller in [`RunStats`].
//!
//! # Example
//!
//! ```no_run
//! use std::{convert::Infallible, process::ExitCode};
//! use topology::{GlobalConfig, Pipeline, PipelineContext, run_pipelines};
//!
//! struct MyPipeline {
//!     key: String,
//!     ctx: PipelineContext,
//! }
//!
//! impl MyPipeline {
//!     fn new(key: &str, ctx: PipelineContext) -> Self {
//!         Self { key: key.to_owned(), ctx }
//!     }
//! }
//!
//! impl Pipeline for MyPipeline {
//!     type Key = String;
//!     type Error = Infallible;
//!
//!     fn key(&self) -> &String {
//!         &self.key
//!     }
//!
//!     async fn run(self) -> Result<(), Infallible> {
//!         // Work until shutdown begins.
//!         self.ctx.shutdown.cancelled().await;
//!         Ok(())
//!     }
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<ExitCode, Box<dyn std::error::Error>> {
//!     let global_config = GlobalConfig::default();
//!     let stats = run_pipelines("0.0.0.0:9090", &global_config, "pipeline", |ctx| {
//!         vec![MyPipeline::new("table-a", ctx.clone()), MyPipeline::new("table-b", ctx.clone())]
//!     })
//!     .await?;
//!     Ok(stats.exit_code())
//! }
//! ```

//! # Two layers
//!
//! **The runtime** is the seed's vocabulary, usable by hand without the
//! macros. [`run_pipelines`] runs a topology the way a `main` would: it
//! installs the signal handlers and the [`PrometheusRecorder`], serves
//! metrics, and runs the pipelines to their end. [`PipelineRunner`] is the
//! piece beneath it, for programs that serve their own endpoint or install
//! their own recorder: [`start`](PipelineRunner::start) and
//! [`RunningTopology::run_to_completion`], or
//! [`run_with_signals`](PipelineRunner::run_with_signals). Its items:
//! [`Pipeline`], [`PipelineContext`], [`GlobalConfig`], [`PipelineRunner`],
//! [`RunningPipelines`], [`RunningTopology`], [`RunStats`], [`Task`],
//! [`RestartPolicy`] and [`Supervised`], [`MetricsServer`],
//! [`ShutdownSignals`], [`StoragePool`], [`Shard`], [`TopologyError`].
//!
//! **The generated program** is built on the runtime: [`topology!`] and
//! [`pipeline`] generate it, and its items are what generated code and
//! tests of it name: [`Settings`] (with [`ReplicaConfig`]), [`AppSettings`],
//! [`StartedTopology`] and its [`Reloader`], [`Instance`] and [`Entries`],
//! [`FromContext`], [`Key`] and [`State`], [`ProgramError`].
//!
//! Three crates appear in the runtime's own signatures and are re-exported
//! for that reason, their versions part of this crate's API:
//! [`object_store`] ([`PipelineContext::store`] returns its `ObjectStore`),
//! tokio's [`Semaphore`] (the context's `global_semaphore`) and
//! tokio-util's [`CancellationToken`] (its `shutdown`); [`tracing`] is the
//! logging facade pipelines log through.

mod program;
mod runtime;

// The runtime, usable by hand.
/// Re-exported: [`PipelineContext::store`] returns its `ObjectStore`.
pub use object_store;
pub use runtime::block_on::block_on;
pub use runtime::concurrency::ConcurrencyPermit;
pub use runtime::config::{FailurePolicy, GlobalConfig, UnknownFailurePolicy};
pub use runtime::context::PipelineContext;
pub use runtime::error::TopologyError;
pub use runtime::interval::{run_every, run_every_reporting};
pub use runtime::jitter::random_jitter;
pub use runtime::metrics::server::{InvalidMetricsAddress, MetricsAddress, MetricsServer};
pub use runtime::metrics::{PrometheusRecorder, metric_names};
pub use runtime::ownership::{
    Coordinator, FenceError, Grant, Holdings, HoldingsReceiver, InvalidOwnershipSettings, LeaseRecord, OwnerState,
    Ownership, OwnershipSettings, Settled, bucket_of, read_leases,
};
pub use runtime::pipeline::Pipeline;
pub use runtime::reporter::RunReporter;
pub use runtime::restart::{RestartPolicy, Supervised, Supervisor};
pub use runtime::run::run_pipelines;
pub use runtime::runner::PipelineRunner;
pub use runtime::runner::running::RunningPipelines;
pub use runtime::runner::spawner::{PipelineSpawner, TopologyEnded};
pub use runtime::running_topology::RunningTopology;
pub use runtime::shard::{Shard, ShardError};
pub use runtime::shutdown::{ShutdownHandle, ShutdownSignal, ShutdownSignals};
pub use runtime::stats::{OutcomeCounts, OutcomeKind, PipelineOutcome, RunStats};
pub use runtime::storage::{StorageError, StoragePool, StoragePoolRef};
pub use runtime::task::{Task, TaskError, TaskFuture, TaskOutput, TaskResult};
/// Re-exported: the type of [`PipelineContext::global_semaphore`].
pub use tokio::sync::Semaphore;
/// Re-exported: the type of [`PipelineContext::shutdown`].
pub use tokio_util::sync::CancellationToken;

// The program `topology!` generates.
pub use program::app::AppSettings;
pub use program::error::ProgramError;
pub use program::inject::{FromContext, Key, State};
pub use program::instance::entries::Entries;
pub use program::instance::{Instance, InstanceSource};
pub use program::logging::init_test_logging;
pub use program::policy::PolicyOverride;
pub use program::reload::{ReloadReport, Reloader};
pub use program::settings::coordination::{Coordination, SettingDuration};
pub use program::settings::{ReplicaConfig, Settings};
pub use program::started::StartedTopology;

/// Marks an `async fn` as a pipeline of a [`topology!`].
///
/// Arguments: `key = "..."` (required: letters, digits, `.`, `_`, `-`),
/// `interval = "30s"` (the function is one iteration, called every interval,
/// never overlapping; shutdown is observed between iterations),
/// `each = T` (the function is a family: one pipeline per entry of the
/// configuration's `pipelines.<key>` map, keyed `<key>/<name>`, each given
/// its [`Instance<T>`]), and `crate = "path"` for crates that re-export
/// `topology`.
///
/// The function is kept as written. Its arguments are injected by type (see
/// [`FromContext`] and [`State`]); it returns `()` or `Result<(), E>` with
/// `E` converting into `Box<dyn std::error::Error + Send + Sync>` (an error
/// type, a boxed error, `anyhow::Error`). Mistakes are compile errors
/// at the offending token.
///
/// ```
/// use topology::{Key, PipelineContext, pipeline};
///
/// #[pipeline(key = "orders", interval = "30s")]
/// async fn orders(ctx: PipelineContext, key: Key) -> Result<(), std::io::Error> {
///     let _permit = ctx.acquire().await;
///     tracing::info!(%key, "one iteration");
///     Ok(())
/// }
///
/// fn main() {
///     // Still an ordinary function:
///     topology::block_on(orders(PipelineContext::default().with_poll_jitter_secs(0), Key::from("orders"))).unwrap().unwrap();
/// }
/// ```
#[doc(inline)]
pub use topology_macros::pipeline;

/// Shows the doc comment of each field of an `app:` settings struct in the
/// generated program's `--help`, beside its variable, flag and default.
/// Field names follow serde's `rename` and `rename_all`; `#[serde(skip)]`
/// fields are left out. Without the derive, `--help` lists the fields
/// without their docs.
///
/// ```
/// use topology::__private::FieldHelp;
///
/// #[derive(Default, serde::Serialize, serde::Deserialize, topology::SettingsHelp)]
/// struct LakeSettings {
///     /// The object store holding every table.
///     lake_url: String,
///     #[serde(rename = "batch")]
///     batch_size: u32,
/// }
///
/// assert_eq!(
///     LakeSettings::FIELD_HELP,
///     [("lake_url", "The object store holding every table."), ("batch", "")]
/// );
/// ```
pub use topology_macros::SettingsHelp;
/// The logging facade pipelines log through; their lines carry the
/// pipeline's key from its span.
pub use tracing;

/// Declares a topology: its pipelines, settings and state, and generates
/// `PipelineId`, `PipelineKey`, `AnyPipeline`, `Topology` and `fn main`.
///
/// Fields (all optional but `pipelines`): `typetag: "table"`,
/// `metrics: "0.0.0.0:9090"` or `metrics: off`, `global: { poll_jitter_secs,
/// total_concurrency, connection_pooling, shutdown_timeout_secs }`,
/// `state: <expression>`, `main: false`, `crate: path`, `pipelines: [...]`.
///
/// ```
/// use topology::{RunningTopology, State, pipeline, topology};
///
/// struct AppState {
///     greeting: &'static str,
/// }
///
/// #[pipeline(key = "hello")]
/// async fn hello(state: State<AppState>) {
///     tracing::info!("{}", state.greeting);
/// }
///
/// topology! {
///     typetag: "demo",
///     metrics: off,
///     global: { poll_jitter_secs: 0 },
///     state: AppState { greeting: "hello" },
///     main: false,
///     pipelines: [hello],
/// }
///
/// fn main() {
///     topology::block_on(async {
///         let running = Topology::start(&Topology::settings()).await.unwrap();
///         let stats = running.run_to_completion().await;
///         assert_eq!(stats.counts().completed, 1);
///         assert_eq!(PipelineId::Hello.to_string(), "hello");
///     })
///     .unwrap();
/// }
/// ```
#[doc(inline)]
pub use topology_macros::topology;

// Declared here rather than re-exported, so that compiler messages about
// generated code name its items as `topology::__private::...`.
#[doc(hidden)]
#[path = "program/private.rs"]
pub mod __private;
