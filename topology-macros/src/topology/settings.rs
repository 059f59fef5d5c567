//! The settings fields of `topology!`: `metrics` and `global { ... }`,
//! checked when the macro runs, and the code that applies them.

use std::net::SocketAddr;

use proc_macro2::{Delimiter, TokenTree};
use syn::{Lit, LitStr, spanned::Spanned};

use super::ast::{Field, Fields, accept, group};
// The runtime's global settings: its tests check this list against their
// one declaration.
use topology_common::{GLOBAL_SETTINGS as GLOBAL, SettingKind};

use crate::errors::Errors;

/// Where metrics are served, as written.
pub(crate) enum Metrics {
    Off,
    Listen(SocketAddr),
}

/// One checked value of `global { ... }`.
pub(crate) enum Value {
    WholeNumber(u64),
    /// With where it was written: its upper bound is the target's, checked
    /// by the compiler at that place.
    Limit(u64, proc_macro2::Span),
    Switch(bool),
    /// `true` for `shutdown`, `false` for `isolate`.
    FailureShutdown(bool),
}

/// The `global { ... }` settings given, each checked as its kind.
#[derive(Default)]
pub(crate) struct Global(pub(crate) Vec<(syn::Ident, Value)>);

pub(super) fn metrics(field: &Field, errors: &mut Errors) -> Option<Metrics> {
    if let Ok(ident) = syn::parse2::<syn::Ident>(field.value.clone())
        && ident == "off"
    {
        return Some(Metrics::Off);
    }
    let help = "`metrics` must be `off` or an address with a port, such as `metrics: \"0.0.0.0:9090\"`";
    let Ok(text) = syn::parse2::<LitStr>(field.value.clone()) else {
        errors.error(field.value_tokens(), help);
        return None;
    };
    let value = text.value();
    // The runtime's own parser, so that what compiles is what runs.
    match topology_common::parse_metrics_address(&value) {
        Ok(None) => Some(Metrics::Off),
        Ok(Some(address)) => Some(Metrics::Listen(address)),
        Err(_) => {
            errors.error(
                &text,
                format!("invalid metrics address \"{}\"; {help}", value.escape_default()),
            );
            None
        }
    }
}

pub(super) fn global(field: &Field, errors: &mut Errors) -> Global {
    let mut settings = Global::default();
    let Some(group) = group(&field.value, Delimiter::Brace) else {
        errors.error(
            field.value_tokens(),
            "`global` must be a block: `global: { poll_jitter_secs: 10, ... }`",
        );
        return settings;
    };
    let fields = match syn::parse2::<Fields>(group.stream()) {
        Ok(fields) => fields,
        Err(error) => {
            errors.push(error);
            return settings;
        }
    };
    let names: Vec<&str> = GLOBAL.iter().map(|(name, _)| *name).collect();
    let mut seen: Vec<String> = Vec::new();
    for entry in &fields.0 {
        let Some(name) = accept(entry, &names, "setting", &mut seen, errors) else {
            continue;
        };
        let Some((_, kind)) = GLOBAL.iter().find(|(known, _)| *known == name) else {
            continue;
        };
        let value = match kind {
            SettingKind::WholeNumber => whole_number(entry, errors).map(Value::WholeNumber),
            SettingKind::Limit => whole_number(entry, errors).and_then(|limit| {
                if limit == 0 {
                    errors.error(
                        entry.value_tokens(),
                        format!("`{name}` must be at least 1; leave it out for no limit"),
                    );
                    None
                } else {
                    Some(Value::Limit(limit, entry.value_tokens().span()))
                }
            }),
            SettingKind::Switch => boolean(entry, errors).map(Value::Switch),
            SettingKind::FailurePolicy => failure_policy(entry, errors).map(Value::FailureShutdown),
        };
        if let Some(value) = value {
            settings.0.push((syn::Ident::new(&name, entry.name.span()), value));
        }
    }
    settings
}

fn whole_number(field: &Field, errors: &mut Errors) -> Option<u64> {
    let name = field.name();
    let mut tokens = field.value.clone().into_iter();
    if let (Some(TokenTree::Punct(minus)), Some(_)) = (tokens.next(), tokens.next())
        && minus.as_char() == '-'
    {
        errors.error(field.value_tokens(), format!("`{name}` must not be negative"));
        return None;
    }
    match syn::parse2::<Lit>(field.value.clone()) {
        Ok(Lit::Int(int)) => match int.base10_parse::<u64>() {
            Ok(value) => Some(value),
            Err(error) => {
                errors.error(&int, format!("`{name}`: {error}"));
                None
            }
        },
        Ok(Lit::Float(float)) => {
            errors.error(&float, format!("`{name}` must be a whole number"));
            None
        }
        _ => {
            errors.error(
                field.value_tokens(),
                format!("`{name}` must be a whole number, such as `{name}: 10`"),
            );
            None
        }
    }
}

/// `failure_policy: isolate` or `shutdown` (a word or a string).
fn failure_policy(field: &Field, errors: &mut Errors) -> Option<bool> {
    let word = syn::parse2::<syn::Ident>(field.value.clone())
        .map(|ident| ident.to_string())
        .or_else(|_| syn::parse2::<LitStr>(field.value.clone()).map(|text| text.value()));
    match word.as_deref() {
        Ok("isolate") => Some(false),
        Ok("shutdown") => Some(true),
        _ => {
            errors.error(
                field.value_tokens(),
                "`failure_policy` must be `isolate` (the others keep running) or `shutdown` (stop the topology)",
            );
            None
        }
    }
}

pub(super) fn boolean(field: &Field, errors: &mut Errors) -> Option<bool> {
    match syn::parse2::<syn::LitBool>(field.value.clone()) {
        Ok(value) => Some(value.value),
        Err(_) => {
            let name = field.name();
            errors.error(field.value_tokens(), format!("`{name}` must be `true` or `false`"));
            None
        }
    }
}
