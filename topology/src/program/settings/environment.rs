//! The settings' environment variables: which exist, and applying them.

use topology_common::closest;

use crate::program::{
    app,
    error::ProgramError,
    settings::{Settings, env_var, specs},
};

/// The configuration file's path, when `--config` is not given.
pub(crate) const CONFIG_VAR: &str = "TOPOLOGY_CONFIG";
/// The shard count, the index taken from the hostname's ordinal.
pub(crate) const SHARDS_VAR: &str = "TOPOLOGY_SHARDS";
/// The StatefulSet's first ordinal (`spec.ordinals.start`).
pub(crate) const ORDINAL_START_VAR: &str = "TOPOLOGY_SHARD_ORDINAL_START";
/// `text` or `json` logs.
pub(crate) const LOG_FORMAT_VAR: &str = "TOPOLOGY_LOG_FORMAT";
/// Restart policies and intervals, as `key.field=value,...`.
pub(crate) const POLICIES_VAR: &str = "TOPOLOGY_POLICIES";

impl Settings {
    /// Rejects `TOPOLOGY_*` variables that name no setting (a misspelt one
    /// would be silently ignored) and values that are not UTF-8.
    pub(crate) fn check_environment(
        &self,
        vars: impl IntoIterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
    ) -> Result<(), ProgramError> {
        let known: Vec<String> = specs()
            .map(|spec| env_var(spec.name))
            .chain([CONFIG_VAR, SHARDS_VAR, ORDINAL_START_VAR, LOG_FORMAT_VAR, POLICIES_VAR].map(str::to_owned))
            .chain(self.app.fields().map(|(field, _)| app::env_var(field)))
            .collect();
        let known_names: Vec<&str> = known.iter().map(String::as_str).collect();
        for (name, value) in vars {
            let Some(name) = name.to_str().filter(|name| name.starts_with("TOPOLOGY_")) else {
                continue;
            };
            if !known_names.contains(&name) {
                let did_you_mean = closest(name, &known_names).map(str::to_owned);
                return Err(ProgramError::UnknownSetting {
                    setting: name.to_owned(),
                    origin: "the environment".to_owned(),
                    known: if did_you_mean.is_some() { Vec::new() } else { known },
                    did_you_mean,
                });
            }
            if value.to_str().is_none() {
                let setting = specs()
                    .find(|spec| env_var(spec.name) == name)
                    .map_or(name, |spec| spec.name);
                return Err(ProgramError::InvalidSetting {
                    setting: setting.to_owned(),
                    value: value.to_string_lossy().into_owned(),
                    origin: format!("environment variable {name}"),
                    reason: "the value is not valid UTF-8".to_owned(),
                });
            }
        }
        Ok(())
    }

    /// Applies every `TOPOLOGY_*` variable that `lookup` finds, the
    /// application's `TOPOLOGY_APP_*` ones included.
    pub fn apply_env(&mut self, lookup: impl Fn(&str) -> Option<String>) -> Result<(), ProgramError> {
        for spec in specs() {
            let var = env_var(spec.name);
            if let Some(value) = lookup(&var) {
                self.apply(spec.name, &value, &format!("environment variable {var}"))?;
            }
        }
        let fields: Vec<String> = self.app.fields().map(|(field, _)| field.to_owned()).collect();
        for field in fields {
            let var = app::env_var(&field);
            if let Some(value) = lookup(&var) {
                self.app.set(&field, &value, &format!("environment variable {var}"))?;
            }
        }
        if let Some(list) = lookup(POLICIES_VAR) {
            self.policies
                .apply_list(&list, &format!("environment variable {POLICIES_VAR}"))?;
        }
        Ok(())
    }
}
