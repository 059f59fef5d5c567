//! `topology! { name: value, ... }` read as plain fields, before any field's
//! own grammar: one bad field never hides the others.

use proc_macro2::{Delimiter, Group, Ident, TokenStream, TokenTree};
use quote::ToTokens;
use syn::{
    Expr, Token, Type,
    ext::IdentExt,
    parse::{Parse, ParseStream, discouraged::Speculative},
};

use crate::{errors::Errors, suggest};

/// One `name: value` as written.
pub(crate) struct Field {
    pub(crate) name: Ident,
    pub(crate) value: TokenStream,
}

impl Field {
    /// The name as text (`crate` included, though it is a keyword).
    pub(crate) fn name(&self) -> String {
        self.name.to_string()
    }

    /// The value's tokens, or the name's when the value is empty, for spans.
    pub(crate) fn value_tokens(&self) -> TokenStream {
        if self.value.is_empty() {
            self.name.to_token_stream()
        } else {
            self.value.clone()
        }
    }
}

/// Every field in order.
pub(crate) struct Fields(pub(crate) Vec<Field>);

impl Parse for Fields {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut fields = Vec::new();
        while !input.is_empty() {
            let name = Ident::parse_any(input)
                .map_err(|error| syn::Error::new(error.span(), "expected a field name such as `pipelines`"))?;
            input.parse::<Token![:]>().map_err(|error| {
                syn::Error::new(
                    error.span(),
                    format!("expected `:` after `{name}`, as in `{name}: ...`"),
                )
            })?;
            // A value is read as what it is, so that commas inside it
            // (`Result<Lake, E>`, `Ok::<_, E>(..)`, a closure's return type)
            // stay in it; anything else runs to the next top-level comma and
            // is checked by its field's own grammar.
            let value = match name.to_string().as_str() {
                "state" | "instances" => whole::<Expr>(input),
                "app" => whole::<Type>(input),
                _ => None,
            };
            let value = match value {
                Some(value) => value,
                None => {
                    let mut value = TokenStream::new();
                    while !input.is_empty() && !input.peek(Token![,]) {
                        let token: TokenTree = input.parse()?;
                        value.extend([token]);
                    }
                    value
                }
            };
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
            fields.push(Field { name, value });
        }
        Ok(Self(fields))
    }
}

/// A whole `T` followed by a comma or the end, consumed; `None` (nothing
/// consumed) when the tokens there are not one.
fn whole<T: Parse + ToTokens>(input: ParseStream<'_>) -> Option<TokenStream> {
    let fork = input.fork();
    let value: T = fork.parse().ok()?;
    if !fork.is_empty() && !fork.peek(Token![,]) {
        return None;
    }
    input.advance_to(&fork);
    Some(value.to_token_stream())
}

/// The single `{ ... }` or `[ ... ]` group a value must be.
pub(crate) fn group(value: &TokenStream, delimiter: Delimiter) -> Option<Group> {
    let mut tokens = value.clone().into_iter();
    match (tokens.next(), tokens.next()) {
        (Some(TokenTree::Group(group)), None) if group.delimiter() == delimiter => Some(group),
        _ => None,
    }
}

/// The field's name if it is one of `known` and not seen before; otherwise
/// the error (with a suggestion for a misspelling) is recorded.
pub(crate) fn accept(
    field: &Field,
    known: &[&str],
    what: &str,
    seen: &mut Vec<String>,
    errors: &mut Errors,
) -> Option<String> {
    let name = field.name();
    if !known.contains(&name.as_str()) {
        errors.error(&field.name, suggest::unknown(what, &name, known));
        return None;
    }
    if seen.contains(&name) {
        errors.error(&field.name, format!("`{name}` is given more than once; keep one"));
        return None;
    }
    seen.push(name.clone());
    Some(name)
}
