//! Typed setters, for tests and programs that build their settings in code.

use crate::{
    program::{instance::InstanceSource, settings::Settings},
    runtime::{config::FailurePolicy, metrics::server::MetricsAddress},
};

impl Settings {
    /// With each pipeline's start delay drawn from `[0, secs)`; `0` starts
    /// all at once (what a test usually wants).
    #[must_use]
    pub fn with_poll_jitter_secs(mut self, secs: u64) -> Self {
        self.global.poll_jitter_secs = secs;
        self
    }

    /// With at most `permits` limited operations at once (`None`: no limit).
    #[must_use]
    pub fn with_total_concurrency(mut self, permits: Option<usize>) -> Self {
        self.global.total_concurrency = permits;
        self
    }

    /// With object-store clients shared per store, or not.
    #[must_use]
    pub fn with_connection_pooling(mut self, pooling: bool) -> Self {
        self.global.connection_pooling = pooling;
        self
    }

    /// With this shutdown deadline in seconds; `0` waits forever.
    #[must_use]
    pub fn with_shutdown_timeout_secs(mut self, secs: u64) -> Self {
        self.global.shutdown_timeout_secs = secs;
        self
    }

    /// With this policy for pipelines that end failed.
    #[must_use]
    pub fn with_failure_policy(mut self, policy: FailurePolicy) -> Self {
        self.global.failure_policy = policy;
        self
    }

    /// With `/metrics` and `/health` served at `metrics`, or
    /// [`MetricsAddress::Off`].
    #[must_use]
    pub fn with_metrics(mut self, metrics: MetricsAddress) -> Self {
        self.metrics = metrics;
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
}
