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
    /// One of the application's own settings (`app:`) has a value that does
    /// not fit its type.
    #[error("{}", app_setting_message(setting, value, origin, reason))]
    InvalidAppSetting {
        /// The field's path under `app` (empty when the whole section is wrong).
        setting: String,
        /// The value given.
        value: String,
        /// Where the value came from, as ` (from ...)`, or empty.
        origin: String,
        /// Why it does not fit.
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
    /// The topology's `state:` expression returned an error.
    #[error("cannot build the state of the topology: {}", chain(source.as_ref()))]
    State {
        /// The error, with its sources.
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// The signal handlers could not be installed.
    #[error("cannot install the shutdown signal handlers: {0}")]
    Signals(#[source] io::Error),
    /// A reload came after every pipeline of the topology had ended.
    #[error("cannot reload: {0}")]
    Reload(#[source] crate::runtime::runner::spawner::TopologyEnded),
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

/// An error and its sources, `: `-separated, skipping a source whose text
/// the message already contains.
pub(crate) fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn app_setting_message(setting: &str, value: &str, origin: &str, reason: &str) -> String {
    if setting.is_empty() {
        format!("the `app` settings{origin}: {reason}")
    } else {
        format!("invalid value `{value}` for setting `app.{setting}`{origin}: {reason}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot open the lake at {url}: {source}")]
    struct LakeError {
        url: String,
        source: io::Error,
    }

    #[derive(Debug, thiserror::Error)]
    #[error("reading LAKE_URL")]
    struct Outer(#[source] LakeError);

    #[test]
    fn a_state_error_shows_its_chain_once() {
        let error = TopologyError::State {
            source: Box::new(Outer(LakeError {
                url: "s4://lake".to_owned(),
                source: io::Error::other("unsupported scheme"),
            })),
        };
        assert_eq!(
            error.to_string(),
            "cannot build the state of the topology: reading LAKE_URL: cannot open the lake at s4://lake: unsupported scheme"
        );
    }
}
