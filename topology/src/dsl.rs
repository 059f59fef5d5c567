//! The glue between `#[pipeline]` functions and the runtime, named by the
//! generated code through `topology::__private` only.

use std::{convert::Infallible, error::Error, fmt, sync::Arc, time::Duration};

use crate::{Key, PipelineContext, State, inject::FromContext, run_every};

/// What one pipeline of a topology is given to build its arguments from.
pub struct Deps<S> {
    /// The shared context.
    pub ctx: PipelineContext,
    /// The topology's state.
    pub state: Arc<S>,
    /// The pipeline's key.
    pub key: Key,
}

/// Types that can be a pipeline argument in some topology.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a pipeline argument",
    label = "cannot be injected",
    note = "pipeline arguments are injected by type: `PipelineContext`, `CancellationToken` (the shutdown token), `Option<Arc<Semaphore>>` (the global semaphore), `Option<StoragePoolRef>` (the storage pool), `Key` (the pipeline's own key), `State<T>` (the topology's `state`), or a type that implements `topology::FromContext`"
)]
pub trait Injectable {}

impl<T: FromContext> Injectable for T {}
impl<T> Injectable for State<T> {}

/// Types that can be a pipeline argument in a topology whose state is `S`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be injected into the pipelines of a topology whose state is `{S}`",
    label = "a pipeline of this topology takes `{Self}`",
    note = "`State<T>` is injected only when `T` is the type of the topology's `state:` value"
)]
pub trait Inject<S>: Sized {
    /// Builds the argument.
    fn inject(deps: &Deps<S>) -> Self;
}

impl<S, T: FromContext> Inject<S> for T {
    fn inject(deps: &Deps<S>) -> Self {
        T::from_context(&deps.ctx, &deps.key)
    }
}

impl<S> Inject<S> for State<S> {
    fn inject(deps: &Deps<S>) -> Self {
        State::from_arc(Arc::clone(&deps.state))
    }
}

/// Checks, at the argument's own tokens, that it can be injected.
pub const fn assert_injectable<T: Injectable>() {}

/// What a pipeline function may return.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a valid pipeline result",
    label = "pipelines return `()` or `Result<(), E>`",
    note = "a pipeline function returns `()` or `Result<(), E>` where `E: std::error::Error + Send + Sync + 'static`"
)]
pub trait PipelineResult {
    /// The error it can carry.
    type Error: Error + Send + Sync + 'static;
    /// As a `Result`.
    fn into_result(self) -> Result<(), Self::Error>;
}

impl PipelineResult for () {
    type Error = Infallible;
    fn into_result(self) -> Result<(), Infallible> {
        Ok(())
    }
}

impl<E: Error + Send + Sync + 'static> PipelineResult for Result<(), E> {
    type Error = E;
    fn into_result(self) -> Result<(), E> {
        self
    }
}

/// A `#[pipeline]` function's key and name, seen through the struct of the
/// same name the attribute generates.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a pipeline",
    label = "not a `#[pipeline]` function",
    note = "annotate the `async fn` with `#[topology::pipeline(key = \"...\")]`"
)]
pub trait PipelineInfo {
    /// The key given in `#[pipeline(key = "...")]`; empty when the attribute
    /// had errors (already reported).
    const KEY: &'static str;
    /// The function's name, for messages.
    const NAME: &'static str;
}

/// A `#[pipeline]` function, callable in a topology whose state is `S`.
pub trait PipelineFn<S>: PipelineInfo + 'static {
    /// The period of an interval pipeline.
    const INTERVAL: Option<Duration>;
    /// What the function's result can carry.
    type Error: Error + Send + Sync + 'static;
    /// Runs the function once with injected arguments.
    fn call(deps: &Deps<S>) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static;
}

/// A pipeline function's error, boxed so one dispatch type serves them all.
pub struct BoxError(Box<dyn Error + Send + Sync + 'static>);

impl fmt::Debug for BoxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for BoxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Error for BoxError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.0.source()
    }
}

/// Runs a pipeline function: once, or every interval until shutdown.
pub async fn run_pipeline_fn<F: PipelineFn<S>, S>(deps: Deps<S>) -> Result<(), BoxError> {
    let result = match F::INTERVAL {
        None => F::call(&deps).await,
        Some(period) => run_every(&deps.ctx, period, || F::call(&deps)).await,
    };
    result.map_err(|error| BoxError(Box::new(error)))
}

/// Concatenates string slices in a const context, for compile-time messages.
pub const fn concat<const N: usize>(parts: &[&str]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut at = 0;
    let mut part = 0;
    while part < parts.len() {
        let bytes = parts[part].as_bytes();
        let mut i = 0;
        while i < bytes.len() && at < N {
            out[at] = bytes[i];
            at += 1;
            i += 1;
        }
        part += 1;
    }
    out
}

/// The total length of string slices, in a const context.
pub const fn total_len(parts: &[&str]) -> usize {
    let mut len = 0;
    let mut part = 0;
    while part < parts.len() {
        len += parts[part].len();
        part += 1;
    }
    len
}

/// Byte-wise string equality, in a const context.
const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The name of the first `(key, name)` whose key is `key`, or `""`. Empty
/// keys (from attributes with errors) match nothing.
pub const fn find_key<'a>(earlier: &[(&str, &'a str)], key: &str) -> &'a str {
    let mut i = 0;
    while i < earlier.len() {
        if !key.is_empty() && str_eq(earlier[i].0, key) {
            return earlier[i].1;
        }
        i += 1;
    }
    ""
}

/// Bytes known to be UTF-8 (built by [`concat`] from string slices) as a
/// string; invalid bytes give a fixed message instead of a panic.
pub const fn as_str(bytes: &[u8]) -> &str {
    match core::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(_) => "duplicate pipeline key",
    }
}
