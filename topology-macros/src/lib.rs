//! Procedural macros of the `topology` framework.
//!
//! Use them through the `topology` crate, which re-exports them.

use proc_macro::TokenStream;

/// Marks an `async fn` as a pipeline.
#[proc_macro_attribute]
pub fn pipeline(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}

/// Declares a topology.
#[proc_macro]
pub fn topology(_input: TokenStream) -> TokenStream {
    TokenStream::new()
}
