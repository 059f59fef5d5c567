//! Helpers shared by the runtime's integration tests.
#![allow(dead_code, unreachable_pub)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::{
    convert::Infallible,
    io,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use topology::{OutcomeKind, Pipeline, PipelineContext, RunStats};
use tracing_subscriber::fmt::MakeWriter;

/// Captures the log lines every thread emits while the guard lives (a
/// multi-thread runtime's workers included).
///
/// One global subscriber writes every event to the capture in force; the
/// captures of one test binary take turns, so that each sees its own test's
/// lines. Every test of a binary that captures starts a capture, so that no
/// other test's lines can reach it.
pub struct LogCapture {
    buffer: Arc<Mutex<Vec<u8>>>,
    _turn: std::sync::MutexGuard<'static, ()>,
}

/// The buffer of the capture in force.
static CAPTURE: Mutex<Option<Arc<Mutex<Vec<u8>>>>> = Mutex::new(None);
/// One capture at a time.
static TURN: Mutex<()> = Mutex::new(());

impl LogCapture {
    pub fn start() -> Self {
        static INSTALLED: std::sync::Once = std::sync::Once::new();
        INSTALLED.call_once(|| {
            let subscriber = tracing_subscriber::fmt()
                .with_writer(CaptureWriter)
                .with_ansi(false)
                .with_max_level(tracing::Level::DEBUG)
                .finish();
            tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber");
        });
        let turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
        let buffer = Arc::new(Mutex::new(Vec::new()));
        *CAPTURE.lock().unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&buffer));
        Self { buffer, _turn: turn }
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.buffer.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }

    /// The captured lines that contain every one of `needles`.
    pub fn lines_with(&self, needles: &[&str]) -> Vec<String> {
        self.text()
            .lines()
            .filter(|line| needles.iter().all(|needle| line.contains(needle)))
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for LogCapture {
    fn drop(&mut self) {
        CAPTURE.lock().unwrap_or_else(PoisonError::into_inner).take();
    }
}

/// Writes to the buffer of the capture in force, if any.
struct CaptureWriter;

impl io::Write for CaptureWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let capture = CAPTURE.lock().unwrap_or_else(PoisonError::into_inner).clone();
        if let Some(buffer) = capture {
            buffer
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for CaptureWriter {
    type Writer = Self;

    fn make_writer(&'a self) -> Self {
        Self
    }
}

/// An error a test pipeline returns.
#[derive(Debug, thiserror::Error)]
#[error("source unreachable")]
pub struct TestError {
    #[source]
    pub cause: io::Error,
}

/// What a test pipeline does when run.
#[derive(Clone, Copy, Debug)]
pub enum Behaviour {
    /// Returns `Ok` at once.
    Complete,
    /// Returns an error at once.
    Fail,
    /// Panics at once.
    Panic,
    /// Waits for shutdown, then returns `Ok`.
    UntilShutdown,
    /// Waits for shutdown, then keeps working this long before returning.
    FinishAfter(Duration),
    /// Never returns, ignoring shutdown.
    Stubborn,
    /// Begins the shutdown itself (cancels the context's token), then returns.
    CancelShutdown,
}

/// A pipeline that behaves as told.
pub struct TestPipeline {
    pub key: String,
    pub behaviour: Behaviour,
    pub ctx: PipelineContext,
    pub ran: Option<Arc<Mutex<Vec<String>>>>,
}

impl TestPipeline {
    pub fn new(key: &str, behaviour: Behaviour, ctx: &PipelineContext) -> Self {
        Self {
            key: key.to_owned(),
            behaviour,
            ctx: ctx.clone(),
            ran: None,
        }
    }

    pub fn recording(mut self, ran: &Arc<Mutex<Vec<String>>>) -> Self {
        self.ran = Some(Arc::clone(ran));
        self
    }
}

impl Pipeline for TestPipeline {
    type Key = String;
    type Error = TestError;

    fn key(&self) -> &String {
        &self.key
    }

    async fn run(self) -> Result<(), TestError> {
        if let Some(ran) = &self.ran {
            ran.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(self.key.clone());
        }
        match self.behaviour {
            Behaviour::Complete => Ok(()),
            Behaviour::Fail => Err(TestError {
                cause: io::Error::other("connection refused"),
            }),
            Behaviour::Panic => panic!("boom in {}", self.key),
            Behaviour::UntilShutdown => {
                self.ctx.shutdown.cancelled().await;
                Ok(())
            }
            Behaviour::FinishAfter(work) => {
                self.ctx.shutdown.cancelled().await;
                tokio::time::sleep(work).await;
                Ok(())
            }
            Behaviour::CancelShutdown => {
                self.ctx.shutdown.cancel();
                Ok(())
            }
            Behaviour::Stubborn => {
                std::future::pending::<Infallible>().await;
                Ok(())
            }
        }
    }
}

/// A context whose pipelines start after a jitter of up to `jitter_secs`.
pub fn context(jitter_secs: u64) -> PipelineContext {
    PipelineContext::default().with_poll_jitter_secs(jitter_secs)
}

/// How the pipeline with `key` ended.
pub fn kind_of(stats: &RunStats<String>, key: &str) -> OutcomeKind {
    stats
        .outcome(&key.to_owned())
        .map(|outcome| outcome.kind())
        .expect("the key has an outcome")
}

/// The status and body of a GET to `url`.
pub async fn get(url: String) -> (u16, String) {
    let response = reqwest::get(&url).await.expect("the endpoint answers");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a text body"))
}

/// The value of the series whose line starts with `series`, if present.
pub fn value(scrape: &str, series: &str) -> Option<f64> {
    scrape
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
}

/// A metrics endpoint on a free loopback port, serving the process's
/// Prometheus recorder; `/health` turns unhealthy when `shutdown` is
/// cancelled.
pub async fn serve_metrics(shutdown: topology::CancellationToken) -> topology::MetricsServer {
    let recorder = topology::PrometheusRecorder::install().expect("recorder");
    topology::MetricsServer::start("127.0.0.1:0".parse().unwrap(), shutdown, &recorder)
        .await
        .expect("serving on a free port")
}
