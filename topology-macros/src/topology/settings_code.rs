//! The code of `Topology::settings()`: the defaults with what `topology!`
//! gives, each value checked when the macro ran.

use std::net::SocketAddr;

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::{Ident, spanned::Spanned};

use super::{
    model::Topology,
    settings::{Metrics, Value},
};

/// The body of `Topology::settings()`: the defaults with what `topology!` gives.
pub(super) fn settings(topology: &Topology, p: &TokenStream) -> TokenStream {
    // Hygienic, so that an `instances:` expression cannot capture it.
    let settings = Ident::new("settings", Span::mixed_site());
    let global = &topology.global;
    let mut lines = Vec::new();
    for (name, value) in &global.0 {
        let value = match value {
            Value::WholeNumber(value) => quote!(#value),
            Value::Limit(value, span) => {
                let value = usize::try_from(*value).unwrap_or(usize::MAX);
                // The most permits depend on the target: the compiler checks
                // the bound, at the value as written.
                let bound = quote_spanned! {*span=>
                    const _: () = ::core::assert!(
                        #value <= #p::MAX_CONCURRENCY,
                        "this concurrency limit is above the most permits a semaphore holds (`GlobalConfig::MAX_CONCURRENCY`); leave `total_concurrency` out for no limit"
                    );
                };
                lines.push(bound);
                quote!(#p::Some(#value))
            }
            Value::Switch(value) => quote!(#value),
            Value::FailureShutdown(true) => quote!(#p::FailurePolicy::Shutdown),
            Value::FailureShutdown(false) => quote!(#p::FailurePolicy::Isolate),
        };
        lines.push(quote!(#settings.global.#name = #value;));
    }
    match &topology.metrics {
        Some(Metrics::Off) => lines.push(quote!(#settings.replica.metrics_addr = #p::MetricsAddress::Off;)),
        Some(Metrics::Listen(address)) => {
            let address = socket_addr(address);
            lines.push(quote!(#settings.replica.metrics_addr = #p::MetricsAddress::Listen(#address);));
        }
        None => {}
    }
    if let Some(app) = &topology.app {
        let of = quote_spanned!(app.span()=> #p::AppSettings::of::<#app>());
        // The standard library's non-structs, refused at `app:` (any other
        // type's fields are read at start).
        lines.push(quote_spanned! {app.span()=>
            #p::assert_app_shape::<#app, { use #p::MaybeAStruct as _; #p::ShapeProbe::<#app>::NOT_A_STRUCT }>();
        });
        // Spanned at the macro, not at `app:`: one of the two imports is
        // always unused, and that must not be reported in the user's code.
        let help = quote!({
            use #p::{ViaFieldHelp as _, ViaNoHelp as _};
            (&&#p::HelpOf::<#app>::NEW).field_help()
        });
        let of = quote!(#of.with_help(#help));
        lines.push(quote!(#settings.app = #of;));
    }
    if let Some(instances) = &topology.instances {
        lines.push(quote!(#settings.add_instances("the `instances` of topology!", #instances);));
    }
    if lines.is_empty() {
        return quote!(#p::Settings::default());
    }
    quote! {
        let mut #settings = #p::Settings::default();
        #(#lines)*
        #settings
    }
}

/// A `SocketAddr` built from its parts, checked when the macro ran.
fn socket_addr(address: &SocketAddr) -> TokenStream {
    let port = address.port();
    match address {
        SocketAddr::V4(v4) => {
            let octets = v4.ip().octets();
            quote!(::std::net::SocketAddr::from(([#(#octets),*], #port)))
        }
        SocketAddr::V6(v6) => {
            let segments = v6.ip().segments();
            quote!(::std::net::SocketAddr::from(([#(#segments),*], #port)))
        }
    }
}
