//! The topology's `state:` value, which may be asynchronous (a future,
//! awaited once at start before anything runs) and fallible (a
//! `Result<S, E>` whose error stops the program before anything starts,
//! exit code 2, with the error's chain, as a bad setting does).
//!
//! Which it is, is picked by method resolution: `(&value).state_timing()`
//! finds [`AsyncState`] for a future and [`ReadyState`] (through one more
//! reference) for anything else; then `(&value).state_kind()` finds
//! [`FallibleState`] for a `Result` and [`PlainState`] for anything else.

use std::future::{IntoFuture, Ready, ready};

use crate::program::dsl::result::BoxError;

/// A function that builds the state `S` from the application's settings
/// `A`: what `state:` is when `topology!` has `app:`. One lifetime for the
/// settings and the result, so that an `async fn(&App)` (whose future
/// borrows the settings) is accepted as well as a plain function. Closures
/// still infer their argument's type through the supertrait.
#[diagnostic::on_unimplemented(
    message = "with `app:`, `state:` is built from the settings: a function or closure taking `&{A}`, not `{Self}`",
    label = "a value, where a function of `&{A}` is expected",
    note = "write `state: |app: &{A}| ...`, or name a function `fn(&{A}) -> S` (it may be `async`, and may return `Result<S, E>`); a state that needs no settings is `state: |_| value`"
)]
pub trait BuildState<'a, A: 'a, S>: FnOnce(&'a A) -> S {}

impl<'a, A: 'a, S, F: FnOnce(&'a A) -> S> BuildState<'a, A, S> for F {}

/// Builds the state from the application's settings with `build`.
pub fn state_from_app<'a, A, S>(app: &'a A, build: impl BuildState<'a, A, S>) -> S {
    build(app)
}

/// The state value as given: the generated code passes the value through
/// it so that errors about it are reported at `state:`.
pub const fn state_value<T>(value: T) -> T {
    value
}

/// The state was given as a future.
pub struct Later;

/// The state was given as a value.
pub struct Now;

/// Picks `Later` for a future.
pub trait AsyncState {
    /// When this state value is ready.
    fn state_timing(&self) -> Later {
        Later
    }
}

impl<F: IntoFuture> AsyncState for F {}

/// Picks `Now` for every other value.
pub trait ReadyState {
    /// When this state value is ready.
    fn state_timing(&self) -> Now {
        Now
    }
}

impl<T> ReadyState for &T {}

impl Later {
    /// The future, to await.
    pub fn resolve<F: IntoFuture>(self, value: F) -> F::IntoFuture {
        value.into_future()
    }
}

impl Now {
    /// The value, as a future that is ready.
    pub fn resolve<T>(self, value: T) -> Ready<T> {
        ready(value)
    }
}

/// An error `state:` may fail with.
#[diagnostic::on_unimplemented(
    message = "the error of `state:` must convert into `Box<dyn std::error::Error + Send + Sync>`; `{Self}` does not",
    label = "this `Result`'s error is not an `Error + Send + Sync`",
    note = "implement `std::error::Error` for it (for example with `#[derive(thiserror::Error)]`), and make it `Send + Sync`; a `Box<dyn Error>` needs `+ Send + Sync`"
)]
pub trait StateError: Into<Box<dyn std::error::Error + Send + Sync>> {}

// Not recommended: a `Box<dyn Error>` is then reported as not a
// `StateError` (whose note says `+ Send + Sync`), once, instead of as three
// errors about `dyn Error`'s `Send`, `Sync` and size.
#[diagnostic::do_not_recommend]
impl<E: Into<Box<dyn std::error::Error + Send + Sync>>> StateError for E {}

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

impl<S, E> FallibleState for Result<S, E> {}

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
    pub fn into_state<S, E: StateError>(self, value: Result<S, E>) -> Result<S, BoxError> {
        value.map_err(|error| BoxError::new(error.into()))
    }
}

impl Plain {
    /// The state.
    pub fn into_state<T>(self, value: T) -> Result<T, BoxError> {
        Ok(value)
    }
}
