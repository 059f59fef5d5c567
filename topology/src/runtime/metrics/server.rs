//! The HTTP endpoint serving `/metrics`, `/health`, `/ready` and
//! `/pipelines`: the runners it serves list their runs' records on its
//! status board.

use std::{
    fmt,
    net::SocketAddr,
    str::FromStr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use axum::{Router, routing::get};
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::{net::TcpListener, task::JoinHandle};
use tokio_util::sync::CancellationToken;

use topology_common::parse_metrics_address;

use crate::runtime::{
    error::TopologyError,
    metrics::{
        PrometheusRecorder,
        routes::{Endpoint, health, pipelines, ready, render_metrics},
    },
    setting::{SettingValue, text_setting},
    status::Boards,
    watchdog::{self, timer_or_wall_clock},
};

/// Where the metrics endpoint listens, or `Off`.
///
/// Parsed from `off` or a socket address such as `0.0.0.0:9090`
/// (`localhost:PORT` is accepted too).
///
/// ```
/// use topology::MetricsAddress;
///
/// assert_eq!("off".parse::<MetricsAddress>().unwrap(), MetricsAddress::Off);
/// assert!(matches!("0.0.0.0:9090".parse(), Ok(MetricsAddress::Listen(_))));
/// let error = "9090".parse::<MetricsAddress>().unwrap_err();
/// assert!(error.to_string().contains("`9090`"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricsAddress {
    /// No endpoint.
    Off,
    /// Listen on this address.
    Listen(SocketAddr),
}

impl FromStr for MetricsAddress {
    type Err = InvalidMetricsAddress;

    fn from_str(text: &str) -> Result<Self, InvalidMetricsAddress> {
        match parse_metrics_address(text) {
            Ok(None) => Ok(Self::Off),
            Ok(Some(address)) => Ok(Self::Listen(address)),
            Err(_) => Err(InvalidMetricsAddress(text.to_owned())),
        }
    }
}

/// Text that is neither `off` nor an address with a port.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid metrics address `{0}`: expected {expects}", expects = MetricsAddress::EXPECTS)]
pub struct InvalidMetricsAddress(String);

text_setting!(
    MetricsAddress,
    "`off` or an address with a port, such as `0.0.0.0:9090`"
);

/// Read from its text; an error is raised while the value is read, so that
/// it carries the value's location.
impl<'de> serde::Deserialize<'de> for MetricsAddress {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(crate::runtime::setting::FromText::<Self>::default())
    }
}

impl fmt::Display for MetricsAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Off => f.write_str("off"),
            Self::Listen(address) => address.fmt(f),
        }
    }
}

/// A running metrics endpoint: `/metrics` in Prometheus text; `/health`
/// (liveness), which answers 200 until shutdown begins and 503 from then
/// on; `/ready` (readiness), which answers 503 from then on too and, once
/// [`require_no_failed`](Self::require_no_failed) is set, while a pipeline
/// has ended failed; and `/pipelines`.
///
/// ```
/// # topology::block_on(async {
/// use topology::{CancellationToken, MetricsServer, PrometheusRecorder};
///
/// let shutdown = CancellationToken::new();
/// let recorder = PrometheusRecorder::install().unwrap();
/// let server = MetricsServer::start("127.0.0.1:0".parse().unwrap(), shutdown.clone(), &recorder)
///     .await
///     .unwrap();
/// assert_ne!(server.local_addr().port(), 0);
/// server.stop().await;
/// # });
/// ```
#[derive(Debug)]
pub struct MetricsServer {
    local_addr: SocketAddr,
    /// Where the runners it serves list their runs, a board each.
    boards: Arc<Boards>,
    /// Whether `/ready` fails while a pipeline has ended failed.
    require_no_failed: Arc<AtomicBool>,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl MetricsServer {
    /// Binds `address` and starts serving what `recorder` holds. `/health`
    /// reports unhealthy once `shutdown` is cancelled. An address that
    /// cannot be bound is an error, never a log line.
    ///
    /// `/pipelines` and the per-key series of `/metrics` show the runs of
    /// the runners given to [`PipelineRunner::served_by`](crate::PipelineRunner::served_by).
    pub async fn start(
        address: SocketAddr,
        shutdown: CancellationToken,
        recorder: &PrometheusRecorder,
    ) -> Result<Self, TopologyError> {
        let boards = Arc::new(Boards::default());
        let prometheus = recorder.handle().clone();
        let listener = TcpListener::bind(address)
            .await
            .map_err(|source| TopologyError::MetricsBind { address, source })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| TopologyError::MetricsBind { address, source })?;
        let mut router = Router::new()
            .route("/metrics", get(render_metrics))
            .route("/health", get(health))
            .route("/ready", get(ready));
        let require_no_failed = Arc::new(AtomicBool::new(false));
        let listed = Arc::clone(&boards);
        router = router.route("/pipelines", get(move || pipelines(listed.live())));
        let prometheus_for_upkeep = prometheus.clone();
        let router = router.with_state(Endpoint {
            prometheus,
            shutdown,
            boards: Arc::clone(&boards),
            require_no_failed: Arc::clone(&require_no_failed),
        });
        let stop = CancellationToken::new();
        let serving = axum::serve(listener, router).with_graceful_shutdown(stop.clone().cancelled_owned());
        let upkeep = upkeep(prometheus_for_upkeep);
        let task = tokio::spawn(async move {
            tokio::select! {
                served = serving => if let Err(error) = served {
                    tracing::error!(%error, "metrics endpoint stopped");
                },
                () = upkeep => {}
            }
        });
        tracing::info!(address = %local_addr, "serving /metrics, /health, /ready and /pipelines");
        Ok(Self {
            local_addr,
            boards,
            require_no_failed,
            stop,
            task,
        })
    }

    /// Makes `/ready` answer 503 while a pipeline it serves has ended
    /// failed (or panicked, or timed out): a replica with a dead pipeline
    /// is then taken out of service, while `/health` keeps it alive.
    pub fn require_no_failed(&self, required: bool) {
        self.require_no_failed.store(required, Ordering::Relaxed);
    }

    /// Where runners list their runs for this endpoint.
    pub(crate) fn boards(&self) -> &Arc<Boards> {
        &self.boards
    }

    /// The address the endpoint listens on (useful after binding port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// How long [`stop`](Self::stop) waits for open connections to finish.
    pub const STOP_GRACE: Duration = Duration::from_secs(2);

    /// Stops serving and waits, at most [`STOP_GRACE`](Self::STOP_GRACE),
    /// for open connections to close; then closes them. A client that never
    /// finishes its request cannot keep the process alive.
    pub async fn stop(mut self) {
        self.stop.cancel();
        let grace = watchdog::after(Self::STOP_GRACE);
        let grace = timer_or_wall_clock(tokio::time::sleep(Self::STOP_GRACE), Some(&grace));
        match tokio::select! {
            joined = &mut self.task => Some(joined),
            () = grace => None,
        } {
            Some(Ok(())) => {}
            Some(Err(error)) => tracing::error!(%error, "metrics endpoint task ended abnormally"),
            None => {
                tracing::warn!(
                    "metrics endpoint: connections still open {}s after shutdown; closing them",
                    Self::STOP_GRACE.as_secs()
                );
                self.task.abort();
            }
        }
    }
}

/// How often the recorder's histogram samples are folded into their buckets
/// between scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Folds the recorded histogram samples into their buckets now and then:
/// until a scrape does, each sample is kept, and a replica nobody scrapes
/// would grow with every run.
async fn upkeep(prometheus: PrometheusHandle) {
    let mut every = tokio::time::interval(UPKEEP_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        prometheus.run_upkeep();
    }
}

/// Dropped without [`stop`](MetricsServer::stop) (a topology dropped before
/// it was awaited), the endpoint stops at once and frees its port.
impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.stop.cancel();
        self.task.abort();
    }
}
