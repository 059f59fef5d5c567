//! The application's own settings: a struct of the user's, declared with
//! `app: T` in `topology!`, read from the `app:` section of the configuration
//! file, `TOPOLOGY_APP_<FIELD>` variables and `--app-<field>` flags, layered
//! as the framework's own settings are, and listed in `--help` with their
//! defaults.

mod field;
pub(crate) mod help;
mod names;
pub(crate) mod shape;

use serde::{Serialize, de::DeserializeOwned};
use serde_yaml_ng::{Mapping, Value};
use topology_common::closest;

pub(crate) use names::{env_var, flag};

use crate::program::{
    app::{field::Document, names::collision},
    error::ProgramError,
    suggest::fields_of,
    yaml::yaml_message,
};

/// A type that can be a topology's `app:` settings.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the `app` settings of a topology",
    label = "the application's settings",
    note = "`app: T` needs `T: serde::Serialize + serde::de::DeserializeOwned + Default` (the defaults are listed in `--help`): add `#[derive(Default, serde::Serialize, serde::Deserialize)]`"
)]
pub trait AppSettingsType: Serialize + DeserializeOwned + Default + 'static {}

impl<T: Serialize + DeserializeOwned + Default + 'static> AppSettingsType for T {}

/// The values of the application's settings, field by field, and where
/// each came from.
///
/// ```
/// use topology::AppSettings;
///
/// #[derive(Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
/// struct App { lake_url: String, batch_size: u32 }
///
/// let mut app = AppSettings::of::<App>();
/// app.set("batch_size", "500", "flag --app-batch-size").unwrap();
/// assert_eq!(app.get::<App>().unwrap(), App { lake_url: String::new(), batch_size: 500 });
///
/// app.set("batch_size", "lots", "environment variable TOPOLOGY_APP_BATCH_SIZE").unwrap();
/// assert_eq!(
///     app.get::<App>().unwrap_err().to_string(),
///     "invalid value `lots` for setting `app.batch_size` (from environment variable TOPOLOGY_APP_BATCH_SIZE): invalid type: string \"lots\", expected u32"
/// );
/// assert!(app.set("batch_sise", "1", "a test").unwrap_err().to_string().contains("did you mean `app.batch_size`?"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AppSettings {
    values: Mapping,
    /// Fields the type reads that its defaults leave out (`skip_serializing_if`).
    unset: Vec<String>,
    /// The fields whose values are text from the environment or a flag,
    /// read as the field's type asks.
    from_text: Vec<String>,
    /// Where each field's value came from, when not from the defaults.
    origins: Vec<(String, String)>,
    /// Why the settings cannot be used (a type that is not a struct, two
    /// fields on one flag).
    problem: Option<String>,
    /// Each field's doc comment (`#[derive(SettingsHelp)]`), for `--help`.
    help: &'static [(&'static str, &'static str)],
}

impl AppSettings {
    /// The settings of type `T`, at `T::default()`.
    pub fn of<T: AppSettingsType>() -> Self {
        let mut settings = Self::default();
        settings.replace(&T::default(), "the defaults");
        settings.origins.clear();
        settings.unset = fields_of::<T>()
            .iter()
            .filter(|field| !settings.values.contains_key(**field))
            .map(|field| (*field).to_owned())
            .collect();
        if settings.problem.is_none() {
            settings.problem = collision(settings.names());
        }
        settings
    }

    /// With each field's doc comment, for `--help`.
    #[must_use]
    pub fn with_help(mut self, help: &'static [(&'static str, &'static str)]) -> Self {
        self.help = help;
        self
    }

    /// The doc comment of `field`, if it has one.
    pub(crate) fn help_of(&self, field: &str) -> Option<&'static str> {
        self.help
            .iter()
            .find(|(name, doc)| *name == field && !doc.is_empty())
            .map(|(_, doc)| *doc)
    }

    /// Every field's name: those with a default, then those without.
    fn names(&self) -> impl Iterator<Item = &str> {
        self.values
            .keys()
            .filter_map(Value::as_str)
            .chain(self.unset.iter().map(String::as_str))
    }

    /// Every value of `app`, for tests that set them all at once.
    pub fn replace<T: Serialize>(&mut self, app: &T, origin: &str) {
        match serde_yaml_ng::to_value(app) {
            Ok(Value::Mapping(values)) => {
                self.origins = values
                    .keys()
                    .filter_map(Value::as_str)
                    .map(|field| (field.to_owned(), origin.to_owned()))
                    .collect();
                self.values = values;
                self.from_text.clear();
            }
            Ok(_) => self.problem = Some("the `app` settings must be a struct with named fields".to_owned()),
            Err(error) => self.problem = Some(format!("the `app` settings cannot be listed: {error}")),
        }
    }

    /// Whether the topology declares `app` settings.
    pub fn is_declared(&self) -> bool {
        !self.values.is_empty() || self.problem.is_some()
    }

    /// Each field and its current value, as `--help` shows it (`null` for
    /// none; `unset` for a field its defaults leave out).
    pub fn fields(&self) -> impl Iterator<Item = (&str, String)> {
        self.values
            .iter()
            .filter_map(|(field, value)| Some((field.as_str()?, display(value))))
            .chain(self.unset.iter().map(|field| (field.as_str(), "unset".to_owned())))
    }

    /// Sets `field` from text (an environment variable or a flag), read as
    /// the field's type asks: as YAML for a number (`500`), a boolean, a
    /// list (`[a, b]`) or a map (`{k: v}`); as it is for text (`12345`);
    /// `null` or `~` for an `Option`'s none.
    pub fn set(&mut self, field: &str, text: &str, origin: &str) -> Result<(), ProgramError> {
        self.known(field, origin)?;
        self.put(field, Value::String(text.to_owned()), origin);
        self.from_text.push(field.to_owned());
        Ok(())
    }

    /// Sets `field` to a value from the configuration file.
    pub(crate) fn set_value(&mut self, field: &str, value: Value, origin: &str) -> Result<(), ProgramError> {
        self.known(field, origin)?;
        self.put(field, value, origin);
        Ok(())
    }

    /// The settings as `T`, or the first field that does not fit, with its
    /// value and where it came from.
    pub fn get<T: DeserializeOwned>(&self) -> Result<T, ProgramError> {
        if let Some(problem) = &self.problem {
            return Err(ProgramError::InvalidAppSetting {
                setting: String::new(),
                value: String::new(),
                origin: None,
                reason: problem.clone(),
            });
        }
        let document = Document {
            values: &self.values,
            from_text: &self.from_text,
        };
        serde_path_to_error::deserialize::<_, T>(document).map_err(|error| {
            let path = error.path().to_string();
            let field = path.split(['.', '[']).next().unwrap_or_default().to_owned();
            let value = self.values.get(field.as_str()).map(display).unwrap_or_default();
            let origin = self
                .origins
                .iter()
                .find(|(known, _)| *known == field)
                .map(|(_, origin)| origin.clone());
            let reason = yaml_message(&error.into_inner().to_string(), &path);
            ProgramError::InvalidAppSetting {
                setting: if path == "." { String::new() } else { path },
                value,
                origin,
                reason,
            }
        })
    }

    fn known(&self, field: &str, origin: &str) -> Result<(), ProgramError> {
        if self.names().any(|name| name == field) {
            Ok(())
        } else {
            Err(self.unknown(field, origin))
        }
    }

    /// The error for an unknown field: the closest known one, or them all.
    pub(crate) fn unknown(&self, field: &str, origin: &str) -> ProgramError {
        let names: Vec<&str> = self.names().collect();
        let did_you_mean = closest(field, &names).map(|name| format!("app.{name}"));
        ProgramError::UnknownSetting {
            setting: format!("app.{field}"),
            origin: origin.to_owned(),
            known: if did_you_mean.is_some() {
                Vec::new()
            } else {
                names.iter().map(|name| format!("app.{name}")).collect()
            },
            did_you_mean,
        }
    }

    fn put(&mut self, field: &str, value: Value, origin: &str) {
        self.values.insert(Value::String(field.to_owned()), value);
        self.unset.retain(|known| known != field);
        self.from_text.retain(|known| known != field);
        self.origins.retain(|(known, _)| known != field);
        self.origins.push((field.to_owned(), origin.to_owned()));
    }
}

fn display(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => "null".to_owned(),
        other => serde_yaml_ng::to_string(other).map_or_else(|_| "?".to_owned(), |text| text.trim().to_owned()),
    }
}

#[cfg(test)]
mod tests;
