//! SIGHUP in the generated program: the configuration is read again and the
//! running topology reloaded; a configuration that cannot be read changes
//! nothing and is logged.

use crate::{
    program::{error::ProgramError, reload::Reloader, settings::Settings},
    runtime::error::TopologyError,
};

/// SIGHUP, caught from start-up on: its default action would end the process.
#[cfg(unix)]
pub(crate) struct Hangups(tokio::signal::unix::Signal);

#[cfg(not(unix))]
pub(crate) struct Hangups;

impl Hangups {
    #[cfg(unix)]
    pub(crate) fn install() -> Result<Self, ProgramError> {
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
            .map(Self)
            .map_err(|error| ProgramError::Runtime(TopologyError::Signals(error)))
    }

    #[cfg(not(unix))]
    pub(crate) fn install() -> Result<Self, ProgramError> {
        Ok(Self)
    }

    async fn next(&mut self) -> Option<()> {
        #[cfg(unix)]
        return self.0.recv().await;
        #[cfg(not(unix))]
        return std::future::pending().await;
    }

    /// Reloads with what `read` gives on every SIGHUP, until the process ends.
    pub(crate) async fn reload_each(mut self, reloader: Reloader, read: impl Fn() -> Result<Settings, ProgramError>) {
        while self.next().await.is_some() {
            tracing::info!("SIGHUP: reading the configuration again");
            match read().and_then(|settings| reloader.reload(&settings)) {
                Ok(report) => tracing::info!("configuration reloaded: {report}"),
                Err(error) => {
                    tracing::error!("configuration not reloaded, the running topology is unchanged: {error}");
                }
            }
        }
    }
}
