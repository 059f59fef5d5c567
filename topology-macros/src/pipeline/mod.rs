//! `#[pipeline(key = "...")]`: parse → validate → expand.

mod attr;
mod expand;
mod item;
mod params;
mod restart;
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
                Some(token) => syn::Error::new(token.span(), "`#[pipeline]` can only be applied to an `async fn`"),
                None => error,
            };
            let error = error.to_compile_error();
            return quote!(#input #error);
        }
    };
    let args = attr::PipelineArgs::parse(args, &mut errors);
    valid::check_signature(&item.sig, &mut errors);
    let mut item = item;
    // A second `#[pipeline]` is reported here and dropped, so that it does
    // not expand again.
    item.attrs.retain(|attr| {
        let repeated = is_pipeline_attribute(attr);
        if repeated {
            errors.error(attr, "`#[pipeline]` is applied more than once; remove this one");
        }
        !repeated
    });
    let original = reassemble(&item);
    let private = crate::paths::private(args.krate.as_ref());
    let name = &item.sig.ident;
    let generated = if errors.is_empty() {
        expand::expand(&args, &item, original, &private)
    } else if item.sig.receiver().is_some() {
        // A method sits in an `impl` block, where no struct can.
        original
    } else {
        let none = quote!(#private::None);
        let info = expand::info_impl(name, "", None, (&none, &none, &quote::quote!(())), &private);
        let placeholder = expand::placeholder_impl(name, &private);
        expand::assemble(&item.vis, name, &original, &quote!(#info #placeholder))
    };
    let errors = errors.to_compile_errors();
    quote!(#generated #errors)
}

fn reassemble(item: &item::ItemFn) -> TokenStream {
    let item::ItemFn { attrs, vis, sig, body } = item;
    quote!(#(#attrs)* #vis #sig #body)
}

/// `#[pipeline]`, `#[topology::pipeline]` or `#[::topology::pipeline]`.
fn is_pipeline_attribute(attr: &syn::Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "pipeline")
}
