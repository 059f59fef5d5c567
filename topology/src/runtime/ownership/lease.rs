//! One lease object in the store: who holds a bucket of keys, with which
//! fencing token, since when. Written only with conditional puts: created
//! if absent, replaced only if its version is still the one read.

use std::{collections::BTreeMap, sync::Arc};

use bytes::Bytes;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt, PutMode, PutOptions, UpdateVersion, path::Path};
use serde::{Deserialize, Serialize};

/// What a lease object holds, as JSON, so that an operator reading the
/// store sees who owns what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseRecord {
    /// The holder: the pod's name (or host name) and process id.
    pub owner: String,
    /// The holder's shard, `index/count`.
    pub shard: String,
    /// The fencing token: one more with every new holder, never less.
    pub token: u64,
    /// How long the lease lasts without a renewal, in milliseconds.
    pub duration_ms: u64,
    /// When the holder acquired it, by its clock (Unix milliseconds).
    pub acquired_unix_ms: u64,
    /// When the holder last renewed it, by its clock (Unix milliseconds).
    pub renewed_unix_ms: u64,
    /// Set by a holder that stopped its pipelines and let go: another
    /// replica may take it at once.
    pub released: bool,
}

/// A lease as read, with the version a replacement must match.
#[derive(Clone, Debug)]
pub(crate) struct Observed {
    pub(crate) record: LeaseRecord,
    pub(crate) version: UpdateVersion,
    /// The version as [`version_forms`] writes it.
    pub(crate) forms: [String; 2],
}

/// Every lease in the coordination `store`, by bucket (those of buckets
/// from 0 to `buckets`): who holds what, as an operator reads it.
///
/// ```
/// # topology::block_on(async {
/// use std::sync::Arc;
/// use object_store::memory::InMemory;
/// use topology::{Coordinator, OwnershipSettings, Shard, read_leases};
///
/// let store = Arc::new(InMemory::new());
/// let settings = OwnershipSettings { buckets: 4, ..OwnershipSettings::default() };
/// let coordinator = Coordinator::start(store.clone(), settings, Shard::ALL, "pod-0/7".into(), Arc::new(|_| true));
/// coordinator.holdings().wait_for(|held| held.granted.len() == 4).await.unwrap();
/// let leases = read_leases(store, 4).await.unwrap();
/// assert_eq!(leases[&2].owner, "pod-0/7");
/// assert_eq!(leases[&2].token, 1);
/// # coordinator.stop().await;
/// # }).unwrap();
/// ```
pub async fn read_leases(
    store: Arc<dyn ObjectStore>,
    buckets: u32,
) -> Result<BTreeMap<u32, LeaseRecord>, Box<dyn std::error::Error + Send + Sync>> {
    let leases = LeaseStore::new(store);
    let read = futures_util::future::join_all((0..buckets).map(|bucket| leases.read(bucket))).await;
    let mut found = BTreeMap::new();
    for (bucket, lease) in (0..buckets).zip(read) {
        if let Some(observed) = lease? {
            found.insert(bucket, observed.record);
        }
    }
    Ok(found)
}

/// Why a conditional write did not happen.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WriteError {
    /// Another replica wrote first: the object exists, or changed since it
    /// was read.
    #[error("another replica wrote the lease first")]
    Conflict,
    /// The store did not answer as it should.
    #[error(transparent)]
    Store(#[from] object_store::Error),
    /// The object holds something that is not a lease.
    #[error("the lease object is not a lease: {0}")]
    Garbled(#[from] serde_json::Error),
}

/// The lease objects of one coordination store.
#[derive(Clone, Debug)]
pub(crate) struct LeaseStore {
    store: Arc<dyn ObjectStore>,
}

/// Where the lease objects live under the coordination URL.
pub(crate) const LEASES: &str = "leases";
/// Where each replica's heartbeat lives under the coordination URL.
pub(crate) const REPLICAS: &str = "replicas";

impl LeaseStore {
    pub(crate) fn new(store: Arc<dyn ObjectStore>) -> Self {
        Self { store }
    }

    pub(crate) fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// The path of a bucket's lease.
    pub(crate) fn path(bucket: u32) -> Path {
        Path::from(format!("{LEASES}/bucket-{bucket:05}.json"))
    }

    /// The bucket a lease path names, if it names one.
    pub(crate) fn bucket_of(path: &Path) -> Option<u32> {
        let name = path.filename()?;
        name.strip_prefix("bucket-")?.strip_suffix(".json")?.parse().ok()
    }

    /// The lease of `bucket`, if it was ever created.
    pub(crate) async fn read(&self, bucket: u32) -> Result<Option<Observed>, WriteError> {
        let Some((meta, bytes)) = read_versioned(self.store.as_ref(), &Self::path(bucket)).await? else {
            return Ok(None);
        };
        Ok(Some(Observed {
            record: serde_json::from_slice(&bytes)?,
            version: update_version(&meta),
            forms: version_forms(&meta),
        }))
    }

    /// Creates the lease of `bucket`, if no replica ever did.
    pub(crate) async fn create(&self, bucket: u32, record: &LeaseRecord) -> Result<UpdateVersion, WriteError> {
        self.put(bucket, record, PutMode::Create).await
    }

    /// Replaces the lease of `bucket`, if it is still at `version`.
    pub(crate) async fn update(
        &self,
        bucket: u32,
        record: &LeaseRecord,
        version: &UpdateVersion,
    ) -> Result<UpdateVersion, WriteError> {
        self.put(bucket, record, PutMode::Update(version.clone())).await
    }

    async fn put(&self, bucket: u32, record: &LeaseRecord, mode: PutMode) -> Result<UpdateVersion, WriteError> {
        let body = serde_json::to_vec_pretty(record)?;
        let options = PutOptions {
            mode,
            ..PutOptions::default()
        };
        match self.store.put_opts(&Self::path(bucket), body.into(), options).await {
            Ok(done) => Ok(UpdateVersion::from(done)),
            Err(object_store::Error::AlreadyExists { .. } | object_store::Error::Precondition { .. }) => {
                Err(WriteError::Conflict)
            }
            Err(error) => Err(error.into()),
        }
    }
}

/// The object at `path` with what a conditional put on it must match, if
/// there is one: what the leases and the fenced objects are read with.
pub(crate) async fn read_versioned(
    store: &dyn ObjectStore,
    path: &Path,
) -> Result<Option<(ObjectMeta, Bytes)>, object_store::Error> {
    let found = match store.get(path).await {
        Ok(found) => found,
        Err(object_store::Error::NotFound { .. }) => return Ok(None),
        Err(error) => return Err(error),
    };
    let meta = found.meta.clone();
    Ok(Some((meta, found.bytes().await?)))
}

/// The version a conditional put on the object `meta` describes must match.
pub(crate) fn update_version(meta: &ObjectMeta) -> UpdateVersion {
    UpdateVersion {
        e_tag: meta.e_tag.clone(),
        version: meta.version.clone(),
    }
}

/// A version as one comparable text, from what both a listing and a read
/// give: the e-tag (without the quotes some servers add), or, where the
/// listing has none (s3s-fs lists none), the modification time in whole
/// seconds (all a read's `Last-Modified` header carries) and the size.
/// The coarser form only delays what is judged from the listing; every
/// write is still conditional on the version the read returned.
pub(crate) fn version_text(meta: &ObjectMeta) -> String {
    match &meta.e_tag {
        Some(e_tag) => format!("e:{}", e_tag.trim_start_matches("W/").trim_matches('"')),
        None => format!("m:{}:{}", meta.last_modified.timestamp(), meta.size),
    }
}

/// The same object's version in both forms: a read compares with a listing
/// in whichever form the listing used.
pub(crate) fn version_forms(meta: &ObjectMeta) -> [String; 2] {
    let without_e_tag = ObjectMeta {
        e_tag: None,
        ..meta.clone()
    };
    [version_text(meta), version_text(&without_e_tag)]
}
