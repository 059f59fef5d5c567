//! Restart policies and intervals an operator sets in configuration, over
//! the values `#[pipeline(...)]` gives: per pipeline, per family, per entry
//! (`ingest/orders`) or for every pipeline (`*`), from the file's
//! `policies:` section, `TOPOLOGY_POLICIES`, `--policy` flags and setters.

mod resolve;

use std::{collections::BTreeMap, time::Duration};

pub(crate) use resolve::Resolved;
pub use resolve::Schedule;

use crate::{program::error::ProgramError, runtime::restart::RestartPolicy};

/// Every field a policy may set, with the values it expects.
pub(crate) const FIELDS: &[(&str, &str)] = &[
    ("restart", "`on-failure` or `never`"),
    ("max_restarts", "a whole number, or `unlimited`"),
    ("restart_window", DURATION),
    ("backoff_min", DURATION),
    ("backoff_max", DURATION),
    ("interval", DURATION),
];

const DURATION: &str = "a duration such as `500ms`, `30s`, `5m` or `1h30m`";

/// The key whose policy applies to every pipeline.
pub(crate) const EVERY_PIPELINE: &str = "*";

/// One value an operator set, as given and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Given<T> {
    pub(crate) value: T,
    pub(crate) source: Source,
}

/// A value's text as given, and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Source {
    pub(crate) text: String,
    pub(crate) origin: String,
}

impl<T> Given<T> {
    fn new(value: T, text: &str, origin: &str) -> Self {
        Self {
            value,
            source: Source {
                text: text.to_owned(),
                origin: origin.to_owned(),
            },
        }
    }
}

/// What configuration sets for one key's restart policy and interval;
/// unset fields keep the values of `#[pipeline(...)]`. See
/// [`Settings::with_policy`](crate::Settings::with_policy).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyOverride {
    pub(crate) restart: Option<Given<bool>>,
    pub(crate) max_restarts: Option<Given<u32>>,
    pub(crate) restart_window: Option<Given<Duration>>,
    pub(crate) backoff_min: Option<Given<Duration>>,
    pub(crate) backoff_max: Option<Given<Duration>>,
    pub(crate) interval: Option<Given<Duration>>,
}

/// What the setters record as the origin of a value.
const IN_CODE: &str = "the settings in code";

fn in_code<T: std::fmt::Debug>(value: T) -> Option<Given<T>> {
    let text = format!("{value:?}");
    Some(Given::new(value, &text, IN_CODE))
}

impl PolicyOverride {
    /// Restarts after a failure (`true`, as `restart = "on-failure"`), or
    /// never (`false`).
    #[must_use]
    pub fn restart(mut self, on_failure: bool) -> Self {
        self.restart = in_code(on_failure);
        self
    }

    /// At most `max` restarts within the window.
    #[must_use]
    pub fn max_restarts(mut self, max: u32) -> Self {
        self.max_restarts = in_code(max);
        self
    }

    /// Restarts without limit.
    #[must_use]
    pub fn unlimited_restarts(self) -> Self {
        self.max_restarts(RestartPolicy::UNLIMITED)
    }

    /// Restarts counted over `window`.
    #[must_use]
    pub fn restart_window(mut self, window: Duration) -> Self {
        self.restart_window = in_code(window);
        self
    }

    /// The first wait before a restart.
    #[must_use]
    pub fn backoff_min(mut self, min: Duration) -> Self {
        self.backoff_min = in_code(min);
        self
    }

    /// The longest wait before a restart.
    #[must_use]
    pub fn backoff_max(mut self, max: Duration) -> Self {
        self.backoff_max = in_code(max);
        self
    }

    /// The period of an interval pipeline.
    #[must_use]
    pub fn interval(mut self, period: Duration) -> Self {
        self.interval = in_code(period);
        self
    }

    /// The fields `other` sets, over this one's.
    fn merge(&mut self, other: Self) {
        fn over<T>(mine: &mut Option<T>, theirs: Option<T>) {
            if theirs.is_some() {
                *mine = theirs;
            }
        }
        over(&mut self.restart, other.restart);
        over(&mut self.max_restarts, other.max_restarts);
        over(&mut self.restart_window, other.restart_window);
        over(&mut self.backoff_min, other.backoff_min);
        over(&mut self.backoff_max, other.backoff_max);
        over(&mut self.interval, other.interval);
    }

    /// Where the value of `field` came from, if this policy sets it.
    pub(crate) fn source(&self, field: &str) -> Option<&Source> {
        match field {
            "restart" => self.restart.as_ref().map(|given| &given.source),
            "max_restarts" => self.max_restarts.as_ref().map(|given| &given.source),
            "restart_window" => self.restart_window.as_ref().map(|given| &given.source),
            "backoff_min" => self.backoff_min.as_ref().map(|given| &given.source),
            "backoff_max" => self.backoff_max.as_ref().map(|given| &given.source),
            _ => self.interval.as_ref().map(|given| &given.source),
        }
    }

    /// Sets `field` from its text.
    fn set(&mut self, field: &str, text: &str, origin: &str) -> Result<(), String> {
        let text = text.trim();
        match field {
            "restart" => {
                let on_failure = match text {
                    "on-failure" => true,
                    "never" => false,
                    _ => return Err("expected `on-failure` or `never`".to_owned()),
                };
                self.restart = Some(Given::new(on_failure, text, origin));
            }
            "max_restarts" => {
                let max = match text {
                    "unlimited" => RestartPolicy::UNLIMITED,
                    _ => text
                        .parse::<u32>()
                        .ok()
                        .filter(|max| *max < RestartPolicy::UNLIMITED && text.bytes().all(|b| b.is_ascii_digit()))
                        .ok_or_else(|| {
                            format!(
                                "expected a whole number below {}, or `unlimited`",
                                RestartPolicy::UNLIMITED
                            )
                        })?,
                };
                self.max_restarts = Some(Given::new(max, text, origin));
            }
            _ => {
                let millis = topology_common::parse_millis(text)?;
                let slot = match field {
                    "restart_window" => &mut self.restart_window,
                    "backoff_min" => &mut self.backoff_min,
                    "backoff_max" => &mut self.backoff_max,
                    _ => &mut self.interval,
                };
                *slot = Some(Given::new(Duration::from_millis(millis), text, origin));
            }
        }
        Ok(())
    }
}

/// The policies configuration sets, by key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Policies(BTreeMap<String, PolicyOverride>);

impl Policies {
    /// What is set for `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&PolicyOverride> {
        self.0.get(key)
    }

    /// The policy of `key`, set in code, over what it had.
    pub(crate) fn merge(&mut self, key: &str, policy: PolicyOverride) {
        self.0.entry(key.to_owned()).or_default().merge(policy);
    }

    /// Sets `field` of `key`'s policy from its text, as `origin` gave it.
    pub(crate) fn set(&mut self, key: &str, field: &str, value: &str, origin: &str) -> Result<(), ProgramError> {
        let setting = format!("policies.{key}.{field}");
        if !FIELDS.iter().any(|(name, _)| *name == field) {
            let names: Vec<&str> = FIELDS.iter().map(|(name, _)| *name).collect();
            return Err(ProgramError::UnknownSetting {
                setting,
                origin: origin.to_owned(),
                did_you_mean: topology_common::closest(field, &names).map(|name| format!("policies.{key}.{name}")),
                known: names.iter().map(|name| (*name).to_owned()).collect(),
            });
        }
        if key.is_empty() {
            return Err(invalid(
                &setting,
                value,
                origin,
                "the pipeline's key is empty".to_owned(),
            ));
        }
        self.0
            .entry(key.to_owned())
            .or_default()
            .set(field, value, origin)
            .map_err(|reason| invalid(&setting, value, origin, reason))
    }

    /// Applies a list such as `ingest.max_restarts=unlimited,feeder.interval=500ms`
    /// (`TOPOLOGY_POLICIES`, or one `--policy` flag).
    pub(crate) fn apply_list(&mut self, list: &str, origin: &str) -> Result<(), ProgramError> {
        for item in list.split(',').map(str::trim).filter(|item| !item.is_empty()) {
            let parsed = item
                .split_once('=')
                .and_then(|(path, value)| Some((path.trim().rsplit_once('.')?, value)));
            let Some(((key, field), value)) = parsed else {
                return Err(invalid(
                    "policies",
                    item,
                    origin,
                    "expected `key.field=value`, such as `ingest.max_restarts=unlimited`".to_owned(),
                ));
            };
            self.set(key.trim(), field.trim(), value, origin)?;
        }
        Ok(())
    }

    /// Checks that every key names a pipeline this program declares (a
    /// family's entry by `family/name`, or every pipeline by `*`).
    pub(crate) fn check(&self, declared: &[&str]) -> Result<(), ProgramError> {
        for key in self.0.keys() {
            let pipeline = key.split_once('/').map_or(key.as_str(), |(pipeline, _)| pipeline);
            if key != EVERY_PIPELINE && !declared.contains(&pipeline) {
                return Err(ProgramError::UnknownSetting {
                    setting: format!("policies.{key}"),
                    origin: self.origin_of(key),
                    did_you_mean: topology_common::closest(pipeline, declared).map(|name| format!("policies.{name}")),
                    known: declared.iter().map(|name| (*name).to_owned()).collect(),
                });
            }
        }
        Ok(())
    }

    /// Where `key`'s policy came from, for an error about the key itself.
    fn origin_of(&self, key: &str) -> String {
        self.0
            .get(key)
            .and_then(|policy| FIELDS.iter().find_map(|(field, _)| policy.source(field)))
            .map_or_else(|| IN_CODE.to_owned(), |source| source.origin.clone())
    }
}

fn invalid(setting: &str, value: &str, origin: &str, reason: String) -> ProgramError {
    ProgramError::InvalidSetting {
        setting: setting.to_owned(),
        value: value.to_owned(),
        origin: origin.to_owned(),
        reason,
    }
}

#[cfg(test)]
mod tests;
