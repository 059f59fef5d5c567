//! The names of the application's settings: every field its type reads
//! (those its defaults leave out too, as `skip_serializing_if` does), and
//! the variable and flag each one gets, which must not collide.

use std::cell::RefCell;

use serde::{
    Deserialize,
    de::{self, Visitor},
};

/// The field names `T`'s `Deserialize` asks for, when `T` is a struct.
pub(crate) fn declared_fields<'de, T: Deserialize<'de>>() -> Vec<&'static str> {
    let asked = RefCell::new(Vec::new());
    // The probe only records the names: the error it ends with is expected.
    let _ = T::deserialize(Probe { asked: &asked });
    asked.into_inner()
}

/// A deserializer that records the fields a struct asks for, then stops.
struct Probe<'a> {
    asked: &'a RefCell<Vec<&'static str>>,
}

#[derive(Debug)]
struct Stop;

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("probed")
    }
}

impl std::error::Error for Stop {}

impl de::Error for Stop {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Self
    }
}

impl<'de> de::Deserializer<'de> for Probe<'_> {
    type Error = Stop;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
        Err(Stop)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Stop> {
        self.asked.borrow_mut().extend_from_slice(fields);
        Err(Stop)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

/// The environment variable of the application setting `field`.
pub(crate) fn env_var(field: &str) -> String {
    let upper: String = field
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("TOPOLOGY_APP_{upper}")
}

/// The command-line flag (without dashes) of the application setting `field`.
pub(crate) fn flag(field: &str) -> String {
    let lower: String = field
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("app-{lower}")
}

/// Two fields whose variable and flag are the same (`lake-url` beside
/// `lake_url`): which, said as the error a start reports.
pub(crate) fn collision<'a>(fields: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut seen: Vec<&str> = Vec::new();
    for field in fields {
        if let Some(other) = seen.iter().find(|other| flag(other) == flag(field)) {
            return Some(format!(
                "the fields `{other}` and `{field}` would both be set by --{} and {}: rename one of them (`#[serde(rename = \"...\")]`)",
                flag(field),
                env_var(field)
            ));
        }
        seen.push(field);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct App {
        lake_url: String,
        #[serde(rename = "batch-size")]
        batch_size: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        region: Option<String>,
    }

    #[test]
    fn every_field_the_type_reads_is_known() {
        assert_eq!(declared_fields::<App>(), ["lake_url", "batch-size", "region"]);
        assert!(declared_fields::<u32>().is_empty());
    }

    #[test]
    fn fields_on_one_flag_are_named_together() {
        assert_eq!(collision(["lake_url", "batch"]), None);
        let message = collision(["lake_url", "batch", "lake-url"]).unwrap();
        assert!(
            message.contains("`lake_url` and `lake-url`") && message.contains("--app-lake-url"),
            "{message}"
        );
    }
}
