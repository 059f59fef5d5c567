//! SIGHUP in the generated program: the configuration is read again and the
//! running topology reloaded; a configuration that cannot be read changes
//! nothing and is logged.

use crate::{
    program::{error::ProgramError, reload::Reloader, settings::Settings},
    runtime::error::TopologyError,
};

/// SIGHUP, caught from start-up on: its default action would end the
/// process. Received as the shutdown signals are (a thread of its own, see
/// [`ShutdownSignals`](crate::ShutdownSignals)), and handed to the reload
/// task.
#[cfg(unix)]
pub(crate) struct Hangups {
    received: tokio::sync::mpsc::UnboundedReceiver<()>,
    closer: signal_hook::iterator::Handle,
}

#[cfg(not(unix))]
pub(crate) struct Hangups;

impl Hangups {
    #[cfg(unix)]
    pub(crate) fn install() -> Result<Self, ProgramError> {
        let signals = || -> std::io::Result<Self> {
            let mut hook = signal_hook::iterator::Signals::new([signal_hook::consts::SIGHUP])?;
            let closer = hook.handle();
            let (sender, received) = tokio::sync::mpsc::unbounded_channel();
            let started = std::thread::Builder::new()
                .name("topology-hangups".to_owned())
                .spawn(move || {
                    for _ in hook.forever() {
                        if sender.send(()).is_err() {
                            return;
                        }
                    }
                });
            if let Err(error) = started {
                closer.close();
                return Err(error);
            }
            Ok(Self { received, closer })
        };
        signals().map_err(|error| ProgramError::Runtime(TopologyError::Signals(error)))
    }

    #[cfg(not(unix))]
    pub(crate) fn install() -> Result<Self, ProgramError> {
        Ok(Self)
    }

    async fn next(&mut self) -> Option<()> {
        #[cfg(unix)]
        return self.received.recv().await;
        #[cfg(not(unix))]
        return std::future::pending().await;
    }

    /// Reloads with what `read` gives on every SIGHUP, until the process
    /// ends. Reading and parsing the file, and planning the entries, run on
    /// a blocking thread: a large file must not hold up an async worker.
    pub(crate) async fn reload_each(
        mut self,
        reloader: Reloader,
        read: impl Fn() -> Result<Settings, ProgramError> + Send + Sync + 'static,
    ) {
        let read = std::sync::Arc::new(read);
        while self.next().await.is_some() {
            tracing::info!("SIGHUP: reading the configuration again");
            let (read, reloader) = (std::sync::Arc::clone(&read), reloader.clone());
            let reloaded = tokio::task::spawn_blocking(move || read().and_then(|settings| reloader.reload(&settings)));
            match reloaded.await {
                Ok(Ok(report)) => tracing::info!("configuration reloaded: {report}"),
                Ok(Err(error)) => {
                    tracing::error!("configuration not reloaded, the running topology is unchanged: {error}");
                }
                Err(error) => {
                    tracing::error!(
                        "configuration not reloaded, the running topology is unchanged: the reload failed: {error}"
                    );
                }
            }
        }
    }
}

#[cfg(unix)]
impl Drop for Hangups {
    fn drop(&mut self) {
        self.closer.close();
    }
}
