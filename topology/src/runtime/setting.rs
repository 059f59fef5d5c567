//! One declaration per setting: [`declare_settings!`] turns a table of
//! settings (name, type, default, help, whether a running topology takes a
//! new value, bounds) into the struct that holds them and everything read
//! from that table: the defaults, the `with_*` setters, parsing from text
//! (the environment, flags) and from a deserializer (the YAML file), the
//! bounds check, and each value as text (`--help`, the start-up line).
//!
//! The runtime's [`GlobalConfig`](crate::runtime::config::GlobalConfig) is
//! declared with it; so are the program layer's own settings.

use std::fmt;

/// Whether a running topology takes a new value of a setting on reload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reload {
    /// Applied to the running topology.
    Live,
    /// Takes effect only when the process restarts.
    Restart,
}

/// What one setting is, for every layer that reads it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SettingSpec {
    /// Its name in YAML and in messages; the environment variable and the
    /// flag are derived from it.
    pub(crate) name: &'static str,
    /// What it does, in one line.
    pub(crate) help: &'static str,
    /// The value it expects, in words.
    pub(crate) expects: &'static str,
    /// Whether a reload applies it.
    pub(crate) reload: Reload,
}

/// A value a setting can hold: read from text, shown as text.
pub(crate) trait SettingValue: Sized {
    /// The text it expects, in words.
    const EXPECTS: &'static str;

    /// Reads the value from its text (surrounding whitespace ignored).
    fn parse_text(text: &str) -> Result<Self, String>;

    /// The value as text, as `--help` and the start-up line show it.
    fn show(&self) -> String;
}

impl SettingValue for u64 {
    const EXPECTS: &'static str = "a whole number";

    fn parse_text(text: &str) -> Result<Self, String> {
        text.trim().parse().map_err(|_| format!("expected {}", Self::EXPECTS))
    }

    fn show(&self) -> String {
        self.to_string()
    }
}

impl SettingValue for bool {
    const EXPECTS: &'static str = "true or false";

    /// YAML's booleans, the same from every source.
    fn parse_text(text: &str) -> Result<Self, String> {
        match text.trim() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(format!("expected {}", Self::EXPECTS)),
        }
    }

    fn show(&self) -> String {
        self.to_string()
    }
}

/// A limit that may be absent: absent means unlimited.
impl SettingValue for Option<usize> {
    const EXPECTS: &'static str = "a whole number, at least 1";

    fn parse_text(text: &str) -> Result<Self, String> {
        text.trim()
            .parse()
            .map(Some)
            .map_err(|_| format!("expected {}", Self::EXPECTS))
    }

    fn show(&self) -> String {
        self.map_or_else(|| "unlimited".to_owned(), |n| n.to_string())
    }
}

/// Implements [`SettingValue`] for a type read with `FromStr` and shown
/// with `Display`: `expects` says what it takes; `detailed` keeps the parse
/// error's own words in the reason (where they say more than "expected").
macro_rules! text_setting {
    ($ty:ty, $expects:literal) => {
        $crate::runtime::setting::text_setting!($ty, $expects, |_| format!("expected {}", $expects));
    };
    ($ty:ty, $expects:literal, detailed) => {
        $crate::runtime::setting::text_setting!($ty, $expects, |error: <$ty as std::str::FromStr>::Err| error
            .to_string());
    };
    ($ty:ty, $expects:literal, $reason:expr) => {
        impl $crate::runtime::setting::SettingValue for $ty {
            const EXPECTS: &'static str = $expects;

            fn parse_text(text: &str) -> Result<Self, String> {
                text.parse().map_err($reason)
            }

            fn show(&self) -> String {
                self.to_string()
            }
        }
    };
}

pub(crate) use text_setting;

/// A visitor reading a setting's value from its text, for the values whose
/// YAML form is their text (`shard: 0/3`, `metrics_addr: "off"`).
pub(crate) struct FromText<T>(std::marker::PhantomData<T>);

impl<T> Default for FromText<T> {
    fn default() -> Self {
        Self(std::marker::PhantomData)
    }
}

impl<T: SettingValue> serde::de::Visitor<'_> for FromText<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTS)
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<T, E> {
        T::parse_text(text).map_err(E::custom)
    }
}

/// A setting's value that is out of its bounds, or unreadable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Rejected {
    /// The setting.
    pub(crate) setting: &'static str,
    /// Its value, as text.
    pub(crate) value: String,
    /// Why the value cannot be used.
    pub(crate) reason: String,
}

/// Declares a struct of settings from one table. Each row is
///
/// ```text
/// /// One line of help.
/// name: Type = default, Live | Restart, with_name [, check = path];
/// ```
///
/// where `Type: SettingValue + Deserialize + Clone`, `with_name` is the
/// generated setter and `check` (optional) is a `fn(&Type) -> Result<(),
/// String>` giving the bounds. The struct is `#[non_exhaustive]`: a new
/// setting is not a breaking change.
macro_rules! declare_settings {
    (
        $(#[$attr:meta])*
        pub struct $name:ident {
            $(
                #[doc = $help:literal]
                $field:ident: $ty:ty = $default:expr, $reload:ident, $setter:ident $(, check = $check:path)?;
            )+
        }
    ) => {
        $(#[$attr])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        #[non_exhaustive]
        pub struct $name {
            $(
                #[doc = $help]
                pub $field: $ty,
            )+
        }

        impl Default for $name {
            fn default() -> Self {
                Self { $($field: $default,)+ }
            }
        }

        impl $name {
            /// Every setting this struct holds, in declaration order.
            pub(crate) const SETTINGS: &'static [$crate::runtime::setting::SettingSpec] = &[$(
                $crate::runtime::setting::SettingSpec {
                    name: stringify!($field),
                    help: $help,
                    expects: <$ty as $crate::runtime::setting::SettingValue>::EXPECTS,
                    reload: $crate::runtime::setting::Reload::$reload,
                },
            )+];

            $(
                #[doc = concat!("With `", stringify!($field), "` set: ", $help)]
                #[must_use]
                pub fn $setter(mut self, value: $ty) -> Self {
                    self.$field = value;
                    self
                }
            )+

            /// Whether `name` is one of these settings.
            pub(crate) fn holds(name: &str) -> bool {
                Self::SETTINGS.iter().any(|spec| spec.name == name)
            }

            /// Sets `name` from its text; the reason if it cannot be used.
            /// Names this struct does not hold are left alone.
            pub(crate) fn set_text(&mut self, name: &str, text: &str) -> Result<(), String> {
                match name {
                    $(stringify!($field) => {
                        let value = <$ty as $crate::runtime::setting::SettingValue>::parse_text(text)?;
                        $($check(&value)?;)?
                        self.$field = value;
                    })+
                    _ => {}
                }
                Ok(())
            }

            /// Sets `name` from a deserializer (a YAML value), so that an
            /// error in the value carries its location. The bounds are
            /// checked afterwards, by [`rejected`](Self::rejected).
            pub(crate) fn set_from<'de, D: serde::Deserializer<'de>>(
                &mut self,
                name: &str,
                deserializer: D,
            ) -> Result<(), D::Error> {
                match name {
                    $(stringify!($field) => {
                        self.$field = <$ty as serde::Deserialize>::deserialize(deserializer)?;
                    })+
                    _ => {}
                }
                Ok(())
            }

            /// Copies setting `name` from `other`.
            pub(crate) fn copy_setting(&mut self, other: &Self, name: &str) {
                match name {
                    $(stringify!($field) => self.$field = other.$field.clone(),)+
                    _ => {}
                }
            }

            /// The first setting out of its bounds, if any.
            pub(crate) fn rejected(&self) -> Option<$crate::runtime::setting::Rejected> {
                $($(
                    if let Err(reason) = $check(&self.$field) {
                        return Some($crate::runtime::setting::Rejected {
                            setting: stringify!($field),
                            value: $crate::runtime::setting::SettingValue::show(&self.$field),
                            reason,
                        });
                    }
                )?)+
                None
            }

            /// Each setting's name and value as text, in declaration order.
            pub(crate) fn values(&self) -> Vec<(&'static str, String)> {
                vec![$(
                    (stringify!($field), $crate::runtime::setting::SettingValue::show(&self.$field)),
                )+]
            }
        }
    };
}

pub(crate) use declare_settings;
