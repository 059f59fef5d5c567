//! The paths and names through which generated code reaches the runtime and
//! the items `#[pipeline]` adds.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Ident, Path, ext::IdentExt};

/// `::topology::__private`, or `<crate>::__private` for a re-exporting crate.
pub(crate) fn private(krate: Option<&Path>) -> TokenStream {
    match krate {
        Some(path) => quote!(#path::__private),
        None => {
            let root = Ident::new("topology", Span::call_site());
            quote!(::#root::__private)
        }
    }
}

/// The hidden struct `#[pipeline]` adds beside the function `name`.
///
/// A reserved prefix rather than the function's own name, so that it takes
/// nothing a user could have (a module or crate named like the pipeline).
/// The span is the macro's own, so that lints about the generated item are
/// not reported against the user's code, and no `allow` is needed (which a
/// crate's `forbid` would reject).
pub(crate) fn hidden_struct(name: &Ident) -> Ident {
    Ident::new(&format!("__topology_pipeline_{}", name.unraw()), Span::call_site())
}
