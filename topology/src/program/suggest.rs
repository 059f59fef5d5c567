//! The fields a type declares, read from its `Deserialize` impl: for "did
//! you mean" on entry types (the closeness itself is
//! `topology_common::closest`, shared with the macros), and for the `app:`
//! settings fields that the defaults leave out.

use std::fmt;

use serde::{
    de::{self, DeserializeOwned, Visitor},
    forward_to_deserialize_any,
};

/// The fields of `T` when it deserializes as a struct, else none.
pub(crate) fn fields_of<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut fields: &'static [&'static str] = &[];
    // The probe always fails: it is asked only for the fields.
    let _ = T::deserialize(Probe { fields: &mut fields });
    fields
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
    use topology_common::closest;

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Table {
        source: String,
        #[serde(rename = "row-count")]
        rows: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        region: Option<String>,
    }

    #[test]
    fn the_fields_of_a_struct_and_the_closest_one() {
        assert_eq!(fields_of::<Table>(), ["source", "row-count", "region"]);
        assert!(fields_of::<u32>().is_empty());
        assert_eq!(closest("row-cont", fields_of::<Table>()), Some("row-count"));
        assert_eq!(closest("sorce", fields_of::<Table>()), Some("source"));
        assert_eq!(closest("colour", fields_of::<Table>()), None);
    }
}
