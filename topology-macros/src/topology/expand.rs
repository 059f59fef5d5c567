//! What `topology!` generates: the key enum, the dispatch enum, the
//! `Topology` type and `fn main`.

use std::net::SocketAddr;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Ident, spanned::Spanned};

use super::model::{Listed, Metrics, Topology, camel_case};
use crate::paths;

pub(crate) fn expand(topology: &Topology) -> TokenStream {
    let p = paths::private(topology.krate.as_ref());
    // Every use of a listed path is spanned at its name, so that a path that
    // is not a pipeline is reported there, once.
    let at_name = |listed: &Listed, tokens: TokenStream| respan(tokens, listed.name_span());
    let info = |listed: &Listed| {
        let path = &listed.path;
        at_name(listed, quote!(<#path as #p::PipelineInfo>))
    };
    let keys: Vec<TokenStream> = topology
        .pipelines
        .iter()
        .map(|listed| {
            let info = info(listed);
            quote!(#info::KEY)
        })
        .collect();
    let instances: Vec<TokenStream> = topology
        .pipelines
        .iter()
        .map(|listed| {
            let info = info(listed);
            quote!(#info::Instance)
        })
        .collect();
    let families = topology.pipelines.iter().map(|listed| {
        let info = info(listed);
        quote!(#info::FAMILY)
    });
    let plans = topology.pipelines.iter().map(|listed| {
        let info = info(listed);
        quote!(#info::plan)
    });
    let bounds = topology.pipelines.iter().map(|listed| {
        let (path, info) = (&listed.path, info(listed));
        at_name(listed, quote!(#path: #p::PipelineFn<S, Instance = #info::Instance>))
    });
    let runs = topology.pipelines.iter().map(|listed| {
        let path = &listed.path;
        let run = at_name(listed, quote!(<#path as #p::RunPipelineFn<S>>::run_pipeline_fn));
        quote!(#run(deps, instance).await)
    });
    let variants = variant_names(&topology.pipelines);
    let typetag = topology
        .typetag
        .as_ref()
        .map_or_else(|| quote!("pipeline"), |tag| quote!(#tag));
    let settings = settings(topology, &p);
    let duplicate_checks = duplicate_key_checks(&topology.pipelines, &p);
    let docs: Vec<String> = topology
        .pipelines
        .iter()
        .map(|listed| format!("The pipeline `{}`.", listed.display))
        .collect();

    // Every use of the state's type is spanned at the `state:` expression, so
    // a `State<T>` that does not match it is reported there, once.
    let (state, state_span) = match &topology.state {
        Some(expr) => (quote!(#expr), expr.span()),
        None => (quote!(()), Span::call_site()),
    };
    let start = respan(
        quote!(#p::start(&Self::SPEC, &settings, state, __topology_plan, __topology_key_of, __topology_make).await),
        state_span,
    );
    let main_fn = topology.main.then(|| {
        quote! {
            fn main() -> #p::ExitCode {
                Topology::main()
            }
        }
    });

    quote! {
        /// One variant per pipeline function of this topology.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(dead_code, clippy::all, clippy::pedantic)]
        pub enum PipelineId {
            #( #[doc = #docs] #variants, )*
        }

        #[allow(dead_code, clippy::all, clippy::pedantic)]
        impl PipelineId {
            /// Every pipeline function, in the order `topology!` lists them.
            pub const ALL: &'static [PipelineId] = &[ #( PipelineId::#variants ),* ];

            /// The key given in `#[pipeline(key = "...")]` (a family's prefix).
            pub const fn as_str(self) -> &'static str {
                match self {
                    #( PipelineId::#variants => #keys, )*
                }
            }
        }

        impl #p::fmt::Display for PipelineId {
            fn fmt(&self, f: &mut #p::fmt::Formatter<'_>) -> #p::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// The key of one running pipeline: its function, and for a family
        /// the entry's name. `Display` gives `orders`, or `ingest/orders`.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(dead_code, clippy::all, clippy::pedantic)]
        pub struct PipelineKey {
            /// The pipeline function.
            pub pipeline: PipelineId,
            /// The entry's name, for a family.
            pub instance: #p::Option<#p::Arc<str>>,
        }

        #[allow(dead_code, clippy::all, clippy::pedantic)]
        impl PipelineKey {
            /// The key of a pipeline that is not a family.
            pub const fn single(pipeline: PipelineId) -> Self {
                Self { pipeline, instance: #p::None }
            }
        }

        impl #p::fmt::Display for PipelineKey {
            fn fmt(&self, f: &mut #p::fmt::Formatter<'_>) -> #p::fmt::Result {
                match &self.instance {
                    #p::Some(name) => ::core::write!(f, "{}/{}", self.pipeline, name),
                    #p::None => f.write_str(self.pipeline.as_str()),
                }
            }
        }

        #[doc(hidden)]
        #[allow(dead_code, clippy::all, clippy::pedantic)]
        pub enum __TopologyPlan {
            #( #variants(#p::Option<#p::Arc<str>>, #instances), )*
        }

        /// One pipeline of this topology, ready to run; dispatches to its
        /// function without boxing.
        #[allow(dead_code, clippy::all, clippy::pedantic)]
        pub enum AnyPipeline<S> {
            #( #[doc = #docs] #variants(PipelineKey, #p::Deps<S>, #instances), )*
        }

        #[automatically_derived]
        #[allow(private_bounds, private_interfaces, clippy::all, clippy::pedantic)]
        impl<S: ::core::marker::Send + ::core::marker::Sync + 'static> #p::Pipeline for AnyPipeline<S>
        where
            #( #bounds, )*
        {
            type Key = PipelineKey;
            type Error = #p::BoxError;

            fn key(&self) -> &PipelineKey {
                match self {
                    #( Self::#variants(key, _, _) => key, )*
                }
            }

            fn run(self) -> impl #p::Future<Output = #p::Result<(), #p::BoxError>> + ::core::marker::Send {
                async move {
                    match self {
                        #( Self::#variants(_, deps, instance) => #runs, )*
                    }
                }
            }
        }

        #[allow(dead_code, clippy::all, clippy::pedantic)]
        fn __topology_plan(
            settings: &#p::Settings,
        ) -> #p::Result<#p::Vec<__TopologyPlan>, #p::TopologyError> {
            const DECLARED: &[(&str, bool)] = &[ #( (#keys, #families) ),* ];
            let mut plan = #p::Vec::new();
            #(
                for (name, instance) in #plans(&settings.instances, DECLARED)? {
                    plan.push(__TopologyPlan::#variants(name, instance));
                }
            )*
            #p::Ok(plan)
        }

        #[allow(dead_code, clippy::all, clippy::pedantic)]
        fn __topology_key_of(plan: &__TopologyPlan) -> PipelineKey {
            match plan {
                #( __TopologyPlan::#variants(name, _) => PipelineKey { pipeline: PipelineId::#variants, instance: name.clone() }, )*
            }
        }

        #[allow(dead_code, clippy::all, clippy::pedantic)]
        fn __topology_make<S>(plan: __TopologyPlan, key: PipelineKey, deps: #p::Deps<S>) -> AnyPipeline<S> {
            match plan {
                #( __TopologyPlan::#variants(_, instance) => AnyPipeline::#variants(key, deps, instance), )*
            }
        }

        #(#duplicate_checks)*

        /// This topology: its settings, an in-process start for tests, and
        /// its program.
        #[allow(dead_code)]
        pub struct Topology;

        #[allow(dead_code, clippy::all, clippy::pedantic)]
        impl Topology {
            /// The kind of the pipelines, in logs and metric labels.
            pub const TYPETAG: &'static str = #typetag;

            const SPEC: #p::ProgramSpec = #p::ProgramSpec {
                name: match ::core::option_env!("CARGO_BIN_NAME") {
                    #p::Some(name) => name,
                    #p::None => ::core::env!("CARGO_PKG_NAME"),
                },
                typetag: #typetag,
                declared: &[ #( #keys ),* ],
                defaults: Topology::settings,
            };

            /// The settings given in `topology!`, over the built-in defaults.
            pub fn settings() -> #p::Settings {
                #settings
            }

            /// The key of every pipeline `settings` would start (a family
            /// gives one per entry), or the configuration error.
            pub fn keys(settings: &#p::Settings) -> #p::Result<#p::Vec<PipelineKey>, #p::TopologyError> {
                #p::Ok(__topology_plan(settings)?.iter().map(__topology_key_of).collect())
            }

            /// Starts every pipeline in-process with `settings` (no signal
            /// handling): await `run_to_completion` for the outcomes.
            pub async fn start(
                settings: &#p::Settings,
            ) -> #p::Result<#p::StartedTopology<PipelineKey>, #p::TopologyError> {
                Self::start_owned(::core::clone::Clone::clone(settings)).await
            }

            // The one place the state's type meets the pipelines' arguments.
            async fn start_owned(
                settings: #p::Settings,
            ) -> #p::Result<#p::StartedTopology<PipelineKey>, #p::TopologyError> {
                let state = #state;
                #start
            }

            /// Like [`start`](Self::start), with a state of your own.
            pub async fn start_with_state<S: ::core::marker::Send + ::core::marker::Sync + 'static>(
                settings: &#p::Settings,
                state: S,
            ) -> #p::Result<#p::StartedTopology<PipelineKey>, #p::TopologyError>
            where
                AnyPipeline<S>: #p::Pipeline<Key = PipelineKey>,
            {
                #p::start(&Self::SPEC, settings, state, __topology_plan, __topology_key_of, __topology_make).await
            }

            /// The program: flags, configuration, logging, signals, exit code.
            pub fn main() -> #p::ExitCode {
                #p::main(Self::SPEC, Self::start_owned)
            }
        }

        #main_fn
    }
}

/// One variant per pipeline, named after its function; functions of the same
/// name in different modules are told apart by their whole path.
fn variant_names(pipelines: &[Listed]) -> Vec<Ident> {
    let last = |listed: &Listed| {
        listed
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default()
    };
    pipelines
        .iter()
        .map(|listed| {
            let name = last(listed);
            let clashes = pipelines.iter().filter(|other| last(other) == name).count() > 1;
            let text = if clashes {
                listed
                    .path
                    .segments
                    .iter()
                    .map(|s| camel_case(&s.ident.to_string()))
                    .collect::<String>()
            } else {
                camel_case(&name)
            };
            let text = if text.is_empty() { "Pipeline".to_owned() } else { text };
            Ident::new(&text, listed.name_span())
        })
        .collect()
}

fn settings(topology: &Topology, p: &TokenStream) -> TokenStream {
    let global = &topology.global;
    let mut lines = Vec::new();
    if let Some(value) = global.poll_jitter_secs {
        lines.push(quote!(settings.global.poll_jitter_secs = #value;));
    }
    if let Some(value) = global.total_concurrency {
        let value = usize::try_from(value).unwrap_or(usize::MAX);
        lines.push(quote!(settings.global.total_concurrency = #p::Some(#value);));
    }
    if let Some(value) = global.connection_pooling {
        lines.push(quote!(settings.global.connection_pooling = #value;));
    }
    if let Some(value) = global.shutdown_timeout_secs {
        lines.push(quote!(settings.global.shutdown_timeout_secs = #value;));
    }
    match &topology.metrics {
        Some(Metrics::Off) => lines.push(quote!(settings.metrics = #p::MetricsAddress::Off;)),
        Some(Metrics::Listen(address)) => {
            let address = socket_addr(address);
            lines.push(quote!(settings.metrics = #p::MetricsAddress::Listen(#address);));
        }
        None => {}
    }
    if let Some(instances) = &topology.instances {
        lines.push(quote!(settings.add_instances("the `instances` of topology!", #instances);));
    }
    if lines.is_empty() {
        return quote!(#p::Settings::default());
    }
    quote! {
        let mut settings = #p::Settings::default();
        #(#lines)*
        settings
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

/// Two pipelines with one key are a compile error at the second one's name,
/// naming both; the keys are only known to the compiler, so the check is
/// const evaluation.
fn duplicate_key_checks(pipelines: &[Listed], p: &TokenStream) -> Vec<TokenStream> {
    (1..pipelines.len())
        .map(|j| {
            let this = &pipelines[j];
            let path = &this.path;
            let display = &this.display;
            let earlier = pipelines[..j].iter().map(|listed| {
                let (path, display) = (&listed.path, &listed.display);
                quote!((<#path as #p::PipelineInfo>::KEY, #display))
            });
            respan(
                quote! {
                    const _: () = {
                        const KEY: &str = <#path as #p::PipelineInfo>::KEY;
                        const OTHER: &str = #p::find_key(&[#(#earlier),*], KEY);
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
        })
        .collect()
}

/// `tokens` with every span set to `span`, so that whatever the compiler
/// says about them points at one token of the user's.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let proc_macro2::TokenTree::Group(group) = &token {
                let mut inner = proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                token = proc_macro2::TokenTree::Group(inner);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}
