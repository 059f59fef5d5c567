//! "Did you mean": the fields an entry type declares (read from its
//! `Deserialize` impl) and the closest known name to a misspelt one.

use std::fmt;

use serde::{
    de::{self, DeserializeOwned, Visitor},
    forward_to_deserialize_any,
};

/// The fields of `T` when it deserializes as a struct, else none.
pub(crate) fn fields_of<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe { fields: &mut fields });
    fields
}

/// The known field closest to `unknown`, if one is close enough to be a
/// likely misspelling.
pub(crate) fn closest<'a>(unknown: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|name| (edit_distance(unknown, name), *name))
        .filter(|(distance, name)| *distance <= name.chars().count().max(3) / 3)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// A deserializer that only records the fields a struct asks for.
struct Probe<'f> {
    fields: &'f mut &'static [&'static str],
}

#[derive(Debug)]
struct Probed;

impl fmt::Display for Probed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("probed")
    }
}

impl std::error::Error for Probed {}

impl de::Error for Probed {
    fn custom<M: fmt::Display>(_message: M) -> Self {
        Self
    }
}

impl<'de> de::Deserializer<'de> for Probe<'_> {
    type Error = Probed;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Probed> {
        Err(Probed)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Probed> {
        *self.fields = fields;
        Err(Probed)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Table {
        source: String,
        rows: u32,
    }

    #[test]
    fn the_fields_of_a_struct_and_the_closest_one() {
        assert_eq!(fields_of::<Table>(), ["source", "rows"]);
        assert!(fields_of::<u32>().is_empty());
        assert_eq!(closest("rowz", fields_of::<Table>()), Some("rows"));
        assert_eq!(closest("sorce", fields_of::<Table>()), Some("source"));
        assert_eq!(closest("colour", fields_of::<Table>()), None);
    }
}
