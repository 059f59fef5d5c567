//! `#[pipeline(key = "...")]`: parse → validate → expand.

mod attr;
mod expand;
mod item;
mod valid;

use proc_macro2::TokenStream;
use quote::quote;

use crate::errors::Errors;

/// Expands the attribute. Never fails: on any error the function is still
/// emitted as written, with the errors beside it, so the IDE and the rest of
/// the crate keep working on it.
pub(crate) fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let item: item::ItemFn = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(error) => {
            let error = match item::not_a_function(&input) {
                Some(token) => syn::Error::new(
                    token.span(),
                    "`#[pipeline]` can only be applied to an `async fn`",
                ),
                None => error,
            };
            let error = error.to_compile_error();
            return quote!(#input #error);
        }
    };
    let args = attr::PipelineArgs::parse(args, &mut errors);
    valid::check_signature(&item.sig, &mut errors);
    if let Some(second) = item.attrs.iter().find(|attr| is_pipeline_attribute(attr)) {
        errors.error(
            second,
            "`#[pipeline]` is applied more than once; remove this one",
        );
    }
    let original = reassemble(&item);
    let generated = if errors.is_empty() {
        expand::expand(&args, &item, original)
    } else {
        // Keep the function and a struct of its name, so that code naming the
        // pipeline reports nothing beyond these errors.
        let name = &item.sig.ident;
        let vis = &item.vis;
        let private = crate::paths::private(args.krate.as_ref());
        quote! {
            #original
            #[doc(hidden)]
            #[allow(non_camel_case_types, dead_code)]
            #vis struct #name {}
            impl #private::PipelineInfo for #name {
                const KEY: &'static str = "";
                const NAME: &'static str = ::core::stringify!(#name);
            }
        }
    };
    let errors = errors.to_compile_errors();
    quote!(#generated #errors)
}

fn reassemble(item: &item::ItemFn) -> TokenStream {
    let item::ItemFn {
        attrs,
        vis,
        sig,
        body,
    } = item;
    quote!(#(#attrs)* #vis #sig #body)
}

/// `#[pipeline]`, `#[topology::pipeline]` or `#[::topology::pipeline]`.
fn is_pipeline_attribute(attr: &syn::Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "pipeline")
}
