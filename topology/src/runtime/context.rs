//! The resources every pipeline of a topology shares.

use std::{sync::Arc, time::Duration};

use object_store::ObjectStore;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::runtime::{
    concurrency::ConcurrencyPermit,
    config::GlobalConfig,
    error::TopologyError,
    ownership::Ownership,
    storage::{self, StorageError, StoragePool, StoragePoolRef},
};

/// The resources shared by every pipeline of a topology.
///
/// Cloning is cheap: clones share the semaphore, the pool and the token.
/// Its `Debug` can be logged: the pool's credentials are masked.
///
/// ```
/// use topology::{GlobalConfig, PipelineContext};
///
/// let config = GlobalConfig::default().with_total_concurrency(Some(4));
/// let ctx = PipelineContext::from_config(&config).unwrap();
/// assert_eq!(ctx.global_semaphore.as_ref().unwrap().available_permits(), 4);
/// assert!(ctx.storage_pool.is_some());
/// assert!(!ctx.shutdown.is_cancelled());
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PipelineContext {
    /// Limits how many operations run at once across all pipelines; `None`
    /// means unlimited. Prefer [`acquire`](Self::acquire) to using it directly.
    pub global_semaphore: Option<Arc<Semaphore>>,
    /// Object-store clients shared per bucket; `None` when pooling is off.
    /// Prefer [`store`](Self::store) to using it directly.
    pub storage_pool: Option<StoragePoolRef>,
    /// Upper bound of each pipeline's random start delay, in seconds (a
    /// start jitter, despite the seed's name).
    pub poll_jitter_secs: u64,
    /// Cancelled once shutdown begins.
    pub shutdown: CancellationToken,
    /// The lease this run holds its key under, when ownership is on.
    ownership: Option<Ownership>,
}

/// The context of [`GlobalConfig::default()`]: no concurrency limit, a
/// storage pool, its start jitter, and a new shutdown token.
///
/// ```
/// use topology::{GlobalConfig, PipelineContext};
///
/// let ctx = PipelineContext::default();
/// assert_eq!(ctx.poll_jitter_secs, GlobalConfig::default().poll_jitter_secs);
/// assert!(ctx.global_semaphore.is_none() && ctx.storage_pool.is_some());
/// let at_once = PipelineContext::default().with_poll_jitter_secs(0);
/// assert_eq!(at_once.poll_jitter_secs, 0);
/// ```
impl Default for PipelineContext {
    fn default() -> Self {
        let config = GlobalConfig::default();
        Self {
            global_semaphore: None,
            storage_pool: config.connection_pooling.then(|| Arc::new(StoragePool::new())),
            poll_jitter_secs: config.poll_jitter_secs,
            shutdown: CancellationToken::new(),
            ownership: None,
        }
    }
}

impl PipelineContext {
    /// With each pipeline's start delay drawn from `[0, secs)`; `0` starts
    /// every pipeline at once (what a test usually wants).
    #[must_use]
    pub fn with_poll_jitter_secs(mut self, secs: u64) -> Self {
        self.poll_jitter_secs = secs;
        self
    }

    /// With `shutdown` as the token cancelled when shutdown begins.
    #[must_use]
    pub fn with_shutdown(mut self, shutdown: CancellationToken) -> Self {
        self.shutdown = shutdown;
        self
    }

    /// Builds the context a topology with these settings shares, with a new
    /// shutdown token.
    pub fn from_config(config: &GlobalConfig) -> Result<Self, TopologyError> {
        config.validate()?;
        Ok(Self {
            global_semaphore: config.total_concurrency.map(|n| Arc::new(Semaphore::new(n))),
            storage_pool: config.connection_pooling.then(|| Arc::new(StoragePool::new())),
            poll_jitter_secs: config.poll_jitter_secs,
            shutdown: CancellationToken::new(),
            ownership: None,
        })
    }

    /// With `ownership` as the lease this run holds its key under.
    #[must_use]
    pub fn with_ownership(mut self, ownership: Ownership) -> Self {
        self.ownership = Some(ownership);
        self
    }

    /// The lease this run holds its key under, with its fencing token, when
    /// the replicas coordinate (the `coordination` setting); `None`
    /// otherwise. A sink refuses a replaced owner's writes with
    /// [`Ownership::fenced_update`].
    ///
    /// ```
    /// use topology::{Ownership, PipelineContext};
    ///
    /// assert!(PipelineContext::default().ownership().is_none());
    /// let ctx = PipelineContext::default().with_ownership(Ownership::detached(3));
    /// assert_eq!(ctx.ownership().map(Ownership::token), Some(3));
    /// ```
    pub fn ownership(&self) -> Option<&Ownership> {
        self.ownership.as_ref()
    }

    /// Waits for a permit of the global semaphore; hold the returned guard
    /// while doing the limited work. Without a limit this returns at once.
    ///
    /// ```
    /// # topology::block_on(async {
    /// use topology::{GlobalConfig, PipelineContext};
    ///
    /// let config = GlobalConfig::default().with_total_concurrency(Some(1));
    /// let ctx = PipelineContext::from_config(&config).unwrap();
    /// let permit = ctx.acquire().await;
    /// assert_eq!(ctx.global_semaphore.as_ref().unwrap().available_permits(), 0);
    /// drop(permit);
    /// assert_eq!(ctx.global_semaphore.as_ref().unwrap().available_permits(), 1);
    /// # });
    /// ```
    pub async fn acquire(&self) -> ConcurrencyPermit {
        ConcurrencyPermit::acquire(self.global_semaphore.as_ref()).await
    }

    /// The object store for `url`, rooted at the URL's path.
    ///
    /// With pooling on, URLs in the same bucket share one client; with pooling
    /// off each call builds a fresh one. Supported schemes: `memory://` and
    /// `file://`, plus `s3://`, `gs://` and `az://` with the crate features
    /// `aws`, `gcp` and `azure`.
    ///
    /// ```
    /// # topology::block_on(async {
    /// use object_store::{ObjectStoreExt, path::Path};
    /// use topology::PipelineContext;
    ///
    /// let ctx = PipelineContext::from_config(&Default::default()).unwrap();
    /// let raw = ctx.store("memory://lake/raw").unwrap();
    /// raw.put(&Path::from("a.json"), "{}".into()).await.unwrap();
    /// // The same bucket, seen from its root:
    /// let lake = ctx.store("memory://lake").unwrap();
    /// assert!(lake.head(&Path::from("raw/a.json")).await.is_ok());
    /// # });
    /// ```
    pub fn store(&self, url: &str) -> Result<Arc<dyn ObjectStore>, StorageError> {
        self.store_with_options(url, std::iter::empty::<(String, String)>())
    }

    /// Like [`store`](Self::store), with backend options such as credentials,
    /// region or endpoint (the keys `object_store` understands for the scheme).
    /// Clients built with different options are never shared.
    pub fn store_with_options<I, K, V>(&self, url: &str, options: I) -> Result<Arc<dyn ObjectStore>, StorageError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        match &self.storage_pool {
            Some(pool) => pool.store_with_options(url, options),
            None => storage::open(url, options),
        }
    }

    /// Sleeps for `duration` unless shutdown begins first; returns `true` if
    /// the whole duration elapsed, `false` if shutdown cut it short.
    ///
    /// Use it for waits between units of work, so that a long poll interval
    /// never delays shutdown.
    pub async fn sleep(&self, duration: Duration) -> bool {
        self.shutdown
            .run_until_cancelled(tokio::time::sleep(duration))
            .await
            .is_some()
    }

    /// Whether shutdown has begun.
    pub fn is_shutting_down(&self) -> bool {
        self.shutdown.is_cancelled()
    }
}
