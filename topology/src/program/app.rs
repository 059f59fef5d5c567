//! The application's own settings: a struct of the user's, declared with
//! `app: T` in `topology!`, read from the `app:` section of the configuration
//! file, `TOPOLOGY_APP_<FIELD>` variables and `--app-<field>` flags, layered
//! as the framework's own settings are, and listed in `--help` with their
//! defaults.

use serde::{Serialize, de::DeserializeOwned};
use serde_yaml_ng::{Mapping, Value};
use topology_common::closest;

use crate::program::{error::ProgramError, yaml::yaml_message};

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
    /// Where each field's value came from, when not from the defaults.
    origins: Vec<(String, String)>,
    /// Why the defaults could not be listed (a type that is not a struct).
    problem: Option<String>,
}

impl AppSettings {
    /// The settings of type `T`, at `T::default()`.
    pub fn of<T: AppSettingsType>() -> Self {
        let mut settings = Self::default();
        settings.replace(&T::default(), "the defaults");
        settings.origins.clear();
        settings
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
            }
            Ok(_) => self.problem = Some("the `app` settings must be a struct with named fields".to_owned()),
            Err(error) => self.problem = Some(format!("the `app` settings cannot be listed: {error}")),
        }
    }

    /// Whether the topology declares `app` settings.
    pub fn is_declared(&self) -> bool {
        !self.values.is_empty() || self.problem.is_some()
    }

    /// Each field and its current value, as `--help` shows it.
    pub fn fields(&self) -> impl Iterator<Item = (&str, String)> {
        self.values
            .iter()
            .filter_map(|(field, value)| Some((field.as_str()?, display(value))))
    }

    /// Sets `field` from text (an environment variable or a flag): read as a
    /// YAML scalar, so `500` is a number and `true` a boolean, except where
    /// the default is text.
    pub fn set(&mut self, field: &str, text: &str, origin: &str) -> Result<(), ProgramError> {
        let current = self.known(field, origin)?;
        let value = match current {
            Value::String(_) => Value::String(text.to_owned()),
            // Structured values come from the YAML file; here, scalars only.
            _ => match serde_yaml_ng::from_str::<Value>(text) {
                Ok(scalar @ (Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_))) => scalar,
                _ => Value::String(text.to_owned()),
            },
        };
        self.put(field, value, origin);
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
        let document = Value::Mapping(self.values.clone());
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

    fn known(&self, field: &str, origin: &str) -> Result<&Value, ProgramError> {
        self.values.get(field).ok_or_else(|| self.unknown(field, origin))
    }

    /// The error for an unknown field: the closest known one, or them all.
    pub(crate) fn unknown(&self, field: &str, origin: &str) -> ProgramError {
        let names: Vec<&str> = self.values.keys().filter_map(Value::as_str).collect();
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
        self.origins.retain(|(known, _)| known != field);
        self.origins.push((field.to_owned(), origin.to_owned()));
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

fn display(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => "none".to_owned(),
        other => serde_yaml_ng::to_string(other).map_or_else(|_| "?".to_owned(), |text| text.trim().to_owned()),
    }
}
