//! The topology's `state:` value, which may be fallible: a `Result<S, E>`
//! whose error stops the program before anything starts (exit code 2, with
//! the error's chain), as a bad setting does.
//!
//! Which it is, is picked by method resolution on `(&value).state_kind()`:
//! [`FallibleState`] for a `Result` whose error converts into a boxed error,
//! [`PlainState`] (through one more reference) for anything else.

use crate::program::dsl::result::{BoxError, PipelineError};

/// Builds the state from the application's settings: `state:` is a
/// function of them when `topology!` has `app:`.
pub fn state_from_app<A, S>(build: impl FnOnce(&A) -> S, app: &A) -> S {
    build(app)
}

/// The state was given as a `Result`.
pub struct Fallible;

/// The state was given as a value.
pub struct Plain;

/// Picks `Fallible` for `Result<S, E>`.
pub trait FallibleState {
    /// The kind of this state value.
    fn state_kind(&self) -> Fallible {
        Fallible
    }
}

impl<S, E: PipelineError> FallibleState for Result<S, E> {}

/// Picks `Plain` for every other value.
pub trait PlainState {
    /// The kind of this state value.
    fn state_kind(&self) -> Plain {
        Plain
    }
}

impl<T> PlainState for &T {}

impl Fallible {
    /// The state, or the error that stops the program.
    pub fn into_state<S, E: PipelineError>(self, value: Result<S, E>) -> Result<S, BoxError> {
        value.map_err(|error| BoxError::new(error.into()))
    }
}

impl Plain {
    /// The state.
    pub fn into_state<T>(self, value: T) -> Result<T, BoxError> {
        Ok(value)
    }
}
