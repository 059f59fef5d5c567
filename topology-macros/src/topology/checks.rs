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
            quote!((<#path as #p::PipelineInfo>::KEY, <#path as #p::PipelineInfo>::ID, #display)),
            listed.name_span(),
        )
    });
    let checks = (1..pipelines.len()).map(|j| {
        let this = &pipelines[j];
        let path = this.info_path();
        let display = &this.display;
        respan(
            quote! {
                const _: () = {
                    const EARLIER: &[(&str, &str, &str)] = LISTED.split_at(#j).0;
                    const KEY: &str = <#path as #p::PipelineInfo>::KEY;
                    const ID: &str = <#path as #p::PipelineInfo>::ID;
                    const NAME: &str = <#path as #p::PipelineInfo>::NAME;
                    const SAME: &str = #p::find_same_function(EARLIER, ID);
                    const SAME_PARTS: &[&str] = &[
                        "the pipeline function `", NAME, "` is listed twice, as `", SAME, "` and `", #display,
                        "`; list it once",
                    ];
                    const SAME_LEN: usize = #p::total_len(SAME_PARTS);
                    const SAME_MESSAGE: [u8; SAME_LEN] = #p::concat::<SAME_LEN>(SAME_PARTS);
                    if !SAME.is_empty() {
                        ::core::panic!("{}", #p::as_str(&SAME_MESSAGE));
                    }
                    const OTHER: &str = #p::find_key(EARLIER, KEY, ID);
                    const PARTS: &[&str] = &[
                        "duplicate pipeline key \"", KEY, "\": `", OTHER, "` and `", #display,
                        "` both use it; give one of them another key",
                    ];
                    const LEN: usize = #p::total_len(PARTS);
                    const MESSAGE: [u8; LEN] = #p::concat::<LEN>(PARTS);
                    if !OTHER.is_empty() {
                        ::core::panic!("{}", #p::as_str(&MESSAGE));
                    }
                };
            },
            this.name_span(),
        )
    });
    quote! {
        const _: () = {
            const LISTED: &[(&str, &str, &str)] = &[ #(#rows),* ];
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
