//! Errors that stop a topology from starting.

use std::{io, net::SocketAddr, path::PathBuf};

/// An error that stops a topology from starting.
///
/// Pipeline failures are not errors of this kind: they are outcomes, counted
/// in [`RunStats`](crate::RunStats).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TopologyError {
    /// A setting has a value that cannot be used.
    #[error("invalid value `{value}` for setting `{setting}`{origin}: {reason}")]
    InvalidSetting {
        /// The setting's name, as in the YAML file.
        setting: &'static str,
        /// The value given.
        value: String,
        /// Where the value came from, as ` (from ...)`, or empty.
        origin: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// No setting has this name.
    #[error("unknown setting `{setting}` (from {origin})")]
    UnknownSetting {
        /// The name given.
        setting: String,
        /// Where it came from.
        origin: String,
    },
    /// The configuration file cannot be read or has an invalid entry.
    #[error("configuration file `{}`: {message}", path.display())]
    ConfigFile {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line and the key where known.
        message: String,
    },
    /// The entries of a pipeline family are invalid.
    #[error("{origin}: {message}")]
    Instances {
        /// Where the entries came from.
        origin: String,
        /// What is wrong: the line, the entry and the field where known.
        message: String,
    },
    /// A pipeline family has no entries in any source.
    #[error(
        "pipeline family `{family}` has no entries: list them under `pipelines.{family}` in the configuration file (--config), or give defaults with `instances:` in topology!"
    )]
    NoInstances {
        /// The family's key.
        family: String,
    },
    /// The metrics endpoint could not listen on its address.
    #[error("cannot serve metrics on {address}: {source} (set another address, or `off` to disable the endpoint)")]
    MetricsBind {
        /// The address that could not be bound.
        address: SocketAddr,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// Another metrics recorder was installed in this process first.
    #[error("cannot install the Prometheus metrics recorder: {0}")]
    MetricsRecorder(String),
    /// The signal handlers could not be installed.
    #[error("cannot install the shutdown signal handlers: {0}")]
    Signals(#[source] io::Error),
}

impl TopologyError {
    pub(crate) fn invalid_setting(setting: &'static str, value: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidSetting {
            setting,
            value: value.into(),
            origin: String::new(),
            reason: reason.into(),
        }
    }
}
