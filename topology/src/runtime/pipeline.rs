//! The unit the runner starts, watches and reports on.

use std::fmt::Display;

use crate::runtime::reporter::RunReporter;

/// A self-contained unit of work, identified by a key.
///
/// `run` usually loops until the context's shutdown token is cancelled, then
/// finishes the work in hand and returns. The runner adds the start jitter,
/// the tracing span, panic capture, metrics and outcome reporting.
///
/// ```
/// use topology::{Pipeline, PipelineContext};
///
/// struct Compact {
///     table: String,
///     ctx: PipelineContext,
/// }
///
/// impl Pipeline for Compact {
///     type Key = String;
///     type Error = std::io::Error;
///
///     fn key(&self) -> &String {
///         &self.table
///     }
///
///     async fn run(self) -> Result<(), std::io::Error> {
///         while self.ctx.sleep(std::time::Duration::from_secs(60)).await {
///             // compact self.table ...
///         }
///         Ok(())
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a pipeline",
    label = "not a pipeline",
    note = "implement `topology::Pipeline` for it, or annotate an `async fn` with `#[topology::pipeline(key = \"...\")]`"
)]
pub trait Pipeline: Send + 'static {
    /// What identifies the pipeline in logs, metrics and outcomes.
    type Key: Clone + Display + Send + 'static;
    /// What a failed run returns.
    type Error: std::error::Error + Send + Sync + 'static;

    /// This pipeline's key.
    fn key(&self) -> &Self::Key;

    /// Runs the pipeline to its end.
    fn run(self) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Runs the pipeline to its end as [`run`](Self::run) does, reporting its
    /// restarts and iterations to `reporter`: what the runner calls. The
    /// default ignores the reporter; a pipeline that restarts itself under a
    /// [`Supervisor`](crate::Supervisor), or iterates with
    /// [`run_every`](crate::run_every), hands it on, so that its restarts
    /// show in its outcome, `/pipelines` and its metrics.
    ///
    /// ```
    /// use std::time::Duration;
    /// use topology::{Pipeline, PipelineContext, RunReporter, run_every_reporting};
    ///
    /// struct Poll(String, PipelineContext);
    ///
    /// impl Pipeline for Poll {
    ///     type Key = String;
    ///     type Error = std::io::Error;
    ///     fn key(&self) -> &String { &self.0 }
    ///     async fn run(self) -> std::io::Result<()> {
    ///         self.run_reporting(RunReporter::default()).await
    ///     }
    ///     async fn run_reporting(self, reporter: RunReporter) -> std::io::Result<()> {
    ///         run_every_reporting(&self.1, Duration::from_secs(30), &reporter, || async { Ok(()) }).await
    ///     }
    /// }
    /// ```
    fn run_reporting(self, reporter: RunReporter) -> impl Future<Output = Result<(), Self::Error>> + Send
    where
        Self: Sized,
    {
        drop(reporter);
        self.run()
    }
}
