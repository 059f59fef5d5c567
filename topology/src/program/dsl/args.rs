//! Pipeline arguments, recognised by their type through traits rather than
//! by how they are spelled: a user's own `State` or `Instance` type that
//! implements `FromContext` is injected as what it is, and a type written
//! through a `macro_rules!` fragment is recognised all the same.
//!
//! Two steps, so that each mistake is reported where it can be fixed:
//! [`PipelineArg`] does not depend on the topology's state and is checked at
//! the argument itself; [`Build`] ties a `State<T>` to the state's type and
//! is checked where `topology!` names that state.

use std::{marker::PhantomData, sync::Arc};

use crate::program::{
    dsl::Deps,
    inject::{FromContext, State, on_not_injectable},
    instance::{Instance, entries::Entries},
};

on_not_injectable! {
    message = "`{Self}` cannot be an argument of this pipeline",
    note = "this pipeline's entry is `{I}`; `()` means it has no `each` and takes no `Instance`";
    /// A type a pipeline with entries `I` (`()`, or `Instance<T>` for a
    /// family with `each = T`) can take as an argument.
    pub trait PipelineArg<I> {
        /// Where the argument comes from.
        type Source;
    }
}

/// The argument is the topology's state.
pub struct FromState<T>(PhantomData<T>);
/// The argument is the family entry the pipeline runs for.
pub struct FromEntry;
/// The argument is built by [`FromContext`].
pub struct ViaFromContext;
/// The argument is every entry of the family with `each = T`.
pub struct FromEntries<T>(PhantomData<T>);

impl<I, T> PipelineArg<I> for State<T> {
    type Source = FromState<T>;
}

impl<T> PipelineArg<Instance<T>> for Instance<T> {
    type Source = FromEntry;
}

impl<I, T> PipelineArg<I> for Entries<T> {
    type Source = FromEntries<T>;
}

impl<I, T: FromContext> PipelineArg<I> for T {
    type Source = ViaFromContext;
}

/// What the generated code names in place of a parameter that a `#[cfg]`
/// removes: injectable everywhere, and never built, since its binding and
/// argument are removed with it.
pub struct Absent;

impl FromContext for Absent {
    fn from_context(_ctx: &crate::runtime::context::PipelineContext, _key: &crate::program::inject::Key) -> Self {
        Self
    }
}

/// Checks, at the argument's own tokens, that a pipeline with entries `I`
/// can take an `A`.
pub const fn assert_pipeline_arg<A: PipelineArg<I>, I>() {}

/// Builds an argument `A` from its source, in a topology whose state is `S`.
#[diagnostic::on_unimplemented(
    message = "`{A}` cannot be injected into the pipelines of a topology whose state is `{S}`",
    label = "a pipeline of this topology takes `{A}`",
    note = "`State<T>` is injected only when `T` is the type of the topology's `state:` value"
)]
pub trait Build<S, I, A> {
    /// The argument.
    fn build(deps: &Deps<S>, instance: &I) -> A;
}

impl<S, I> Build<S, I, State<S>> for FromState<S> {
    fn build(deps: &Deps<S>, _instance: &I) -> State<S> {
        State::from_arc(Arc::clone(&deps.state))
    }
}

impl<S, T> Build<S, Instance<T>, Instance<T>> for FromEntry {
    fn build(_deps: &Deps<S>, instance: &Instance<T>) -> Instance<T> {
        instance.clone()
    }
}

impl<S, I, T: Send + Sync + 'static> Build<S, I, Entries<T>> for FromEntries<T> {
    fn build(deps: &Deps<S>, _instance: &I) -> Entries<T> {
        deps.families.entries::<T>()
    }
}

impl<S, I, A: FromContext> Build<S, I, A> for ViaFromContext {
    fn build(deps: &Deps<S>, _instance: &I) -> A {
        A::from_context(&deps.ctx, &deps.key)
    }
}

/// Whether `A` can be an argument of a pipeline with entries `I`, as a
/// constant: the generated code names each argument with it, so that an
/// argument that cannot be injected is reported once, at the argument (by
/// [`assert_pipeline_arg`]), and not again by every bound that names it.
///
/// The inherent constant applies when `A: PipelineArg<I>`; otherwise the
/// name falls back to [`NotInjectable`]'s, which the generated code brings
/// into scope.
pub struct Probe<A, I>(PhantomData<(A, I)>);

impl<A: PipelineArg<I>, I> Probe<A, I> {
    /// `A` can be injected.
    pub const INJECTABLE: bool = true;
}

/// The fallback of [`Probe::INJECTABLE`].
pub trait NotInjectable {
    /// `A` cannot be injected.
    const INJECTABLE: bool = false;
}

impl<A, I> NotInjectable for Probe<A, I> {}

/// An argument `A` of a pipeline with entries `I`, as the generated code
/// names it: one bound per argument, whatever its source. `INJECTABLE` is
/// [`Probe::INJECTABLE`].
pub struct Arg<A, I, const INJECTABLE: bool>(PhantomData<(A, I)>);

/// [`Build`] through the argument's own source.
pub trait Buildable<S, I, A> {
    /// The argument.
    fn build(deps: &Deps<S>, instance: &I) -> A;
}

impl<S, I, A> Buildable<S, I, A> for Arg<A, I, true>
where
    A: PipelineArg<I>,
    A::Source: Build<S, I, A>,
{
    fn build(deps: &Deps<S>, instance: &I) -> A {
        <A::Source as Build<S, I, A>>::build(deps, instance)
    }
}

/// An argument that cannot be injected satisfies the bounds that name it:
/// its one error is [`assert_pipeline_arg`]'s, and no program that holds
/// such an argument compiles, so this is never called.
impl<S, I, A> Buildable<S, I, A> for Arg<A, I, false> {
    fn build(_deps: &Deps<S>, _instance: &I) -> A {
        unreachable!("a pipeline argument that cannot be injected fails to compile")
    }
}
