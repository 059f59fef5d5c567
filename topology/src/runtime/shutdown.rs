//! Starting and forcing shutdown: from the operating system's signals, or
//! from anywhere through a handle.

use std::{fmt, io};

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Starts and stops a running topology from anywhere: cloneable, and still
/// usable while
/// [`RunningTopology::run_to_completion`](crate::RunningTopology::run_to_completion)
/// is awaited.
#[derive(Clone, Debug)]
pub struct ShutdownHandle {
    shutdown: CancellationToken,
    force: CancellationToken,
}

impl ShutdownHandle {
    /// Starts a graceful shutdown, as the first signal does.
    pub fn shutdown(&self) {
        self.shutdown.cancel();
    }

    /// Aborts every pipeline at once, as a second signal does.
    pub fn force(&self) {
        self.shutdown.cancel();
        self.force.cancel();
    }

    /// Whether shutdown has begun.
    pub fn is_shutting_down(&self) -> bool {
        self.shutdown.is_cancelled()
    }

    /// A handle over a runner's two tokens.
    pub(crate) fn new(shutdown: CancellationToken, force: CancellationToken) -> Self {
        Self { shutdown, force }
    }
}

/// A signal that asks the process to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShutdownSignal {
    /// SIGINT (Ctrl-C).
    Interrupt,
    /// SIGTERM (what Kubernetes and systemd send).
    Terminate,
    /// SIGQUIT.
    Quit,
}

impl fmt::Display for ShutdownSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Interrupt => "SIGINT",
            Self::Terminate => "SIGTERM",
            Self::Quit => "SIGQUIT",
        })
    }
}

/// Handlers for SIGINT, SIGTERM and SIGQUIT, installed when this is created.
///
/// Create it before spawning any pipeline: from then on a signal is queued
/// for [`recv`](Self::recv) instead of killing the process, so an early
/// SIGTERM is never lost. Must be created inside a tokio runtime.
#[derive(Debug)]
pub struct ShutdownSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    quit: tokio::signal::unix::Signal,
}

impl ShutdownSignals {
    /// Installs the handlers.
    #[cfg(unix)]
    pub fn install() -> io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
            quit: signal(SignalKind::quit())?,
        })
    }

    /// Installs the handlers.
    #[cfg(not(unix))]
    pub fn install() -> io::Result<Self> {
        Ok(Self {})
    }

    /// Waits for the next signal.
    #[cfg(unix)]
    pub async fn recv(&mut self) -> ShutdownSignal {
        tokio::select! {
            _ = self.interrupt.recv() => ShutdownSignal::Interrupt,
            _ = self.terminate.recv() => ShutdownSignal::Terminate,
            _ = self.quit.recv() => ShutdownSignal::Quit,
        }
    }

    /// Waits for the next signal.
    #[cfg(not(unix))]
    pub async fn recv(&mut self) -> ShutdownSignal {
        match tokio::signal::ctrl_c().await {
            Ok(()) => ShutdownSignal::Interrupt,
            // Without a handler there is nothing to wait for.
            Err(_) => std::future::pending().await,
        }
    }

    /// Watches for signals in a background task: the first signal starts a
    /// graceful shutdown, the second forces it. Signals are counted, not
    /// inferred from the token: a shutdown begun by a pipeline or a failure
    /// leaves the operator's first signal graceful.
    pub(crate) fn watch(mut self, handle: ShutdownHandle) -> JoinHandle<()> {
        tokio::spawn(async move {
            let signal = self.recv().await;
            tracing::info!(
                %signal,
                "received shutdown signal; stopping gracefully (send another signal to abort at once)"
            );
            handle.shutdown();
            let signal = self.recv().await;
            tracing::warn!(%signal, "received a second signal; aborting every pipeline now");
            handle.force();
        })
    }
}
