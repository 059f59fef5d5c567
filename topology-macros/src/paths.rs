//! The path through which generated code reaches the runtime.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::Path;

/// `::topology::__private`, or `<crate>::__private` for a re-exporting crate.
pub(crate) fn private(krate: Option<&Path>) -> TokenStream {
    match krate {
        Some(path) => quote!(#path::__private),
        None => {
            let root = syn::Ident::new("topology", Span::call_site());
            quote!(::#root::__private)
        }
    }
}
