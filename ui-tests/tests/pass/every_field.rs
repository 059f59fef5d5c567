//! Every field of `topology!` and every injectable argument type, under
//! strict lints: generated code must not add a single warning.
#![deny(warnings, unused_qualifications, missing_docs, rust_2018_idioms)]

use std::sync::Arc;

use topology::{
    CancellationToken, FromContext, Instance, Key, PipelineContext, Semaphore, State, StoragePoolRef, pipeline,
    topology,
};

/// Shared by every pipeline.
pub struct AppState {
    /// Where results go.
    pub bucket: String,
}

/// A user type injected by implementing `FromContext`.
pub struct Sink(String);

impl FromContext for Sink {
    fn from_context(_ctx: &PipelineContext, key: &Key) -> Self {
        Self(format!("memory://out/{key}"))
    }
}

/// An error of the pipelines.
#[derive(Debug)]
pub struct IngestError;

impl std::fmt::Display for IngestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ingest failed")
    }
}

impl std::error::Error for IngestError {}

/// Every built-in argument type, returning `()`.
#[pipeline(key = "everything")]
pub async fn everything(
    _ctx: PipelineContext,
    _shutdown: CancellationToken,
    _semaphore: Option<Arc<Semaphore>>,
    _pool: Option<StoragePoolRef>,
    _key: Key,
    _state: State<AppState>,
    sink: Sink,
) {
    let _ = sink.0.len();
}

/// An interval pipeline returning `Result<(), E>`.
///
/// # Errors
///
/// When the state has no bucket.
#[pipeline(key = "events.v2", interval = "1h30m")]
pub async fn events(state: State<AppState>) -> Result<(), IngestError> {
    if state.bucket.is_empty() {
        Err(IngestError)
    } else {
        Ok(())
    }
}

/// A result alias works too.
#[pipeline(key = "io-bound", interval = "500ms")]
async fn io_bound() -> std::io::Result<()> {
    Ok(())
}

/// No arguments, no return type.
#[pipeline(key = "nothing_at_all")]
async fn nothing_at_all() {}

/// One entry of the `tables` family.
#[derive(serde::Deserialize)]
pub struct Table {
    /// Where it is read from.
    pub source: String,
}

/// A family: one pipeline per entry, with every other argument too.
#[pipeline(key = "tables", each = Table, interval = "1m")]
pub async fn tables(table: Instance<Table>, _state: State<AppState>, _key: Key) {
    let _ = (table.name(), &table.source);
}

/// Wildcard patterns are fine.
#[pipeline(key = "wildcard")]
async fn wildcard(_: Key) {}

topology! {
    typetag: "table",
    description: "Ingests every table into the lake.",
    metrics: "127.0.0.1:0",
    global: {
        poll_jitter_secs: 10,
        total_concurrency: 32,
        connection_pooling: true,
        shutdown_timeout_secs: 30,
        failure_policy: shutdown,
        per_key_histograms: true,
    },
    state: AppState { bucket: "memory://lake".to_owned() },
    instances: "pipelines:\n  tables:\n    orders: { source: memory://raw/orders }\n",
    main: false,
    crate: topology,
    pipelines: [everything, events, io_bound, nothing_at_all, wildcard, tables],
}

fn main() {
    // `main: false`: this program decides when to run the topology; here it
    // only checks what `topology!` generated, without running it.
    let settings = Topology::settings();
    assert_eq!(settings.global.total_concurrency, Some(32));
    assert_eq!(settings.global.failure_policy, topology::FailurePolicy::Shutdown);
    assert!(settings.global.per_key_histograms);
    assert_eq!(Topology::TYPETAG, "table");
    assert_eq!(PipelineId::ALL.len(), 6);
    assert_eq!(PipelineId::Events.as_str(), "events.v2");
    assert_eq!(PipelineId::IoBound.to_string(), "io-bound");
    let keys: Vec<String> = Topology::keys(&settings)
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        keys,
        [
            "everything",
            "events.v2",
            "io-bound",
            "nothing_at_all",
            "wildcard",
            "tables/orders"
        ]
    );
    let _ = Topology::main;
}
