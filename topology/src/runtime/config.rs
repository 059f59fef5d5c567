//! The settings shared by every pipeline of a topology.

use std::time::Duration;

use serde::Deserialize;

use crate::runtime::error::TopologyError;

/// Settings shared by every pipeline of a topology.
///
/// The field names are those of the `global:` section of the YAML
/// configuration file and, upper-cased with a `TOPOLOGY_` prefix, of the
/// environment variables.
///
/// ```
/// use topology::GlobalConfig;
///
/// let config = GlobalConfig { total_concurrency: Some(8), ..Default::default() };
/// assert!(config.validate().is_ok());
/// assert_eq!(config.poll_jitter_secs, 10);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GlobalConfig {
    /// Upper bound of the random delay before each pipeline starts, in
    /// seconds; `0` starts every pipeline at once.
    pub poll_jitter_secs: u64,
    /// How many permits the shared semaphore holds; `None` means unlimited.
    pub total_concurrency: Option<usize>,
    /// Whether pipelines share object-store clients per bucket.
    pub connection_pooling: bool,
    /// How long shutdown waits for running pipelines before aborting them,
    /// in seconds; `0` waits forever.
    pub shutdown_timeout_secs: u64,
    /// What the topology does when a pipeline ends failed (no restart
    /// policy, or its budget spent).
    pub failure_policy: FailurePolicy,
}

/// What a topology does when one of its pipelines ends failed or panicked.
///
/// ```
/// use topology::{FailurePolicy, GlobalConfig};
///
/// assert_eq!(GlobalConfig::default().failure_policy, FailurePolicy::Isolate);
/// assert_eq!("shutdown".parse::<FailurePolicy>(), Ok(FailurePolicy::Shutdown));
/// assert_eq!(FailurePolicy::Shutdown.to_string(), "shutdown");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailurePolicy {
    /// The others keep running; the exit code says a pipeline failed.
    #[default]
    Isolate,
    /// A graceful shutdown of the whole topology begins at once, so that an
    /// orchestrator restarts the process.
    Shutdown,
}

impl std::str::FromStr for FailurePolicy {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        match text {
            "isolate" => Ok(Self::Isolate),
            "shutdown" => Ok(Self::Shutdown),
            _ => Err(()),
        }
    }
}

impl std::fmt::Display for FailurePolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Isolate => "isolate",
            Self::Shutdown => "shutdown",
        })
    }
}

impl Default for GlobalConfig {
    fn default() -> Self {
        Self {
            poll_jitter_secs: 10,
            total_concurrency: None,
            connection_pooling: true,
            shutdown_timeout_secs: 30,
            failure_policy: FailurePolicy::Isolate,
        }
    }
}

impl GlobalConfig {
    /// The most permits a semaphore can hold; larger limits are rejected
    /// rather than left to panic inside tokio.
    pub const MAX_CONCURRENCY: usize = tokio::sync::Semaphore::MAX_PERMITS;

    /// Checks the values that deserialization alone cannot.
    ///
    /// ```
    /// use topology::GlobalConfig;
    ///
    /// let config = GlobalConfig { total_concurrency: Some(0), ..Default::default() };
    /// let error = config.validate().unwrap_err();
    /// assert!(error.to_string().contains("total_concurrency"));
    /// ```
    pub fn validate(&self) -> Result<(), TopologyError> {
        match self.total_concurrency {
            Some(0) => Err(TopologyError::invalid_setting(
                "total_concurrency",
                "0",
                "must be at least 1 (leave it unset for no limit)",
            )),
            Some(n) if n > Self::MAX_CONCURRENCY => Err(TopologyError::invalid_setting(
                "total_concurrency",
                n.to_string(),
                format!("must be at most {}", Self::MAX_CONCURRENCY),
            )),
            _ => Ok(()),
        }
    }

    /// The shutdown deadline, or `None` to wait forever.
    ///
    /// ```
    /// use std::time::Duration;
    /// use topology::GlobalConfig;
    ///
    /// assert_eq!(GlobalConfig::default().shutdown_timeout(), Some(Duration::from_secs(30)));
    /// let forever = GlobalConfig { shutdown_timeout_secs: 0, ..Default::default() };
    /// assert_eq!(forever.shutdown_timeout(), None);
    /// ```
    pub fn shutdown_timeout(&self) -> Option<Duration> {
        (self.shutdown_timeout_secs > 0).then(|| Duration::from_secs(self.shutdown_timeout_secs))
    }

    /// Each setting's name and value as text, as the start-up line and
    /// `--help` show them.
    pub(crate) fn values(&self) -> [(&'static str, String); 5] {
        let limit = self
            .total_concurrency
            .map_or_else(|| "unlimited".to_owned(), |n| n.to_string());
        [
            ("poll_jitter_secs", self.poll_jitter_secs.to_string()),
            ("total_concurrency", limit),
            ("connection_pooling", self.connection_pooling.to_string()),
            ("shutdown_timeout_secs", self.shutdown_timeout_secs.to_string()),
            ("failure_policy", self.failure_policy.to_string()),
        ]
    }
}
