//! The `global:` section of the YAML file: every declared setting by its
//! name, none unknown or repeated, each value checked where it stands so
//! that an error names its line.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use topology_common::closest;

use crate::{
    program::settings::{ReplicaConfig, Settings, specs},
    runtime::{config::GlobalConfig, setting::SettingSpec},
};

/// The settings a file's `global:` section gives, over the defaults.
#[derive(Debug, Default)]
pub(crate) struct GlobalSection {
    /// The defaults, with the given settings set.
    pub(crate) settings: Settings,
    /// The settings the section gives, in its order.
    pub(crate) given: Vec<&'static str>,
}

impl<'de> serde::Deserialize<'de> for GlobalSection {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(SectionVisitor)
    }
}

struct SectionVisitor;

impl<'de> Visitor<'de> for SectionVisitor {
    type Value = GlobalSection;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping of settings, such as `poll_jitter_secs: 10`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<GlobalSection, A::Error> {
        let mut section = GlobalSection::default();
        while let Some(spec) = map.next_key_seed(NameSeed { given: &section.given })? {
            map.next_value_seed(SettingSeed {
                settings: &mut section.settings,
                name: spec.name,
            })?;
            section.given.push(spec.name);
        }
        Ok(section)
    }
}

/// A setting's name: a declared one, not given before. Checked as the key
/// is read, so that an error names the key's line.
struct NameSeed<'a> {
    given: &'a [&'static str],
}

impl<'de> DeserializeSeed<'de> for NameSeed<'_> {
    type Value = &'static SettingSpec;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for NameSeed<'_> {
    type Value = &'static SettingSpec;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a setting's name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Self::Value, E> {
        let Some(spec) = specs().find(|spec| spec.name == name) else {
            let names: Vec<&str> = specs().map(|spec| spec.name).collect();
            let hint = match closest(name, &names) {
                Some(known) => format!("did you mean `{known}`?"),
                None => format!("expected one of {}", names.join(", ")),
            };
            return Err(E::custom(format_args!("unknown field `{name}`; {hint}")));
        };
        if self.given.contains(&spec.name) {
            return Err(E::duplicate_field(spec.name));
        }
        Ok(spec)
    }
}

/// One setting's value, read into its place in `settings`.
struct SettingSeed<'a> {
    settings: &'a mut Settings,
    name: &'static str,
}

impl<'de> DeserializeSeed<'de> for SettingSeed<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        if GlobalConfig::holds(self.name) {
            self.settings.global.set_from(self.name, deserializer)
        } else if ReplicaConfig::holds(self.name) {
            self.settings.replica.set_from(self.name, deserializer)
        } else {
            Err(de::Error::custom(format_args!("unknown setting `{}`", self.name)))
        }
    }
}
