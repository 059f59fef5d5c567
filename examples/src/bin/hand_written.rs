//! Pipelines written by hand against the runtime, without the macros.
//!
//! A feeder drops JSON objects into an in-memory bucket; one pipeline per
//! table picks up its table's new objects, processes them under the global
//! concurrency limit and writes the results. Ctrl-C stops everything cleanly.
//!
//! ```text
//! cargo run -p topology-examples --bin hand_written
//! ```

use std::{process::ExitCode, sync::Arc, time::Duration};

use topology::{
    GlobalConfig, Pipeline, PipelineContext,
    object_store::{ObjectStore, ObjectStoreExt, path::Path},
    run_pipelines,
};
use tracing_subscriber::EnvFilter;

/// Why a table pipeline stopped.
#[derive(Debug, thiserror::Error)]
enum IngestError {
    #[error("cannot open the bucket")]
    Storage(#[from] topology::StorageError),
    #[error("object store request failed")]
    ObjectStore(#[from] topology::object_store::Error),
}

/// Where the feeder drops input and the tables write results.
const BUCKET: &str = "memory://demo";

/// Moves a table's new input objects to its results.
struct TablePipeline {
    key: String,
    ctx: PipelineContext,
}

impl TablePipeline {
    fn new(key: &str, ctx: PipelineContext) -> Self {
        Self {
            key: key.to_owned(),
            ctx,
        }
    }

    async fn ingest_new_objects(&self, bucket: &Arc<dyn ObjectStore>) -> Result<usize, IngestError> {
        let incoming = Path::from(format!("incoming/{}", self.key));
        let listed = bucket.list_with_delimiter(Some(&incoming)).await?;
        for object in &listed.objects {
            // Hold a permit while working, so all tables together stay within
            // `total_concurrency`.
            let _permit = self.ctx.acquire().await;
            let body = bucket.get(&object.location).await?.bytes().await?;
            let name = object.location.filename().unwrap_or("unnamed");
            let result = format!("{{\"table\":\"{}\",\"bytes\":{}}}", self.key, body.len());
            bucket
                .put(&Path::from(format!("processed/{}/{name}", self.key)), result.into())
                .await?;
            bucket.delete(&object.location).await?;
        }
        Ok(listed.objects.len())
    }
}

impl Pipeline for TablePipeline {
    type Key = String;
    type Error = IngestError;

    fn key(&self) -> &String {
        &self.key
    }

    async fn run(self) -> Result<(), IngestError> {
        let bucket = self.ctx.store(BUCKET)?;
        let mut total = 0;
        loop {
            // Finish the batch in hand even if shutdown begins meanwhile.
            let done = self.ingest_new_objects(&bucket).await?;
            if done > 0 {
                total += done;
                tracing::info!(done, total, "ingested new objects");
            }
            if !self.ctx.sleep(Duration::from_secs(1)).await {
                tracing::info!(total, "stopping");
                return Ok(());
            }
        }
    }
}

/// Drops one input object per table every two seconds.
struct Feeder {
    key: String,
    tables: Vec<&'static str>,
    ctx: PipelineContext,
}

impl Pipeline for Feeder {
    type Key = String;
    type Error = IngestError;

    fn key(&self) -> &String {
        &self.key
    }

    async fn run(self) -> Result<(), IngestError> {
        let bucket = self.ctx.store(BUCKET)?;
        let mut sequence = 0u64;
        while self.ctx.sleep(Duration::from_secs(2)).await {
            sequence += 1;
            for table in &self.tables {
                let path = Path::from(format!("incoming/{table}/{sequence:06}.json"));
                bucket.put(&path, format!("{{\"sequence\":{sequence}}}").into()).await?;
            }
        }
        Ok(())
    }
}

/// The feeder and the tables, as one pipeline type.
enum Demo {
    Table(TablePipeline),
    Feeder(Feeder),
}

impl Pipeline for Demo {
    type Key = String;
    type Error = IngestError;

    fn key(&self) -> &String {
        match self {
            Self::Table(table) => table.key(),
            Self::Feeder(feeder) => feeder.key(),
        }
    }

    async fn run(self) -> Result<(), IngestError> {
        match self {
            Self::Table(table) => table.run().await,
            Self::Feeder(feeder) => feeder.run().await,
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();

    let global_config = GlobalConfig::default()
        .with_poll_jitter_secs(3)
        .with_total_concurrency(Some(2))
        .with_shutdown_timeout_secs(10);
    let tables = vec!["table-a", "table-b"];
    // The metrics address, as the only argument (default 127.0.0.1:9090).
    let metrics_addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:9090".to_owned());
    let result = run_pipelines(&metrics_addr, &global_config, "table", |ctx| {
        let mut pipelines: Vec<Demo> = tables
            .iter()
            .map(|table| Demo::Table(TablePipeline::new(table, ctx.clone())))
            .collect();
        pipelines.push(Demo::Feeder(Feeder {
            key: "feeder".to_owned(),
            tables: tables.clone(),
            ctx: ctx.clone(),
        }));
        pipelines
    })
    .await;
    match result {
        Ok(stats) => stats.exit_code(),
        Err(error) => {
            tracing::error!("{error}");
            ExitCode::from(2)
        }
    }
}
