//! The compile-time half of "the `app` settings are a struct with named
//! fields": the types of the standard library that cannot be (numbers,
//! text, collections, tuples, options) are refused where `topology!` names
//! them. Any other type is checked at start, by the fields it reads.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque},
    marker::PhantomData,
};

/// A type that is never a struct with named fields.
pub trait NotAStruct {}

macro_rules! not_a_struct {
    ($($ty:ty),* $(,)?) => { $(impl NotAStruct for $ty {})* };
}

not_a_struct!(
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    String,
    ()
);
impl<T> NotAStruct for Vec<T> {}
impl<T> NotAStruct for VecDeque<T> {}
impl<T> NotAStruct for Option<T> {}
impl<T, const N: usize> NotAStruct for [T; N] {}
impl<K, V, S> NotAStruct for HashMap<K, V, S> {}
impl<K, V> NotAStruct for BTreeMap<K, V> {}
impl<T, S> NotAStruct for HashSet<T, S> {}
impl<T> NotAStruct for BTreeSet<T> {}
impl<A> NotAStruct for (A,) {}
impl<A, B> NotAStruct for (A, B) {}
impl<A, B, C> NotAStruct for (A, B, C) {}
impl<A, B, C, D> NotAStruct for (A, B, C, D) {}

/// Whether `T` is one of the `NotAStruct` types, as a constant: the
/// inherent constant applies to them, `MaybeAStruct`'s to every other
/// type.
pub struct ShapeProbe<T>(PhantomData<T>);

impl<T: NotAStruct> ShapeProbe<T> {
    /// `T` is not a struct.
    pub const NOT_A_STRUCT: bool = true;
}

/// The fallback of [`ShapeProbe::NOT_A_STRUCT`].
pub trait MaybeAStruct {
    /// `T` may be a struct: checked at start.
    const NOT_A_STRUCT: bool = false;
}

impl<T> MaybeAStruct for ShapeProbe<T> {}

/// The answer of [`ShapeProbe`] for `T`.
pub struct Shape<const NOT_A_STRUCT: bool>;

/// `T` may be the `app` settings as far as its shape goes.
#[diagnostic::on_unimplemented(
    message = "`{T}` cannot be the `app` settings of a topology: they must be a struct with named fields",
    label = "not a struct",
    note = "each field is one setting (`app.<field>` in the file, `TOPOLOGY_APP_<FIELD>`, `--app-<field>`): declare a struct, for example `struct App {{ lake_url: String }}`, with `#[derive(Default, serde::Serialize, serde::Deserialize)]`"
)]
pub trait StructShape<T> {}

impl<T> StructShape<T> for Shape<false> {}

/// Checks, where `topology!` names `app: T`, that `T` is not a known
/// non-struct type.
pub const fn assert_app_shape<T, const NOT_A_STRUCT: bool>()
where
    Shape<NOT_A_STRUCT>: StructShape<T>,
{
}
