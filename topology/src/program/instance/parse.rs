//! Parsing a YAML source's `pipelines:` section: the families it lists, and
//! the named entries of the one family asked for.

use std::{collections::HashSet, fmt};

use serde::de::{self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use crate::program::instance::Instance;

/// A key written in the wrong place: its path, and which occurrence of its
/// last key (from 1) is meant.
pub(super) struct Misplaced {
    pub(super) path: Vec<String>,
    pub(super) occurrence: usize,
}

/// The whole file, keeping only `pipelines.<family>`.
pub(super) struct FileView<'a, T> {
    pub(super) declared: &'a [&'static str],
    pub(super) family: &'a str,
    /// Whether the text is the configuration file, whose `global:` and
    /// `app:` sections are read elsewhere; in other sources they would be
    /// ignored, so they are errors there.
    pub(super) from_config_file: bool,
    /// `(entry, field)` of every field the entry type ignored.
    pub(super) unknown: &'a mut Vec<(String, String)>,
    /// The key of a mistake that serde's position would misplace.
    pub(super) misplaced: &'a mut Option<Misplaced>,
    pub(super) entries: Option<Vec<Instance<T>>>,
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
        f.write_str("a configuration with `global:`, `app:`, `pipelines:` and `policies:` sections")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.contains(&key) {
                *self.misplaced = Some(Misplaced {
                    path: vec![key.clone()],
                    occurrence: 2,
                });
                return Err(de::Error::custom(format!("`{key}` is given twice; keep one")));
            }
            seen.push(key.clone());
            if matches!(key.as_str(), "global" | "app" | "policies") && !self.from_config_file {
                *self.misplaced = Some(Misplaced {
                    path: vec![key.clone()],
                    occurrence: 1,
                });
                let elsewhere = if key == "policies" {
                    "`Settings::with_policy` in code".to_owned()
                } else {
                    format!("`{key}: ...` in topology!")
                };
                return Err(de::Error::custom(format!(
                    "a `{key}:` section is read only from the configuration file (`--config`); \
                     here it would be ignored: move these settings to {elsewhere}, \
                     or to the configuration file"
                )));
            }
            match key.as_str() {
                "pipelines" => map.next_value_seed(Families { view: &mut self })?,
                // Read by the settings, from the same file.
                "global" | "app" | "policies" => {
                    map.next_value::<IgnoredAny>()?;
                }
                _ => {
                    *self.misplaced = Some(Misplaced {
                        path: vec![key.clone()],
                        occurrence: 1,
                    });
                    return Err(de::Error::custom(format!(
                        "unknown section `{key}`; the sections are `pipelines` and, in a configuration file, `global`, `app` and `policies`"
                    )));
                }
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
        let mut seen: Vec<String> = Vec::new();
        while let Some(family) = map.next_key::<String>()? {
            let occurrence = if seen.contains(&family) { 2 } else { 1 };
            *self.view.misplaced = Some(Misplaced {
                path: vec!["pipelines".to_owned(), family.clone()],
                occurrence,
            });
            if occurrence > 1 {
                return Err(de::Error::custom(format!(
                    "pipeline family `{family}` is listed twice; merge its entries into one"
                )));
            }
            seen.push(family.clone());
            if !self.view.declared.contains(&family.as_str()) {
                return Err(de::Error::custom(format!(
                    "unknown pipeline family `{family}`; the families of this program are {}",
                    list(self.view.declared)
                )));
            }
            if family == self.view.family {
                let entries = EntriesSeed {
                    unknown: &mut *self.view.unknown,
                    marker: std::marker::PhantomData,
                };
                *self.view.misplaced = None;
                self.view.entries = Some(map.next_value_seed(entries)?);
            } else {
                *self.view.misplaced = None;
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
struct EntriesSeed<'u, T> {
    unknown: &'u mut Vec<(String, String)>,
    marker: std::marker::PhantomData<T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for EntriesSeed<'_, T> {
    type Value = Vec<Instance<T>>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for EntriesSeed<'_, T> {
    type Value = Vec<Instance<T>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map from instance name to its settings")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries: Vec<Instance<T>> = Vec::new();
        // A set, not a scan of `entries`: a family may have 100 000 entries.
        let mut names: HashSet<String> = HashSet::new();
        while let Some(name) = map.next_key::<String>()? {
            if let Some(rule) = topology_common::name_problem(&name) {
                return Err(de::Error::custom(format!("invalid instance name `{name}`: {rule}")));
            }
            if !names.insert(name.clone()) {
                return Err(de::Error::custom(format!("instance `{name}` is listed twice")));
            }
            let entry = EntrySeed::<T> {
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
struct EntrySeed<'n, 'u, T> {
    name: &'n str,
    unknown: &'u mut Vec<(String, String)>,
    marker: std::marker::PhantomData<T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for EntrySeed<'_, '_, T> {
    type Value = T;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        let name = self.name;
        let unknown = self.unknown;
        serde_ignored::deserialize(deserializer, |path| unknown.push((name.to_owned(), path.to_string())))
    }
}
