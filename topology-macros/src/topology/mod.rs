//! `topology! { ... }`: parse → check → expand.

mod ast;
mod checks;
mod expand;
mod instances;
mod model;
mod names;
mod settings;
mod settings_code;
mod state_code;
mod types_code;

use proc_macro2::TokenStream;
use quote::quote;

use crate::errors::Errors;

/// Expands the macro. Never fails: on any error the errors are emitted with a
/// stub `fn main`, so no "main function not found" error piles on.
pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let fields = match syn::parse2::<ast::Fields>(input) {
        Ok(fields) => fields,
        Err(error) => {
            let error = error.to_compile_error();
            return quote!(#error fn main() {});
        }
    };
    let mut errors = Errors::default();
    let topology = model::Topology::from_fields(fields, &mut errors);
    if errors.is_empty() {
        expand::expand(&topology)
    } else {
        let errors = errors.to_compile_errors();
        let main = topology.main.then(|| {
            quote!(
                fn main() {}
            )
        });
        quote!(#errors #main)
    }
}
