//! Pipeline families: one pipeline per entry of the configuration.

pub(crate) mod entries;
pub(crate) mod locate;
mod parse;

use std::{fmt, ops::Deref, sync::Arc};

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
    /// Whether its `global:` section was applied to the settings: only a
    /// configuration file's is. Anywhere else a `global:` section would be
    /// silently ignored, so it is an error.
    pub(crate) from_config_file: bool,
}

impl InstanceSource {
    /// Entries given from code or by `topology!`: a `global:` section in
    /// `text` is an error when the entries are read.
    pub fn new(origin: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            origin: origin.into(),
            text: text.into(),
            from_config_file: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::{error::ProgramError, instance::locate::family_entries};

    #[derive(Debug, serde::Deserialize)]
    struct Table {
        source: String,
        #[serde(default)]
        rows: u32,
    }

    fn source(origin: &str, text: &str) -> InstanceSource {
        InstanceSource::new(origin, text)
    }

    fn config_file(text: &str) -> InstanceSource {
        let mut file = source("file", text);
        file.from_config_file = true;
        file
    }

    fn entries(sources: &[InstanceSource]) -> Result<Vec<Instance<Table>>, ProgramError> {
        family_entries::<Table>(sources, &["ingest", "export"], "ingest").map(|(entries, _)| entries)
    }

    #[test]
    fn the_first_source_listing_the_family_wins() {
        let code = source("code", "pipelines:\n  export:\n    x: {}\n");
        let file =
            config_file("global: {}\npipelines:\n  ingest:\n    b: { source: s3, rows: 2 }\n    a: { source: s4 }\n");
        let defaults = source("defaults", "pipelines:\n  ingest:\n    z: { source: s5 }\n");
        let found = entries(&[code, file, defaults]).unwrap();
        let names: Vec<&str> = found.iter().map(Instance::name).collect();
        assert_eq!(names, ["b", "a"], "in file order, from the file");
        assert_eq!(found[0].rows, 2);
        assert_eq!(found[1].source, "s4");
    }

    #[test]
    fn no_entries_anywhere_says_where_they_can_come_from() {
        let error = entries(&[config_file("global: {}\n")]).unwrap_err().to_string();
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
                "file: line 5: `pipelines.ingest.a`: unknown field `sorce` (did you mean `source`?)",
            ),
        ];
        for (text, expected) in cases {
            let error = entries(&[source("file", text)]).unwrap_err().to_string();
            assert_eq!(error, expected, "for:\n{text}");
        }
    }

    #[test]
    fn hostile_files_are_errors_at_the_right_line() {
        let cases = [
            (
                "pipelines:\n  ingest:\n    a: { source: x }\n  ingst:\n    b: { source: y }\n",
                "file: line 4: `pipelines`: unknown pipeline family `ingst`; the families of this program are `ingest`, `export`",
            ),
            (
                "pipelines:\n  ingest:\n    a: { source: x }\n  export: {}\n  ingest:\n    b: { source: y }\n",
                "file: line 5: `pipelines`: pipeline family `ingest` is listed twice; merge its entries into one",
            ),
            (
                "pipelines:\n  ingest:\n    a: { source: x }\npipelines:\n  ingest:\n    b: { source: y }\n",
                "file: line 4: `pipelines` is given twice; keep one",
            ),
            (
                "pipelines:\n  ingest:\n    ..: { source: x }\n",
                "file: line 3: `pipelines.ingest`: invalid instance name `..`: use at least one letter or digit, not only `.`, `_` and `-`",
            ),
            (
                "global:\n  poll_jitter_secs: 1\npipelines:\n  ingest:\n    a: { source: x }\n",
                "file: line 1: a `global:` section is read only from the configuration file (`--config`); here it would be ignored: move these settings to `global: ...` in topology!, or to the configuration file",
            ),
            (
                "pipelines:\n  ingest:\n    a: { source: x }\npipeline:\n  export: {}\n",
                "file: line 4: unknown section `pipeline`; the sections are `pipelines` and, in a configuration file, `global`, `app` and `policies`",
            ),
            (
                "pipelines:\n  ingest:\n    a: { rowz: 1 }\n",
                "file: line 3: `pipelines.ingest.a`: unknown field `rowz` (did you mean `rows`?); missing field `source`",
            ),
        ];
        for (text, expected) in cases {
            let error = entries(&[source("file", text)]).unwrap_err().to_string();
            assert_eq!(error, expected, "for:\n{text}");
        }
    }

    #[test]
    fn a_configuration_files_global_section_is_read_there_not_here() {
        let file = config_file("global:\n  poll_jitter_secs: 1\npipelines:\n  ingest:\n    a: { source: x }\n");
        assert_eq!(entries(&[file]).unwrap()[0].name(), "a");
    }
}
