//! The YAML configuration file: its `global:` section over the settings,
//! its `pipelines:` section kept for the families, its `app:` and
//! `policies:` sections, every mistake located.

use std::{collections::BTreeMap, path::Path};

use serde::Deserialize;

use crate::program::{
    error::ProgramError,
    instance::InstanceSource,
    settings::{Settings, section::GlobalSection},
    yaml::yaml_message,
};

impl Settings {
    /// Applies the `global:` section of the YAML configuration file at `path`.
    /// Unknown keys are errors, reported with the file, line and key.
    pub fn apply_file(&mut self, path: &Path) -> Result<(), ProgramError> {
        let text = std::fs::read_to_string(path).map_err(|source| ProgramError::ConfigFileUnreadable {
            path: path.to_owned(),
            source,
        })?;
        self.apply_yaml(path, &text)
    }

    /// Applies a YAML configuration read from `path`.
    pub fn apply_yaml(&mut self, path: &Path, text: &str) -> Result<(), ProgramError> {
        let file = parse_yaml(text).map_err(|message| ProgramError::ConfigFile {
            path: path.to_owned(),
            message,
        })?;
        if file.pipelines.is_some() || file.global.is_some() || file.app.is_some() || file.policies.is_some() {
            let mut source = InstanceSource::new(format!("configuration file `{}`", path.display()), text);
            source.from_config_file = true;
            self.instances.insert(0, source);
        }
        if let Some(app) = file.app {
            self.apply_app_section(path, app)?;
        }
        let origin = format!("configuration file `{}`", path.display());
        for (key, fields) in file.policies.unwrap_or_default() {
            for (field, value) in fields {
                let text = match value {
                    serde_yaml_ng::Value::String(text) => text,
                    serde_yaml_ng::Value::Number(number) => number.to_string(),
                    _ => {
                        return Err(ProgramError::ConfigFile {
                            path: path.to_owned(),
                            message: format!(
                                "`policies.{key}.{field}`: expected a number or text, such as `5` or `30s`"
                            ),
                        });
                    }
                };
                self.policies.set(&key, &field, &text, &origin)?;
            }
        }
        if let Some(section) = file.global {
            if let Some(rejected) = section.settings.rejected() {
                return Err(ProgramError::ConfigFile {
                    path: path.to_owned(),
                    message: format!(
                        "`global.{}`: invalid value `{}`: {}",
                        rejected.setting, rejected.value, rejected.reason
                    ),
                });
            }
            for name in &section.given {
                self.copy_setting(&section.settings, name);
            }
        }
        Ok(())
    }
}

impl Settings {
    /// Applies the file's `app:` section, field by field.
    fn apply_app_section(&mut self, path: &Path, app: serde_yaml_ng::Mapping) -> Result<(), ProgramError> {
        let in_file = |message: String| ProgramError::ConfigFile {
            path: path.to_owned(),
            message,
        };
        if !self.app.is_declared() {
            return Err(in_file(
                "an `app:` section, but this program declares no `app` settings (`app: T` in topology!)".to_owned(),
            ));
        }
        let origin = format!("configuration file `{}`", path.display());
        for (field, value) in app {
            let field = field
                .as_str()
                .ok_or_else(|| in_file("`app`: a setting's name must be text".to_owned()))?
                .to_owned();
            self.app.set_value(&field, value, &origin)?;
        }
        Ok(())
    }
}

/// The YAML configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    global: Option<GlobalSection>,
    /// Checked family by family when the pipelines are planned.
    pipelines: Option<serde::de::IgnoredAny>,
    /// The application's own settings, checked against its type at start.
    app: Option<serde_yaml_ng::Mapping>,
    /// Restart policies and intervals by key, then field.
    policies: Option<BTreeMap<String, BTreeMap<String, serde_yaml_ng::Value>>>,
}

/// Parses the file, naming the offending key and its location on error.
fn parse_yaml(text: &str) -> Result<ConfigFile, String> {
    // An empty file is more likely one truncated mid-write than a wish for
    // the defaults: starting (or reloading) from it would silently drop
    // every setting and entry the file held.
    let blank = text
        .lines()
        .map(str::trim)
        .all(|line| line.is_empty() || line.starts_with('#') || line == "---");
    if blank {
        return Err(
            "the file is empty (or only comments); give at least one of `global:`, `app:`, `pipelines:` and `policies:`".to_owned(),
        );
    }
    let deserializer = serde_yaml_ng::Deserializer::from_str(text);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let location = inner
            .location()
            .map(|at| format!(" at line {} column {}", at.line(), at.column()))
            .unwrap_or_default();
        let message = yaml_message(&inner.to_string(), &path);
        if path == "." {
            format!("{message}{location}")
        } else {
            format!("`{path}`{location}: {message}")
        }
    })
}
