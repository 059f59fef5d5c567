//! The quickstart: a small ingestion topology on embedded defaults.
//!
//! A feeder drops JSON objects into an in-memory bucket every two seconds;
//! one pipeline per table picks up its table's new objects each second,
//! processes them under the global concurrency limit and writes the results;
//! a reporter logs the totals. Metrics are served on localhost.
//!
//! ```text
//! cargo run -p topology-examples --bin quickstart
//! curl localhost:9090/metrics
//! ```
//!
//! Ctrl-C stops it cleanly (exit code 0); `--help` lists every setting.

use std::time::Duration;

use topology::{
    Key, PipelineContext, State, StorageError,
    object_store::{self, ObjectStoreExt, path::Path},
    pipeline, topology,
};

/// Shared by every pipeline: where input arrives and results go.
struct AppState {
    bucket: String,
    tables: Vec<&'static str>,
}

impl AppState {
    fn from_env() -> Self {
        Self {
            bucket: std::env::var("QUICKSTART_BUCKET").unwrap_or_else(|_| "memory://quickstart".to_owned()),
            tables: vec!["orders", "events"],
        }
    }
}

/// Why an iteration failed.
#[derive(Debug, thiserror::Error)]
enum IngestError {
    #[error("cannot open the bucket")]
    Storage(#[from] StorageError),
    #[error("object store request failed")]
    ObjectStore(#[from] object_store::Error),
}

/// Drops one new object per table.
#[pipeline(key = "feeder", interval = "2s")]
async fn feeder(ctx: PipelineContext, state: State<AppState>) -> Result<(), IngestError> {
    let bucket = ctx.store(&state.bucket)?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    for table in &state.tables {
        let path = Path::from(format!("incoming/{table}/{stamp}.json"));
        bucket
            .put(&path, format!("{{\"table\":\"{table}\",\"at\":{stamp}}}").into())
            .await?;
    }
    Ok(())
}

/// Moves a table's new input objects to its results, under the global limit.
async fn ingest(ctx: &PipelineContext, bucket_url: &str, table: &str) -> Result<usize, IngestError> {
    let bucket = ctx.store(bucket_url)?;
    let incoming = Path::from(format!("incoming/{table}"));
    let listed = bucket.list_with_delimiter(Some(&incoming)).await?;
    for object in &listed.objects {
        let _permit = ctx.acquire().await;
        let body = bucket.get(&object.location).await?.bytes().await?;
        let name = object.location.filename().unwrap_or("unnamed");
        let result = format!("{{\"bytes\":{}}}", body.len());
        bucket
            .put(&Path::from(format!("processed/{table}/{name}")), result.into())
            .await?;
        bucket.delete(&object.location).await?;
    }
    if !listed.objects.is_empty() {
        tracing::info!(objects = listed.objects.len(), "ingested new objects");
    }
    Ok(listed.objects.len())
}

/// The `orders` table: one iteration per second.
#[pipeline(key = "orders", interval = "1s")]
async fn orders(ctx: PipelineContext, state: State<AppState>, key: Key) -> Result<(), IngestError> {
    ingest(&ctx, &state.bucket, &key).await.map(drop)
}

/// The `events` table: one iteration per second.
#[pipeline(key = "events", interval = "1s")]
async fn events(ctx: PipelineContext, state: State<AppState>, key: Key) -> Result<(), IngestError> {
    ingest(&ctx, &state.bucket, &key).await.map(drop)
}

/// Logs how many results exist, every five seconds until shutdown.
#[pipeline(key = "reporter")]
async fn reporter(ctx: PipelineContext, state: State<AppState>) -> Result<(), IngestError> {
    let bucket = ctx.store(&state.bucket)?;
    while ctx.sleep(Duration::from_secs(5)).await {
        let processed = bucket
            .list_with_delimiter(Some(&Path::from("processed/orders")))
            .await?
            .objects
            .len()
            + bucket
                .list_with_delimiter(Some(&Path::from("processed/events")))
                .await?
                .objects
                .len();
        tracing::info!(processed, "results written so far");
    }
    Ok(())
}

topology! {
    description: "Ingests orders and events from a raw bucket into the lake.",
    typetag: "table",
    metrics: "127.0.0.1:9090",
    global: {
        poll_jitter_secs: 2,
        total_concurrency: 2,
        connection_pooling: true,
        shutdown_timeout_secs: 10,
    },
    state: AppState::from_env(),
    pipelines: [feeder, orders, events, reporter],
}
