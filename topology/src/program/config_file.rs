//! The YAML configuration file: its `global:` section over the settings,
//! its `pipelines:` section kept for the families, every mistake located.

use std::path::Path;

use serde::Deserialize;

use crate::{
    program::{instance::InstanceSource, settings::Settings},
    runtime::{config::FailurePolicy, error::TopologyError},
};

impl Settings {
    /// Applies the `global:` section of the YAML configuration file at `path`.
    /// Unknown keys are errors, reported with the file, line and key.
    pub fn apply_file(&mut self, path: &Path) -> Result<(), TopologyError> {
        let text = std::fs::read_to_string(path).map_err(|source| TopologyError::ConfigFile {
            path: path.to_owned(),
            message: source.to_string(),
        })?;
        self.apply_yaml(path, &text)
    }

    /// Applies a YAML configuration read from `path`.
    pub fn apply_yaml(&mut self, path: &Path, text: &str) -> Result<(), TopologyError> {
        let file = parse_yaml(text).map_err(|message| TopologyError::ConfigFile {
            path: path.to_owned(),
            message,
        })?;
        if file.pipelines.is_some() || file.global.is_some() {
            let mut source = InstanceSource::new(format!("configuration file `{}`", path.display()), text);
            source.global_applied = true;
            self.instances.insert(0, source);
        }
        if let Some(app) = file.app {
            self.apply_app_section(path, app)?;
        }
        let Some(global) = file.global else {
            return Ok(());
        };
        let current = &mut self.global;
        current.poll_jitter_secs = global.poll_jitter_secs.unwrap_or(current.poll_jitter_secs);
        current.connection_pooling = global.connection_pooling.unwrap_or(current.connection_pooling);
        current.shutdown_timeout_secs = global.shutdown_timeout_secs.unwrap_or(current.shutdown_timeout_secs);
        current.total_concurrency = global.total_concurrency.or(current.total_concurrency);
        current.failure_policy = global.failure_policy.unwrap_or(current.failure_policy);
        self.global.validate().map_err(|error| TopologyError::ConfigFile {
            path: path.to_owned(),
            message: format!("in `global`: {error}"),
        })
    }
}

impl Settings {
    /// Applies the file's `app:` section, field by field.
    fn apply_app_section(&mut self, path: &Path, app: serde_yaml_ng::Mapping) -> Result<(), TopologyError> {
        let in_file = |message: String| TopologyError::ConfigFile {
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
            self.app.set_value(&field, value, &origin).map_err(|_| {
                in_file(format!(
                    "`app`: unknown setting `{field}`{}",
                    self.app.unknown_hint(&field)
                ))
            })?;
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
}

/// The file's `global:` section: every field optional, none unknown.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct GlobalSection {
    poll_jitter_secs: Option<u64>,
    total_concurrency: Option<usize>,
    connection_pooling: Option<bool>,
    shutdown_timeout_secs: Option<u64>,
    failure_policy: Option<FailurePolicy>,
}

/// Parses the file, naming the offending key and its location on error.
fn parse_yaml(text: &str) -> Result<ConfigFile, String> {
    if text.trim().is_empty() {
        return Ok(ConfigFile::default());
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

/// A YAML error's text for a message that places the path and the location
/// itself: both are taken out of the text.
pub(crate) fn yaml_message(text: &str, path: &str) -> String {
    let message = strip_location(text);
    // The YAML error may already start with the path.
    match message.split_once(": ") {
        Some((prefix, rest)) if path.starts_with(prefix) => rest.to_owned(),
        _ => message,
    }
}

/// serde_yaml_ng writes " at line L column C" into its messages, once or
/// more (a syntax error also names where the enclosing mapping began); the
/// caller places the location itself, once.
pub(crate) fn strip_location(message: &str) -> String {
    let mut text = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find(" at line ") {
        text.push_str(&rest[..at]);
        let after = &rest[at + " at line ".len()..];
        // Skip "L column C": digits, " column ", digits.
        let skip = after
            .split_once(" column ")
            .filter(|(line, _)| !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()))
            .map(|(line, tail)| line.len() + " column ".len() + tail.bytes().take_while(u8::is_ascii_digit).count());
        match skip {
            Some(skip) => rest = &after[skip..],
            None => {
                text.push_str(" at line ");
                rest = after;
            }
        }
    }
    text.push_str(rest);
    text
}

#[cfg(test)]
mod tests {
    use super::strip_location;

    #[test]
    fn every_location_is_stripped_and_the_words_kept() {
        assert_eq!(
            strip_location(
                "did not find expected ',' or '}' at line 5 column 36, while parsing a flow mapping at line 5 column 5"
            ),
            "did not find expected ',' or '}', while parsing a flow mapping"
        );
        assert_eq!(
            strip_location("unknown field `x` at line 2 column 3"),
            "unknown field `x`"
        );
        assert_eq!(strip_location("no location here"), "no location here");
        assert_eq!(strip_location("ends at line "), "ends at line ");
    }
}
