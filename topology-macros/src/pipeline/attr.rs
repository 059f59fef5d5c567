//! The arguments of `#[pipeline(...)]`.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::{
    Expr, ExprLit, Lit, LitStr, Meta, Path, Token, Type,
    parse::{Parse, ParseStream, Parser},
    punctuated::Punctuated,
    spanned::Spanned,
};

use super::restart::{self, RestartArgs};
use crate::{errors::Errors, suggest};

/// Every argument `#[pipeline]` accepts.
const ARGUMENTS: &[&str] = &[
    "key",
    "interval",
    "each",
    "crate",
    "restart",
    "max_restarts",
    "restart_window",
    "backoff_min",
    "backoff_max",
];

/// The parsed arguments; fields are `None` when missing or invalid.
#[derive(Default)]
pub(crate) struct PipelineArgs {
    pub(crate) key: Option<LitStr>,
    pub(crate) interval_millis: Option<u64>,
    pub(crate) krate: Option<Path>,
    /// `each = T`: the function is a family, one pipeline per entry of type `T`.
    pub(crate) each: Option<Type>,
    /// `restart = "on-failure"` and its bounds.
    pub(crate) restart: RestartArgs,
}

/// One `name = value` or bare `name` as written.
struct RawArgs(Punctuated<Meta, Token![,]>);

impl Parse for RawArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        Punctuated::parse_terminated(input).map(Self)
    }
}

impl PipelineArgs {
    /// Parses `args`, recording every problem found in `errors`.
    pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> Self {
        let mut parsed = Self::default();
        let raw = match RawArgs::parse.parse2(args.clone()) {
            Ok(raw) => raw,
            Err(error) => {
                // A bare literal, as in `#[pipeline("orders")]`, is the likely slip.
                match args.into_iter().next() {
                    Some(proc_macro2::TokenTree::Literal(literal)) => errors.error(
                        literal,
                        "`#[pipeline]` takes named arguments: write `#[pipeline(key = \"...\")]`",
                    ),
                    _ => errors.push(error),
                }
                return parsed;
            }
        };
        let mut seen: Vec<String> = Vec::new();
        let mut key_misspelt = false;
        for meta in &raw.0 {
            let path = meta.path();
            let Some(name) = path.get_ident().map(ToString::to_string).or_else(|| {
                // `crate` is a keyword, not an ident.
                (path.segments.len() == 1 && path.segments[0].ident == "crate").then(|| "crate".to_owned())
            }) else {
                errors.error(path, "expected an argument name such as `key`");
                continue;
            };
            if !ARGUMENTS.contains(&name.as_str()) {
                key_misspelt |= topology_common::closest(&name, ARGUMENTS) == Some("key");
                errors.error(path, suggest::unknown("argument", &name, ARGUMENTS));
                continue;
            }
            if seen.contains(&name) {
                errors.error(path, format!("`{name}` specified more than once"));
                continue;
            }
            seen.push(name.clone());
            if name == "each" {
                parsed.each = type_value(meta, errors);
                continue;
            }
            if restart::NAMES.contains(&name.as_str()) {
                parsed.restart.read(&name, meta, errors);
                continue;
            }
            let Some(value) = string_value(meta, &name, errors) else {
                continue;
            };
            match name.as_str() {
                "key" => parsed.key = check_key(value, errors),
                "interval" => match topology_common::parse_millis(&value.value()) {
                    Ok(millis) => parsed.interval_millis = Some(millis),
                    Err(message) => errors.error(&value, format!("invalid `interval`: {message}")),
                },
                _ => match value.parse::<Path>() {
                    Ok(path) => parsed.krate = Some(path),
                    Err(_) => errors.error(
                        &value,
                        "`crate` must name a path, such as `crate = \"my_crate::topology\"`",
                    ),
                },
            }
        }
        parsed.restart.check(errors);
        // A misspelt `key` has been reported already, with the right spelling.
        if parsed.key.is_none() && !key_misspelt && !seen.iter().any(|name| name == "key") {
            let span = if raw.0.is_empty() {
                Span::call_site()
            } else {
                raw.0.span()
            };
            errors.push(syn::Error::new(
                span,
                "missing `key`: write `#[pipeline(key = \"...\")]`",
            ));
        }
        parsed
    }
}

/// The type of `each = Type`, or an error saying what to write.
fn type_value(meta: &Meta, errors: &mut Errors) -> Option<Type> {
    const EXAMPLE: &str = "each = Table";
    match meta {
        Meta::NameValue(pair) => match syn::parse2::<Type>(pair.value.to_token_stream()) {
            Ok(ty) => Some(ty),
            Err(_) => {
                errors.error(&pair.value, format!("`each` must name a type: `{EXAMPLE}`"));
                None
            }
        },
        Meta::Path(path) => {
            errors.error(path, format!("`each` requires a type: `{EXAMPLE}`"));
            None
        }
        Meta::List(list) => {
            errors.error(&list.path, format!("`each` takes a type, not a list: `{EXAMPLE}`"));
            None
        }
    }
}

/// The string literal of `name = "..."`, or an error saying what to write.
fn string_value(meta: &Meta, name: &str, errors: &mut Errors) -> Option<LitStr> {
    let example = match name {
        "key" => "key = \"orders\"",
        "interval" => "interval = \"30s\"",
        _ => "crate = \"my_crate::topology\"",
    };
    match meta {
        Meta::NameValue(pair) => match &pair.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(text), ..
            }) => Some(text.clone()),
            Expr::Lit(ExprLit { lit, .. }) => {
                errors.error(lit, format!("`{name}` must be a string literal: `{example}`"));
                None
            }
            other => {
                errors.error(
                    other,
                    format!("`{name}` must be a string literal (constants are not supported): `{example}`"),
                );
                None
            }
        },
        Meta::Path(path) => {
            errors.error(path, format!("`{name}` requires a value: `{example}`"));
            None
        }
        Meta::List(list) => {
            errors.error(&list.path, format!("`{name}` takes a value, not a list: `{example}`"));
            None
        }
    }
}

/// Keys appear in logs, metric labels and shard hashing: keep them plain.
fn check_key(key: LitStr, errors: &mut Errors) -> Option<LitStr> {
    let text = key.value();
    if text.is_empty() {
        errors.error(&key, "pipeline key must not be empty");
        return None;
    }
    if let Some(bad) = text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        let what = if bad.is_alphanumeric() {
            format!("the non-ASCII letter `{bad}`; keys are ASCII: use only `A`-`Z`, `a`-`z`, digits, `.`, `_` and `-`")
        } else if bad.is_control() || bad.is_whitespace() {
            format!("{bad:?}; use only ASCII letters, digits, `.`, `_` and `-`")
        } else {
            format!("`{bad}`; use only ASCII letters, digits, `.`, `_` and `-`")
        };
        errors.error(
            &key,
            format!("pipeline key \"{}\" contains {what}", text.escape_debug()),
        );
        return None;
    }
    // The rule the runtime applies to every name that becomes a key.
    if let Some(rule) = topology_common::name_problem(&text) {
        errors.error(
            &key,
            format!("invalid pipeline key \"{}\": {rule}", text.escape_debug()),
        );
        return None;
    }
    Some(key)
}
