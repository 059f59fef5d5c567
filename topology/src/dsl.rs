//! The glue between `#[pipeline]` functions and the runtime, named by the
//! generated code through `topology::__private` only.

use std::{convert::Infallible, error::Error, fmt, sync::Arc, time::Duration};

use serde::de::DeserializeOwned;

use crate::{Instance, InstanceSource, Key, PipelineContext, State, TopologyError, run_every};

/// What one pipeline of a topology is given to build its arguments from.
pub struct Deps<S> {
    /// The shared context.
    pub ctx: PipelineContext,
    /// The topology's state.
    pub state: Arc<S>,
    /// The pipeline's key.
    pub key: Key,
}

/// `State<T>` arguments, in a topology whose state is `S`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be injected into the pipelines of a topology whose state is `{S}`",
    label = "a pipeline of this topology takes `{Self}`",
    note = "`State<T>` is injected only when `T` is the type of the topology's `state:` value"
)]
pub trait Inject<S>: Sized {
    /// Builds the argument.
    fn inject(deps: &Deps<S>) -> Self;
}

impl<S> Inject<S> for State<S> {
    fn inject(deps: &Deps<S>) -> Self {
        State::from_arc(Arc::clone(&deps.state))
    }
}

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
    /// Whether the function is a family (`each = T`).
    const FAMILY: bool;
    /// What each of its pipelines receives: `()`, or `Instance<T>` for a family.
    type Instance: Send + Sync + 'static;
    /// Its pipelines: one, or one per entry of the family, named.
    fn plan(
        sources: &[InstanceSource],
        declared: &[(&'static str, bool)],
    ) -> Result<Vec<Planned<Self::Instance>>, TopologyError>;
}

/// One pipeline to start: its instance name (for a family) and what it receives.
pub type Planned<I> = (Option<Arc<str>>, I);

/// The plan of a single pipeline.
pub fn plan_single() -> Result<Vec<Planned<()>>, TopologyError> {
    Ok(vec![(None, ())])
}

/// The plan of a family: one pipeline per entry.
pub fn plan_family<T: InstanceValue>(
    sources: &[InstanceSource],
    declared: &[(&'static str, bool)],
    family: &'static str,
) -> Result<Vec<Planned<Instance<T>>>, TopologyError> {
    let families: Vec<&'static str> = declared
        .iter()
        .filter(|(_, family)| *family)
        .map(|(key, _)| *key)
        .collect();
    let entries = crate::instance::family_entries::<T>(sources, &families, family)?;
    Ok(entries
        .into_iter()
        .map(|instance| (Some(Arc::from(instance.name())), instance))
        .collect())
}

/// The type of a family's entries.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the type of a pipeline family's entries",
    label = "entries are deserialized from the configuration",
    note = "`each = T` needs `T: serde::Deserialize + Send + Sync + 'static`: add `#[derive(serde::Deserialize)]`"
)]
pub trait InstanceValue: DeserializeOwned + Send + Sync + 'static {}

impl<T: DeserializeOwned + Send + Sync + 'static> InstanceValue for T {}

/// An `Instance<...>` argument of a family whose entries are `T`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not match this pipeline's `each = {T}`",
    label = "expected `Instance<{T}>`",
    note = "an `Instance<...>` argument takes the type given in `each = ...`"
)]
pub trait InstanceArg<T>: Sized {
    /// The argument for `instance`.
    fn from_instance(instance: &Instance<T>) -> Self;
}

impl<T> InstanceArg<T> for Instance<T> {
    fn from_instance(instance: &Instance<T>) -> Self {
        instance.clone()
    }
}

/// A `#[pipeline]` function, callable in a topology whose state is `S`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a pipeline",
    label = "listed in this topology",
    note = "annotate the `async fn` with `#[topology::pipeline(key = \"...\")]`"
)]
pub trait PipelineFn<S>: 'static {
    /// The period of an interval pipeline.
    const INTERVAL: Option<Duration>;
    /// What each pipeline receives besides its deps (see [`PipelineInfo::Instance`]).
    type Instance: Send + Sync + 'static;
    /// Runs the function once with injected arguments.
    fn call(deps: &Deps<S>, instance: &Self::Instance) -> impl Future<Output = Result<(), BoxError>> + Send + 'static;
}

/// Checks, at the return type's own tokens, that a pipeline may return it.
pub const fn assert_pipeline_result<T: PipelineResult>() {}

/// A pipeline function's error type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a pipeline's error type",
    label = "not `std::error::Error + Send + Sync + 'static`",
    note = "a pipeline returns `Result<(), E>` where `E: std::error::Error + Send + Sync + 'static`"
)]
pub trait PipelineError: Error + Send + Sync + 'static {}

impl<E: Error + Send + Sync + 'static> PipelineError for E {}

/// Checks, at the error type's own tokens, that a pipeline may fail with it.
pub const fn assert_pipeline_error<E: PipelineError>() {}

/// A pipeline function's output, on its way to a `Result`.
///
/// The conversion is picked by method resolution: [`ViaPipelineResult`] for
/// valid results, [`ViaInvalidResult`] otherwise. An invalid result type is
/// reported once, at its own tokens, by [`assert_pipeline_result`]; the
/// fallback only keeps the generated code from repeating that error.
pub struct Output<T>(core::cell::Cell<Option<T>>);

impl<T> Output<T> {
    /// Wraps a pipeline function's output.
    pub fn new(value: T) -> Self {
        Self(core::cell::Cell::new(Some(value)))
    }
}

/// Converts a valid pipeline result.
pub trait ViaPipelineResult {
    /// The output as a `Result` with a boxed error.
    fn take_pipeline_result(&self) -> Result<(), BoxError>;
}

impl<T: PipelineResult> ViaPipelineResult for Output<T> {
    fn take_pipeline_result(&self) -> Result<(), BoxError> {
        match self.0.take() {
            Some(value) => value.into_result().map_err(|error| BoxError(Box::new(error))),
            None => Ok(()),
        }
    }
}

/// Stands in for an invalid pipeline result, which never compiles.
pub trait ViaInvalidResult {
    /// Never called: the crate does not compile with an invalid result.
    fn take_pipeline_result(&self) -> Result<(), BoxError>;
}

impl<T> ViaInvalidResult for &Output<T> {
    fn take_pipeline_result(&self) -> Result<(), BoxError> {
        Ok(())
    }
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
pub trait RunPipelineFn<S>: PipelineFn<S> {
    /// Runs it with `deps`.
    fn run_pipeline_fn(deps: Deps<S>, instance: Self::Instance) -> impl Future<Output = Result<(), BoxError>> + Send;
}

impl<S: Send + Sync + 'static, F: PipelineFn<S>> RunPipelineFn<S> for F {
    async fn run_pipeline_fn(deps: Deps<S>, instance: Self::Instance) -> Result<(), BoxError> {
        match F::INTERVAL {
            None => F::call(&deps, &instance).await,
            Some(period) => run_every(&deps.ctx, period, || F::call(&deps, &instance)).await,
        }
    }
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
