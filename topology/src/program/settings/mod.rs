//! The settings of a generated program, layered from four sources: the
//! `topology!` literals, a YAML file, the environment, and flags. Each
//! setting is declared once, in [`GlobalConfig`] (the runtime's) or
//! [`ReplicaConfig`] (this replica's own); its environment variable, flag,
//! YAML key and help are derived from that declaration here.

pub(crate) mod coordination;
mod environment;
pub(crate) mod section;
mod setters;

use std::{fmt, net::SocketAddr};

pub(crate) use environment::{CONFIG_VAR, LOG_FORMAT_VAR, ORDINAL_START_VAR, POLICIES_VAR, SHARDS_VAR};

use crate::{
    program::{
        app::AppSettings,
        error::ProgramError,
        instance::InstanceSource,
        policy::Policies,
        settings::coordination::{Coordination, SettingDuration},
    },
    runtime::{
        config::GlobalConfig,
        metrics::server::MetricsAddress,
        ownership::OwnershipSettings,
        setting::{Rejected, SettingSpec, declare_settings},
        shard::Shard,
    },
};

declare_settings! {
    /// This replica's own settings: where it serves its endpoint, and which
    /// share of the pipelines it runs.
    ///
    /// ```
    /// use topology::{MetricsAddress, ReplicaConfig, Shard};
    ///
    /// let replica = ReplicaConfig::default().with_metrics_addr(MetricsAddress::Off);
    /// assert_eq!(replica.shard, Shard::ALL);
    /// ```
    pub struct ReplicaConfig {
        /// Run only the pipelines whose keys hash to shard i of n (or set TOPOLOGY_SHARDS=n and take i from the hostname's ordinal).
        shard: Shard = Shard::ALL, Restart, with_shard;
        /// Address serving /metrics, /health and /pipelines, or `off`.
        metrics_addr: MetricsAddress = MetricsAddress::Listen(SocketAddr::from(([0, 0, 0, 0], 9090))), Restart, with_metrics_addr;
        /// Object store where the replicas keep a lease on each bucket of keys, so that a key runs on one replica at a time even while they rescale or stall (`s3://bucket/prefix`), or `off`.
        coordination: Coordination = Coordination::Off, Restart, with_coordination;
        /// How long a lease lasts without a renewal; another replica may take it over after that.
        lease_duration: SettingDuration = OwnershipSettings::default().duration.into(), Restart, with_lease_duration;
        /// How often a held lease is renewed.
        lease_renew_interval: SettingDuration = OwnershipSettings::default().renew_interval.into(), Restart, with_lease_renew_interval;
        /// How long before its lease could be taken over a replica that failed to renew it stops the lease's pipelines.
        lease_margin: SettingDuration = OwnershipSettings::default().margin.into(), Restart, with_lease_margin;
        /// How many buckets the keys hash into: one lease object each, so the store requests per minute do not grow with the keys.
        lease_buckets: u64 = u64::from(OwnershipSettings::default().buckets), Restart, with_lease_buckets, check = buckets_in_bounds;
    }
}

/// `lease_buckets` fits the most lease objects a scan lists.
fn buckets_in_bounds(buckets: &u64) -> Result<(), String> {
    let max = OwnershipSettings::MAX_BUCKETS;
    if *buckets == 0 || *buckets > u64::from(max) {
        return Err(format!("must be between 1 and {max}"));
    }
    Ok(())
}

impl ReplicaConfig {
    /// The lease timing and buckets these settings give.
    pub fn ownership(&self) -> OwnershipSettings {
        OwnershipSettings {
            duration: self.lease_duration.get(),
            renew_interval: self.lease_renew_interval.get(),
            margin: self.lease_margin.get(),
            buckets: u32::try_from(self.lease_buckets).unwrap_or(u32::MAX),
        }
    }

    /// The lease setting that cannot work with the others, when ownership
    /// is on.
    fn ownership_rejected(&self) -> Option<Rejected> {
        self.coordination.url()?;
        let invalid = self.ownership().check().err()?;
        let value = self
            .values()
            .into_iter()
            .find(|(name, _)| *name == invalid.setting)
            .map_or(invalid.value, |(_, value)| value);
        Some(Rejected {
            setting: invalid.setting,
            value,
            reason: invalid.reason,
        })
    }
}

/// Everything a generated program needs to start: the shared settings, this
/// replica's own, the families' entries and the application's settings.
///
/// ```
/// use topology::{MetricsAddress, Settings};
///
/// let mut settings = Settings::default();
/// settings.apply("poll_jitter_secs", "0", "a test").unwrap();
/// settings.apply("metrics_addr", "off", "a test").unwrap();
/// assert_eq!(settings.global.poll_jitter_secs, 0);
/// assert_eq!(settings.replica.metrics_addr, MetricsAddress::Off);
///
/// let error = settings.apply("total_concurrency", "0", "TOPOLOGY_TOTAL_CONCURRENCY").unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "invalid value `0` for setting `total_concurrency` (from TOPOLOGY_TOTAL_CONCURRENCY): must be at least 1 (leave it unset for no limit)"
/// );
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// Jitter, concurrency, pooling, the shutdown deadline, the failure policy.
    pub global: GlobalConfig,
    /// Where metrics are served, and this replica's shard.
    pub replica: ReplicaConfig,
    /// YAML texts with `pipelines:` sections, for pipeline families; for
    /// each family the first source that lists it wins.
    pub instances: Vec<InstanceSource>,
    /// The application's own settings (`app: T` in `topology!`; empty
    /// when it declares none).
    pub app: AppSettings,
    /// Restart policies and intervals set by configuration, by key (see
    /// [`with_policy`](Self::with_policy)).
    pub(crate) policies: Policies,
}

/// Every setting, in the order `--help` lists them.
pub(crate) fn specs() -> impl Iterator<Item = &'static SettingSpec> {
    GlobalConfig::SETTINGS.iter().chain(ReplicaConfig::SETTINGS)
}

/// The environment variable of a setting: `TOPOLOGY_` and its name in
/// capitals.
pub(crate) fn env_var(name: &str) -> String {
    format!("TOPOLOGY_{}", name.to_ascii_uppercase())
}

/// The command-line flag of a setting, without its dashes.
pub(crate) fn flag(name: &str) -> String {
    name.replace('_', "-")
}

impl Settings {
    /// Sets the setting `name` from its text `value`; `source` says where the
    /// value came from, for the error message.
    pub fn apply(&mut self, name: &str, value: &str, source: &str) -> Result<(), ProgramError> {
        let result = if GlobalConfig::holds(name) {
            self.global.set_text(name, value)
        } else if ReplicaConfig::holds(name) {
            self.replica.set_text(name, value)
        } else {
            let names: Vec<&str> = specs().map(|spec| spec.name).collect();
            return Err(ProgramError::UnknownSetting {
                setting: name.to_owned(),
                origin: source.to_owned(),
                did_you_mean: topology_common::closest(name, &names).map(str::to_owned),
                known: Vec::new(),
            });
        };
        result.map_err(|reason| ProgramError::InvalidSetting {
            setting: name.to_owned(),
            value: value.to_owned(),
            origin: source.to_owned(),
            reason,
        })
    }

    /// Checks the values that parsing alone cannot (bounds that span
    /// settings, values set in code).
    pub fn validate(&self) -> Result<(), ProgramError> {
        match self.rejected() {
            None => Ok(()),
            Some(rejected) => Err(ProgramError::InvalidSetting {
                setting: rejected.setting.to_owned(),
                value: rejected.value,
                origin: "the settings".to_owned(),
                reason: rejected.reason,
            }),
        }
    }

    /// The first setting out of its bounds, if any.
    pub(crate) fn rejected(&self) -> Option<Rejected> {
        self.global
            .rejected()
            .or_else(|| self.replica.rejected())
            .or_else(|| self.replica.ownership_rejected())
    }

    /// Each setting's name and value as text, in the order of [`specs`].
    pub(crate) fn values(&self) -> Vec<(&'static str, String)> {
        let mut values = self.global.values();
        values.extend(self.replica.values());
        values
    }

    /// Copies setting `name` from `other`.
    pub(crate) fn copy_setting(&mut self, other: &Self, name: &str) {
        self.global.copy_setting(&other.global, name);
        self.replica.copy_setting(&other.replica, name);
    }
}

/// The settings in force as `name=value` pairs, as the start-up line shows
/// them.
impl fmt::Display for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (name, value)) in self.values().into_iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{name}={value}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::{config::FailurePolicy, setting::SettingValue};

    /// The macro crate accepts in `global: { ... }` exactly the settings
    /// the runtime declares, each read as the kind of value it holds.
    #[test]
    fn the_macros_know_every_global_setting() {
        use topology_common::SettingKind;

        let declared: Vec<(&str, &str)> = GlobalConfig::SETTINGS
            .iter()
            .map(|spec| (spec.name, spec.expects))
            .collect();
        let in_macros: Vec<(&str, &str)> = topology_common::GLOBAL_SETTINGS
            .iter()
            .map(|(name, kind)| {
                let expects = match kind {
                    SettingKind::WholeNumber => <u64 as SettingValue>::EXPECTS,
                    SettingKind::Limit => <Option<usize> as SettingValue>::EXPECTS,
                    SettingKind::Switch => <bool as SettingValue>::EXPECTS,
                    SettingKind::FailurePolicy => <FailurePolicy as SettingValue>::EXPECTS,
                };
                (*name, expects)
            })
            .collect();
        assert_eq!(declared, in_macros);
    }

    #[test]
    fn names_are_derived_and_unique() {
        let names: Vec<&str> = specs().map(|spec| spec.name).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        assert_eq!(env_var("poll_jitter_secs"), "TOPOLOGY_POLL_JITTER_SECS");
        assert_eq!(flag("metrics_addr"), "metrics-addr");
        assert_eq!(Settings::default().values().len(), names.len());
    }
}
