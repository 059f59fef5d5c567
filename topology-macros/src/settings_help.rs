//! `#[derive(SettingsHelp)]`: the doc comment of each field of an `app:`
//! settings struct, under the name serde reads it by, for `--help`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Attribute, Data, DeriveInput, Expr, ExprLit, Fields, Lit, LitStr, Meta, punctuated::Punctuated};

/// Expands the derive; a malformed input is a compile error at its tokens.
pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let Data::Struct(data) = &input.data else {
        return syn::Error::new_spanned(
            &input.ident,
            "`SettingsHelp` reads the fields of a struct with named fields",
        )
        .to_compile_error();
    };
    let Fields::Named(fields) = &data.fields else {
        return syn::Error::new_spanned(
            &input.ident,
            "`SettingsHelp` reads the fields of a struct with named fields",
        )
        .to_compile_error();
    };
    let rename_all = serde_value(&input.attrs, "rename_all");
    let entries = fields.named.iter().filter_map(|field| {
        if has_serde_flag(&field.attrs, &["skip", "skip_deserializing"]) {
            return None;
        }
        let ident = field.ident.as_ref()?;
        let name = serde_value(&field.attrs, "rename").unwrap_or_else(|| {
            let plain = ident.to_string();
            let plain = plain.trim_start_matches("r#");
            rename_all
                .as_deref()
                .map_or_else(|| plain.to_owned(), |rule| renamed(plain, rule))
        });
        let doc = doc_text(&field.attrs);
        Some(quote!((#name, #doc)))
    });
    let ident = &input.ident;
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics ::topology::__private::FieldHelp for #ident #type_generics #where_clause {
            const FIELD_HELP: &'static [(&'static str, &'static str)] = &[ #(#entries),* ];
        }
    }
}

/// The doc comment's lines, joined into one.
fn doc_text(attrs: &[Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            Meta::NameValue(pair) => match &pair.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(text), ..
                }) => Some(text.value().trim().to_owned()),
                _ => None,
            },
            _ => None,
        })
        .filter(|line| !line.is_empty())
        .collect();
    lines.join(" ")
}

/// The nested `#[serde(...)]` metas.
fn serde_metas(attrs: &[Attribute]) -> Vec<Meta> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("serde"))
        .filter_map(|attr| {
            attr.parse_args_with(Punctuated::<Meta, syn::Token![,]>::parse_terminated)
                .ok()
        })
        .flatten()
        .collect()
}

/// `#[serde(name = "value")]`, or the deserialize half of
/// `#[serde(name(deserialize = "value"))]`.
fn serde_value(attrs: &[Attribute], name: &str) -> Option<String> {
    serde_metas(attrs).into_iter().find_map(|meta| match meta {
        Meta::NameValue(pair) if pair.path.is_ident(name) => match pair.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(text), ..
            }) => Some(text.value()),
            _ => None,
        },
        Meta::List(list) if list.path.is_ident(name) => list
            .parse_args_with(Punctuated::<Meta, syn::Token![,]>::parse_terminated)
            .ok()?
            .into_iter()
            .find_map(|inner| match inner {
                Meta::NameValue(pair) if pair.path.is_ident("deserialize") => match pair.value {
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(text), ..
                    }) => Some(LitStr::value(&text)),
                    _ => None,
                },
                _ => None,
            }),
        _ => None,
    })
}

fn has_serde_flag(attrs: &[Attribute], flags: &[&str]) -> bool {
    serde_metas(attrs)
        .iter()
        .any(|meta| matches!(meta, Meta::Path(path) if flags.iter().any(|flag| path.is_ident(flag))))
}

/// A snake-case field name under serde's `rename_all` rule.
fn renamed(field: &str, rule: &str) -> String {
    let words: Vec<&str> = field.split('_').filter(|word| !word.is_empty()).collect();
    let capitalized = |word: &str| {
        let mut chars = word.chars();
        chars
            .next()
            .map(|first| first.to_uppercase().chain(chars).collect::<String>())
            .unwrap_or_default()
    };
    match rule {
        "lowercase" => field.to_lowercase(),
        "UPPERCASE" => field.to_uppercase(),
        "PascalCase" => words.iter().map(|word| capitalized(word)).collect(),
        "camelCase" => words
            .iter()
            .enumerate()
            .map(|(i, word)| if i == 0 { (*word).to_owned() } else { capitalized(word) })
            .collect(),
        "SCREAMING_SNAKE_CASE" => field.to_uppercase(),
        "kebab-case" => field.replace('_', "-"),
        "SCREAMING-KEBAB-CASE" => field.replace('_', "-").to_uppercase(),
        _ => field.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_serde_and_docs_join_their_lines() {
        let input = quote! {
            #[serde(rename_all = "kebab-case")]
            struct App {
                /// The lake.
                /// Every table lives there.
                lake_url: String,
                #[serde(rename = "batch")]
                batch_size: u32,
                #[serde(skip)]
                cache: u32,
                r#type: String,
            }
        };
        let text = expand(input).to_string();
        assert!(
            text.contains(r#"("lake-url" , "The lake. Every table lives there.")"#),
            "{text}"
        );
        assert!(text.contains(r#"("batch" , "")"#), "{text}");
        assert!(text.contains(r#"("type" , "")"#), "{text}");
        assert!(!text.contains("cache"), "{text}");
    }

    #[test]
    fn anything_but_a_struct_with_named_fields_is_an_error() {
        for input in [
            quote!(
                enum App {
                    A,
                }
            ),
            quote!(
                struct App(u32);
            ),
            quote!(
                fn app() {}
            ),
        ] {
            assert!(expand(input).to_string().contains("compile_error"));
        }
    }

    #[test]
    fn rename_rules() {
        assert_eq!(renamed("lake_url", "camelCase"), "lakeUrl");
        assert_eq!(renamed("lake_url", "PascalCase"), "LakeUrl");
        assert_eq!(renamed("lake_url", "SCREAMING-KEBAB-CASE"), "LAKE-URL");
    }
}
