//! The policy in force for one pipeline: its `#[pipeline(...)]` values,
//! then what configuration sets for every pipeline, its function (or
//! family), and its entry, the more specific winning.

use std::{fmt::Write as _, time::Duration};

use crate::{
    program::{
        error::ProgramError,
        policy::{EVERY_PIPELINE, FIELDS, Policies, PolicyOverride, Source},
    },
    runtime::restart::RestartPolicy,
};

/// How a pipeline is run: every `interval`, or once; restarted after a
/// failure as `restart` says, or not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Schedule {
    /// The period of an interval pipeline.
    pub interval: Option<Duration>,
    /// The restart policy, if it restarts.
    pub restart: Option<RestartPolicy>,
}

impl Schedule {
    /// The schedule `#[pipeline(...)]` declares.
    pub const fn declared(interval: Option<Duration>, restart: Option<RestartPolicy>) -> Self {
        Self { interval, restart }
    }
}

/// The schedule in force for one pipeline, and which of its values
/// configuration set (field and origin), for `--list`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Resolved {
    /// What the pipeline runs with.
    pub(crate) schedule: Schedule,
    /// The values configuration set, as `field` and where it came from.
    pub(crate) overridden: Vec<(&'static str, String)>,
}

impl Resolved {
    /// Where the policy came from, as `--list` says it.
    pub(crate) fn sources(&self) -> String {
        if self.overridden.is_empty() {
            return "policy from #[pipeline]".to_owned();
        }
        let mut text = String::from("policy from #[pipeline]");
        for (field, origin) in &self.overridden {
            // Writing to a `String` cannot fail.
            let _ = write!(text, ", {field} from {origin}");
        }
        text
    }
}

impl Policies {
    /// The schedule of the pipeline named `name` (`family/entry` for a
    /// family's entry), declared as `declared`.
    pub(crate) fn resolve(&self, name: &str, declared: Schedule) -> Result<Resolved, ProgramError> {
        let pipeline = name.split_once('/').map_or(name, |(pipeline, _)| pipeline);
        let mut resolved = Resolved {
            schedule: declared,
            overridden: Vec::new(),
        };
        let mut keys = vec![EVERY_PIPELINE, pipeline];
        if name != pipeline {
            keys.push(name);
        }
        for key in keys {
            if let Some(policy) = self.0.get(key) {
                resolved.apply(key, policy)?;
            }
        }
        let schedule = &resolved.schedule;
        if let Some(policy) = schedule.restart
            && policy.backoff_min > policy.backoff_max
        {
            return Err(ProgramError::InvalidSetting {
                setting: format!("policies.{name}.backoff_min"),
                value: format!("{:?}", policy.backoff_min),
                origin: resolved.origin_of("backoff_min"),
                reason: format!(
                    "above `backoff_max` ({:?}, from {})",
                    policy.backoff_max,
                    resolved.origin_of("backoff_max")
                ),
            });
        }
        Ok(resolved)
    }
}

impl Resolved {
    /// Applies the policy configuration sets for `key`. A value that does
    /// not apply to the pipeline (an interval for a long-running one, a
    /// restart bound for one that does not restart) is an error when its
    /// key names the pipeline, and skipped for `*`.
    fn apply(&mut self, key: &str, policy: &PolicyOverride) -> Result<(), ProgramError> {
        let every = key == EVERY_PIPELINE;
        if let Some(given) = &policy.interval {
            if self.schedule.interval.is_some() {
                self.schedule.interval = Some(given.value);
            } else if !every {
                return Err(not_applicable(
                    key,
                    "interval",
                    &given.source,
                    "this pipeline is not an interval pipeline (declare it with `#[pipeline(interval = ...)]`)",
                ));
            }
        }
        if let Some(given) = &policy.restart {
            self.schedule.restart = given
                .value
                .then(|| self.schedule.restart.unwrap_or_else(RestartPolicy::on_failure));
        }
        if let Some(restart) = &mut self.schedule.restart {
            policy
                .max_restarts
                .iter()
                .for_each(|given| restart.max_restarts = given.value);
            policy
                .restart_window
                .iter()
                .for_each(|given| restart.window = given.value);
            policy
                .backoff_min
                .iter()
                .for_each(|given| restart.backoff_min = given.value);
            policy
                .backoff_max
                .iter()
                .for_each(|given| restart.backoff_max = given.value);
        } else if !every
            && let Some((field, source)) = BOUNDS.iter().find_map(|field| Some((*field, policy.source(field)?)))
        {
            return Err(not_applicable(
                key,
                field,
                source,
                "this pipeline does not restart: set `restart` to `on-failure` too (or give it `restart = \"on-failure\"` in #[pipeline])",
            ));
        }
        let applies = |field: &str| match field {
            "interval" => self.schedule.interval.is_some(),
            "restart" => true,
            _ => self.schedule.restart.is_some(),
        };
        let noted: Vec<(&'static str, String)> = FIELDS
            .iter()
            .filter(|(field, _)| applies(field))
            .filter_map(|(field, _)| Some((*field, policy.source(field)?.origin.clone())))
            .collect();
        for (field, origin) in noted {
            // A more specific key's value replaces the note of a less specific one.
            self.overridden.retain(|(earlier, _)| *earlier != field);
            self.overridden.push((field, origin));
        }
        Ok(())
    }

    /// Where the value of `field` came from.
    fn origin_of(&self, field: &str) -> String {
        self.overridden
            .iter()
            .find(|(noted, _)| *noted == field)
            .map_or_else(|| "#[pipeline]".to_owned(), |(_, origin)| origin.clone())
    }
}

/// The fields that bound a restart policy.
const BOUNDS: [&str; 4] = ["max_restarts", "restart_window", "backoff_min", "backoff_max"];

fn not_applicable(key: &str, field: &str, source: &Source, reason: &str) -> ProgramError {
    ProgramError::InvalidSetting {
        setting: format!("policies.{key}.{field}"),
        value: source.text.clone(),
        origin: source.origin.clone(),
        reason: reason.to_owned(),
    }
}
