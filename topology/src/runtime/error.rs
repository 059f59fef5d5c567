//! Errors that stop the runtime from starting a topology.

use std::{io, net::SocketAddr};

/// An error that stops a topology from starting: a setting out of its
/// bounds, or a resource of the process (the metrics port, the recorder, the
/// signal handlers) that cannot be had.
///
/// Pipeline failures are not errors of this kind: they are outcomes, counted
/// in [`RunStats`](crate::RunStats). The generated program's configuration
/// errors are [`ProgramError`](crate::ProgramError)s.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TopologyError {
    /// A setting has a value that cannot be used.
    #[error("invalid value `{value}` for setting `{setting}`: {reason}")]
    InvalidSetting {
        /// The setting's name.
        setting: &'static str,
        /// The value given.
        value: String,
        /// Why it cannot be used.
        reason: String,
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
    #[error("cannot install the Prometheus metrics recorder")]
    MetricsRecorder(#[source] metrics_exporter_prometheus::BuildError),
    /// The tokio runtime could not be built.
    #[error("cannot start the tokio runtime")]
    Runtime(#[source] io::Error),
    /// The signal handlers could not be installed, or the thread that
    /// watches signals could not be started.
    #[error("cannot watch the shutdown signals")]
    Signals(#[source] io::Error),
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
    fn a_chain_is_shown_once() {
        let error = Outer(LakeError {
            url: "s4://lake".to_owned(),
            source: io::Error::other("unsupported scheme"),
        });
        assert_eq!(
            chain(&error),
            "reading LAKE_URL: cannot open the lake at s4://lake: unsupported scheme"
        );
        let signals = TopologyError::Signals(io::Error::other("no threads left"));
        assert_eq!(chain(&signals), "cannot watch the shutdown signals: no threads left");
    }
}
