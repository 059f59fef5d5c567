//! The environment every cloud tool reads (`AWS_*`, `GOOGLE_*`, `AZURE_*`):
//! cloud clients start from it, and options given in code win over it.

use std::{ffi::OsString, fmt};

use crate::runtime::redact::MASK;

/// The cloud variables of an environment, as client options.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct CloudEnv(Vec<(String, String)>);

/// Names only: any of the values may be a credential.
impl fmt::Debug for CloudEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(name, _)| (name, MASK)))
            .finish()
    }
}

/// Each cloud's variable prefix, by URL scheme.
fn prefix(scheme: &str) -> Option<&'static str> {
    match scheme {
        "s3" | "s3a" => Some("AWS_"),
        "gs" => Some("GOOGLE_"),
        "az" | "adl" | "azure" | "abfs" | "abfss" => Some("AZURE_"),
        _ => None,
    }
}

impl CloudEnv {
    /// The process's environment.
    pub(crate) fn from_process() -> Self {
        Self::from_vars(std::env::vars_os())
    }

    /// The cloud variables among `vars`; names or values that are not UTF-8
    /// are skipped, as the cloud tools skip them.
    pub(crate) fn from_vars<K: Into<OsString>, V: Into<OsString>>(vars: impl IntoIterator<Item = (K, V)>) -> Self {
        Self(
            vars.into_iter()
                .filter_map(|(name, value)| Some((name.into().into_string().ok()?, value.into().into_string().ok()?)))
                .filter(|(name, _)| ["AWS_", "GOOGLE_", "AZURE_"].iter().any(|p| name.starts_with(p)))
                .collect(),
        )
    }

    /// The options a client for `scheme` starts from: its cloud's variables,
    /// named as `object_store`'s configuration keys (`AWS_ENDPOINT` →
    /// `aws_endpoint`).
    pub(crate) fn options_for(&self, scheme: &str) -> Vec<(String, String)> {
        let Some(prefix) = prefix(scheme) else {
            return Vec::new();
        };
        self.0
            .iter()
            .filter(|(name, _)| name.starts_with(prefix))
            .map(|(name, value)| (name.to_ascii_lowercase(), value.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cloud_starts_from_its_own_variables() {
        let env = CloudEnv::from_vars([
            ("AWS_ENDPOINT", "http://127.0.0.1:9000"),
            ("GOOGLE_SERVICE_ACCOUNT", "/key.json"),
            ("AZURE_STORAGE_ACCOUNT_NAME", "acct"),
            ("HOME", "/root"),
        ]);
        assert_eq!(
            env.options_for("s3"),
            [("aws_endpoint".to_owned(), "http://127.0.0.1:9000".to_owned())]
        );
        assert_eq!(env.options_for("gs").len(), 1);
        assert_eq!(env.options_for("abfss").len(), 1);
        assert!(env.options_for("memory").is_empty());
    }
}
