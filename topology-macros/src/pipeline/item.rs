//! The annotated item, parsed as little as possible: the body stays raw
//! tokens, so a half-typed body never breaks the attribute.

use proc_macro2::{TokenStream, TokenTree};
use syn::{
    Attribute, Signature, Visibility,
    parse::{Parse, ParseStream},
};

/// An `fn` item with its body kept as tokens.
pub(crate) struct ItemFn {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) sig: Signature,
    pub(crate) body: TokenStream,
}

impl Parse for ItemFn {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let sig: Signature = input.parse()?;
        let body: TokenTree = input.parse()?;
        Ok(Self {
            attrs,
            vis,
            sig,
            body: body.into(),
        })
    }
}

/// What the item is, when it is not a function: the token to point at.
pub(crate) fn not_a_function(item: &TokenStream) -> Option<TokenTree> {
    // Skip attributes (`#` + group) and visibility to reach the item keyword.
    let mut tokens = item.clone().into_iter().peekable();
    while let Some(token) = tokens.next() {
        match &token {
            TokenTree::Punct(punct) if punct.as_char() == '#' => {
                tokens.next();
            }
            TokenTree::Ident(ident) if ident == "pub" => {
                if matches!(tokens.peek(), Some(TokenTree::Group(_))) {
                    tokens.next();
                }
            }
            TokenTree::Ident(ident) if is_fn_qualifier(ident) => return None,
            // `const fn` is a function; `const NAME: T` is not.
            TokenTree::Ident(ident) if ident == "const" => {
                return match tokens.peek() {
                    Some(TokenTree::Ident(next)) if is_fn_qualifier(next) => None,
                    _ => Some(token),
                };
            }
            _ => return Some(token),
        }
    }
    None
}

fn is_fn_qualifier(ident: &proc_macro2::Ident) -> bool {
    matches!(ident.to_string().as_str(), "async" | "unsafe" | "extern" | "fn")
}
