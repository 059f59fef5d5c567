//! The settings' environment variables: which exist, and applying them.

use crate::{
    program::{
        app,
        settings::{SETTINGS, Settings},
        suggest::closest,
    },
    runtime::error::TopologyError,
};

impl Settings {
    /// Rejects `TOPOLOGY_*` variables that name no setting (a misspelt one
    /// would be silently ignored) and values that are not UTF-8.
    pub(crate) fn check_environment(
        &self,
        vars: impl IntoIterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
    ) -> Result<(), TopologyError> {
        let app_vars: Vec<String> = self.app.fields().map(|(field, _)| app::env_var(field)).collect();
        let known: Vec<&str> = SETTINGS
            .iter()
            .map(|info| info.env_var)
            .chain([
                "TOPOLOGY_CONFIG",
                "TOPOLOGY_SHARDS",
                "TOPOLOGY_SHARD_ORDINAL_START",
                "TOPOLOGY_LOG_FORMAT",
            ])
            .chain(app_vars.iter().map(String::as_str))
            .collect();
        for (name, value) in vars {
            let Some(name) = name.to_str().filter(|name| name.starts_with("TOPOLOGY_")) else {
                continue;
            };
            if !known.contains(&name) {
                let hint = closest(name, &known)
                    .map(|known| format!(" (did you mean {known}?)"))
                    .unwrap_or_default();
                return Err(TopologyError::UnknownSetting {
                    setting: format!("{name}{hint}"),
                    origin: format!("the environment; the variables are {}", known.join(", ")),
                });
            }
            if value.to_str().is_none() {
                return Err(TopologyError::InvalidSetting {
                    setting: SETTINGS
                        .iter()
                        .find(|info| info.env_var == name)
                        .map_or("config", |info| info.name),
                    value: value.to_string_lossy().into_owned(),
                    origin: format!(" (from environment variable {name})"),
                    reason: "the value is not valid UTF-8".to_owned(),
                });
            }
        }
        Ok(())
    }

    /// Applies every `TOPOLOGY_*` variable that `lookup` finds, the
    /// application's `TOPOLOGY_APP_*` ones included.
    pub fn apply_env(&mut self, lookup: impl Fn(&str) -> Option<String>) -> Result<(), TopologyError> {
        for info in &SETTINGS {
            let var = info.env_var;
            if let Some(value) = lookup(var) {
                self.apply(info.name, &value, &format!("environment variable {var}"))?;
            }
        }
        let fields: Vec<String> = self.app.fields().map(|(field, _)| field.to_owned()).collect();
        for field in fields {
            let var = app::env_var(&field);
            if let Some(value) = lookup(&var) {
                self.app.set(&field, &value, &format!("environment variable {var}"))?;
            }
        }
        Ok(())
    }
}
