//! `restart = "on-failure"` and its bounds: `max_restarts`,
//! `restart_window`, `backoff_min`, `backoff_max`, checked when the macro
//! runs, as `interval` is.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Expr, ExprLit, Lit, LitStr, Meta};

use crate::errors::Errors;

/// The restart arguments given; durations in milliseconds.
#[derive(Default)]
pub(crate) struct RestartArgs {
    /// `restart = "on-failure"` was given (and valid).
    pub(crate) on_failure: bool,
    pub(crate) max_restarts: Option<u32>,
    pub(crate) window_millis: Option<u64>,
    pub(crate) backoff_min_millis: Option<u64>,
    pub(crate) backoff_max_millis: Option<u64>,
    /// The first bound given, for an error when `restart` is missing.
    first_bound: Option<proc_macro2::Span>,
    /// Where `backoff_min` and `backoff_max` were given, for an error about
    /// the two.
    backoff_spans: Vec<proc_macro2::Span>,
}

/// The argument names this module reads.
pub(crate) const NAMES: &[&str] = &[
    "restart",
    "max_restarts",
    "restart_window",
    "backoff_min",
    "backoff_max",
];

impl RestartArgs {
    /// Reads one argument named `name` (one of [`NAMES`]).
    pub(crate) fn read(&mut self, name: &str, meta: &Meta, errors: &mut Errors) {
        if name != "restart" && self.first_bound.is_none() {
            self.first_bound = Some(syn::spanned::Spanned::span(meta.path()));
        }
        if name == "max_restarts" {
            self.max_restarts = count(meta, errors);
            return;
        }
        let Some(text) = literal(meta, name, errors) else {
            return;
        };
        if name == "restart" {
            match text.value().as_str() {
                "on-failure" => self.on_failure = true,
                "never" => {}
                other => errors.error(
                    &text,
                    format!("unknown restart policy \"{}\"; write `restart = \"on-failure\"` (or leave it out: a failed pipeline then stays failed)", other.escape_debug()),
                ),
            }
            return;
        }
        let millis = match topology_common::parse_millis(&text.value()) {
            Ok(millis) => Some(millis),
            Err(message) => {
                errors.error(&text, format!("invalid `{name}`: {message}"));
                None
            }
        };
        if name.starts_with("backoff_") {
            self.backoff_spans.push(syn::spanned::Spanned::span(meta));
        }
        match name {
            "restart_window" => self.window_millis = millis,
            "backoff_min" => self.backoff_min_millis = millis,
            _ => self.backoff_max_millis = millis,
        }
    }

    /// Checks the arguments together.
    pub(crate) fn check(&self, errors: &mut Errors) {
        if let Some(span) = self.first_bound
            && !self.on_failure
        {
            errors.push(syn::Error::new(
                span,
                "restart bounds need a restart policy: add `restart = \"on-failure\"`",
            ));
        }
        if let (Some(min), Some(max)) = (self.backoff_min_millis, self.backoff_max_millis)
            && min > max
        {
            // At the two bounds, from the first to the last written.
            let first = self.backoff_spans.first().copied();
            let span = first
                .and_then(|first| first.join(*self.backoff_spans.last()?))
                .or(first)
                .unwrap_or_else(proc_macro2::Span::call_site);
            errors.push(syn::Error::new(
                span,
                format!("`backoff_min` ({min} ms) is above `backoff_max` ({max} ms)"),
            ));
        }
    }

    /// The policy as a const expression, or `None`.
    pub(crate) fn policy(&self, private: &TokenStream) -> TokenStream {
        match self.on_failure_policy(private) {
            Some(policy) => quote!(#private::Some(#policy)),
            None => quote!(#private::None),
        }
    }

    /// The policy itself, when there is one.
    fn on_failure_policy(&self, private: &TokenStream) -> Option<TokenStream> {
        if !self.on_failure {
            return None;
        }
        let mut policy = quote!(#private::RestartPolicy::on_failure());
        if let Some(max) = self.max_restarts {
            policy = quote!(#policy.max_restarts(#max));
        }
        if let Some(window) = self.window_millis {
            policy = quote!(#policy.window(#private::Duration::from_millis(#window)));
        }
        if self.backoff_min_millis.is_some() || self.backoff_max_millis.is_some() {
            let defaults = quote!(#private::RestartPolicy::on_failure());
            let min = self.backoff_min_millis.map_or_else(
                || quote!(#defaults.backoff_min),
                |ms| quote!(#private::Duration::from_millis(#ms)),
            );
            let max = self.backoff_max_millis.map_or_else(
                || quote!(#defaults.backoff_max),
                |ms| quote!(#private::Duration::from_millis(#ms)),
            );
            policy = quote!(#policy.backoff(#min, #max));
        }
        Some(policy)
    }
}

/// `max_restarts = 5`: a whole number.
fn count(meta: &Meta, errors: &mut Errors) -> Option<u32> {
    const HELP: &str = "`max_restarts` must be a whole number, such as `max_restarts = 5`";
    match meta {
        Meta::NameValue(pair) => match &pair.value {
            Expr::Lit(ExprLit { lit: Lit::Int(int), .. }) => match int.base10_parse::<u32>() {
                Ok(value) => Some(value),
                Err(error) => {
                    errors.error(int, format!("`max_restarts`: {error}"));
                    None
                }
            },
            other => {
                errors.error(other, HELP);
                None
            }
        },
        other => {
            errors.error(other.path(), HELP);
            None
        }
    }
}

/// `name = "..."`: a string literal.
fn literal(meta: &Meta, name: &str, errors: &mut Errors) -> Option<LitStr> {
    if let Meta::NameValue(pair) = meta
        && let Expr::Lit(ExprLit {
            lit: Lit::Str(text), ..
        }) = &pair.value
    {
        return Some(text.clone());
    }
    let example = if name == "restart" { "\"on-failure\"" } else { "\"30s\"" };
    errors.error(meta, format!("`{name}` must be a string literal: `{name} = {example}`"));
    None
}
