//! Errors of the generated program: its configuration (settings, the YAML
//! file, families' entries, the application's settings), its state, and a
//! reload; the runtime's own errors pass through with their sources.

use std::{io, path::PathBuf};

use crate::runtime::{error::TopologyError, runner::spawner::TopologyEnded, storage::StorageError};

/// An error that stops the generated program from starting, or a reload
/// from applying: bad configuration (exit code 2), a `state:` that failed,
/// or one of the runtime's [`TopologyError`]s.
///
/// Every wrapped error is kept as the [`source`](std::error::Error::source);
/// the message of each variant is its own part only.
///
/// ```
/// use topology::{ProgramError, Settings};
///
/// let error = Settings::default().apply("total_concurrency", "lots", "a test").unwrap_err();
/// assert!(matches!(error, ProgramError::InvalidSetting { .. }));
/// assert_eq!(
///     error.to_string(),
///     "invalid value `lots` for setting `total_concurrency` (from a test): expected a whole number, at least 1"
/// );
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProgramError {
    /// A setting has a value that cannot be used.
    #[error("invalid value `{value}` for setting `{setting}` (from {origin}): {reason}")]
    InvalidSetting {
        /// The setting's name, as in the YAML file.
        setting: String,
        /// The value given.
        value: String,
        /// Where the value came from.
        origin: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// No setting has this name.
    #[error("unknown setting `{setting}` (from {origin}){}", hint(.did_you_mean.as_deref(), known))]
    UnknownSetting {
        /// The name given.
        setting: String,
        /// Where it came from.
        origin: String,
        /// The known name closest to it, if one is.
        did_you_mean: Option<String>,
        /// Every known name, listed when none is close.
        known: Vec<String>,
    },
    /// One of the application's own settings (`app:`) has a value that does
    /// not fit its type.
    #[error("{}", app_setting_message(setting, value, origin.as_ref(), reason))]
    InvalidAppSetting {
        /// The field's path under `app` (empty when the whole section is wrong).
        setting: String,
        /// The value given.
        value: String,
        /// Where the value came from, where known.
        origin: Option<String>,
        /// Why it does not fit.
        reason: String,
    },
    /// The configuration file cannot be read.
    #[error("cannot read the configuration file `{}`", path.display())]
    ConfigFileUnreadable {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// The configuration file has an invalid entry.
    #[error("configuration file `{}`: {message}", path.display())]
    ConfigFile {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the key and the line where known.
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
    /// The topology's `state:` expression returned an error.
    #[error("cannot build the state of the topology")]
    State {
        /// The error, with its sources.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// The store the `coordination` setting names cannot be opened.
    #[error("cannot open the coordination store")]
    Coordination(#[source] StorageError),
    /// The leases in the coordination store cannot be read (`--list`).
    #[error("cannot read the leases in the coordination store")]
    LeasesUnreadable(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// A reload came after every pipeline of the topology had ended.
    #[error("cannot reload")]
    Reload(#[source] TopologyEnded),
    /// The runtime could not start the topology.
    #[error(transparent)]
    Runtime(#[from] TopologyError),
}

/// "Did you mean" the closest known name, else the known names.
fn hint(did_you_mean: Option<&str>, known: &[String]) -> String {
    match (did_you_mean, known) {
        (Some(name), _) => format!("; did you mean `{name}`?"),
        (None, []) => String::new(),
        (None, known) => format!("; the known ones are {}", known.join(", ")),
    }
}

fn app_setting_message(setting: &str, value: &str, origin: Option<&String>, reason: &str) -> String {
    let origin = origin.map(|origin| format!(" (from {origin})")).unwrap_or_default();
    if setting.is_empty() {
        format!("the `app` settings{origin}: {reason}")
    } else {
        format!("invalid value `{value}` for setting `app.{setting}`{origin}: {reason}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::error::chain;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot open the lake at {url}")]
    struct LakeError {
        url: String,
        source: io::Error,
    }

    #[test]
    fn a_state_error_keeps_its_source() {
        let error = ProgramError::State {
            source: Box::new(LakeError {
                url: "s4://lake".to_owned(),
                source: io::Error::other("unsupported scheme"),
            }),
        };
        assert!(std::error::Error::source(&error).is_some());
        assert_eq!(
            chain(&error),
            "cannot build the state of the topology: cannot open the lake at s4://lake: unsupported scheme"
        );
    }

    #[test]
    fn a_runtime_error_passes_through_with_its_source() {
        let error = ProgramError::from(TopologyError::Signals(io::Error::other("no threads")));
        assert_eq!(chain(&error), "cannot watch the shutdown signals: no threads");
    }
}
