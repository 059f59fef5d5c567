//! Reading one field of the application's settings as its type asks: a
//! value from the environment or a flag is text, read as YAML where the
//! field wants a number, a boolean, a list (`[a, b]`) or a map (`{k: v}`),
//! taken as it is where the field wants text (`12345` for a `String`), and
//! `null` or `~` where an `Option` wants none.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_yaml_ng::{Error, Mapping, Value};

/// One field's value: text from the environment or a flag, or a value from
/// the configuration file or the defaults.
#[derive(Clone, Copy)]
pub(crate) enum Field<'a> {
    Text(&'a str),
    Value(&'a Value),
}

impl Field<'_> {
    /// The value as YAML reads it; text that is not YAML stays text.
    fn parsed(self) -> Value {
        match self {
            Self::Text(text) => serde_yaml_ng::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned())),
            Self::Value(value) => value.clone(),
        }
    }

    /// The value as text, where it is a scalar.
    fn as_text(self) -> Option<String> {
        match self {
            Self::Text(text) => Some(text.to_owned()),
            Self::Value(Value::String(text)) => Some(text.clone()),
            Self::Value(Value::Number(number)) => Some(number.to_string()),
            Self::Value(Value::Bool(flag)) => Some(flag.to_string()),
            Self::Value(_) => None,
        }
    }

    fn is_none(self) -> bool {
        match self {
            Self::Text(text) => matches!(text.trim(), "null" | "~"),
            Self::Value(value) => value.is_null(),
        }
    }
}

macro_rules! as_parsed {
    ($($method:ident)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.parsed().$method(visitor)
        })*
    };
}

impl<'de> Deserializer<'de> for Field<'_> {
    type Error = Error;

    as_parsed! {
        deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64 deserialize_bytes deserialize_byte_buf deserialize_unit
        deserialize_seq deserialize_map deserialize_identifier deserialize_ignored_any
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.as_text() {
            Some(text) => visitor.visit_string(text),
            None => self.parsed().deserialize_str(visitor),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.is_none() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, Error> {
        self.parsed().deserialize_unit_struct(name, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Error> {
        self.parsed().deserialize_tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.parsed().deserialize_tuple_struct(name, len, visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.parsed().deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.parsed().deserialize_enum(name, variants, visitor)
    }
}

/// The whole settings: a map of fields, each read as a [`Field`].
#[derive(Clone, Copy)]
pub(crate) struct Document<'a> {
    pub(crate) values: &'a Mapping,
    /// The fields whose values are text from the environment or a flag.
    pub(crate) from_text: &'a [String],
}

impl<'de> Deserializer<'de> for Document<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_map(Fields {
            document: self,
            entries: self.values.iter(),
            value: None,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

struct Fields<'a> {
    document: Document<'a>,
    entries: serde_yaml_ng::mapping::Iter<'a>,
    value: Option<Field<'a>>,
}

impl<'de> MapAccess<'de> for Fields<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        let text = key
            .as_str()
            .filter(|name| self.document.from_text.iter().any(|field| field == name));
        self.value = Some(match (text, value) {
            (Some(_), Value::String(text)) => Field::Text(text),
            _ => Field::Value(value),
        });
        seed.deserialize(key.clone()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(field) => seed.deserialize(field),
            None => Err(de::Error::custom("a value without its field")),
        }
    }
}
