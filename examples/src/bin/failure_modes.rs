//! What the framework does when a pipeline misbehaves.
//!
//! `steady` works until shutdown. `misbehaving` does what `FAILURE_MODE`
//! says: `complete` (the default) returns at once, `fail` returns an error,
//! `panic` panics, `stubborn` ignores shutdown (the shutdown timeout cuts it
//! off), `slow` takes three seconds to finish after shutdown begins,
//! `blocking` blocks its worker thread for good (`std::thread::sleep` in async
//! code; with `TOKIO_WORKER_THREADS=1` it holds every worker), and the process
//! still ends after the shutdown deadline.
//!
//! ```text
//! FAILURE_MODE=panic cargo run -p topology-examples --bin failure_modes
//! echo $?   # 1 after Ctrl-C: a pipeline panicked
//! ```
//!
//! The strict lints below hold for the code `topology!` generates as well.
#![deny(warnings, clippy::pedantic)]

use std::time::Duration;

use topology::{CancellationToken, State, pipeline, topology};

/// How `misbehaving` behaves.
#[derive(Clone, Copy, Debug)]
enum Mode {
    Complete,
    Fail,
    Panic,
    Stubborn,
    Slow,
    Blocking,
}

impl Mode {
    /// The mode `FAILURE_MODE` names; an unknown one stops the program
    /// before anything starts (exit code 2), as a bad setting does.
    fn from_env() -> Result<Self, UnknownMode> {
        match std::env::var("FAILURE_MODE").unwrap_or_default().as_str() {
            "" | "complete" => Ok(Self::Complete),
            "fail" => Ok(Self::Fail),
            "panic" => Ok(Self::Panic),
            "stubborn" => Ok(Self::Stubborn),
            "slow" => Ok(Self::Slow),
            "blocking" => Ok(Self::Blocking),
            other => Err(UnknownMode(other.to_owned())),
        }
    }
}

/// A `FAILURE_MODE` that names no mode.
#[derive(Debug, thiserror::Error)]
#[error("unknown FAILURE_MODE `{0}`; expected complete, fail, panic, stubborn, slow or blocking")]
struct UnknownMode(String);

/// The error `misbehaving` returns in `fail` mode.
#[derive(Debug, thiserror::Error)]
#[error("upstream rejected the batch")]
struct BatchRejected {
    #[source]
    cause: std::io::Error,
}

/// Works until shutdown, then returns.
#[pipeline(key = "steady")]
async fn steady(shutdown: CancellationToken) {
    shutdown.cancelled().await;
    tracing::info!("flushed and stopping");
}

/// Misbehaves as `FAILURE_MODE` says.
#[pipeline(key = "misbehaving")]
async fn misbehaving(mode: State<Mode>, shutdown: CancellationToken) -> Result<(), BatchRejected> {
    tracing::info!(mode = ?*mode, "starting");
    match *mode {
        Mode::Complete => Ok(()),
        Mode::Fail => Err(BatchRejected {
            cause: std::io::Error::other("HTTP 503 from the sink"),
        }),
        Mode::Panic => panic!("index out of range while parsing batch 7"),
        Mode::Stubborn => loop {
            // Never looks at the shutdown token.
            tokio::time::sleep(Duration::from_secs(3600)).await;
        },
        Mode::Blocking => loop {
            // Blocks the worker thread: no `.await`, so no abort reaches it.
            std::thread::sleep(Duration::from_secs(3600));
        },
        Mode::Slow => {
            shutdown.cancelled().await;
            tokio::time::sleep(Duration::from_secs(3)).await;
            tracing::info!("finished the last batch");
            Ok(())
        }
    }
}

topology! {
    typetag: "demo",
    metrics: off,
    global: { poll_jitter_secs: 0, shutdown_timeout_secs: 5 },
    state: Mode::from_env(),
    pipelines: [steady, misbehaving],
}
