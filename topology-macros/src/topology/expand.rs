//! What `topology!` generates: the key and dispatch types (`types_code`),
//! the `Topology` type with its settings (`settings_code`) and state
//! (`state_code`), the checks, and `fn main`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;

use super::{
    checks::{duplicate_key_checks, respan},
    model::{Listed, Topology},
    names::variant_names,
    settings_code::settings,
    state_code::start_owned,
    types_code::pipeline_types,
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

    let start_owned = start_owned(topology, &p);
    let types = pipeline_types(topology, &p, &variants, &keys, &instances);
    let main_fn = topology.main.then(|| {
        quote! {
            fn main() -> #p::ExitCode {
                Topology::main()
            }
        }
    });

    quote! {
        #types

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

            #start_owned

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
