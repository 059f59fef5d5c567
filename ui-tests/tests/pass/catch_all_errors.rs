//! The error types applications return are accepted, and their source
//! chain is kept in the pipeline's outcome.
#![deny(warnings)]

use anyhow::Context as _;
use topology::{RunningTopology, TaskError, pipeline, topology};

#[pipeline(key = "boxed")]
async fn boxed() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    Err("bucket not found".into())
}

#[pipeline(key = "anyhow-result")]
async fn anyhow_result() -> anyhow::Result<()> {
    std::fs::read("/nonexistent/orders.parquet").context("reading orders")?;
    Ok(())
}

#[pipeline(key = "anyhow-error")]
async fn anyhow_error() -> Result<(), anyhow::Error> {
    Err(anyhow::anyhow!("schema drift"))
}

#[pipeline(key = "eyre")]
async fn eyre_result() -> eyre::Result<()> {
    Err(eyre::eyre!("lake unreachable"))
}

#[pipeline(key = "text")]
async fn text() -> Result<(), String> {
    Err("plain text".to_owned())
}

topology! {
    metrics: off,
    global: { poll_jitter_secs: 0 },
    main: false,
    pipelines: [boxed, anyhow_result, anyhow_error, eyre_result, text],
}

fn main() {
    let stats = topology::block_on(async {
        let running = Topology::start(&Topology::settings()).await.unwrap();
        running.run_to_completion().await
    })
    .unwrap();
    assert_eq!(stats.counts().failed, 5, "{}", stats.summary());
    let message = |key: &str| {
        let outcome = stats
            .outcomes
            .iter()
            .find(|outcome| outcome.key.to_string() == key)
            .unwrap();
        match &outcome.result {
            Err(error @ TaskError::Failed { .. }) => error.to_string(),
            other => panic!("{key}: {other:?}"),
        }
    };
    assert!(message("boxed").contains("bucket not found"));
    // The context and its cause, both.
    let chain = message("anyhow-result");
    assert!(
        chain.contains("reading orders") && chain.contains("No such file"),
        "{chain}"
    );
    assert!(message("anyhow-error").contains("schema drift"));
    assert!(message("eyre").contains("lake unreachable"));
    assert!(message("text").contains("plain text"));
}
