//! Pipeline families: one pipeline per entry of the configuration.

use std::{fmt, ops::Deref, sync::Arc};

use serde::de::{self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use crate::TopologyError;

/// One entry of a pipeline family, as a pipeline argument: its name and its
/// value, deserialized from the configuration.
///
/// ```
/// use topology::Instance;
///
/// #[derive(Clone, Debug, serde::Deserialize)]
/// struct Table { source: String }
///
/// let table = Instance::new("orders", Table { source: "memory://raw/orders".into() });
/// assert_eq!(table.name(), "orders");
/// assert_eq!(table.source, "memory://raw/orders"); // derefs to the value
/// ```
pub struct Instance<T> {
    name: Arc<str>,
    value: Arc<T>,
}

impl<T> Instance<T> {
    /// An entry named `name` (useful to call a pipeline function directly).
    pub fn new(name: impl Into<Arc<str>>, value: T) -> Self {
        Self {
            name: name.into(),
            value: Arc::new(value),
        }
    }

    /// The entry's name: the `<name>` of the key `<family>/<name>`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The entry's value.
    pub fn value(&self) -> &T {
        &self.value
    }
}

impl<T> Clone for Instance<T> {
    fn clone(&self) -> Self {
        Self {
            name: Arc::clone(&self.name),
            value: Arc::clone(&self.value),
        }
    }
}

impl<T> Deref for Instance<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: fmt::Debug> fmt::Debug for Instance<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Instance")
            .field("name", &self.name)
            .field("value", &self.value)
            .finish()
    }
}

/// YAML text holding a `pipelines:` section, and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceSource {
    /// Where the text came from, for messages: a file's path, or a phrase
    /// such as ``the `instances` of topology!``.
    pub origin: String,
    /// The YAML text.
    pub text: String,
}

/// Whether `name` may name an instance: it becomes part of a key.
pub(crate) fn valid_instance_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// The entries of `family`, from the first source that lists the family.
///
/// Every source is also checked for families that are not `declared`.
pub(crate) fn family_entries<T: DeserializeOwned>(
    sources: &[InstanceSource],
    declared: &[&'static str],
    family: &str,
) -> Result<Vec<Instance<T>>, TopologyError> {
    for source in sources {
        if let Some(entries) = read_family::<T>(source, declared, family)? {
            if entries.is_empty() {
                return Err(TopologyError::Instances {
                    origin: source.origin.clone(),
                    message: format!("`pipelines.{family}` has no entries; list at least one, or remove it"),
                });
            }
            return Ok(entries);
        }
    }
    Err(TopologyError::NoInstances {
        family: family.to_owned(),
    })
}

fn read_family<T: DeserializeOwned>(
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
        let message = crate::settings::strip_location(&error.to_string());
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

/// The whole file, keeping only `pipelines.<family>`.
struct FileView<'a, T> {
    declared: &'a [&'static str],
    family: &'a str,
    unknown: &'a mut Vec<(String, String)>,
    entries: Option<Vec<Instance<T>>>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for FileView<'_, T> {
    type Value = Option<Vec<Instance<T>>>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for FileView<'_, T> {
    type Value = Option<Vec<Instance<T>>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a configuration with `global:` and `pipelines:` sections")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Self::Value, A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "pipelines" {
                let families = Families { view: &mut self };
                map.next_value_seed(families)?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(self.entries)
    }
}

/// `pipelines:`: every key must be a declared family.
struct Families<'v, 'a, T> {
    view: &'v mut FileView<'a, T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for Families<'_, '_, T> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for Families<'_, '_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map from pipeline family to its entries")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(family) = map.next_key::<String>()? {
            if !self.view.declared.contains(&family.as_str()) {
                return Err(de::Error::custom(format!(
                    "unknown pipeline family `{family}`; the families of this program are {}",
                    list(self.view.declared)
                )));
            }
            if family == self.view.family {
                let entries = Entries {
                    unknown: &mut *self.view.unknown,
                    marker: std::marker::PhantomData,
                };
                self.view.entries = Some(map.next_value_seed(entries)?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        return "none (no `#[pipeline]` has `each = ...`)".to_owned();
    }
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `pipelines.<family>:`: a map from instance name to its value.
struct Entries<'u, T> {
    unknown: &'u mut Vec<(String, String)>,
    marker: std::marker::PhantomData<T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for Entries<'_, T> {
    type Value = Vec<Instance<T>>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for Entries<'_, T> {
    type Value = Vec<Instance<T>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map from instance name to its settings")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries: Vec<Instance<T>> = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            if !valid_instance_name(&name) {
                return Err(de::Error::custom(format!(
                    "invalid instance name `{name}`: use only letters, digits, `.`, `_` and `-`"
                )));
            }
            if entries.iter().any(|entry| entry.name() == name) {
                return Err(de::Error::custom(format!("instance `{name}` is listed twice")));
            }
            let entry = Entry::<T> {
                name: &name,
                unknown: &mut *self.unknown,
                marker: std::marker::PhantomData,
            };
            let value = map.next_value_seed(entry)?;
            entries.push(Instance::new(name, value));
        }
        Ok(entries)
    }
}

/// One entry's value, noting the fields the type ignored.
struct Entry<'n, 'u, T> {
    name: &'n str,
    unknown: &'u mut Vec<(String, String)>,
    marker: std::marker::PhantomData<T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for Entry<'_, '_, T> {
    type Value = T;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        let name = self.name;
        let unknown = self.unknown;
        serde_ignored::deserialize(deserializer, |path| unknown.push((name.to_owned(), path.to_string())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Table {
        source: String,
        #[serde(default)]
        rows: u32,
    }

    fn source(origin: &str, text: &str) -> InstanceSource {
        InstanceSource {
            origin: origin.to_owned(),
            text: text.to_owned(),
        }
    }

    fn entries(sources: &[InstanceSource]) -> Result<Vec<Instance<Table>>, TopologyError> {
        family_entries::<Table>(sources, &["ingest", "export"], "ingest")
    }

    #[test]
    fn the_first_source_listing_the_family_wins() {
        let code = source("code", "pipelines:\n  export:\n    x: {}\n");
        let file = source(
            "file",
            "global: {}\npipelines:\n  ingest:\n    b: { source: s3, rows: 2 }\n    a: { source: s4 }\n",
        );
        let defaults = source("defaults", "pipelines:\n  ingest:\n    z: { source: s5 }\n");
        let found = entries(&[code, file, defaults]).unwrap();
        let names: Vec<&str> = found.iter().map(Instance::name).collect();
        assert_eq!(names, ["b", "a"], "in file order, from the file");
        assert_eq!(found[0].rows, 2);
        assert_eq!(found[1].source, "s4");
    }

    #[test]
    fn no_entries_anywhere_says_where_they_can_come_from() {
        let error = entries(&[source("file", "global: {}\n")]).unwrap_err().to_string();
        assert_eq!(
            error,
            "pipeline family `ingest` has no entries: list them under `pipelines.ingest` in the configuration file (--config), or give defaults with `instances:` in topology!"
        );
        let error = entries(&[source("file", "pipelines:\n  ingest: {}\n")])
            .unwrap_err()
            .to_string();
        assert!(error.contains("`pipelines.ingest` has no entries"), "{error}");
    }

    #[test]
    fn errors_name_the_origin_line_entry_and_field() {
        let cases = [
            (
                "pipelines:\n  ingst:\n    a: { source: x }\n",
                "file: line 2: `pipelines`: unknown pipeline family `ingst`; the families of this program are `ingest`, `export`",
            ),
            (
                "pipelines:\n  ingest:\n    a: { rows: 1 }\n",
                "file: line 3: `pipelines.ingest.a`: missing field `source`",
            ),
            (
                "pipelines:\n  ingest:\n    a: { source: x, rows: many }\n",
                "file: line 3: `pipelines.ingest.a.rows`: invalid type: string \"many\", expected u32",
            ),
            (
                "pipelines:\n  ingest:\n    a b: { source: x }\n",
                "file: line 3: `pipelines.ingest`: invalid instance name `a b`: use only letters, digits, `.`, `_` and `-`",
            ),
            (
                "pipelines:\n  ingest:\n    a:\n      source: x\n      sorce: y\n",
                "file: line 5: `pipelines.ingest.a`: unknown field `sorce`",
            ),
        ];
        for (text, expected) in cases {
            let error = entries(&[source("file", text)]).unwrap_err().to_string();
            assert_eq!(error, expected, "for:\n{text}");
        }
    }
}
