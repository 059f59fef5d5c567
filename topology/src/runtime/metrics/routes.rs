//! The handlers of the metrics endpoint's routes: `/metrics`, `/health`,
//! `/ready` and `/pipelines`. What takes time with many pipelines runs on a
//! blocking thread.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use axum::{
    body::{Body, Bytes},
    extract::State,
    http::{StatusCode, header},
    response::IntoResponse,
};
use metrics_exporter_prometheus::PrometheusHandle;
use tokio_util::sync::CancellationToken;

use crate::runtime::{
    metrics::per_key,
    record::Phase,
    status::{self, Boards, Cursor, StatusBoard, StatusView},
};

/// What every handler reads.
#[derive(Clone)]
pub(super) struct Endpoint {
    pub(super) prometheus: PrometheusHandle,
    pub(super) shutdown: CancellationToken,
    /// The runs whose per-key series `/metrics` adds.
    pub(super) boards: Arc<Boards>,
    pub(super) require_no_failed: Arc<AtomicBool>,
}

/// `GET /metrics`: the recorder's series, then the per-key series read from
/// the runs' records. Rendered on a blocking thread: at 100 000 pipelines it
/// takes long enough to hold up an async worker.
pub(super) async fn render_metrics(State(endpoint): State<Endpoint>) -> impl IntoResponse {
    let rendered = tokio::task::spawn_blocking(move || {
        endpoint.prometheus.run_upkeep();
        let mut text = endpoint.prometheus.render().into_bytes();
        text.extend_from_slice(&per_key::render(&endpoint.boards.live()));
        text
    })
    .await;
    match rendered {
        Ok(text) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            Bytes::from(text),
        ),
        Err(error) => {
            tracing::error!(%error, "cannot render /metrics");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                Bytes::from_static(b"cannot render the metrics\n"),
            )
        }
    }
}

pub(super) async fn health(State(endpoint): State<Endpoint>) -> impl IntoResponse {
    if endpoint.shutdown.is_cancelled() {
        (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n")
    } else {
        (StatusCode::OK, "ok\n")
    }
}

/// `GET /ready`: 503 once shutdown begins, and, when required, while a
/// pipeline has ended failed (naming how many, and the first).
pub(super) async fn ready(State(endpoint): State<Endpoint>) -> (StatusCode, String) {
    if endpoint.shutdown.is_cancelled() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n".to_owned());
    }
    if !endpoint.require_no_failed.load(Ordering::Relaxed) {
        return (StatusCode::OK, "ready\n".to_owned());
    }
    let counted = tokio::task::spawn_blocking(move || {
        let mut failed = 0_usize;
        let mut first = None;
        status::for_each(&endpoint.boards.live(), STATUS_CHUNK, |record| {
            let snapshot = record.snapshot();
            if snapshot.phase == Phase::Ended && snapshot.outcome.is_some_and(|kind| kind.is_failure()) {
                failed += 1;
                first.get_or_insert_with(|| snapshot.key.to_owned());
            }
        });
        (failed, first)
    })
    .await;
    match counted {
        Ok((0, _)) => (StatusCode::OK, "ready\n".to_owned()),
        Ok((failed, first)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "{failed} pipeline(s) ended failed, first {}\n",
                first.unwrap_or_default()
            ),
        ),
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot read the pipelines: {error}\n"),
        ),
    }
}

/// How many pipelines each chunk of a `/pipelines` response holds: the
/// board's lock is taken once per chunk, never across a write.
const STATUS_CHUNK: usize = 1024;

/// `GET /pipelines`: a JSON array, one object per pipeline, streamed in
/// chunks so that a hundred thousand pipelines cost no more memory than one
/// chunk. Each chunk is read and serialized on a blocking thread, never on
/// an async worker.
pub(super) async fn pipelines(boards: Vec<Arc<StatusBoard>>) -> impl IntoResponse {
    let boards: Arc<[Arc<StatusBoard>]> = boards.into();
    // The state: whether this is the first chunk, and where the next one
    // starts, while any is left.
    let chunks = futures_util::stream::unfold(Some((true, Cursor::default())), move |cursor| {
        let boards = Arc::clone(&boards);
        async move {
            let (first, from) = cursor?;
            let written = tokio::task::spawn_blocking(move || write_chunk(&boards, first, from)).await;
            match written {
                Ok((text, next)) => Some((
                    Ok::<_, std::io::Error>(Bytes::from(text)),
                    next.map(|next| (false, next)),
                )),
                Err(error) => Some((Err(std::io::Error::other(error)), None)),
            }
        }
    });
    ([(header::CONTENT_TYPE, "application/json")], Body::from_stream(chunks))
}

/// One chunk of `/pipelines`, from `from`, and where the next one starts.
fn write_chunk(boards: &[Arc<StatusBoard>], first: bool, from: Cursor) -> (Vec<u8>, Option<Cursor>) {
    let (chunk, next) = status::chunk(boards, from, STATUS_CHUNK);
    let mut text = Vec::with_capacity(chunk.len() * 200 + 2);
    if first {
        text.push(b'[');
    }
    for (i, record) in chunk.iter().enumerate() {
        if !first || i > 0 {
            text.push(b',');
        }
        let snapshot = record.snapshot();
        if serde_json::to_writer(&mut text, &StatusView::of(&snapshot)).is_err() {
            text.extend_from_slice(b"null");
        }
    }
    if next.is_none() {
        text.push(b']');
    }
    (text, next)
}
