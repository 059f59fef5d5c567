//! Typed setters, for tests and programs that build their settings in code.

use crate::{
    program::{
        instance::InstanceSource,
        policy::PolicyOverride,
        settings::{ReplicaConfig, Settings},
    },
    runtime::config::GlobalConfig,
};

impl Settings {
    /// With the shared settings changed by `change`, through
    /// [`GlobalConfig`]'s own `with_*` setters.
    ///
    /// ```
    /// use topology::Settings;
    ///
    /// let settings = Settings::default().with_global(|global| global.with_poll_jitter_secs(0));
    /// assert_eq!(settings.global.poll_jitter_secs, 0);
    /// ```
    #[must_use]
    pub fn with_global(mut self, change: impl FnOnce(GlobalConfig) -> GlobalConfig) -> Self {
        self.global = change(self.global);
        self
    }

    /// With this replica's settings changed by `change`, through
    /// [`ReplicaConfig`]'s own `with_*` setters.
    ///
    /// ```
    /// use topology::{MetricsAddress, Settings};
    ///
    /// let settings = Settings::default().with_replica(|replica| replica.with_metrics_addr(MetricsAddress::Off));
    /// assert_eq!(settings.replica.metrics_addr, MetricsAddress::Off);
    /// ```
    #[must_use]
    pub fn with_replica(mut self, change: impl FnOnce(ReplicaConfig) -> ReplicaConfig) -> Self {
        self.replica = change(self.replica);
        self
    }

    /// With the application's own settings (`app: T` in `topology!`) set
    /// to `app`, every field at once.
    ///
    /// ```
    /// use topology::Settings;
    ///
    /// #[derive(Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
    /// struct Lake { url: String }
    ///
    /// let settings = Settings::default().with_app(&Lake { url: "memory://test".into() });
    /// assert_eq!(settings.app.get::<Lake>().unwrap().url, "memory://test");
    /// ```
    #[must_use]
    pub fn with_app<T: serde::Serialize>(mut self, app: &T) -> Self {
        self.app.replace(app, "code");
        self
    }

    /// With the entries of pipeline families from YAML `text`, as
    /// [`add_instances`](Self::add_instances) adds them.
    #[must_use]
    pub fn with_instances(mut self, origin: impl Into<String>, text: impl Into<String>) -> Self {
        self.add_instances(origin, text);
        self
    }

    /// Adds entries of pipeline families from YAML `text` with a `pipelines:`
    /// section; they win over every source added before (the configuration
    /// file over `topology!` defaults, entries from code over both).
    ///
    /// ```
    /// use topology::Settings;
    ///
    /// let mut settings = Settings::default();
    /// settings.add_instances("a test", "pipelines:\n  ingest:\n    orders: { table: orders }\n");
    /// assert_eq!(settings.instances[0].origin, "a test");
    /// ```
    pub fn add_instances(&mut self, origin: impl Into<String>, text: impl Into<String>) {
        self.instances.insert(0, InstanceSource::new(origin, text));
    }

    /// With the restart policy or interval of `key` (a pipeline, a family,
    /// one entry as `family/name`, or `*` for every pipeline) changed as
    /// `policy` says, over what the file, the environment and the flags set.
    ///
    /// ```
    /// use std::time::Duration;
    /// use topology::{PolicyOverride, Settings};
    ///
    /// let forever = PolicyOverride::default().unlimited_restarts().backoff_max(Duration::from_secs(5));
    /// let settings = Settings::default()
    ///     .with_policy("ingest", forever.clone())
    ///     .with_policy("feeder", PolicyOverride::default().interval(Duration::from_millis(100)));
    /// assert_eq!(settings.policy("ingest"), Some(&forever));
    /// assert_eq!(settings.policy("orders"), None);
    /// ```
    #[must_use]
    pub fn with_policy(mut self, key: &str, policy: PolicyOverride) -> Self {
        self.policies.merge(key, policy);
        self
    }

    /// What configuration sets for `key`'s policy, if anything.
    pub fn policy(&self, key: &str) -> Option<&PolicyOverride> {
        self.policies.get(key)
    }
}
