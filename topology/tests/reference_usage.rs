//! The reference usage of DESIGN.md and the README, run as written, stopped
//! by a real SIGINT sent to this test process.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::{convert::Infallible, time::Duration};

use topology::{GlobalConfig, OutcomeKind, Pipeline, PipelineContext, run_pipelines};

struct MyPipeline {
    key: String,
    ctx: PipelineContext,
}

impl MyPipeline {
    fn new(key: &str, ctx: PipelineContext) -> Self {
        Self {
            key: key.to_owned(),
            ctx,
        }
    }
}

impl Pipeline for MyPipeline {
    type Key = String;
    type Error = Infallible;

    fn key(&self) -> &String {
        &self.key
    }

    async fn run(self) -> Result<(), Infallible> {
        while self.ctx.sleep(Duration::from_millis(20)).await {}
        Ok(())
    }
}

async fn reference_usage(
    global_config: GlobalConfig,
) -> Result<topology::RunStats<String>, Box<dyn std::error::Error + Send + Sync>> {
    let stats = run_pipelines("127.0.0.1:0", &global_config, "pipeline", |ctx| {
        vec![
            MyPipeline::new("table-a", ctx.clone()),
            MyPipeline::new("table-b", ctx.clone()),
        ]
    })
    .await?;
    Ok(stats)
}

// One test only: signals are process-wide.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_until_sigint_and_reports_every_pipeline() {
    let global_config = GlobalConfig::default().with_poll_jitter_secs(0);
    let run = tokio::spawn(reference_usage(global_config));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!run.is_finished(), "the pipelines run until told to stop");

    nix::sys::signal::raise(nix::sys::signal::Signal::SIGINT).expect("raise SIGINT");
    let stats = tokio::time::timeout(Duration::from_secs(10), run)
        .await
        .expect("shutdown is prompt")
        .expect("no panic")
        .expect("no start-up error");
    assert_eq!(stats.outcomes.len(), 2);
    assert!(
        stats
            .outcomes
            .iter()
            .all(|outcome| outcome.kind() == OutcomeKind::Completed)
    );
    assert!(stats.is_success());
}
