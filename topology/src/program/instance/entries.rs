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
    /// Each family's key, and the index of the source its entries came from.
    origins: Vec<(&'static str, usize)>,
}

impl FamilyTable {
    /// Records the entries of `family`, read from source number `source`.
    pub(crate) fn insert<T: Send + Sync + 'static>(
        &mut self,
        family: &'static str,
        source: usize,
        entries: &[Instance<T>],
    ) {
        let entries: Box<dyn Any + Send + Sync> = Box::new(Entries::new(entries.to_vec()));
        self.families.push((TypeId::of::<T>(), Arc::from(entries)));
        self.origins.push((family, source));
    }

    /// A hash of each entry's configuration, by its key (`family/name`): a
    /// reload restarts the entries whose hash changed. Each source is read
    /// once, however many families it holds; only a start that can reload
    /// asks for them.
    pub(crate) fn fingerprints(&self, sources: &[InstanceSource]) -> HashMap<String, u64> {
        let mut fingerprints = HashMap::new();
        let mut read: Vec<(usize, Option<serde_yaml_ng::Value>)> = Vec::new();
        for &(family, source) in &self.origins {
            if !read.iter().any(|(index, _)| *index == source) {
                let document = sources
                    .get(source)
                    .and_then(|source| serde_yaml_ng::from_str(&source.text).ok());
                read.push((source, document));
            }
            let document = read
                .iter()
                .find(|(index, _)| *index == source)
                .and_then(|(_, document)| document.as_ref());
            let entries = document.and_then(|document| document.get("pipelines")?.get(family)?.as_mapping());
            for (name, value) in entries.into_iter().flatten() {
                if let (Some(name), Ok(text)) = (name.as_str(), serde_yaml_ng::to_string(value)) {
                    fingerprints.insert(format!("{family}/{name}"), xxh3_64(text.as_bytes()));
                }
            }
        }
        fingerprints
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
        table.insert(
            "ingest",
            0,
            &[Instance::new("orders", 1_u32), Instance::new("users", 2_u32)],
        );
        table.insert("report", 0, &[Instance::new("daily", "report".to_owned())]);
        let numbers = table.entries::<u32>();
        assert_eq!(
            numbers.iter().map(|e| (e.name(), *e.value())).collect::<Vec<_>>(),
            [("orders", 1), ("users", 2)]
        );
        assert_eq!(table.entries::<String>().len(), 1);
        assert!(table.entries::<u8>().is_empty());
    }
}
