//! Procedural macros of the `topology` framework: `#[pipeline]` and
//! `topology!`. Use them through the `topology` crate, which re-exports them
//! and documents them in full.
//!
//! Each macro reads its input, checks it, and generates code in separate
//! phases; an error in any phase is reported at the offending token while the
//! user's own code is still emitted, so that nothing else breaks around it.

mod errors;
mod paths;
mod pipeline;
mod settings_help;
mod suggest;
mod topology;

#[cfg(test)]
mod generated_inputs;
#[cfg(test)]
mod no_panic;

use proc_macro::TokenStream;

/// Marks an `async fn` as a pipeline; see `topology::pipeline`.
#[proc_macro_attribute]
pub fn pipeline(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand(args.into(), item.into()).into()
}

/// The doc comments of an `app:` settings struct's fields, for `--help`;
/// see `topology::SettingsHelp`.
#[proc_macro_derive(SettingsHelp)]
pub fn settings_help(input: TokenStream) -> TokenStream {
    settings_help::expand(input.into()).into()
}

/// Declares a topology and generates its program; see `topology::topology`.
#[proc_macro]
pub fn topology(input: TokenStream) -> TokenStream {
    topology::expand(input.into()).into()
}
