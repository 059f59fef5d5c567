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

mod concurrency;
mod config;
mod context;
mod dsl;
mod error;
mod inject;
mod interval;
mod jitter;
mod metrics;
mod pipeline;
mod program;
mod rt;
mod run;
mod runner;
mod settings;
mod shutdown;
mod started;
mod stats;
mod storage;
mod task;

pub use concurrency::ConcurrencyPermit;
pub use config::GlobalConfig;
pub use context::PipelineContext;
pub use error::TopologyError;
pub use inject::{FromContext, Key, State};
pub use interval::run_every;
pub use jitter::random_jitter;
pub use metrics::{MetricsAddress, MetricsServer, enable_metrics, metric_names};
pub use pipeline::Pipeline;
pub use rt::block_on;
pub use run::run_pipelines;
pub use runner::{PipelineRunner, RunningPipelines, RunningTopology, ShutdownHandle};
pub use settings::Settings;
pub use shutdown::{ShutdownSignal, ShutdownSignals};
pub use started::StartedTopology;
pub use stats::{OutcomeCounts, OutcomeKind, PipelineOutcome, RunStats};
pub use storage::{StorageError, StoragePool, StoragePoolRef};
pub use task::{BoxFuture, Task, TaskError, TaskOutput, TaskResult};

pub use object_store;
pub use topology_macros::{pipeline, topology};

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
pub use tokio::sync::Semaphore;
pub use tokio_util::sync::CancellationToken;
