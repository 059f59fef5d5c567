//! The pipeline function's parameters as the generated code injects them.
//! A parameter under `#[cfg(...)]` is injected only where its predicate
//! holds: its type is named through an alias that is the type there and a
//! placeholder (`Absent`) elsewhere, and its binding and argument carry the
//! same `#[cfg]`, as the compiler keeps or drops the parameter itself.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{FnArg, Meta, Signature, Type, spanned::Spanned};

/// One injected parameter.
pub(crate) struct Param {
    /// Its type, or the alias standing for it under a `#[cfg]`.
    pub(crate) ty: Type,
    /// `#[cfg(...)]` for its binding and argument, when it has one.
    pub(crate) cfg: TokenStream,
}

/// The parameters of `sig`, and the aliases of those under `#[cfg]` (to be
/// emitted in the same block as the code that names them).
pub(crate) fn params(sig: &Signature, private: &TokenStream) -> (Vec<Param>, TokenStream) {
    let mut aliases = TokenStream::new();
    let params = sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(arg) => Some(arg),
            FnArg::Receiver(_) => None,
        })
        .enumerate()
        .map(|(i, arg)| {
            let predicates: Vec<&TokenStream> = arg
                .attrs
                .iter()
                .filter_map(|attr| match &attr.meta {
                    Meta::List(list) if list.path.is_ident("cfg") => Some(&list.tokens),
                    _ => None,
                })
                .collect();
            let ty = &*arg.ty;
            if predicates.is_empty() {
                return Param {
                    ty: ty.clone(),
                    cfg: TokenStream::new(),
                };
            }
            let predicate = quote!(all(#(#predicates),*));
            let alias = format_ident!("__TopologyParam{}", i, span = Span::mixed_site().located_at(ty.span()));
            aliases.extend(quote_spanned! {ty.span()=>
                #[cfg(#predicate)]
                type #alias = #ty;
                #[cfg(not(#predicate))]
                type #alias = #private::Absent;
            });
            Param {
                ty: syn::parse_quote!(#alias),
                cfg: quote!(#[cfg(#predicate)]),
            }
        })
        .collect();
    (params, aliases)
}
