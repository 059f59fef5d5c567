//! What `#[pipeline]` generates next to the function it keeps.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{FnArg, GenericArgument, Ident, PathArguments, ReturnType, Type, spanned::Spanned};

use super::{attr::PipelineArgs, item::ItemFn};

/// The function as written, a hidden struct of the same name, and the
/// struct's impls, which inject the arguments and call the function.
pub(crate) fn expand(args: &PipelineArgs, item: &ItemFn, original: TokenStream, private: &TokenStream) -> TokenStream {
    let name = &item.sig.ident;
    let key = args.key.as_ref().map(syn::LitStr::value).unwrap_or_default();
    let interval = match args.interval_millis {
        Some(millis) => quote!(#private::Some(#private::Duration::from_millis(#millis))),
        None => quote!(#private::None),
    };
    let state = Ident::new("__TopologyState", Span::mixed_site());
    let deps = Ident::new("__deps", Span::mixed_site());
    let instance = Ident::new("__instance", Span::mixed_site());
    let each = args.each.as_ref();

    let types: Vec<&Type> = item
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(arg) => Some(&*arg.ty),
            FnArg::Receiver(_) => None,
        })
        .collect();
    let values: Vec<Ident> = (0..types.len())
        .map(|i| format_ident!("__arg{}", i, span = Span::mixed_site()))
        .collect();
    // `State<T>` depends on the topology's state, so it is checked where the
    // topology names it; every other argument is checked here, at its own
    // tokens.
    let injections = types.iter().zip(&values).map(|(ty, value)| {
        if is_state(ty) {
            quote_spanned! {ty.span()=> let #value = <#ty as #private::Inject<#state>>::inject(#deps); }
        } else if let (true, Some(each)) = (is_named(ty, "Instance"), each) {
            quote_spanned! {ty.span()=> let #value = <#ty as #private::InstanceArg<#each>>::from_instance(#instance); }
        } else {
            quote_spanned! {ty.span()=>
                let #value = <#ty as #private::FromContext>::from_context(&#deps.ctx, &#deps.key);
            }
        }
    });
    let bounds = types
        .iter()
        .filter(|ty| is_state(ty))
        .map(|ty| quote_spanned! {ty.span()=> #ty: #private::Inject<#state> });
    let result_check = result_check(&item.sig.output, private);
    let call = quote_spanned! {name.span()=>
        fn call(#deps: &#private::Deps<#state>, #instance: &Self::Instance)
            -> impl #private::Future<Output = #private::Result<(), #private::BoxError>> + ::core::marker::Send + 'static
    };
    let info = info_impl(&item.vis, name, &key, each, private);
    let instance_type = instance_type(each, private);

    quote! {
        #original

        #info

        #result_check


        #[automatically_derived]
        #[allow(clippy::all, clippy::pedantic)]
        impl<#state: ::core::marker::Send + ::core::marker::Sync + 'static> #private::PipelineFn<#state> for #name
        where
            #(#bounds,)*
        {
            const INTERVAL: #private::Option<#private::Duration> = #interval;
            type Instance = #instance_type;

            #call {
                #(#injections)*
                async move {
                    #[allow(unused_imports)]
                    use #private::{ViaInvalidResult as _, ViaPipelineResult as _};
                    let output = #private::Output::new(#name(#(#values),*).await);
                    (&output).take_pipeline_result()
                }
            }
        }
    }
}

/// What each pipeline of the function receives: `()`, or `Instance<T>`.
fn instance_type(each: Option<&Type>, private: &TokenStream) -> TokenStream {
    match each {
        Some(each) => quote!(#private::Instance<#each>),
        None => quote!(()),
    }
}

/// The hidden struct named after the function, with its key. Emitted on
/// errors too (with an empty key, which no duplicate check matches), so that
/// code naming the pipeline reports nothing beyond the attribute's errors.
pub(crate) fn info_impl(
    vis: &syn::Visibility,
    name: &Ident,
    key: &str,
    each: Option<&Type>,
    private: &TokenStream,
) -> TokenStream {
    let instance_type = instance_type(each, private);
    let (family, plan) = match each {
        Some(each) => (
            quote!(true),
            quote!(#private::plan_family::<#each>(sources, declared, #key)),
        ),
        None => (
            quote!(false),
            quote!({ let _ = (sources, declared); #private::plan_single() }),
        ),
    };
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code, clippy::all, clippy::pedantic)]
        #vis struct #name {}

        #[automatically_derived]
        #[allow(clippy::all, clippy::pedantic)]
        impl #private::PipelineInfo for #name {
            const KEY: &'static str = #key;
            const NAME: &'static str = ::core::stringify!(#name);
            const FAMILY: bool = #family;
            type Instance = #instance_type;

            fn plan(
                sources: &[#private::InstanceSource],
                declared: &[(&'static str, bool)],
            ) -> #private::Result<#private::Vec<#private::Planned<Self::Instance>>, #private::TopologyError> {
                #plan
            }
        }
    }
}

/// The stand-in impl for a function whose attribute had errors: it runs
/// nothing, and keeps `topology!` from piling errors on top.
pub(crate) fn placeholder_impl(name: &Ident, private: &TokenStream) -> TokenStream {
    quote! {
        #[automatically_derived]
        #[allow(clippy::all, clippy::pedantic)]
        impl<S: ::core::marker::Send + ::core::marker::Sync + 'static> #private::PipelineFn<S> for #name {
            const INTERVAL: #private::Option<#private::Duration> = #private::None;
            type Instance = ();
            fn call(_: &#private::Deps<S>, _: &())
                -> impl #private::Future<Output = #private::Result<(), #private::BoxError>> + ::core::marker::Send + 'static
            {
                async { #private::Ok(()) }
            }
        }
    }
}

/// `State<...>` as written (the argument that depends on the topology).
fn is_state(ty: &Type) -> bool {
    is_named(ty, "State")
}

/// A path type whose last segment is `name`, as written.
pub(crate) fn is_named(ty: &Type, name: &str) -> bool {
    matches!(ty, Type::Path(path) if path.qself.is_none()
        && path.path.segments.last().is_some_and(|segment| segment.ident == name))
}

/// Checks the return type at its own tokens: the error type of a written
/// `Result<(), E>` at `E`, any other type as a whole.
fn result_check(output: &ReturnType, private: &TokenStream) -> TokenStream {
    let ReturnType::Type(_, ty) = output else {
        return TokenStream::new();
    };
    if matches!(&**ty, Type::Tuple(tuple) if tuple.elems.is_empty()) {
        return TokenStream::new();
    }
    if let Some(error) = written_result_error(ty) {
        return quote_spanned! {error.span()=>
            const _: () = #private::assert_pipeline_error::<#error>();
        };
    }
    quote_spanned! {ty.span()=>
        const _: () = #private::assert_pipeline_result::<#ty>();
    }
}

/// `E` in a return type written `Result<(), E>`.
fn written_result_error(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let segment = path.path.segments.last()?;
    if segment.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    });
    match (types.next(), types.next(), types.next()) {
        (Some(Type::Tuple(unit)), Some(error), None) if unit.elems.is_empty() => Some(error),
        _ => None,
    }
}
