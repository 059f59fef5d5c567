//! What `topology!` generates: the key enum, the dispatch enum, the
//! `Topology` type and `fn main`.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::{Ident, spanned::Spanned};

use super::{
    checks::{duplicate_key_checks, respan},
    model::{Listed, Topology},
    names::variant_names,
    settings_code::settings,
};
use crate::paths;

pub(crate) fn expand(topology: &Topology) -> TokenStream {
    let p = paths::private(topology.krate.as_ref());
    // Every use of a listed path is spanned at its name, so that a path that
    // is not a pipeline is reported there, once.
    let at_name = |listed: &Listed, tokens: TokenStream| respan(tokens, listed.name_span());
    let info = |listed: &Listed| {
        let path = listed.info_path();
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
    let schedules: Vec<TokenStream> = topology
        .pipelines
        .iter()
        .map(|listed| {
            let info = info(listed);
            quote!(#p::Schedule::declared(#info::INTERVAL, #info::RESTART))
        })
        .collect();
    let takes_entries = topology.pipelines.iter().map(|listed| {
        let info = info(listed);
        at_name(listed, quote!(<#info::Needs as #p::TakesEntries>::ANY))
    });
    let plans = topology.pipelines.iter().map(|listed| {
        let info = info(listed);
        quote!(#info::plan)
    });
    let bounds = topology.pipelines.iter().map(|listed| {
        let (path, info) = (listed.info_path(), info(listed));
        at_name(listed, quote!(#path: #p::PipelineFn<S, Instance = #info::Instance>))
    });
    let runs = topology.pipelines.iter().map(|listed| {
        let path = listed.info_path();
        let run = at_name(listed, quote!(<#path as #p::PipelineFn<S>>::run));
        quote!(#run(deps, instance, reporter))
    });
    let variants = variant_names(&topology.pipelines);
    let typetag = topology
        .typetag
        .as_ref()
        .map_or_else(|| quote!("pipeline"), |tag| quote!(#tag));
    let settings = settings(topology, &p);
    let description = topology.description.as_ref().map_or_else(
        || {
            quote!(match ::core::option_env!("CARGO_PKG_DESCRIPTION") {
                #p::Some(description) => description,
                #p::None => "",
            })
        },
        |text| quote!(#text),
    );
    let duplicate_checks = duplicate_key_checks(&topology.pipelines, &p);
    // What the pipelines receive, as a type-level list: an `Entries<T>`
    // argument is checked against it, at the listing of its pipeline.
    // Each family the `instances:` text lists is one this topology declares.
    let declared_families = topology.instances.as_ref().map(|expr| {
        let families = &topology.instance_families;
        let messages = families.iter().map(|family| {
            format!(
                "the `instances:` text lists `pipelines.{family}`, but no pipeline of this topology is the family `{family}`: declare it with `#[pipeline(key = \"{family}\", each = ...)]` and list it, or remove the entries"
            )
        });
        let keys = &keys;
        let families_of = topology.pipelines.iter().map(|listed| {
            let info = info(listed);
            quote!(#info::FAMILY)
        });
        let declared = quote!(&[ #( (#keys, #families_of) ),* ]);
        respan(
            quote! {
                #( const _: () = if !#p::is_family(#declared, #families) { ::core::panic!(#messages) }; )*
            },
            expr.span(),
        )
    });
    let received = instances
        .iter()
        .rev()
        .fold(quote!(()), |tail, instance| quote!((#instance, #tail)));
    let needs_checks = topology.pipelines.iter().map(|listed| {
        let info = info(listed);
        at_name(
            listed,
            quote!(#p::assert_needs_met::<__TopologyReceived, #info::Needs, _>();),
        )
    });
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
    // Hygienic bindings: the user's `state:` and `instances:` expressions
    // cannot see (or be captured by) the generated code's locals.
    let settings_var = Ident::new("settings", Span::mixed_site());
    let state_var = Ident::new("state", Span::mixed_site());
    let value_var = Ident::new("value", Span::mixed_site());
    // With `app: T`, the settings are read as a `T` first (a value that does
    // not fit stops the program, exit 2), and `state:` is a function of them.
    let app_var = Ident::new("app", Span::mixed_site());
    let read_app = topology
        .app
        .as_ref()
        .map(|app| quote!(let #app_var: #app = #settings_var.app.get::<#app>()?;));
    let state = match (&topology.app, &topology.state) {
        (Some(_), Some(expr)) => quote_spanned!(expr.span()=> #p::state_from_app(#expr, &#app_var)),
        (Some(_), None) => quote!({ let _ = #app_var; }),
        _ => state,
    };
    let start = respan(
        quote!(#p::start(&Self::SPEC, &#settings_var, #state_var, Self::__blueprint()).await),
        state_span,
    );
    // At `state:`: an error type that cannot be boxed is reported there.
    let value_at_state = Ident::new("value", Span::mixed_site().located_at(state_span));
    let into_state = quote_spanned!(state_span=> (&#value_at_state).state_kind().into_state(#value_at_state));
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
        pub enum PipelineId {
            #( #[doc = #docs] #variants, )*
        }

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
        pub struct PipelineKey {
            /// The pipeline function.
            pub pipeline: PipelineId,
            /// The entry's name, for a family.
            pub instance: #p::Option<#p::Arc<str>>,
        }

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
        pub enum __TopologyPlan {
            #( #variants(#p::Option<#p::Arc<str>>, #instances), )*
        }

        /// One pipeline of this topology, ready to run: it implements
        /// `topology::Pipeline` with `PipelineKey` as its key, and dispatches
        /// to its function without boxing. Built by `Topology::start`; its
        /// variants hold what the framework injects, and are not for use.
        pub enum AnyPipeline<S> {
            #( #[doc = #docs] #[doc(hidden)] #variants(PipelineKey, #p::Deps<S>, #instances), )*
        }

        #[automatically_derived]
        #[doc(hidden)]
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
                #p::Pipeline::run_reporting(self, #p::RunReporter::default())
            }

            fn run_reporting(self, reporter: #p::RunReporter)
                -> impl #p::Future<Output = #p::Result<(), #p::BoxError>> + ::core::marker::Send
            {
                // One future type for every pipeline: the dispatch is a
                // plain match, not a state machine over each one's future.
                match self {
                    #( Self::#variants(_, deps, instance) => #runs, )*
                }
            }
        }

        #duplicate_checks

        #declared_families

        const _: () = {
            type __TopologyReceived = #received;
            #(#needs_checks)*
        };

        /// This topology: its settings, an in-process start for tests, and
        /// its program.
        pub struct Topology;

        impl Topology {
            /// The kind of the pipelines, in logs and metric labels.
            pub const TYPETAG: &'static str = #typetag;

            const SPEC: #p::ProgramSpec = #p::ProgramSpec {
                name: match ::core::option_env!("CARGO_BIN_NAME") {
                    #p::Some(name) => name,
                    #p::None => ::core::env!("CARGO_PKG_NAME"),
                },
                description: #description,
                typetag: #typetag,
                declared: &[ #( #keys ),* ],
                defaults: Topology::settings,
                list: Topology::__list,
            };

            /// The settings given in `topology!`, over the built-in defaults.
            pub fn settings() -> #p::Settings {
                #settings
            }

            /// The key of every pipeline `settings` would start (a family
            /// gives one per entry), or the configuration error.
            pub fn keys(settings: &#p::Settings) -> #p::Result<#p::Vec<PipelineKey>, #p::ProgramError> {
                let mut families = #p::FamilyTable::default();
                #p::Ok(Self::__plan(settings, &mut families)?.iter().map(Self::__key_of).collect())
            }

            /// Starts every pipeline in-process with `settings` (no signal
            /// handling): await `run_to_completion` for the outcomes.
            pub async fn start(
                settings: &#p::Settings,
            ) -> #p::Result<#p::StartedTopology<PipelineKey>, #p::ProgramError> {
                Self::start_owned(::core::clone::Clone::clone(settings)).await
            }

            // The one place the state's type meets the pipelines' arguments.
            async fn start_owned(
                #settings_var: #p::Settings,
            ) -> #p::Result<#p::StartedTopology<PipelineKey>, #p::ProgramError> {
                #read_app
                let #value_var = #state;
                // A future (an `async fn` of the settings, an `async` block)
                // is awaited once, here, before anything runs.
                let #value_var = {
                    use #p::{AsyncState as _, ReadyState as _};
                    (&#value_var).state_timing()
                }
                .resolve(#value_var)
                .await;
                // A `Result` state stops the program on its error; any other
                // value is the state itself.
                let #state_var = {
                    use #p::{FallibleState as _, PlainState as _};
                    match #into_state {
                        #p::Ok(state) => state,
                        #p::Err(error) => return #p::Err(error.into_state_error()),
                    }
                };
                #start
            }

            /// Like [`start`](Self::start), with a state of your own.
            pub async fn start_with_state<S: ::core::marker::Send + ::core::marker::Sync + 'static>(
                settings: &#p::Settings,
                state: S,
            ) -> #p::Result<#p::StartedTopology<PipelineKey>, #p::ProgramError>
            where
                AnyPipeline<S>: #p::Pipeline<Key = PipelineKey>,
            {
                #p::start(&Self::SPEC, settings, state, Self::__blueprint()).await
            }

            #[doc(hidden)]
        fn __plan(
            settings: &#p::Settings,
            families: &mut #p::FamilyTable,
        ) -> #p::Result<#p::Vec<__TopologyPlan>, #p::ProgramError> {
            const DECLARED: &[(&str, bool)] = &[ #( (#keys, #families) ),* ];
            let mut plan = #p::Vec::new();
            #(
                for #p::Planned { name, instance } in #plans(&settings.instances, DECLARED, families)? {
                    plan.push(__TopologyPlan::#variants(name, instance));
                }
            )*
            #p::Ok(plan)
        }

            #[doc(hidden)]
        fn __key_of(plan: &__TopologyPlan) -> PipelineKey {
            match plan {
                #( __TopologyPlan::#variants(name, _) => PipelineKey { pipeline: PipelineId::#variants, instance: name.clone() }, )*
            }
        }

            #[doc(hidden)]
        fn __make<S>(plan: __TopologyPlan, key: PipelineKey, deps: #p::Deps<S>) -> AnyPipeline<S> {
            match plan {
                #( __TopologyPlan::#variants(_, instance) => AnyPipeline::#variants(key, deps, instance), )*
            }
        }

            #[doc(hidden)]
            fn __blueprint<S>() -> #p::Blueprint<S, PipelineKey, __TopologyPlan, AnyPipeline<S>> {
                #p::Blueprint {
                    plan: Self::__plan,
                    key_of: Self::__key_of,
                    make: Self::__make,
                    takes_entries: Self::__takes_entries,
                    schedule: Self::__schedule,
                    declared: Self::SPEC.declared,
                }
            }

            #[doc(hidden)]
            fn __takes_entries(plan: &__TopologyPlan) -> bool {
                match plan {
                    #( __TopologyPlan::#variants(..) => #takes_entries, )*
                }
            }

            #[doc(hidden)]
            fn __schedule(plan: &__TopologyPlan) -> #p::Schedule {
                match plan {
                    #( __TopologyPlan::#variants(..) => #schedules, )*
                }
            }

            #[doc(hidden)]
            fn __list(
                settings: &#p::Settings,
            ) -> #p::Result<#p::Vec<#p::PipelineListing>, #p::ProgramError> {
                #p::list_pipelines(settings, &Self::__blueprint::<()>())
            }

            /// The program: flags, configuration, logging, signals, exit code,
            /// on a runtime of its own. Inside a runtime (a `#[tokio::main]`
            /// function), call [`run`](Self::run) instead.
            pub fn main() -> #p::ExitCode {
                #p::main(Self::SPEC, Self::start_owned)
            }

            /// The program on the caller's runtime: the same flags,
            /// configuration, logging, signals, reloads and exit codes as
            /// [`main`](Self::main), for a program that owns its runtime.
            pub async fn run() -> #p::ExitCode {
                #p::run(Self::SPEC, Self::start_owned).await
            }
        }

        #main_fn
    }
}
