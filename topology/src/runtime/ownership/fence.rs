//! What a run sees of its key's lease: the fencing token, and a write that
//! a replaced owner cannot make.
//!
//! A lease keeps two replicas from running a key at once only while both
//! keep time; a replica that stalls past its lease (a paused VM, a long
//! GC) wakes up still running. Its writes are refused by fencing: each
//! fenced object starts with the token of the last owner that wrote it, and
//! is replaced only with a conditional put on the version read, so once a
//! newer owner has written, an older one's write fails.

use std::sync::Arc;

use bytes::Bytes;
use object_store::{ObjectStore, PutMode, PutOptions, PutResult, UpdateVersion, path::Path};
use tokio::{sync::watch, time::Instant};

use crate::runtime::ownership::{
    grant::{Grant, Holdings, HoldingsReceiver, OwnerState},
    lease::{read_versioned, update_version},
};

/// The first line of a fenced object: this text, the token, a newline.
const HEADER: &str = "topology-fence ";

/// How many times a fenced update is tried when other writers of the same
/// token keep changing the object.
const ATTEMPTS: usize = 16;

/// A run's hold on its key: the bucket, the fencing token, and the
/// replica's live view of its leases.
#[derive(Clone, Debug)]
pub struct Ownership {
    bucket: u32,
    token: u64,
    holdings: HoldingsReceiver,
}

/// Why a fenced write was refused.
#[derive(Debug, thiserror::Error)]
pub enum FenceError {
    /// A newer owner wrote the object: this run's owner was replaced.
    #[error("fenced: the object was written by a newer owner (token {theirs}; this run holds token {ours})")]
    Fenced {
        /// This run's token.
        ours: u64,
        /// The token in the object.
        theirs: u64,
    },
    /// This replica no longer holds the lease this run started under.
    #[error("this replica no longer holds the lease of bucket {bucket} (token {token})")]
    NotOwner {
        /// The bucket of the run's key.
        bucket: u32,
        /// This run's token.
        token: u64,
    },
    /// Other writers with the same token kept changing the object.
    #[error("the object kept changing under {ATTEMPTS} attempts")]
    Contended,
    /// The store did not answer as it should.
    #[error(transparent)]
    Store(#[from] object_store::Error),
}

impl Ownership {
    pub(crate) fn new(bucket: u32, token: u64, holdings: HoldingsReceiver) -> Self {
        Self {
            bucket,
            token,
            holdings,
        }
    }

    /// The fencing token: larger for every new owner of the key's bucket.
    pub fn token(&self) -> u64 {
        self.token
    }

    /// The bucket of keys whose lease the run holds.
    pub fn bucket(&self) -> u32 {
        self.bucket
    }

    /// Whether this replica still holds the lease, with this run's token,
    /// and its validity has not run out.
    pub fn is_current(&self) -> bool {
        self.holdings
            .borrow()
            .grant(self.bucket)
            .is_some_and(|grant| grant.token == self.token && Instant::now() < grant.valid_until)
    }

    /// Where this replica stands with the lease the run started under:
    /// `Owned` while it is current; `Releasing` or `Released` when it is
    /// handed over; `Lost` when it ran out or a newer hold replaced it.
    ///
    /// ```
    /// use topology::{OwnerState, Ownership};
    ///
    /// assert_eq!(Ownership::detached(1).state(), OwnerState::Owned);
    /// ```
    pub fn state(&self) -> OwnerState {
        if self.is_current() {
            return OwnerState::Owned;
        }
        match self.holdings.borrow().state(self.bucket) {
            Some(state @ (OwnerState::Releasing | OwnerState::Released)) => state,
            _ => OwnerState::Lost,
        }
    }

    /// Replaces the fenced object at `path` with what `update` makes of
    /// its body (`None` when there is none yet), unless a newer owner wrote
    /// it: the write is a conditional put on the version read, so a
    /// replaced owner's write fails even when it races the new owner's.
    ///
    /// ```
    /// # topology::block_on(async {
    /// use object_store::{memory::InMemory, path::Path};
    /// use topology::{FenceError, Ownership};
    ///
    /// let store = InMemory::new();
    /// let path = Path::from("tables/orders/_commit");
    /// let (old, new) = (Ownership::detached(7), Ownership::detached(8));
    /// old.fenced_update(&store, &path, |_| b"batch 1".to_vec()).await.unwrap();
    /// new.fenced_update(&store, &path, |body| [body.unwrap_or_default(), b", batch 2"].concat()).await.unwrap();
    /// let refused = old.fenced_update(&store, &path, |_| b"stale".to_vec()).await;
    /// assert!(matches!(refused, Err(FenceError::Fenced { ours: 7, theirs: 8 })));
    /// let (token, body) = Ownership::read_fenced(&store, &path).await.unwrap().unwrap();
    /// assert_eq!((token, &body[..]), (8, &b"batch 1, batch 2"[..]));
    /// # }).unwrap();
    /// ```
    pub async fn fenced_update(
        &self,
        store: &dyn ObjectStore,
        path: &Path,
        mut update: impl FnMut(Option<&[u8]>) -> Vec<u8>,
    ) -> Result<PutResult, FenceError> {
        for _ in 0..ATTEMPTS {
            if !self.is_current() {
                return Err(FenceError::NotOwner {
                    bucket: self.bucket,
                    token: self.token,
                });
            }
            let (mode, body) = match read(store, path).await? {
                None => (PutMode::Create, update(None)),
                Some((theirs, _, _)) if theirs > self.token => {
                    return Err(FenceError::Fenced {
                        ours: self.token,
                        theirs,
                    });
                }
                Some((_, version, body)) => (PutMode::Update(version), update(Some(&body))),
            };
            let mut content = format!("{HEADER}{}\n", self.token).into_bytes();
            content.extend_from_slice(&body);
            let options = PutOptions {
                mode,
                ..PutOptions::default()
            };
            match store.put_opts(path, content.into(), options).await {
                Ok(done) => return Ok(done),
                Err(object_store::Error::AlreadyExists { .. } | object_store::Error::Precondition { .. }) => {}
                Err(error) => return Err(error.into()),
            }
        }
        Err(FenceError::Contended)
    }

    /// The token and body of the fenced object at `path`, if there is one.
    pub async fn read_fenced(store: &dyn ObjectStore, path: &Path) -> Result<Option<(u64, Bytes)>, FenceError> {
        Ok(read(store, path).await?.map(|(token, _, body)| (token, body)))
    }

    /// An ownership with `token` that is always current: for tests and
    /// examples of code that takes one, outside a coordinated topology.
    pub fn detached(token: u64) -> Self {
        let mut holdings = Holdings::default();
        holdings.granted.insert(
            0,
            Grant {
                token,
                valid_until: far_future(),
            },
        );
        let (sender, receiver) = watch::channel(Arc::new(holdings));
        // The receiver keeps the last value after the sender is gone.
        drop(sender);
        Self::new(0, token, receiver)
    }
}

/// An instant no run reaches: a century from now.
fn far_future() -> Instant {
    let now = Instant::now();
    now.checked_add(std::time::Duration::from_secs(100 * 365 * 24 * 3600))
        .unwrap_or(now)
}

/// The token, version and body of the fenced object at `path`. An object
/// without the header (written before fencing) counts as token 0.
async fn read(store: &dyn ObjectStore, path: &Path) -> Result<Option<(u64, UpdateVersion, Bytes)>, FenceError> {
    let Some((meta, bytes)) = read_versioned(store, path).await? else {
        return Ok(None);
    };
    let version = update_version(&meta);
    let parsed = bytes.strip_prefix(HEADER.as_bytes()).and_then(|rest| {
        let end = rest.iter().position(|byte| *byte == b'\n')?;
        let token = std::str::from_utf8(&rest[..end]).ok()?.parse().ok()?;
        Some((token, HEADER.len() + end + 1))
    });
    Ok(Some(match parsed {
        Some((token, start)) => (token, version, bytes.slice(start..)),
        None => (0, version, bytes),
    }))
}
