//! Every entry of a family, for a pipeline that works over all of them.

use std::{
    any::{Any, TypeId},
    collections::HashMap,
    fmt,
    ops::Deref,
    sync::Arc,
};

use xxhash_rust::xxh3::xxh3_64;

use crate::program::instance::{Instance, InstanceSource};

/// Every entry of the family declared with `each = T`, in configuration
/// order, as a pipeline argument: for a feeder, a compactor or a report that
/// works over all of a family's entries rather than one of them.
///
/// It holds the whole family as configured, whichever shard runs each
/// entry's own pipeline. A topology in which no family has `each = T` does
/// not compile; neither does one in which two do (give one of them a
/// newtype, so that the argument says which it means).
///
/// ```
/// use topology::{Entries, Instance};
///
/// #[derive(Debug, serde::Deserialize)]
/// struct Table { source: String }
///
/// let tables = Entries::new(vec![
///     Instance::new("orders", Table { source: "memory://raw/orders".into() }),
///     Instance::new("users", Table { source: "memory://raw/users".into() }),
/// ]);
/// let names: Vec<&str> = tables.iter().map(|table| table.name()).collect();
/// assert_eq!(names, ["orders", "users"]);
/// assert_eq!(tables.get("users").map(|table| table.source.as_str()), Some("memory://raw/users"));
/// assert_eq!(tables.len(), 2); // derefs to a slice of entries
/// ```
pub struct Entries<T> {
    entries: Arc<[Instance<T>]>,
}

impl<T> Entries<T> {
    /// A family's entries (useful to call a pipeline function directly).
    pub fn new(entries: Vec<Instance<T>>) -> Self {
        Self {
            entries: entries.into(),
        }
    }

    /// The entry named `name`, if the family has one.
    pub fn get(&self, name: &str) -> Option<&Instance<T>> {
        self.entries.iter().find(|entry| entry.name() == name)
    }
}

impl<T> Clone for Entries<T> {
    fn clone(&self) -> Self {
        Self {
            entries: Arc::clone(&self.entries),
        }
    }
}

impl<T> Deref for Entries<T> {
    type Target = [Instance<T>];

    fn deref(&self) -> &[Instance<T>] {
        &self.entries
    }
}

impl<'a, T> IntoIterator for &'a Entries<T> {
    type Item = &'a Instance<T>;
    type IntoIter = std::slice::Iter<'a, Instance<T>>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

impl<T: fmt::Debug> fmt::Debug for Entries<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.entries.iter()).finish()
    }
}

/// The entries of every family of a topology, by entry type, filled while
/// the topology is planned and shared by its pipelines.
#[derive(Default)]
pub struct FamilyTable {
    families: Vec<(TypeId, Arc<dyn Any + Send + Sync>)>,
    /// A hash of each entry's configuration, by its key (`family/name`): a
    /// reload restarts the entries whose hash changed.
    fingerprints: HashMap<String, u64>,
}

impl FamilyTable {
    /// Records a family's entries.
    pub(crate) fn insert<T: Send + Sync + 'static>(&mut self, entries: &[Instance<T>]) {
        let entries: Box<dyn Any + Send + Sync> = Box::new(Entries::new(entries.to_vec()));
        self.families.push((TypeId::of::<T>(), Arc::from(entries)));
    }

    /// Records the fingerprint of every entry of `family` in `source`.
    pub(crate) fn fingerprint(&mut self, family: &str, source: &InstanceSource) {
        let Ok(document) = serde_yaml_ng::from_str::<serde_yaml_ng::Value>(&source.text) else {
            return;
        };
        let Some(serde_yaml_ng::Value::Mapping(entries)) = document.get("pipelines").and_then(|p| p.get(family)) else {
            return;
        };
        for (name, value) in entries {
            let (Some(name), Ok(text)) = (name.as_str(), serde_yaml_ng::to_string(value)) else {
                continue;
            };
            self.fingerprints
                .insert(format!("{family}/{name}"), xxh3_64(text.as_bytes()));
        }
    }

    /// The fingerprint of the entry with `key`, if it is one.
    pub(crate) fn fingerprint_of(&self, key: &str) -> Option<u64> {
        self.fingerprints.get(key).copied()
    }

    /// One hash of every entry of every family: what a pipeline taking
    /// `Entries<T>` depends on.
    pub(crate) fn digest(&self) -> u64 {
        let mut keys: Vec<(&String, &u64)> = self.fingerprints.iter().collect();
        keys.sort_unstable();
        let text: String = keys.iter().map(|(key, hash)| format!("{key}={hash};")).collect();
        xxh3_64(text.as_bytes())
    }

    /// The entries of the family with `each = T`. The topology's compile-time
    /// check guarantees there is one; an empty list stands in otherwise.
    pub(crate) fn entries<T: Send + Sync + 'static>(&self) -> Entries<T> {
        self.families
            .iter()
            .filter(|(id, _)| *id == TypeId::of::<T>())
            .find_map(|(_, entries)| entries.downcast_ref::<Entries<T>>())
            .map_or_else(|| Entries::new(Vec::new()), Entries::clone)
    }
}

impl fmt::Debug for FamilyTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FamilyTable")
            .field("families", &self.families.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_family_is_found_by_its_entry_type() {
        let mut table = FamilyTable::default();
        table.insert(&[Instance::new("orders", 1_u32), Instance::new("users", 2_u32)]);
        table.insert(&[Instance::new("daily", "report".to_owned())]);
        let numbers = table.entries::<u32>();
        assert_eq!(
            numbers.iter().map(|e| (e.name(), *e.value())).collect::<Vec<_>>(),
            [("orders", 1), ("users", 2)]
        );
        assert_eq!(table.entries::<String>().len(), 1);
        assert!(table.entries::<u8>().is_empty());
    }
}
