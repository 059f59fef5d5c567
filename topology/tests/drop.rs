//! Dropping what was started stops it: a started topology dropped before it
//! is awaited aborts its pipelines and closes its metrics endpoint, and a
//! dropped run stops watching signals. Alone in its binary: it counts the
//! process's threads.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use topology::{
    CancellationToken, Pipeline, PipelineContext, PipelineRunner, ShutdownSignals, State, pipeline, topology,
};

/// Set when the pipeline's future is dropped.
struct Dropped(Arc<AtomicBool>);

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[pipeline(key = "forever")]
async fn forever(flag: State<Arc<AtomicBool>>, stop: CancellationToken) {
    let _dropped = Dropped(Arc::clone(&flag));
    stop.cancelled().await;
}

topology! {
    metrics: "127.0.0.1:0",
    global: { poll_jitter_secs: 0 },
    state: Arc::new(AtomicBool::new(false)),
    main: false,
    pipelines: [forever],
}

/// Threads of this process named like the signal watcher.
fn signal_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.starts_with("topology-signal"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_what_was_started_stops_it() {
    let flag = Arc::new(AtomicBool::new(false));
    let running = Topology::start_with_state(&Topology::settings(), Arc::clone(&flag))
        .await
        .unwrap();
    let address = running.metrics_addr().unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(tokio::net::TcpStream::connect(address).await.is_ok());
    drop(running);
    let mut closed = false;
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(address).await.is_err() && flag.load(Ordering::SeqCst) {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(closed, "the port is freed and the pipeline dropped");

    // A run dropped while it watches signals stops its watcher thread.
    let runner = PipelineRunner::new(PipelineContext::default().with_poll_jitter_secs(0), "job");
    let watched = tokio::spawn(async move {
        let signals = ShutdownSignals::install().expect("handlers");
        runner.run_with_signals(signals, [Parked]).await
    });
    assert!(
        eventually(|| signal_threads() == 1).await,
        "the signals are received on a thread of their own"
    );
    watched.abort();
    assert!(
        eventually(|| signal_threads() == 0).await,
        "the signal watcher thread ended with its run"
    );
}

/// Whether `holds` comes true within two seconds.
async fn eventually(holds: impl Fn() -> bool) -> bool {
    for _ in 0..200 {
        if holds() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

/// Never ends by itself.
struct Parked;

impl Pipeline for Parked {
    type Key = &'static str;
    type Error = std::convert::Infallible;

    fn key(&self) -> &&'static str {
        &"parked"
    }

    async fn run(self) -> Result<(), Self::Error> {
        std::future::pending().await
    }
}
