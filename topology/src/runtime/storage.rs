//! Object-store clients shared per bucket.

use std::{
    collections::{BTreeMap, HashMap},
    ffi::OsString,
    fmt,
    sync::{Arc, Mutex, PoisonError},
};

use object_store::{ObjectStore, local::LocalFileSystem, memory::InMemory, path::Path, prefix::PrefixStore};
use url::Url;

use crate::runtime::{
    cloud_env::CloudEnv,
    metrics::POOLED_STORES,
    redact::{MASK, redact},
};

/// A shared [`StoragePool`], as held by [`PipelineContext`](crate::PipelineContext).
pub type StoragePoolRef = Arc<StoragePool>;

/// Why an object store could not be opened. The URLs it holds have their
/// credentials masked, so that it can be printed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The URL does not parse.
    #[error("invalid object store URL `{url}`: {source}")]
    InvalidUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        #[source]
        source: url::ParseError,
    },
    /// The scheme is not one this build knows.
    #[error("unsupported object store URL `{url}`: expected memory://, file://, s3://, gs:// or az://")]
    UnsupportedScheme {
        /// The URL given.
        url: String,
    },
    /// The scheme needs a cargo feature of `topology` that is off.
    #[error("object store URL `{url}` needs the `{feature}` feature of the `topology` crate")]
    FeatureDisabled {
        /// The URL given.
        url: String,
        /// The feature that enables its scheme.
        feature: &'static str,
    },
    /// The backend refused the URL or the options.
    #[error("cannot open object store `{url}`: {source}")]
    Backend {
        /// The URL given.
        url: String,
        /// The backend's error.
        #[source]
        source: object_store::Error,
    },
}

/// Which client may serve a URL: the same scheme, bucket and options.
#[derive(Clone, PartialEq, Eq, Hash)]
struct BucketKey {
    scheme: String,
    /// User information, host and port: what selects the store.
    authority: String,
    options: BTreeMap<String, String>,
}

/// Its `Debug` shows the bucket with its password masked, and the option
/// names.
impl fmt::Debug for BucketKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BucketKey")
            .field("bucket", &redact(&format!("{}://{}", self.scheme, self.authority)))
            .field("options", &masked(&self.options))
            .finish()
    }
}

/// Option names with their values masked: any of them may be a credential.
fn masked(options: &BTreeMap<String, String>) -> BTreeMap<&str, &str> {
    options.keys().map(|name| (name.as_str(), MASK)).collect()
}

/// Object-store clients shared per bucket.
///
/// Every URL in the same bucket, given the same options, is served by one
/// client; each caller gets a view rooted at its URL's path. Clients are
/// created under the pool's lock, so pipelines that ask for a bucket at the
/// same moment still share one client. Options (credentials, region,
/// endpoint) are part of the key, so two configurations never share a client.
///
/// ```
/// use std::sync::Arc;
/// use topology::StoragePool;
///
/// let pool = StoragePool::new();
/// pool.store("memory://lake/orders").unwrap();
/// pool.store("memory://lake/events").unwrap();
/// pool.store("memory://other").unwrap();
/// assert_eq!(pool.len(), 2); // one client per bucket
/// ```
///
/// Its `Debug` never shows a credential: passwords and option values are
/// masked, and the clients (which hold credentials) are not shown.
///
/// ```
/// use topology::StoragePool;
///
/// let pool = StoragePool::with_environment([("AWS_SECRET_ACCESS_KEY", "hunter2")]);
/// pool.store_with_options("memory://u:hunter2@lake", [("token", "hunter2")]).unwrap();
/// let shown = format!("{pool:?}");
/// assert!(shown.contains("AWS_SECRET_ACCESS_KEY") && shown.contains("token"));
/// assert!(!shown.contains("hunter2"), "{shown}");
/// ```
pub struct StoragePool {
    buckets: Mutex<HashMap<BucketKey, Arc<dyn ObjectStore>>>,
    /// What cloud clients start from, read once when the pool is made.
    environment: CloudEnv,
}

impl fmt::Debug for StoragePool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("StoragePool")
            .field("buckets", &buckets.keys().collect::<Vec<_>>())
            .field("environment", &self.environment)
            .finish()
    }
}

impl Default for StoragePool {
    fn default() -> Self {
        Self::new()
    }
}

impl StoragePool {
    /// An empty pool. Cloud clients start from the process's `AWS_*`,
    /// `GOOGLE_*` and `AZURE_*` variables, as every cloud tool does; options
    /// given with [`store_with_options`](Self::store_with_options) win over
    /// them.
    pub fn new() -> Self {
        Self::with_environment(std::env::vars_os())
    }

    /// An empty pool whose cloud clients start from `vars` instead of the
    /// process's environment (for tests, or to pin the configuration).
    pub fn with_environment<K: Into<OsString>, V: Into<OsString>>(vars: impl IntoIterator<Item = (K, V)>) -> Self {
        Self {
            buckets: Mutex::new(HashMap::new()),
            environment: CloudEnv::from_vars(vars),
        }
    }

    /// The store for `url`, rooted at its path, sharing the bucket's client.
    pub fn store(&self, url: &str) -> Result<Arc<dyn ObjectStore>, StorageError> {
        self.store_with_options(url, std::iter::empty::<(String, String)>())
    }

    /// Like [`store`](Self::store), with backend options; clients built with
    /// different options are kept apart.
    pub fn store_with_options<I, K, V>(&self, url: &str, options: I) -> Result<Arc<dyn ObjectStore>, StorageError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let location = Location::parse(url)?;
        let key = BucketKey {
            scheme: location.url.scheme().to_owned(),
            authority: location.authority(),
            options: option_map(options),
        };
        let bucket = {
            let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
            match buckets.get(&key) {
                Some(store) => Arc::clone(store),
                None => {
                    let store = open_bucket(&location, &key.options, &self.environment)?;
                    buckets.insert(key, Arc::clone(&store));
                    metrics::gauge!(POOLED_STORES).set(buckets.len() as f64);
                    store
                }
            }
        };
        Ok(location.rooted(bucket))
    }

    /// How many clients the pool holds.
    pub fn len(&self) -> usize {
        self.buckets.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Whether the pool holds no client yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Opens a fresh client for `url`, shared with nobody.
pub(crate) fn open<I, K, V>(url: &str, options: I) -> Result<Arc<dyn ObjectStore>, StorageError>
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Into<String>,
{
    let location = Location::parse(url)?;
    let bucket = open_bucket(&location, &option_map(options), &CloudEnv::from_process())?;
    Ok(location.rooted(bucket))
}

/// Options as a sorted map: the same options in any order are one key.
fn option_map<K: Into<String>, V: Into<String>>(options: impl IntoIterator<Item = (K, V)>) -> BTreeMap<String, String> {
    options.into_iter().map(|(k, v)| (k.into(), v.into())).collect()
}

/// A parsed object-store URL: which bucket, and where inside it.
struct Location {
    url: Url,
    prefix: Path,
}

impl Location {
    fn parse(raw: &str) -> Result<Self, StorageError> {
        let url = Url::parse(raw).map_err(|source| StorageError::InvalidUrl {
            url: shown(raw),
            source,
        })?;
        // Object keys are case sensitive: the path is kept exactly as given.
        let prefix = Path::from_url_path(url.path()).map_err(|source| StorageError::Backend {
            url: shown(raw),
            source: source.into(),
        })?;
        Ok(Self { url, prefix })
    }

    /// Everything in the URL that selects the store: the user information
    /// (an Azure container, as in `abfss://container@account.dfs...`), the
    /// host (a bucket, or an account) and the port. The path only roots a
    /// view into the store.
    fn authority(&self) -> String {
        let url = &self.url;
        format!(
            "{}:{}@{}:{}",
            url.username(),
            url.password().unwrap_or_default(),
            url.host_str().unwrap_or_default(),
            url.port().map(|port| port.to_string()).unwrap_or_default()
        )
    }

    fn rooted(&self, bucket: Arc<dyn ObjectStore>) -> Arc<dyn ObjectStore> {
        if self.prefix.as_ref().is_empty() {
            bucket
        } else {
            Arc::new(PrefixStore::new(bucket, self.prefix.clone()))
        }
    }
}

fn open_bucket(
    location: &Location,
    options: &BTreeMap<String, String>,
    environment: &CloudEnv,
) -> Result<Arc<dyn ObjectStore>, StorageError> {
    let url = &location.url;
    let feature_disabled = |feature| StorageError::FeatureDisabled {
        url: shown(url.as_str()),
        feature,
    };
    match url.scheme() {
        "memory" => Ok(Arc::new(InMemory::new())),
        "file" => Ok(Arc::new(LocalFileSystem::new())),
        "s3" | "s3a" if !cfg!(feature = "aws") => Err(feature_disabled("aws")),
        "gs" if !cfg!(feature = "gcp") => Err(feature_disabled("gcp")),
        "az" | "adl" | "azure" | "abfs" | "abfss" if !cfg!(feature = "azure") => Err(feature_disabled("azure")),
        "s3" | "s3a" | "gs" | "az" | "adl" | "azure" | "abfs" | "abfss" => {
            let mut root = url.clone();
            root.set_path("/");
            // The environment first, so that explicit options win.
            let options = environment
                .options_for(url.scheme())
                .into_iter()
                .chain(options.iter().map(|(key, value)| (key.clone(), value.clone())));
            let (store, _) = object_store::parse_url_opts(&root, options).map_err(|source| StorageError::Backend {
                url: shown(url.as_str()),
                source,
            })?;
            Ok(Arc::from(store))
        }
        _ => Err(StorageError::UnsupportedScheme {
            url: shown(url.as_str()),
        }),
    }
}

/// A URL as an error shows it: with its credentials masked.
fn shown(url: &str) -> String {
    redact(url).into_owned()
}
