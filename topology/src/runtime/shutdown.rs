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
/// SIGTERM is never lost. On Unix one mechanism serves both uses: a thread
/// of its own receives the signals (so a signal is seen even when every
/// tokio worker is blocked by a pipeline), and either queues them for
/// `recv` or, once the topology is watched, acts on them at once.
#[derive(Debug)]
pub struct ShutdownSignals {
    #[cfg(unix)]
    queued: tokio::sync::mpsc::UnboundedReceiver<ShutdownSignal>,
    #[cfg(unix)]
    watched: std::sync::Arc<std::sync::Mutex<Watched>>,
    #[cfg(unix)]
    closer: signal_hook::iterator::Handle,
}

/// What the signal thread does with a signal: queue it, or act on it.
#[cfg(unix)]
#[derive(Debug, Default)]
struct Watched {
    /// Set once the topology is watched.
    handle: Option<ShutdownHandle>,
    /// Signals acted on so far: the first is graceful, the next forced.
    received: u32,
}

#[cfg(unix)]
impl Watched {
    fn act(&mut self, signal: ShutdownSignal) {
        let Some(handle) = &self.handle else { return };
        self.received += 1;
        if self.received == 1 {
            graceful(signal, handle);
        } else {
            forced(signal, handle);
        }
    }
}

impl ShutdownSignals {
    /// Installs the handlers and starts the thread that receives them.
    ///
    /// # Errors
    ///
    /// The operating system's error when a handler cannot be installed or
    /// the thread cannot be started: without them a SIGTERM would be
    /// ignored, so this is a start-up error, not a warning.
    #[cfg(unix)]
    pub fn install() -> io::Result<Self> {
        use std::sync::{Arc, Mutex, PoisonError};

        use signal_hook::consts::{SIGINT, SIGQUIT, SIGTERM};

        let mut hook = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGQUIT])?;
        let closer = hook.handle();
        let (queue, queued) = tokio::sync::mpsc::unbounded_channel();
        let watched = Arc::new(Mutex::new(Watched::default()));
        let shared = Arc::clone(&watched);
        let started = std::thread::Builder::new()
            .name("topology-signals".to_owned())
            .spawn(move || {
                for raw in hook.forever() {
                    let signal = ShutdownSignal::from_raw(raw);
                    // Decided under the lock, so that `watch` sees every
                    // signal exactly once: queued before, acted on after.
                    let mut watched = shared.lock().unwrap_or_else(PoisonError::into_inner);
                    if watched.handle.is_some() {
                        watched.act(signal);
                    } else if queue.send(signal).is_err() {
                        return;
                    }
                }
            });
        if let Err(error) = started {
            closer.close();
            return Err(error);
        }
        Ok(Self {
            queued,
            watched,
            closer,
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
        match self.queued.recv().await {
            Some(signal) => signal,
            // The thread has ended: no signal will come.
            None => std::future::pending().await,
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
    /// second forces it; signals queued before are acted on now. Signals are
    /// counted, not inferred from the token: a shutdown begun by a pipeline
    /// or a failure leaves the operator's first signal graceful.
    #[cfg(unix)]
    pub(crate) fn watch(mut self, handle: ShutdownHandle) -> Watcher {
        let mut watched = self.watched.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        watched.handle = Some(handle);
        while let Ok(signal) = self.queued.try_recv() {
            watched.act(signal);
        }
        drop(watched);
        Watcher {
            closer: self.closer.clone(),
        }
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

/// Signals that are never watched leave with their handlers' thread.
#[cfg(unix)]
impl Drop for ShutdownSignals {
    fn drop(&mut self) {
        // A watched set hands its closer to the watcher, which closes it.
        if self.watched.lock().map_or(true, |watched| watched.handle.is_none()) {
            self.closer.close();
        }
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
