//! Starting and forcing shutdown: from the operating system's signals, or
//! from anywhere through a handle.

use std::{fmt, io};

#[cfg(not(unix))]
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
    /// The same signals, for the watcher thread: tokio's streams are driven
    /// by its worker threads, which a blocking pipeline can hold.
    #[cfg(unix)]
    hook: signal_hook::iterator::Signals,
}

impl ShutdownSignals {
    /// Installs the handlers.
    #[cfg(unix)]
    pub fn install() -> io::Result<Self> {
        use signal_hook::consts::{SIGINT, SIGQUIT, SIGTERM};
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
            quit: signal(SignalKind::quit())?,
            hook: signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGQUIT])?,
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

    /// Watches for signals: the first starts a graceful shutdown, the
    /// second forces it. Signals are counted, not inferred from the token: a
    /// shutdown begun by a pipeline or a failure leaves the operator's first
    /// signal graceful. On Unix the watcher is an OS thread of its own, so a
    /// signal is seen even when every worker thread is blocked.
    #[cfg(unix)]
    pub(crate) fn watch(self, handle: ShutdownHandle) -> Watcher {
        let mut hook = self.hook;
        let closer = hook.handle();
        let watching = std::thread::Builder::new()
            .name("topology-signals".to_owned())
            .spawn(move || {
                let mut received = 0_u32;
                for raw in hook.forever() {
                    let signal = ShutdownSignal::from_raw(raw);
                    received += 1;
                    if received == 1 {
                        graceful(signal, &handle);
                    } else {
                        forced(signal, &handle);
                        return;
                    }
                }
            });
        if let Err(error) = watching {
            tracing::error!(%error, "cannot start the signal watcher thread");
        }
        Watcher { closer }
    }

    /// Watches for signals in a task: the first starts a graceful shutdown,
    /// the second forces it.
    #[cfg(not(unix))]
    pub(crate) fn watch(mut self, handle: ShutdownHandle) -> Watcher {
        let task = tokio::spawn(async move {
            graceful(self.recv().await, &handle);
            forced(self.recv().await, &handle);
        });
        Watcher { task }
    }
}

fn graceful(signal: ShutdownSignal, handle: &ShutdownHandle) {
    tracing::info!(
        %signal,
        "received shutdown signal; stopping gracefully (send another signal to abort at once)"
    );
    handle.shutdown();
}

fn forced(signal: ShutdownSignal, handle: &ShutdownHandle) {
    tracing::warn!(%signal, "received a second signal; aborting every pipeline now");
    handle.force();
}

#[cfg(unix)]
impl ShutdownSignal {
    fn from_raw(raw: i32) -> Self {
        match raw {
            signal_hook::consts::SIGINT => Self::Interrupt,
            signal_hook::consts::SIGQUIT => Self::Quit,
            _ => Self::Terminate,
        }
    }
}

/// The running signal watcher; [`stop`](Self::stop) it once the topology
/// has ended.
#[derive(Debug)]
pub(crate) struct Watcher {
    #[cfg(unix)]
    closer: signal_hook::iterator::Handle,
    #[cfg(not(unix))]
    task: JoinHandle<()>,
}

impl Watcher {
    /// Stops watching; later signals are no longer acted on here.
    pub(crate) fn stop(self) {
        drop(self);
    }
}

/// A watcher dropped with the run it watched (a dropped future) stops too:
/// its thread does not outlive the topology.
impl Drop for Watcher {
    fn drop(&mut self) {
        #[cfg(unix)]
        self.closer.close();
        #[cfg(not(unix))]
        self.task.abort();
    }
}
