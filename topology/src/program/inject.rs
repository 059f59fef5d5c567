//! Pipeline arguments, injected by type.

use std::{fmt, ops::Deref, sync::Arc};

use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::runtime::{context::PipelineContext, storage::StoragePoolRef};

/// Declares a trait whose missing implementation means "this type cannot be
/// a pipeline argument", with the one list of the types that can: every
/// such compiler message names the same types.
macro_rules! on_not_injectable {
    (message = $message:literal $(, note = $note:literal)?; $item:item) => {
        #[diagnostic::on_unimplemented(
            message = $message,
            label = "cannot be injected",
            note = "pipeline arguments are injected by type: `PipelineContext`, `CancellationToken` (the shutdown token), `Option<Arc<Semaphore>>` (the global semaphore), `Option<StoragePoolRef>` (the storage pool), `Key` (the pipeline's own key), `State<T>` (the topology's `state`), `Instance<T>` (the entry of a family declared with `each = T`), `Entries<T>` (every entry of the family with `each = T`), or a type that implements `topology::FromContext`"
            $(, note = $note)?
        )]
        $item
    };
}

pub(crate) use on_not_injectable;

on_not_injectable! {
    message = "`{Self}` cannot be a pipeline argument";
    /// A type that a `#[pipeline]` function can take as an argument, built from
    /// the shared context and the pipeline's key.
    ///
    /// Implement it for your own types to have them injected:
    ///
    /// ```
    /// use topology::{FromContext, Key, PipelineContext};
    ///
    /// /// Where this pipeline writes, derived from its key.
    /// struct Sink(String);
    ///
    /// impl FromContext for Sink {
    ///     fn from_context(_ctx: &PipelineContext, key: &Key) -> Self {
    ///         Sink(format!("file:///tmp/out/{key}"))
    ///     }
    /// }
    /// # let ctx = PipelineContext::default().with_poll_jitter_secs(0);
    /// # assert_eq!(Sink::from_context(&ctx, &Key::from("orders")).0, "file:///tmp/out/orders");
    /// ```
    ///
    /// Built in: [`PipelineContext`], [`CancellationToken`] (the shutdown
    /// token), `Option<Arc<Semaphore>>` (the global semaphore),
    /// `Option<StoragePoolRef>` (the storage pool), [`Key`] (the pipeline's own
    /// key). [`State<T>`] gives the topology's shared state.
    pub trait FromContext: Sized {
        /// Builds the argument for the pipeline with `key`.
        fn from_context(ctx: &PipelineContext, key: &Key) -> Self;
    }
}

impl FromContext for PipelineContext {
    fn from_context(ctx: &PipelineContext, _key: &Key) -> Self {
        ctx.clone()
    }
}

impl FromContext for CancellationToken {
    fn from_context(ctx: &PipelineContext, _key: &Key) -> Self {
        ctx.shutdown.clone()
    }
}

impl FromContext for Option<Arc<Semaphore>> {
    fn from_context(ctx: &PipelineContext, _key: &Key) -> Self {
        ctx.global_semaphore.clone()
    }
}

impl FromContext for Option<StoragePoolRef> {
    fn from_context(ctx: &PipelineContext, _key: &Key) -> Self {
        ctx.storage_pool.clone()
    }
}

impl FromContext for Key {
    fn from_context(_ctx: &PipelineContext, key: &Key) -> Self {
        key.clone()
    }
}

/// The key of the pipeline that receives it, as a string.
///
/// ```
/// use topology::Key;
///
/// let key = Key::from("orders");
/// assert_eq!(key.as_str(), "orders");
/// assert_eq!(key.to_string(), "orders");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key(Arc<str>);

impl Key {
    /// The key as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Key {
    fn from(key: &str) -> Self {
        Self(key.into())
    }
}

impl From<String> for Key {
    fn from(key: String) -> Self {
        Self(key.into())
    }
}

impl Deref for Key {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

/// The topology's shared state (its `state:` value), as a pipeline argument.
///
/// Every pipeline of a topology shares one value, created once at start-up.
/// `State<T>` can only be injected when `T` is the type of that value; any
/// other `T` is a compile error.
///
/// ```
/// use topology::State;
///
/// struct AppState { bucket: &'static str }
///
/// let state = State::new(AppState { bucket: "memory://lake" });
/// assert_eq!(state.bucket, "memory://lake"); // derefs to the state
/// ```
pub struct State<T>(Arc<T>);

impl<T> State<T> {
    /// Wraps `value` (useful to call a pipeline function directly in a test).
    pub fn new(value: T) -> Self {
        Self(Arc::new(value))
    }

    /// The shared value itself.
    pub fn arc(&self) -> &Arc<T> {
        &self.0
    }

    pub(crate) fn from_arc(value: Arc<T>) -> Self {
        Self(value)
    }
}

impl<T> Clone for State<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T> Deref for State<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: fmt::Debug> fmt::Debug for State<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("State").field(&self.0).finish()
    }
}
