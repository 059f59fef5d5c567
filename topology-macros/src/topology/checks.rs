//! Checks only the compiler can make, placed at the user's tokens: two
//! pipelines with one key, one function listed twice.

use proc_macro2::{Span, TokenStream};
use quote::quote;

use super::model::Listed;

/// Two pipelines with one key are a compile error at the second one's name,
/// naming both; so is one function listed through two paths (`orders` and
/// `crate::orders`). Keys and definitions are only known to the compiler, so
/// the checks are const evaluation. Every pipeline is listed once, in one
/// table, and each check looks at the part of it before its own row, so the
/// generated code grows linearly with the pipelines.
pub(super) fn duplicate_key_checks(pipelines: &[Listed], p: &TokenStream) -> TokenStream {
    let rows = pipelines.iter().map(|listed| {
        let (path, display) = (listed.info_path(), &listed.display);
        respan(
            quote!((
                <#path as #p::PipelineInfo>::KEY,
                <#path as #p::PipelineInfo>::ID,
                <#path as #p::PipelineInfo>::NAME,
                #display,
            )),
            listed.name_span(),
        )
    });
    // One check per listing, spanned at it: a scan of the earlier ones,
    // and a message built only when the check fails.
    let checks = (1..pipelines.len()).map(|j| {
        respan(
            quote! {
                const _: () = {
                    let repeat = #p::repeat_of(LISTED, #j);
                    if repeat.found() {
                        ::core::panic!("{}", #p::message_text(&#p::repeat_message(LISTED, #j, repeat)));
                    }
                };
            },
            pipelines[j].name_span(),
        )
    });
    quote! {
        const _: () = {
            const LISTED: &[#p::Listing<'static>] = &[ #(#rows),* ];
            #(#checks)*
        };
    }
}

/// `tokens` placed at `span`, so that whatever the compiler says about them
/// points at one token of the user's. Only the location changes: each token
/// keeps its own hygiene, so hygienic bindings stay hygienic.
pub(super) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let proc_macro2::TokenTree::Group(group) = &token {
                let mut inner = proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(group.span().located_at(span));
                token = proc_macro2::TokenTree::Group(inner);
            } else {
                token.set_span(token.span().located_at(span));
            }
            token
        })
        .collect()
}
