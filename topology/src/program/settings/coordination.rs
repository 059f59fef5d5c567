//! The values of the ownership settings: where the leases are kept, and
//! the durations of their timing.

use std::{fmt, str::FromStr, time::Duration};

use crate::runtime::{
    redact::redact,
    setting::{FromText, SettingValue, text_setting},
};

/// Where the replicas keep their leases: `off` (each replica runs its
/// static share), or the URL of an object store that supports conditional
/// writes (`s3://bucket/prefix`, `gs://…`, `az://…`; `memory://` opens a
/// store of its own, for one replica alone, as in tests). Shown and debugged
/// with any password masked.
///
/// ```
/// use topology::Coordination;
///
/// let store: Coordination = "s3://lake/leases".parse().unwrap();
/// assert_eq!(store.url(), Some("s3://lake/leases"));
/// assert_eq!("off".parse::<Coordination>().unwrap(), Coordination::Off);
/// let secret: Coordination = "s3://key:hunter2@lake".parse().unwrap();
/// assert!(!format!("{secret} {secret:?}").contains("hunter2"));
/// assert!("file:///tmp/leases".parse::<Coordination>().unwrap_err().contains("cannot hold leases"));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Coordination {
    /// No leases: the shard alone says what a replica runs.
    #[default]
    Off,
    /// The leases are kept in the store at this URL.
    Store(String),
}

impl Coordination {
    /// The store's URL, when ownership is on.
    pub fn url(&self) -> Option<&str> {
        match self {
            Self::Off => None,
            Self::Store(url) => Some(url),
        }
    }
}

/// The schemes of stores that can replace an object only if its version
/// matches.
const CONDITIONAL_SCHEMES: &[&str] = &["s3", "s3a", "gs", "az", "adl", "azure", "abfs", "abfss", "memory"];

impl FromStr for Coordination {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text == "off" {
            return Ok(Self::Off);
        }
        let url = url::Url::parse(text).map_err(|error| format!("expected {}: {error}", Self::EXPECTS))?;
        match url.scheme() {
            "file" => Err(
                "the local file store cannot replace an object only if its version matches, so it cannot hold \
                 leases; use an s3://, gs:// or az:// store"
                    .to_owned(),
            ),
            scheme if CONDITIONAL_SCHEMES.contains(&scheme) => Ok(Self::Store(text.to_owned())),
            scheme => Err(format!(
                "unknown store scheme `{scheme}`; expected one of {}",
                CONDITIONAL_SCHEMES.join(", ")
            )),
        }
    }
}

text_setting!(
    Coordination,
    "`off` or an object store URL, such as `s3://bucket/leases`",
    detailed
);

impl fmt::Display for Coordination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Off => f.write_str("off"),
            Self::Store(url) => f.write_str(&redact(url)),
        }
    }
}

/// Masked as in `Display`: settings are logged with `{:?}`.
impl fmt::Debug for Coordination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Off => f.write_str("Off"),
            Self::Store(_) => write!(f, "Store({self})"),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Coordination {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(FromText::<Self>::default())
    }
}

/// A duration setting, written with its unit: `500ms`, `15s`, `1m30s`.
///
/// ```
/// use std::time::Duration;
/// use topology::SettingDuration;
///
/// let lease: SettingDuration = "1m30s".parse().unwrap();
/// assert_eq!(lease.get(), Duration::from_secs(90));
/// assert_eq!(lease.to_string(), "90s");
/// assert_eq!(SettingDuration::from(Duration::from_millis(1500)).to_string(), "1500ms");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SettingDuration(Duration);

impl SettingDuration {
    /// The duration.
    pub fn get(self) -> Duration {
        self.0
    }
}

impl From<Duration> for SettingDuration {
    fn from(duration: Duration) -> Self {
        Self(duration)
    }
}

impl FromStr for SettingDuration {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        topology_common::parse_millis(text).map(|millis| Self(Duration::from_millis(millis)))
    }
}

text_setting!(
    SettingDuration,
    "a duration with its unit, such as `15s` or `500ms`",
    detailed
);

impl fmt::Display for SettingDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let millis = self.0.as_millis();
        if millis.is_multiple_of(1000) {
            write!(f, "{}s", millis / 1000)
        } else {
            write!(f, "{millis}ms")
        }
    }
}

impl<'de> serde::Deserialize<'de> for SettingDuration {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(FromText::<Self>::default())
    }
}

#[cfg(test)]
mod tests {
    use crate::program::settings::Settings;

    fn applied(pairs: &[(&str, &str)]) -> Result<Settings, String> {
        let mut settings = Settings::default();
        for (name, value) in pairs {
            settings
                .apply(name, value, "a test")
                .map_err(|error| error.to_string())?;
        }
        settings.validate().map_err(|error| error.to_string())?;
        Ok(settings)
    }

    #[test]
    fn values_at_their_edges_are_refused_naming_the_setting_and_the_value() {
        for (pairs, needle) in [
            (vec![("coordination", "leases")], "`leases` for setting `coordination`"),
            (vec![("coordination", "")], "for setting `coordination`"),
            (vec![("coordination", "file:///tmp/leases")], "cannot hold leases"),
            (
                vec![("coordination", "ftp://host/leases")],
                "unknown store scheme `ftp`",
            ),
            (vec![("lease_duration", "0s")], "must be greater than zero"),
            (vec![("lease_duration", "15")], "has no unit"),
            (vec![("lease_duration", "99999999999999999999h")], "too large"),
            (
                vec![("lease_buckets", "0")],
                "`0` for setting `lease_buckets` (from a test): must be between 1 and 4096",
            ),
            (
                vec![("lease_buckets", "18446744073709551615")],
                "must be between 1 and 4096",
            ),
            (
                vec![("coordination", "s3://lake"), ("lease_margin", "15s")],
                "`15s` for setting `lease_margin` (from the settings): must be above zero and below lease_duration (15s)",
            ),
            (
                vec![("coordination", "s3://lake"), ("lease_renew_interval", "13s")],
                "`13s` for setting `lease_renew_interval`",
            ),
            (
                vec![("coordination", "s3://lake"), ("lease_duration", "2h")],
                "`7200s` for setting `lease_duration` (from the settings): must be at most 3600s",
            ),
        ] {
            let error = applied(&pairs).unwrap_err();
            assert!(error.contains(needle), "{pairs:?}: {error}");
        }
    }

    #[test]
    fn lease_timing_is_checked_only_with_ownership_on() {
        assert!(applied(&[("lease_margin", "15s")]).is_ok());
        let settings = applied(&[
            ("coordination", "s3://lake/leases"),
            ("lease_duration", "3s"),
            ("lease_renew_interval", "1s"),
            ("lease_margin", "1s"),
            ("lease_buckets", "16"),
        ])
        .unwrap();
        let ownership = settings.replica.ownership();
        assert_eq!(ownership.duration.as_secs(), 3);
        assert_eq!(ownership.buckets, 16);
    }

    #[test]
    fn a_password_in_the_store_url_is_never_shown() {
        let settings = applied(&[("coordination", "s3://AKIA:hunter2@lake/leases?sig=abc")]).unwrap();
        let shown = format!("{settings} {settings:?}");
        assert!(!shown.contains("hunter2") && !shown.contains("abc"), "{shown}");
        assert!(shown.contains("coordination=s3://AKIA:***@lake/leases"), "{shown}");
    }
}
