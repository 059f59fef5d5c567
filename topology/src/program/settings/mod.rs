//! The settings of a generated program, layered from four sources:
//! the `topology!` literals, a YAML file, the environment, and flags.

mod environment;
mod setters;

use std::{fmt, str::FromStr};

use crate::{
    program::{app::AppSettings, instance::InstanceSource},
    runtime::{
        config::GlobalConfig,
        error::TopologyError,
        metrics::server::MetricsAddress,
        served::SettingsLine,
        shard::{Shard, ShardError},
    },
};

/// Everything a topology needs to start: the shared settings and where
/// metrics are served.
///
/// ```
/// use topology::{MetricsAddress, Settings};
///
/// let mut settings = Settings::default();
/// settings.apply("poll_jitter_secs", "0", "a test").unwrap();
/// settings.apply("metrics_addr", "off", "a test").unwrap();
/// assert_eq!(settings.global.poll_jitter_secs, 0);
/// assert_eq!(settings.metrics, MetricsAddress::Off);
///
/// let error = settings.apply("total_concurrency", "lots", "TOPOLOGY_TOTAL_CONCURRENCY").unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "invalid value `lots` for setting `total_concurrency` (from TOPOLOGY_TOTAL_CONCURRENCY): expected a whole number from 1 to 2305843009213693951"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Jitter, concurrency, pooling and the shutdown deadline.
    pub global: GlobalConfig,
    /// Where `/metrics` and `/health` are served.
    pub metrics: MetricsAddress,
    /// YAML texts with `pipelines:` sections, for pipeline families; for
    /// each family the first source that lists it wins.
    pub instances: Vec<InstanceSource>,
    /// Which of the pipelines this replica runs ([`Shard::ALL`]: every one).
    pub shard: Shard,
    /// The application's own settings (`app: T` in `topology!`; empty
    /// when it declares none).
    pub app: AppSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            global: GlobalConfig::default(),
            metrics: MetricsAddress::Listen(std::net::SocketAddr::from(([0, 0, 0, 0], 9090))),
            instances: Vec::new(),
            shard: Shard::ALL,
            app: AppSettings::default(),
        }
    }
}

/// One setting a program reads from the environment and its flags.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SettingInfo {
    /// Its name in YAML and in messages.
    pub(crate) name: &'static str,
    /// Its command-line flag, without the dashes.
    pub(crate) flag: &'static str,
    /// Its environment variable.
    pub(crate) env_var: &'static str,
    /// The value it expects, in words.
    pub(crate) expects: &'static str,
    /// What it does, for `--help`.
    pub(crate) help: &'static str,
}

/// The settings a program reads from the environment and its flags, in the
/// order `--help` lists them.
pub(crate) const SETTINGS: [SettingInfo; 7] = [
    SettingInfo {
        name: "poll_jitter_secs",
        flag: "poll-jitter-secs",
        env_var: "TOPOLOGY_POLL_JITTER_SECS",
        expects: "a whole number of seconds",
        help: "Upper bound of each pipeline's random start delay, in seconds (0: start all at once)",
    },
    SettingInfo {
        name: "total_concurrency",
        flag: "total-concurrency",
        env_var: "TOPOLOGY_TOTAL_CONCURRENCY",
        expects: "a whole number from 1 to 2305843009213693951",
        help: "Permits of the global semaphore shared by all pipelines (unset: unlimited)",
    },
    SettingInfo {
        name: "connection_pooling",
        flag: "connection-pooling",
        env_var: "TOPOLOGY_CONNECTION_POOLING",
        expects: "true or false",
        help: "Share object-store clients per bucket (true or false)",
    },
    SettingInfo {
        name: "shutdown_timeout_secs",
        flag: "shutdown-timeout-secs",
        env_var: "TOPOLOGY_SHUTDOWN_TIMEOUT_SECS",
        expects: "a whole number of seconds",
        help: "How long shutdown waits before aborting pipelines still running (0: forever)",
    },
    SettingInfo {
        name: "failure_policy",
        flag: "failure-policy",
        env_var: "TOPOLOGY_FAILURE_POLICY",
        expects: "`isolate` or `shutdown`",
        help: "When a pipeline ends failed: `isolate` keeps the others running, `shutdown` stops the topology",
    },
    SettingInfo {
        name: "shard",
        flag: "shard",
        env_var: "TOPOLOGY_SHARD",
        expects: "`i/n` with i below n, such as `0/3`",
        help: "Run only the pipelines whose keys hash to shard i of n (or set TOPOLOGY_SHARDS=n and take i from the hostname's ordinal)",
    },
    SettingInfo {
        name: "metrics_addr",
        flag: "metrics-addr",
        env_var: "TOPOLOGY_METRICS_ADDR",
        expects: "`off` or an address with a port, such as `0.0.0.0:9090`",
        help: "Address serving /metrics, /health and /pipelines, or `off`",
    },
];

fn parse<T: FromStr>(info: &SettingInfo, value: &str, source: &str) -> Result<T, TopologyError> {
    value.trim().parse().map_err(|_| invalid(info, value, source))
}

fn invalid(info: &SettingInfo, value: &str, source: &str) -> TopologyError {
    TopologyError::InvalidSetting {
        setting: info.name,
        value: value.to_owned(),
        origin: format!(" (from {source})"),
        reason: format!("expected {}", info.expects),
    }
}

impl Settings {
    /// Sets the setting `name` from its text `value`; `source` says where the
    /// value came from, for the error message.
    pub fn apply(&mut self, name: &str, value: &str, source: &str) -> Result<(), TopologyError> {
        let Some(info) = SETTINGS.iter().find(|info| info.name == name) else {
            return Err(TopologyError::UnknownSetting {
                setting: name.to_owned(),
                origin: source.to_owned(),
            });
        };
        match info.name {
            "poll_jitter_secs" => self.global.poll_jitter_secs = parse(info, value, source)?,
            "total_concurrency" => {
                let limit: usize = parse(info, value, source)?;
                if limit == 0 || limit > GlobalConfig::MAX_CONCURRENCY {
                    return Err(invalid(info, value, source));
                }
                self.global.total_concurrency = Some(limit);
            }
            "connection_pooling" => {
                // One rule for every source: YAML's booleans.
                self.global.connection_pooling = match value.trim() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(invalid(info, value, source)),
                }
            }
            "shutdown_timeout_secs" => self.global.shutdown_timeout_secs = parse(info, value, source)?,
            "failure_policy" => self.global.failure_policy = parse(info, value, source)?,
            "shard" => {
                self.shard = value
                    .parse()
                    .map_err(|error: ShardError| TopologyError::InvalidSetting {
                        setting: info.name,
                        value: value.to_owned(),
                        origin: format!(" (from {source})"),
                        reason: error.to_string(),
                    })?;
            }
            _ => {
                self.metrics = value.parse().map_err(|_| invalid(info, value, source))?;
            }
        }
        Ok(())
    }
}

impl Settings {
    /// Each setting's name and value as text, in the order of [`SETTINGS`].
    pub(crate) fn values(&self) -> [(&'static str, String); 7] {
        let [jitter, limit, pooling, timeout, failure] = self.global.values();
        [
            jitter,
            limit,
            pooling,
            timeout,
            failure,
            ("shard", self.shard.to_string()),
            ("metrics_addr", self.metrics.to_string()),
        ]
    }
}

impl fmt::Display for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = SettingsLine {
            global: &self.global,
            metrics: &self.metrics,
        };
        fmt::Display::fmt(&line, f)
    }
}
