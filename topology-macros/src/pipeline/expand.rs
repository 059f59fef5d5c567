//! What `#[pipeline]` generates next to the function it keeps.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{GenericArgument, Ident, PathArguments, ReturnType, Type, spanned::Spanned};

use super::{attr::PipelineArgs, item::ItemFn, params::params, valid::ungroup};
use crate::paths::hidden_struct;

/// The function as written, a hidden struct beside it, and the struct's
/// impls, which inject the arguments and call the function.
pub(crate) fn expand(args: &PipelineArgs, item: &ItemFn, original: TokenStream, private: &TokenStream) -> TokenStream {
    let name = &item.sig.ident;
    let hidden = hidden_struct(name);
    let key = args.key.as_ref().map(syn::LitStr::value).unwrap_or_default();
    let interval = match args.interval_millis {
        Some(millis) => quote!(#private::Some(#private::Duration::from_millis(#millis))),
        None => quote!(#private::None),
    };
    // Hygienic names: the user's argument types and tokens never see them.
    let state = Ident::new("__TopologyState", Span::mixed_site());
    let deps = Ident::new("__deps", Span::mixed_site());
    let instance = Ident::new("__instance", Span::mixed_site());
    let output = Ident::new("__output", Span::mixed_site());
    let reporter = Ident::new("__reporter", Span::mixed_site());
    let function = Ident::new("__function", Span::mixed_site());
    let restart = args.restart.policy(private);
    let each = args.each.as_ref();
    let entries = instance_type(each, private);

    let (params, cfg_aliases) = params(&item.sig, private);
    let types: Vec<&Type> = params.iter().map(|param| &param.ty).collect();
    let cfgs: Vec<&TokenStream> = params.iter().map(|param| &param.cfg).collect();
    let values: Vec<Ident> = (0..types.len())
        .map(|i| format_ident!("__arg{}", i, span = Span::mixed_site()))
        .collect();
    // What an argument is comes from its type's traits, never from how it
    // is spelled. Whether it can be injected at all is checked here, at its
    // own tokens; whether a `State<T>` matches the topology's state is a
    // bound, checked where `topology!` names the state.
    let arg_checks = types.iter().map(|ty| {
        quote_spanned! {ty.span()=> #private::assert_pipeline_arg::<#ty, #entries>(); }
    });
    // Every other bound names the argument with whether it is injectable,
    // and holds when it is not: one error per argument, the check's.
    let injectable: Vec<TokenStream> = types
        .iter()
        .map(|ty| {
            quote_spanned! {ty.span()=>
                { use #private::NotInjectable as _; #private::Probe::<#ty, #entries>::INJECTABLE }
            }
        })
        .collect();
    let bounds = types.iter().zip(&injectable).map(|(ty, ok)| {
        quote_spanned! {ty.span()=> #private::Arg<#ty, #entries, #ok>: #private::Buildable<#state, #entries, #ty> }
    });
    let injections = types.iter().zip(&injectable).zip(values.iter().zip(&cfgs)).map(|((ty, ok), (value, cfg))| {
        quote_spanned! {ty.span()=>
            #cfg
            let #value = <#private::Arg<#ty, #entries, #ok> as #private::Buildable<#state, #entries, #ty>>::build(#deps, #instance);
        }
    });
    let result_check = result_check(&item.sig.output, private);
    // The interval and restart policy come with the deps: configuration
    // may override what the attribute declares.
    let run = quote!(#private::run_scheduled::<#state, Self>(#deps, #instance, #reporter));
    // Spanned at the function's name: a future that is not `Send` is
    // reported there.
    let call = quote_spanned! {name.span()=>
        fn call(#deps: &#private::Deps<#state>, #instance: &Self::Instance)
            -> impl #private::Future<Output = #private::Result<(), #private::BoxError>> + ::core::marker::Send + 'static
    };
    // The call carries the macro's span, not the user's name.
    let mut callee = name.clone();
    callee.set_span(Span::call_site());
    // What the arguments need of the topology's families, checked by
    // `topology!` (`Entries<T>` needs a family with `each = T`).
    let needs = types.iter().zip(&injectable).rev().fold(quote!(()), |tail, (ty, ok)| {
        quote_spanned! {ty.span()=> (#private::Need<#ty, #entries, #ok>, #tail) }
    });
    let info = info_impl(name, &key, each, (&interval, &restart, &needs), private);
    // Calling a `#[deprecated]` pipeline is the topology's business, not a
    // use to warn about (and only then is an `allow` emitted, which a crate
    // that forbids the lint would reject).
    let allow_deprecated = item
        .attrs
        .iter()
        .any(|attr| attr.path().is_ident("deprecated"))
        .then(|| quote!(#[allow(deprecated)]));

    let rest = quote! {
        #info

        #result_check

        const _: () = { #(#arg_checks)* };

        #[automatically_derived]
        #allow_deprecated
        impl<#state: ::core::marker::Send + ::core::marker::Sync + 'static> #private::PipelineFn<#state> for #hidden
        where
            #(#bounds,)*
        {
            type Instance = #entries;

            fn run(#deps: #private::Deps<#state>, #instance: Self::Instance, #reporter: #private::RunReporter)
                -> #private::ScheduledRun
            {
                #run
            }

            #call {
                #(#injections)*
                async move {
                    use #private::{ViaInvalidResult as _, ViaPipelineResult as _};
                    // Called through a value: clippy's `unused_async` stays
                    // quiet for a function used as a value, and the macro
                    // requires `async` of a pipeline whose body has no `.await`.
                    let #function = #callee;
                    let #output = #private::Output::new(#function(#(#cfgs #values),*).await);
                    (&#output).take_pipeline_result()
                }
            }
        }
    };
    // The aliases of `#[cfg]` parameters, in one block with what names them.
    let rest = if cfg_aliases.is_empty() {
        rest
    } else {
        quote!(const _: () = { #cfg_aliases #rest };)
    };
    assemble(&item.vis, name, &original, &rest)
}

/// What each pipeline of the function receives: `()`, or `Instance<T>`.
fn instance_type(each: Option<&Type>, private: &TokenStream) -> TokenStream {
    match each {
        Some(each) => quote!(#private::Instance<#each>),
        None => quote!(()),
    }
}

/// Everything the attribute emits: the hidden struct, then the function as
/// written, then its impls and checks.
///
/// The struct comes first, spanned at the function's name: inside an `impl`
/// block, the compiler's first error is "struct is not supported in
/// `impl`s", at the function (its parser then drops the items after it,
/// with one error per kind: an anonymous `const` block holding them all
/// would be kept and resolved, adding more). No source file is read to tell
/// where the function is.
pub(crate) fn assemble(vis: &syn::Visibility, name: &Ident, original: &TokenStream, rest: &TokenStream) -> TokenStream {
    let hidden = hidden_struct(name);
    let hidden_item = quote_spanned! {name.span()=>
        #[doc(hidden)]
        #vis struct #hidden {}
    };
    quote! {
        #hidden_item
        #original
        #rest
    }
}

/// The hidden struct's `PipelineInfo`, with the function's key. Emitted on
/// errors too (with an empty key, which no duplicate check matches), so
/// that code naming the pipeline reports nothing beyond the attribute's
/// errors.
pub(crate) fn info_impl(
    name: &Ident,
    key: &str,
    each: Option<&Type>,
    (interval, restart, needs): (&TokenStream, &TokenStream, &TokenStream),
    private: &TokenStream,
) -> TokenStream {
    let hidden = hidden_struct(name);
    let instance_type = instance_type(each, private);
    let display = name.to_string();
    let (family, plan) = match each {
        Some(each) => (
            quote!(true),
            quote!(#private::plan_family::<#each>(sources, declared, families, #key)),
        ),
        None => (
            quote!(false),
            quote!({ let _ = (sources, declared, families); #private::plan_single() }),
        ),
    };
    quote! {
        #[automatically_derived]
        impl #private::PipelineInfo for #hidden {
            const KEY: &'static str = #key;
            const NAME: &'static str = #display;
            const ID: &'static str = ::core::concat!(::core::module_path!(), "::", #display);
            const FAMILY: bool = #family;
            const INTERVAL: #private::Option<#private::Duration> = #interval;
            const RESTART: #private::Option<#private::RestartPolicy> = #restart;
            type Instance = #instance_type;
            type Needs = #needs;

            fn plan(
                sources: &[#private::InstanceSource],
                declared: &[(&'static str, bool)],
                families: &mut #private::FamilyTable,
            ) -> #private::Result<#private::Vec<#private::Planned<Self::Instance>>, #private::ProgramError> {
                #plan
            }
        }
    }
}

/// The stand-in impl for a function whose attribute had errors: it runs
/// nothing, and keeps `topology!` from piling errors on top.
pub(crate) fn placeholder_impl(name: &Ident, private: &TokenStream) -> TokenStream {
    let hidden = hidden_struct(name);
    quote! {
        #[automatically_derived]
        impl<S: ::core::marker::Send + ::core::marker::Sync + 'static> #private::PipelineFn<S> for #hidden {
            type Instance = ();
            fn call(_: &#private::Deps<S>, _: &())
                -> impl #private::Future<Output = #private::Result<(), #private::BoxError>> + ::core::marker::Send + 'static
            {
                async { #private::Ok(()) }
            }
            fn run(_: #private::Deps<S>, _: (), _: #private::RunReporter) -> #private::ScheduledRun {
                #private::Box::pin(async { #private::Ok(()) })
            }
        }
    }
}

/// Checks the return type at its own tokens: the error type of a written
/// `Result<(), E>` at `E`, any other type as a whole.
fn result_check(output: &ReturnType, private: &TokenStream) -> TokenStream {
    let ReturnType::Type(_, ty) = output else {
        return TokenStream::new();
    };
    if matches!(ungroup(ty), Type::Tuple(tuple) if tuple.elems.is_empty()) {
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
    let Type::Path(path) = ungroup(ty) else { return None };
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
        (Some(unit), Some(error), None) if matches!(ungroup(unit), Type::Tuple(unit) if unit.elems.is_empty()) => {
            Some(error)
        }
        _ => None,
    }
}
