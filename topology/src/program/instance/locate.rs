//! Reading one source's entries, and turning what went wrong into a message
//! that names the origin, the line, the entry and the field.

use serde::de::{DeserializeOwned, DeserializeSeed};

use crate::{
    program::{
        instance::{Instance, InstanceSource, parse::FileView},
        settings::strip_location,
    },
    runtime::error::TopologyError,
};

/// The entries of `family` in `source`, or `None` when it does not list the
/// family. Every family it lists must be `declared`.
pub(super) fn read_family<T: DeserializeOwned>(
    source: &InstanceSource,
    declared: &[&'static str],
    family: &str,
) -> Result<Option<Vec<Instance<T>>>, TopologyError> {
    if source.text.trim().is_empty() {
        return Ok(None);
    }
    let mut unknown: Vec<(String, String)> = Vec::new();
    let view = FileView {
        declared,
        family,
        unknown: &mut unknown,
        entries: None::<Vec<Instance<T>>>,
    };
    let deserializer = serde_yaml_ng::Deserializer::from_str(&source.text);
    let mut track = serde_path_to_error::Track::new();
    let result = view.deserialize(serde_path_to_error::Deserializer::new(deserializer, &mut track));
    let entries = result.map_err(|error| {
        let path = track.path().to_string();
        let location = error
            .location()
            .map(|at| format!("line {}: ", at.line()))
            .unwrap_or_default();
        let message = strip_location(&error.to_string());
        // The YAML error may already start with the path.
        let message = match message.split_once(": ") {
            Some((prefix, rest)) if path.starts_with(prefix) => rest.to_owned(),
            _ => message,
        };
        let subject = if path == "." {
            String::new()
        } else {
            format!("`{path}`: ")
        };
        TopologyError::Instances {
            origin: source.origin.clone(),
            message: format!("{location}{subject}{message}"),
        }
    })?;
    if let Some((entry, field)) = unknown.first() {
        let line = locate(&source.text, &["pipelines", family, entry, field])
            .map(|line| format!("line {line}: "))
            .unwrap_or_default();
        return Err(TopologyError::Instances {
            origin: source.origin.clone(),
            message: format!("{line}`pipelines.{family}.{entry}`: unknown field `{field}`"),
        });
    }
    Ok(entries)
}

/// The line (from 1) where `path` is written, found by reading the text for
/// each key in turn; serde reports no location for fields it ignored.
fn locate(text: &str, path: &[&str]) -> Option<usize> {
    let mut from = 0;
    for key in path {
        let found = text.lines().enumerate().skip(from).find(|(_, line)| {
            let body = line.trim_start().trim_start_matches(['{', ',', ' ']);
            body.starts_with(&format!("{key}:"))
                || line.contains(&format!("{{ {key}:"))
                || line.contains(&format!(", {key}:"))
        })?;
        from = found.0;
    }
    Some(from + 1)
}
