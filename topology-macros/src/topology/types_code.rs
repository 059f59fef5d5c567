//! The types `topology!` generates for its pipelines: `PipelineId` (one
//! variant per function), `PipelineKey` (one running pipeline), the hidden
//! plan, and `AnyPipeline`, the dispatch that implements `Pipeline`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Ident;

use super::{
    checks::respan,
    model::{Listed, Topology},
};

/// The types, with `p` the path of `topology::__private`; `variants`, `keys`
/// and `instances` are per listed pipeline, in order.
pub(super) fn pipeline_types(
    topology: &Topology,
    p: &TokenStream,
    variants: &[Ident],
    keys: &[TokenStream],
    instances: &[TokenStream],
) -> TokenStream {
    // Every use of a listed path is spanned at its name, so that a path that
    // is not a pipeline is reported there, once.
    let at_name = |listed: &Listed, tokens: TokenStream| respan(tokens, listed.name_span());
    let info = |listed: &Listed| {
        let path = listed.info_path();
        at_name(listed, quote!(<#path as #p::PipelineInfo>))
    };
    let bounds = topology.pipelines.iter().map(|listed| {
        let (path, info) = (listed.info_path(), info(listed));
        at_name(listed, quote!(#path: #p::PipelineFn<S, Instance = #info::Instance>))
    });
    let runs = topology.pipelines.iter().map(|listed| {
        let path = listed.info_path();
        let run = at_name(listed, quote!(<#path as #p::PipelineFn<S>>::run));
        quote!(#run(deps, instance, reporter))
    });
    let docs: Vec<String> = topology
        .pipelines
        .iter()
        .map(|listed| format!("The pipeline `{}`.", listed.display))
        .collect();
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
    }
}
