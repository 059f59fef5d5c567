//! The settings shared by every pipeline of a topology.

use std::time::Duration;

use serde::Deserialize;

use crate::runtime::{
    error::TopologyError,
    setting::{SettingValue, declare_settings, text_setting},
};

declare_settings! {
    /// Settings shared by every pipeline of a topology, declared once: the
    /// `global:` section of the YAML file, the `TOPOLOGY_*` variables, the
    /// flags, `--help` and the start-up line are all derived from this
    /// table. The struct may gain settings, so it is built from its default
    /// with the `with_*` setters.
    ///
    /// ```
    /// use topology::GlobalConfig;
    ///
    /// let config = GlobalConfig::default().with_total_concurrency(Some(8));
    /// assert!(config.validate().is_ok());
    /// assert_eq!(config.poll_jitter_secs, 10);
    /// ```
    #[derive(serde::Deserialize)]
    #[serde(default, deny_unknown_fields)]
    pub struct GlobalConfig {
        /// Upper bound of each pipeline's random start delay (the seed's `poll_jitter_secs`), in seconds; 0 starts every pipeline at once.
        poll_jitter_secs: u64 = 10, Live, with_poll_jitter_secs;
        /// Permits of the semaphore shared by every pipeline; unset (`None`) means unlimited.
        total_concurrency: Option<usize> = None, Live, with_total_concurrency, check = concurrency_in_bounds;
        /// Whether pipelines share object-store clients per store.
        connection_pooling: bool = true, Restart, with_connection_pooling;
        /// How long shutdown waits for running pipelines before aborting them, in seconds; 0 waits forever (the default, with the graces after it, ends within Kubernetes' default 30 s grace period).
        shutdown_timeout_secs: u64 = 25, Live, with_shutdown_timeout_secs;
        /// What happens when a pipeline ends failed: `isolate` keeps the others running, `shutdown` stops the topology.
        failure_policy: FailurePolicy = FailurePolicy::Isolate, Restart, with_failure_policy;
        /// Whether each key gets its own duration and jitter histograms besides its typetag's (48 lines per key in every scrape: for small topologies).
        per_key_histograms: bool = false, Restart, with_per_key_histograms;
        /// Whether /ready answers 503 while a pipeline has ended failed (its restart budget spent), so that the orchestrator takes the replica out of service; /health is unaffected.
        ready_requires_no_failed: bool = false, Restart, with_ready_requires_no_failed;
    }
}

/// `total_concurrency` holds at least one permit and no more than a
/// semaphore can (larger limits would panic inside tokio).
fn concurrency_in_bounds(limit: &Option<usize>) -> Result<(), String> {
    match *limit {
        Some(0) => Err("must be at least 1 (leave it unset for no limit)".to_owned()),
        Some(n) if n > GlobalConfig::MAX_CONCURRENCY => {
            Err(format!("must be at most {}", GlobalConfig::MAX_CONCURRENCY))
        }
        _ => Ok(()),
    }
}

/// What a topology does when one of its pipelines ends failed or panicked.
///
/// ```
/// use topology::{FailurePolicy, GlobalConfig};
///
/// assert_eq!(GlobalConfig::default().failure_policy, FailurePolicy::Isolate);
/// assert_eq!("shutdown".parse::<FailurePolicy>().unwrap(), FailurePolicy::Shutdown);
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
    type Err = UnknownFailurePolicy;

    fn from_str(text: &str) -> Result<Self, UnknownFailurePolicy> {
        match text.trim() {
            "isolate" => Ok(Self::Isolate),
            "shutdown" => Ok(Self::Shutdown),
            _ => Err(UnknownFailurePolicy(text.to_owned())),
        }
    }
}

/// Text that names no [`FailurePolicy`].
///
/// ```
/// use topology::FailurePolicy;
///
/// let error = "stop".parse::<FailurePolicy>().unwrap_err();
/// assert_eq!(error.to_string(), "unknown failure policy `stop`: expected `isolate` or `shutdown`");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown failure policy `{0}`: expected {expects}", expects = FailurePolicy::EXPECTS)]
pub struct UnknownFailurePolicy(String);

text_setting!(FailurePolicy, "`isolate` or `shutdown`");

impl std::fmt::Display for FailurePolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Isolate => "isolate",
            Self::Shutdown => "shutdown",
        })
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
    /// let config = GlobalConfig::default().with_total_concurrency(Some(0));
    /// let error = config.validate().unwrap_err();
    /// assert!(error.to_string().contains("total_concurrency"));
    /// ```
    pub fn validate(&self) -> Result<(), TopologyError> {
        match self.rejected() {
            None => Ok(()),
            Some(rejected) => Err(TopologyError::InvalidSetting {
                setting: rejected.setting,
                value: rejected.value,
                reason: rejected.reason,
            }),
        }
    }

    /// The shutdown deadline, or `None` to wait forever.
    ///
    /// ```
    /// use std::time::Duration;
    /// use topology::GlobalConfig;
    ///
    /// assert_eq!(GlobalConfig::default().shutdown_timeout(), Some(Duration::from_secs(25)));
    /// let forever = GlobalConfig::default().with_shutdown_timeout_secs(0);
    /// assert_eq!(forever.shutdown_timeout(), None);
    /// ```
    pub fn shutdown_timeout(&self) -> Option<Duration> {
        (self.shutdown_timeout_secs > 0).then(|| Duration::from_secs(self.shutdown_timeout_secs))
    }
}
