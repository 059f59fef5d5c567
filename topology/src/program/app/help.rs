//! The doc comments of the application's settings, for `--help`: given by
//! `#[derive(SettingsHelp)]` on the struct, and empty without it, so that a
//! struct without the derive still works.

use std::marker::PhantomData;

/// Each field's doc comment, by the name serde reads it by. Implemented by
/// `#[derive(topology::SettingsHelp)]`.
pub trait FieldHelp {
    /// `(field, doc comment)`, in the struct's order.
    const FIELD_HELP: &'static [(&'static str, &'static str)];
}

/// The help of `T`'s fields, if it has any: the generated code calls
/// `(&&HelpOf::<T>::NEW).field_help()`, which finds [`ViaFieldHelp`] when
/// `T: FieldHelp` and falls back to [`ViaNoHelp`].
pub struct HelpOf<T>(PhantomData<T>);

impl<T> HelpOf<T> {
    /// The probe for `T`.
    pub const NEW: Self = Self(PhantomData);
}

/// The help of a type with `#[derive(SettingsHelp)]`.
pub trait ViaFieldHelp {
    /// Each field's doc comment.
    fn field_help(&self) -> &'static [(&'static str, &'static str)];
}

impl<T: FieldHelp> ViaFieldHelp for &HelpOf<T> {
    fn field_help(&self) -> &'static [(&'static str, &'static str)] {
        T::FIELD_HELP
    }
}

/// No help: the type does not derive it.
pub trait ViaNoHelp {
    /// Nothing.
    fn field_help(&self) -> &'static [(&'static str, &'static str)];
}

impl<T> ViaNoHelp for HelpOf<T> {
    fn field_help(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }
}
