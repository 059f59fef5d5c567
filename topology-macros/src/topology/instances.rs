//! The `instances:` text, checked when the program is compiled as far as the
//! macro can see it: a string literal, or `include_str!` of a file. Its YAML,
//! its sections, its families' shapes and its entry names are checked here;
//! whether each family is declared is a const check in the generated code
//! (only the compiler knows the keys); the entries' fields need their types,
//! and are checked when the program starts.

use std::path::PathBuf;

use serde_yaml_ng::Value;
use syn::{Expr, ExprLit, ExprMacro, Lit, LitStr};

use crate::errors::Errors;

/// The families the text lists, in order, when it could be read; errors
/// are recorded at `expr`.
pub(super) fn check(expr: &Expr, errors: &mut Errors) -> Vec<String> {
    let Some((text, origin)) = embedded_text(expr) else {
        return Vec::new();
    };
    match families(&text) {
        Ok(families) => families,
        Err(message) => {
            errors.error(expr, format!("{origin}: {message}"));
            Vec::new()
        }
    }
}

/// The text of a string literal, or of the file an `include_str!` names
/// (relative to the file that names it, as `include_str!` reads it), with
/// how to name it in a message.
fn embedded_text(expr: &Expr) -> Option<(String, String)> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(text), ..
        }) => Some((text.value(), "the `instances:` text".to_owned())),
        Expr::Macro(ExprMacro { mac, .. }) if mac.path.segments.last()?.ident == "include_str" => {
            let file: LitStr = mac.parse_body().ok()?;
            if !proc_macro::is_available() {
                return None;
            }
            let from = file.span().unwrap().local_file()?;
            let path: PathBuf = from.parent()?.join(file.value());
            // The one file a macro of this crate reads: the `include_str!`
            // that the generated code keeps makes the compiler track it, so
            // an edit to it rebuilds (and re-checks) the topology.
            // Unreadable: `include_str!` itself says so.
            let text = std::fs::read_to_string(&path).ok()?;
            Some((text, format!("`instances:` file `{}`", file.value())))
        }
        _ => None,
    }
}

/// The families of `text`, or what is wrong with it.
fn families(text: &str) -> Result<Vec<String>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let document: Value = serde_yaml_ng::from_str(text).map_err(|error| {
        // The location once, before the words (which may repeat it).
        let message = error.to_string();
        let words = message.split(" at line ").next().unwrap_or_default();
        match error.location() {
            Some(at) => format!("line {} column {}: {words}", at.line(), at.column()),
            None => words.to_owned(),
        }
    })?;
    let Value::Mapping(sections) = document else {
        return Err("expected a `pipelines:` section".to_owned());
    };
    let mut families = Vec::new();
    for (section, value) in &sections {
        match section.as_str() {
            Some("pipelines") => families = pipelines(value)?,
            Some("global") => {
                return Err(
                    "a `global:` section is read only from the configuration file (`--config`); \
                    here it would be ignored: move these settings to `global: { ... }` in topology!, \
                    or to the configuration file"
                        .to_owned(),
                );
            }
            _ => {
                return Err(format!(
                    "unknown section `{}`; the only section here is `pipelines`",
                    display(section)
                ));
            }
        }
    }
    Ok(families)
}

/// `pipelines:`: a map from family to a non-empty map of named entries.
fn pipelines(value: &Value) -> Result<Vec<String>, String> {
    let Value::Mapping(families) = value else {
        return Err("`pipelines` must map each family to its entries".to_owned());
    };
    let mut names = Vec::new();
    for (family, entries) in families {
        let Some(family) = key_text(family) else {
            return Err(format!(
                "`pipelines`: a family's name must be text, not `{}`",
                display(family)
            ));
        };
        let Value::Mapping(entries) = entries else {
            return Err(format!("`pipelines.{family}` must map each entry's name to its value"));
        };
        if entries.is_empty() {
            return Err(format!(
                "`pipelines.{family}` has no entries; list at least one, or remove it"
            ));
        }
        for name in entries.keys() {
            // Read as the runtime reads it: text, or a number as its digits.
            let Some(name) = key_text(name) else {
                return Err(format!(
                    "`pipelines.{family}`: an entry's name must be text, not `{}`",
                    display(name)
                ));
            };
            if let Some(rule) = topology_common::name_problem(&name) {
                return Err(format!("`pipelines.{family}`: invalid instance name `{name}`: {rule}"));
            }
        }
        names.push(family);
    }
    Ok(names)
}

/// A mapping key as the runtime reads a name: text, or a number as its
/// digits; `None` for anything else (`~`, a boolean, a sequence).
fn key_text(key: &Value) -> Option<String> {
    match key {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn display(value: &Value) -> String {
    serde_yaml_ng::to_string(value).map_or_else(|_| "?".to_owned(), |text| text.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::families;

    #[test]
    fn good_text_gives_its_families_in_order() {
        let text = "pipelines:\n  ingest:\n    orders: { source: a }\n  export:\n    daily: 1\n";
        assert_eq!(families(text).unwrap(), ["ingest", "export"]);
        assert!(families("").unwrap().is_empty());
        // Names read as the runtime reads them: a number as its digits.
        assert_eq!(families("pipelines:\n  2024:\n    7: 1\n").unwrap(), ["2024"]);
    }

    #[test]
    fn mistakes_are_named() {
        let cases = [
            ("global:\n  poll_jitter_secs: 1\n", "a `global:` section is read only"),
            ("pipeline:\n  ingest: {}\n", "unknown section `pipeline`"),
            ("pipelines:\n  ingest: {}\n", "`pipelines.ingest` has no entries"),
            ("pipelines:\n  ingest:\n    \"a/b\": 1\n", "invalid instance name `a/b`"),
            ("pipelines:\n  ingest:\n    ..: 1\n", "invalid instance name `..`"),
            (
                "pipelines:\n  ingest:\n    \"-\": 1\n",
                "invalid instance name `-`: use at least one letter or digit",
            ),
            (
                "pipelines:\n  ingest:\n    ~: 1\n",
                "an entry's name must be text, not `null`",
            ),
            ("pipelines:\n  ingest: [a, b]\n", "`pipelines.ingest` must map"),
            ("pipelines: { ingest: { a: 1 }\n", "did not find expected"),
            ("pipelines:\n  ingest:\n    a: 1\n    a: 2\n", "duplicate"),
            ("- a\n", "expected a `pipelines:` section"),
        ];
        for (text, expected) in cases {
            let error = families(text).unwrap_err();
            assert!(error.contains(expected), "{text:?}: {error}");
        }
    }
}
