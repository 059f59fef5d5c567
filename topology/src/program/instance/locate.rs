//! Reading one source's entries, and turning what went wrong into a message
//! that names the origin, the line, the entry and the field.

use serde::de::{DeserializeOwned, DeserializeSeed};
use topology_common::closest;

use crate::program::{
    error::ProgramError,
    instance::{
        Instance, InstanceSource,
        parse::{FileView, Misplaced},
    },
    suggest::fields_of,
    yaml::yaml_message,
};

/// The entries of `family`, from the first source that lists the family.
///
/// Every source is also checked for families that are not `declared`.
/// Also says which of the sources it came from (its index).
pub(crate) fn family_entries<T: DeserializeOwned>(
    sources: &[InstanceSource],
    declared: &[&'static str],
    family: &str,
) -> Result<(Vec<Instance<T>>, usize), ProgramError> {
    for (index, source) in sources.iter().enumerate() {
        if let Some(entries) = read_family::<T>(source, declared, family)? {
            // The configuration file may empty a family on purpose (an
            // operator stopping every entry); defaults given in code may not.
            if entries.is_empty() && !source.from_config_file {
                return Err(ProgramError::Instances {
                    origin: source.origin.clone(),
                    message: format!("`pipelines.{family}` has no entries; list at least one, or remove it"),
                });
            }
            return Ok((entries, index));
        }
    }
    Err(ProgramError::NoInstances {
        family: family.to_owned(),
    })
}

/// The entries of `family` in `source`, or `None` when it does not list the
/// family. Every family it lists must be `declared`.
fn read_family<T: DeserializeOwned>(
    source: &InstanceSource,
    declared: &[&'static str],
    family: &str,
) -> Result<Option<Vec<Instance<T>>>, ProgramError> {
    if source.text.trim().is_empty() {
        return Ok(None);
    }
    let mut unknown: Vec<(String, String)> = Vec::new();
    let mut misplaced: Option<Misplaced> = None;
    let view = FileView {
        declared,
        family,
        from_config_file: source.from_config_file,
        unknown: &mut unknown,
        misplaced: &mut misplaced,
        entries: None::<Vec<Instance<T>>>,
    };
    let deserializer = serde_yaml_ng::Deserializer::from_str(&source.text);
    let mut track = serde_path_to_error::Track::new();
    let result = view.deserialize(serde_path_to_error::Deserializer::new(deserializer, &mut track));
    let error = |message: String| ProgramError::Instances {
        origin: source.origin.clone(),
        message,
    };
    let entries = result.map_err(|failure| {
        let path = track.path().to_string();
        // Where serde's position is not the mistake's, the visitor said
        // which key it is.
        let line = match &misplaced {
            Some(at) => locate(&source.text, &at.path, at.occurrence),
            None => failure.location().map(|at| at.line()),
        };
        let mut message = yaml_message(&failure.to_string(), &path);
        // An entry that misses a field and has an unknown one: say both,
        // the unknown one first (it is often the missing one, misspelt).
        if let Some((entry, field)) = unknown.first()
            && path == format!("pipelines.{family}.{entry}")
        {
            message = format!("{}; {message}", unknown_field::<T>(field));
        }
        let subject = if path == "." {
            String::new()
        } else {
            format!("`{path}`: ")
        };
        error(format!("{}{subject}{message}", at_line(line)))
    })?;
    if let Some((entry, field)) = unknown.first() {
        let line = locate(&source.text, &["pipelines", family, entry, field], 1);
        return Err(error(format!(
            "{}`pipelines.{family}.{entry}`: {}",
            at_line(line),
            unknown_field::<T>(field)
        )));
    }
    Ok(entries)
}

fn at_line(line: Option<usize>) -> String {
    line.map(|line| format!("line {line}: ")).unwrap_or_default()
}

fn unknown_field<T: DeserializeOwned>(field: &str) -> String {
    match closest(field, fields_of::<T>()) {
        Some(known) => format!("unknown field `{field}` (did you mean `{known}`?)"),
        None => format!("unknown field `{field}`"),
    }
}

/// The line (from 1) where `path` is written, its last key for the
/// `occurrence`th time (from 1) under its parent; found by reading the text,
/// since serde reports no location for fields it ignored, and the place it
/// stopped for keys that were read whole.
fn locate<S: AsRef<str>>(text: &str, path: &[S], occurrence: usize) -> Option<usize> {
    let mut from = 0;
    for (depth, key) in path.iter().enumerate() {
        let key = key.as_ref();
        let wanted = if depth + 1 == path.len() { occurrence.max(1) } else { 1 };
        let found = text
            .lines()
            .enumerate()
            .skip(from)
            .filter(|(_, line)| {
                let body = line.trim_start().trim_start_matches(['{', ',', ' ']);
                body.starts_with(&format!("{key}:"))
                    || line.contains(&format!("{{ {key}:"))
                    || line.contains(&format!(", {key}:"))
            })
            .nth(wanted - 1)?;
        from = found.0;
    }
    Some(from + 1)
}
