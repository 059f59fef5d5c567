//! What `#[pipeline]` generates next to the function it keeps.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{FnArg, ReturnType, Type, spanned::Spanned};

use super::{attr::PipelineArgs, item::ItemFn};
use crate::paths;

/// The function as written, a hidden struct of the same name, and the
/// struct's `PipelineFn` impl, which injects the arguments and calls it.
///
/// The key is empty when the attribute's arguments were invalid: the struct
/// still exists, so code that names the pipeline keeps compiling and only the
/// attribute's own error is shown.
pub(crate) fn expand(args: &PipelineArgs, item: &ItemFn, original: TokenStream) -> TokenStream {
    let private = paths::private(args.krate.as_ref());
    let vis = &item.vis;
    let name = &item.sig.ident;
    let key = args
        .key
        .as_ref()
        .map(syn::LitStr::value)
        .unwrap_or_default();
    let interval = match args.interval_millis {
        Some(millis) => quote!(#private::Some(#private::Duration::from_millis(#millis))),
        None => quote!(#private::None),
    };
    let state = syn::Ident::new("__TopologyState", Span::mixed_site());
    let deps = syn::Ident::new("__deps", Span::mixed_site());

    let types: Vec<&Type> = item
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(arg) => Some(&*arg.ty),
            FnArg::Receiver(_) => None,
        })
        .collect();
    let values: Vec<_> = (0..types.len())
        .map(|i| format_ident!("__arg{}", i, span = Span::mixed_site()))
        .collect();
    // Each argument is checked at its own tokens, so an argument that cannot
    // be injected is reported there.
    let checks = types.iter().map(|ty| {
        quote_spanned! {ty.span()=> #private::assert_injectable::<#ty>(); }
    });
    let injections = types.iter().zip(&values).map(|(ty, value)| {
        quote_spanned! {ty.span()=> let #value = <#ty as #private::Inject<#state>>::inject(#deps); }
    });
    let bounds = types
        .iter()
        .map(|ty| quote_spanned! {ty.span()=> #ty: #private::Inject<#state> });
    let output = match &item.sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => quote!(#ty),
    };
    let output_span = match &item.sig.output {
        ReturnType::Default => name.span(),
        ReturnType::Type(_, ty) => ty.span(),
    };
    let error = quote_spanned! {output_span=> <#output as #private::PipelineResult>::Error };
    let call = quote_spanned! {name.span()=>
        fn call(#deps: &#private::Deps<#state>)
            -> impl #private::Future<Output = #private::Result<(), Self::Error>> + ::core::marker::Send + 'static
    };

    quote! {
        #original

        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code, clippy::all, clippy::pedantic)]
        #vis struct #name {}

        const _: () = { #(#checks)* };

        #[automatically_derived]
        #[allow(clippy::all, clippy::pedantic)]
        impl #private::PipelineInfo for #name {
            const KEY: &'static str = #key;
            const NAME: &'static str = ::core::stringify!(#name);
        }

        #[automatically_derived]
        #[allow(clippy::all, clippy::pedantic)]
        impl<#state: ::core::marker::Send + ::core::marker::Sync + 'static> #private::PipelineFn<#state> for #name
        where
            #(#bounds,)*
        {
            const INTERVAL: #private::Option<#private::Duration> = #interval;
            type Error = #error;

            #call {
                #(#injections)*
                async move { #private::PipelineResult::into_result(#name(#(#values),*).await) }
            }
        }
    }
}
