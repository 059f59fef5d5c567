//! What a pipeline function returns, on its way to the runtime: the accepted
//! result and error types, checked at the user's own tokens, and the boxed
//! error one dispatch type carries for them all.

use std::{error::Error, fmt};

use crate::program::error::ProgramError;

/// What a pipeline function may return.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a valid pipeline result",
    label = "pipelines return `()` or `Result<(), E>`",
    note = "a pipeline function returns `()` or `Result<(), E>` where `E` converts into `Box<dyn std::error::Error + Send + Sync>`: an error type, a boxed error, `anyhow::Error` or `eyre::Report`"
)]
pub trait PipelineResult {
    /// As a `Result` with the error boxed.
    fn into_result(self) -> Result<(), BoxError>;
}

impl PipelineResult for () {
    fn into_result(self) -> Result<(), BoxError> {
        Ok(())
    }
}

impl<E: PipelineError> PipelineResult for Result<(), E> {
    fn into_result(self) -> Result<(), BoxError> {
        self.map_err(|error| BoxError(error.into()))
    }
}

/// Checks, at the return type's own tokens, that a pipeline may return it.
pub const fn assert_pipeline_result<T: PipelineResult>() {}

/// A pipeline function's error type: anything that converts into
/// `Box<dyn Error + Send + Sync>`, which keeps the source chain.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a pipeline's error type",
    label = "does not convert into `Box<dyn std::error::Error + Send + Sync>`",
    note = "a pipeline returns `Result<(), E>` where `E` is a `std::error::Error + Send + Sync + 'static` type, `Box<dyn std::error::Error + Send + Sync>`, `anyhow::Error` or `eyre::Report`: implement `std::error::Error` for your own type, and write a boxed error as `Box<dyn std::error::Error + Send + Sync>`"
)]
pub trait PipelineError: Into<Box<dyn Error + Send + Sync + 'static>> {}

// Not looked through in messages: a type that does not convert gets one
// error at `E`, saying what to return, rather than the conversion's bounds.
#[diagnostic::do_not_recommend]
impl<E: Into<Box<dyn Error + Send + Sync + 'static>>> PipelineError for E {}

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
            Some(value) => value.into_result(),
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

impl BoxError {
    /// Wraps a boxed error.
    pub fn new(error: Box<dyn Error + Send + Sync + 'static>) -> Self {
        Self(error)
    }

    /// The error a failed `state:` expression stops the program with.
    pub fn into_state_error(self) -> ProgramError {
        ProgramError::State { source: self.0 }
    }
}

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
