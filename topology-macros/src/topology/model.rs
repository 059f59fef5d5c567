//! The checked meaning of a `topology!` invocation.

use std::net::SocketAddr;

use proc_macro2::{Delimiter, Span, TokenTree};
use quote::ToTokens;
use syn::{Expr, Lit, LitStr, Path, Token, parse::Parser, punctuated::Punctuated, spanned::Spanned};

use super::ast::{Field, Fields, group};
use crate::{errors::Errors, paths::hidden_struct, suggest};

const FIELDS: &[&str] = &[
    "typetag",
    "metrics",
    "global",
    "state",
    "instances",
    "main",
    "crate",
    "pipelines",
];
const GLOBAL: &[&str] = &[
    "poll_jitter_secs",
    "total_concurrency",
    "connection_pooling",
    "shutdown_timeout_secs",
];

/// Where metrics are served, as written.
pub(crate) enum Metrics {
    Off,
    Listen(SocketAddr),
}

/// The `global { ... }` settings given.
#[derive(Default)]
pub(crate) struct Global {
    pub(crate) poll_jitter_secs: Option<u64>,
    pub(crate) total_concurrency: Option<u64>,
    pub(crate) connection_pooling: Option<bool>,
    pub(crate) shutdown_timeout_secs: Option<u64>,
}

/// A listed pipeline: its path and the name to show for it.
pub(crate) struct Listed {
    pub(crate) path: Path,
    pub(crate) display: String,
}

impl Listed {
    /// The path of the hidden struct `#[pipeline]` put beside the function,
    /// spanned at the function's name so that errors point there.
    pub(crate) fn info_path(&self) -> Path {
        let mut path = self.path.clone();
        if let Some(last) = path.segments.last_mut() {
            let mut hidden = hidden_struct(&last.ident);
            hidden.set_span(last.ident.span());
            last.ident = hidden;
        }
        path
    }

    /// The last segment: the function's name, where errors about it point.
    pub(crate) fn name_span(&self) -> Span {
        self.path
            .segments
            .last()
            .map_or_else(|| self.path.span(), |segment| segment.ident.span())
    }
}

/// Everything `topology!` was given, checked.
pub(crate) struct Topology {
    pub(crate) typetag: Option<LitStr>,
    pub(crate) metrics: Option<Metrics>,
    pub(crate) global: Global,
    pub(crate) state: Option<Expr>,
    /// YAML text with default entries for the pipeline families.
    pub(crate) instances: Option<Expr>,
    pub(crate) main: bool,
    pub(crate) krate: Option<Path>,
    pub(crate) pipelines: Vec<Listed>,
}

impl Topology {
    /// Reads and checks every field, recording each problem in `errors`.
    pub(crate) fn from_fields(fields: Fields, errors: &mut Errors) -> Self {
        let mut topology = Self {
            typetag: None,
            metrics: None,
            global: Global::default(),
            state: None,
            instances: None,
            main: true,
            krate: None,
            pipelines: Vec::new(),
        };
        let mut seen: Vec<String> = Vec::new();
        let mut has_pipelines = false;
        for field in &fields.0 {
            let Some(name) = accept(field, FIELDS, "field", &mut seen, errors) else {
                continue;
            };
            match name.as_str() {
                "typetag" => topology.typetag = typetag(field, errors),
                "metrics" => topology.metrics = metrics(field, errors),
                "global" => topology.global = global(field, errors),
                "state" => match syn::parse2::<Expr>(field.value.clone()) {
                    Ok(expr) => topology.state = Some(expr),
                    Err(error) => errors.push(syn::Error::new(
                        error.span(),
                        format!("`state` must be an expression: {error}"),
                    )),
                },
                "instances" => match syn::parse2::<Expr>(field.value.clone()) {
                    Ok(expr) => topology.instances = Some(expr),
                    Err(_) => errors.error(
                        field.value_tokens(),
                        "`instances` must be YAML text with a `pipelines:` section, such as `instances: include_str!(\"tables.yaml\")`",
                    ),
                },
                "main" => topology.main = boolean(field, errors).unwrap_or(true),
                "crate" => match syn::parse2::<Path>(field.value.clone()) {
                    Ok(path) => topology.krate = Some(path),
                    Err(_) => errors.error(
                        field.value_tokens(),
                        "`crate` must be a path, such as `crate: my_crate::topology`",
                    ),
                },
                _ => {
                    has_pipelines = true;
                    topology.pipelines = pipelines(field, errors);
                }
            }
        }
        if !has_pipelines {
            errors.push(syn::Error::new(
                Span::call_site(),
                "missing `pipelines: [...]`: list the `#[pipeline]` functions this topology runs",
            ));
        }
        topology
    }
}

/// The field's name if it is one of `known` and not seen before; otherwise
/// the error (with a suggestion for a misspelling) is recorded.
fn accept(field: &Field, known: &[&str], what: &str, seen: &mut Vec<String>, errors: &mut Errors) -> Option<String> {
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

fn typetag(field: &Field, errors: &mut Errors) -> Option<LitStr> {
    match syn::parse2::<LitStr>(field.value.clone()) {
        Ok(text) if text.value().is_empty() => {
            errors.error(&text, "`typetag` must not be empty");
            None
        }
        Ok(text) => Some(text),
        Err(_) => {
            errors.error(
                field.value_tokens(),
                "`typetag` must be a string literal, such as `typetag: \"table\"`",
            );
            None
        }
    }
}

fn metrics(field: &Field, errors: &mut Errors) -> Option<Metrics> {
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
    if value.eq_ignore_ascii_case("off") {
        return Some(Metrics::Off);
    }
    let resolved = value
        .strip_prefix("localhost:")
        .map_or_else(|| value.clone(), |port| format!("127.0.0.1:{port}"));
    match resolved.parse() {
        Ok(address) => Some(Metrics::Listen(address)),
        Err(_) => {
            errors.error(
                &text,
                format!("invalid metrics address \"{}\"; {help}", value.escape_default()),
            );
            None
        }
    }
}

fn global(field: &Field, errors: &mut Errors) -> Global {
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
    let mut seen: Vec<String> = Vec::new();
    for entry in &fields.0 {
        let Some(name) = accept(entry, GLOBAL, "setting", &mut seen, errors) else {
            continue;
        };
        match name.as_str() {
            "poll_jitter_secs" => settings.poll_jitter_secs = whole_number(entry, errors),
            "total_concurrency" => {
                settings.total_concurrency = whole_number(entry, errors).and_then(|limit| {
                    if limit == 0 {
                        errors.error(
                            entry.value_tokens(),
                            "`total_concurrency` must be at least 1; leave it out for no limit",
                        );
                        None
                    } else {
                        Some(limit)
                    }
                });
            }
            "connection_pooling" => settings.connection_pooling = boolean(entry, errors),
            _ => settings.shutdown_timeout_secs = whole_number(entry, errors),
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

fn boolean(field: &Field, errors: &mut Errors) -> Option<bool> {
    match syn::parse2::<syn::LitBool>(field.value.clone()) {
        Ok(value) => Some(value.value),
        Err(_) => {
            let name = field.name();
            errors.error(field.value_tokens(), format!("`{name}` must be `true` or `false`"));
            None
        }
    }
}

fn pipelines(field: &Field, errors: &mut Errors) -> Vec<Listed> {
    let Some(group) = group(&field.value, Delimiter::Bracket) else {
        errors.error(
            field.value_tokens(),
            "`pipelines` must be a list: `pipelines: [orders, events]`",
        );
        return Vec::new();
    };
    let items = match Punctuated::<ListItem, Token![,]>::parse_terminated.parse2(group.stream()) {
        Ok(items) => items,
        Err(error) => {
            errors.push(error);
            return Vec::new();
        }
    };
    let mut paths = Vec::new();
    for item in items {
        if let Some(attr) = item.attrs.first() {
            errors.error(
                attr,
                "attributes such as `#[cfg]` are not supported in `pipelines: [...]`; write one `topology!` per configuration, each under its own `#[cfg(...)]`",
            );
        }
        paths.push(item.path);
    }
    if paths.is_empty() {
        errors.push(syn::Error::new(
            group.span(),
            "`pipelines` is empty: list at least one `#[pipeline]` function, as in `pipelines: [orders]`",
        ));
    }
    let mut listed: Vec<Listed> = Vec::new();
    for path in paths {
        let display = path.to_token_stream().to_string().replace(' ', "");
        if listed.iter().any(|earlier| earlier.display == display) {
            errors.error(&path, format!("pipeline `{display}` is listed twice; remove one"));
            continue;
        }
        listed.push(Listed { path, display });
    }
    listed
}

/// One element of `pipelines: [...]`: a path, with any attributes written
/// before it (which are rejected with a message, not a parse error).
struct ListItem {
    attrs: Vec<syn::Attribute>,
    path: Path,
}

impl syn::parse::Parse for ListItem {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        Ok(Self {
            attrs: input.call(syn::Attribute::parse_outer)?,
            path: input.parse()?,
        })
    }
}

/// `orders` → `Orders`, `load_events` → `LoadEvents`, `éclair` → `Éclair`,
/// `r#type` → `Type`, `_2fa_audit` → `_2faAudit`: always an identifier that
/// `non_camel_case_types` accepts.
pub(crate) fn camel_case(name: &str) -> String {
    let name = name.strip_prefix("r#").unwrap_or(name);
    let camel: String = name
        .split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().collect::<String>() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    if camel.is_empty() {
        return "Pipeline".to_owned();
    }
    // A part may start with a character that cannot start an identifier (a
    // digit), and `self_` gives the keyword `Self`: a leading `_` makes
    // either an identifier, and keeps the lint quiet.
    if syn::parse_str::<syn::Ident>(&camel).is_ok() {
        camel
    } else {
        format!("_{camel}")
    }
}
