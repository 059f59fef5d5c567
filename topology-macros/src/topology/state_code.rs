//! The generated `Topology::start_owned`: the one place the state's type
//! meets the pipelines' arguments. It reads the `app:` settings, builds the
//! state from `state:` (awaiting a future, stopping on a `Result`'s error)
//! and starts the topology with it.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::{Ident, spanned::Spanned};

use super::{checks::respan, model::Topology};

/// `start_owned`, with `p` the path of `topology::__private`.
pub(super) fn start_owned(topology: &Topology, p: &TokenStream) -> TokenStream {
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
        (Some(_), Some(expr)) => quote_spanned!(expr.span()=> #p::state_from_app(&#app_var, #expr)),
        (Some(_), None) => quote!({ let _ = #app_var; }),
        _ => state,
    };
    let start = respan(
        quote!(#p::start(&Self::SPEC, &#settings_var, #state_var, Self::__blueprint()).await),
        state_span,
    );
    // At `state:`: an error type that cannot be boxed is reported there.
    // Through a name at `state:`: the compiler reports an error about a
    // mixed-site name at the whole macro, and names this one in its hints
    // ("consider giving `state` an explicit type"). No user code follows
    // these bindings, so they capture nothing.
    let value_at_state = Ident::new("state", state_span);
    let into_state = quote_spanned!(state_span=> (&#value_at_state).state_kind().into_state(#value_at_state));
    quote! {
            // The one place the state's type meets the pipelines' arguments.
            async fn start_owned(
                #settings_var: #p::Settings,
            ) -> #p::Result<#p::StartedTopology<PipelineKey>, #p::ProgramError> {
                #read_app
                let #value_at_state = #state;
                let #value_var = #value_at_state;
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
                    let #value_at_state = #value_var;
                    match #into_state {
                        #p::Ok(state) => state,
                        #p::Err(error) => return #p::Err(error.into_state_error()),
                    }
                };
                #start
            }
    }
}
