//! The compile-time check behind [`Entries<T>`](crate::Entries): a pipeline that takes
//! `Entries<T>` is listed in a topology with exactly one family whose `each`
//! type is `T`.
//!
//! `#[pipeline]` cannot see the topology, and `topology!` cannot see the
//! pipelines' argument types, so the two meet in types: each pipeline names
//! what its arguments need ([`PipelineInfo::Needs`](super::PipelineInfo::Needs),
//! one [`PipelineArg::Source`] per argument), `topology!` names what its
//! pipelines receive (a list of their `Instance` types), and a concrete
//! function in the generated code asks for [`NeedsMet`], leaving the
//! position of each family for the compiler to find.

use std::marker::PhantomData;

use crate::program::{
    dsl::args::{FromEntries, FromEntry, FromState, PipelineArg, ViaFromContext},
    instance::Instance,
};

/// The family is at the head of the list.
pub struct Here;
/// The family is further down the list, at `I` in its tail.
pub struct There<I>(PhantomData<I>);

/// A topology's list of what its pipelines receive, `(I0, (I1, ... ()))`,
/// holds `Instance<T>` at position `Idx`.
#[diagnostic::on_unimplemented(
    message = "a pipeline of this topology takes `Entries<{T}>`, but no family of this topology has `each = {T}`",
    label = "takes `Entries<{T}>`",
    note = "`Entries<T>` is every entry of the family declared with `#[pipeline(each = T)]`: list that family in this `topology!`"
)]
pub trait HasFamily<T, Idx> {}

impl<T, Tail> HasFamily<T, Here> for (Instance<T>, Tail) {}

#[diagnostic::do_not_recommend]
impl<T, Head, Tail: HasFamily<T, Idx>, Idx> HasFamily<T, There<Idx>> for (Head, Tail) {}

/// What one argument's source needs of the topology's families `F`.
pub trait SourceNeeds<F, Idx> {}

impl<F, T> SourceNeeds<F, ()> for FromState<T> {}
impl<F> SourceNeeds<F, ()> for FromEntry {}
impl<F> SourceNeeds<F, ()> for ViaFromContext {}
impl<F: HasFamily<T, Idx>, T, Idx> SourceNeeds<F, Idx> for FromEntries<T> {}

/// One argument `A` of a pipeline with entries `I`, in its `Needs` list,
/// with its [`Probe::INJECTABLE`](crate::program::dsl::args::Probe::INJECTABLE):
/// an argument that cannot be injected needs nothing, so it is reported at
/// the argument, not again where its needs are checked.
pub struct Need<A, I, const INJECTABLE: bool>(PhantomData<(A, I)>);

/// What one argument needs of the topology's families `F`.
pub trait ArgNeeds<F, Idx> {}

impl<F, Idx, A: PipelineArg<I>, I> ArgNeeds<F, Idx> for Need<A, I, true> where A::Source: SourceNeeds<F, Idx> {}
impl<F, A, I> ArgNeeds<F, ()> for Need<A, I, false> {}

/// What all arguments of a pipeline, `(N0, (N1, ... ()))`, need of `F`.
pub trait NeedsMet<F, Idx> {}

impl<F> NeedsMet<F, ()> for () {}

impl<F, Head: ArgNeeds<F, IdxHead>, Tail: NeedsMet<F, IdxTail>, IdxHead, IdxTail> NeedsMet<F, (IdxHead, IdxTail)>
    for (Head, Tail)
{
}

/// Checks, in the generated code, that the needs `N` of a pipeline are met
/// by the families `F`.
pub const fn assert_needs_met<F, N: NeedsMet<F, Idx>, Idx>() {}

/// Whether an argument's source is a family's entries: a pipeline that takes
/// `Entries<T>` restarts when a reload changes the entries.
pub trait SourceKind {
    /// `true` for [`FromEntries`].
    const ENTRIES: bool;
}

impl<T> SourceKind for FromState<T> {
    const ENTRIES: bool = false;
}
impl SourceKind for FromEntry {
    const ENTRIES: bool = false;
}
impl SourceKind for ViaFromContext {
    const ENTRIES: bool = false;
}
impl<T> SourceKind for FromEntries<T> {
    const ENTRIES: bool = true;
}

/// Whether any argument of a pipeline, `(N0, (N1, ... ()))`, is `Entries<T>`.
pub trait TakesEntries {
    /// `true` when one is.
    const ANY: bool;
}

impl TakesEntries for () {
    const ANY: bool = false;
}

impl<A: PipelineArg<I>, I, Tail: TakesEntries> TakesEntries for (Need<A, I, true>, Tail)
where
    A::Source: SourceKind,
{
    const ANY: bool = <A::Source as SourceKind>::ENTRIES || Tail::ANY;
}

impl<A, I, Tail: TakesEntries> TakesEntries for (Need<A, I, false>, Tail) {
    const ANY: bool = Tail::ANY;
}
