//! A store in front of another whose requests can be cut off or slowed,
//! as a network partition or a stalled process would: the lease protocol
//! must keep one holder per bucket through either.

use std::{
    fmt,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use futures_util::{StreamExt, stream::BoxStream};
use object_store::{
    GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore, PutMultipartOptions, PutOptions,
    PutPayload, PutResult, Result, path::Path,
};

#[derive(Debug, Default)]
struct Faults {
    down: bool,
    /// How long each request waits after the store answered: the answer
    /// comes late, though the write was made.
    late_by: Duration,
}

/// See the module's documentation.
#[derive(Clone, Debug)]
pub(crate) struct Faulty {
    inner: Arc<dyn ObjectStore>,
    faults: Option<Arc<Mutex<Faults>>>,
}

impl Faulty {
    pub(crate) fn new(inner: impl ObjectStore) -> Self {
        Self {
            inner: Arc::new(inner),
            faults: Some(Arc::default()),
        }
    }

    /// The same store, with faults of its own: another replica's view.
    pub(crate) fn sibling(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            faults: Some(Arc::default()),
        }
    }

    /// The same store, without the faults.
    pub(crate) fn bypass(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            faults: None,
        }
    }

    pub(crate) fn set_down(&self, down: bool) {
        if let Some(faults) = &self.faults {
            faults.lock().unwrap_or_else(PoisonError::into_inner).down = down;
        }
    }

    pub(crate) fn set_late_by(&self, late_by: Duration) {
        if let Some(faults) = &self.faults {
            faults.lock().unwrap_or_else(PoisonError::into_inner).late_by = late_by;
        }
    }

    fn faults(&self) -> (bool, Duration) {
        self.faults.as_ref().map_or((false, Duration::ZERO), |faults| {
            let faults = faults.lock().unwrap_or_else(PoisonError::into_inner);
            (faults.down, faults.late_by)
        })
    }

    /// Fails while down; otherwise runs `request`, and answers late.
    async fn through<T>(&self, request: impl Future<Output = Result<T>>) -> Result<T> {
        if self.faults().0 {
            return Err(unreachable_store());
        }
        let answer = request.await;
        let (down, late_by) = self.faults();
        tokio::time::sleep(late_by).await;
        if down {
            return Err(unreachable_store());
        }
        answer
    }
}

fn unreachable_store() -> object_store::Error {
    object_store::Error::Generic {
        store: "faulty",
        source: "the store is unreachable".into(),
    }
}

impl fmt::Display for Faulty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Faulty({})", self.inner)
    }
}

#[async_trait::async_trait]
impl ObjectStore for Faulty {
    async fn put_opts(&self, location: &Path, payload: PutPayload, opts: PutOptions) -> Result<PutResult> {
        self.through(self.inner.put_opts(location, payload, opts)).await
    }

    async fn put_multipart_opts(&self, location: &Path, opts: PutMultipartOptions) -> Result<Box<dyn MultipartUpload>> {
        self.through(self.inner.put_multipart_opts(location, opts)).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        self.through(self.inner.get_opts(location, options)).await
    }

    fn delete_stream(&self, locations: BoxStream<'static, Result<Path>>) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        if self.faults().0 {
            return futures_util::stream::once(async { Err(unreachable_store()) }).boxed();
        }
        self.inner.list(prefix)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.through(self.inner.list_with_delimiter(prefix)).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: object_store::CopyOptions) -> Result<()> {
        self.through(self.inner.copy_opts(from, to, options)).await
    }
}
