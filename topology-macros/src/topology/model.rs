//! The checked meaning of a `topology!` invocation.

use proc_macro2::{Delimiter, Span};
use quote::ToTokens;
use syn::{Expr, LitStr, Path, Token, parse::Parser, punctuated::Punctuated, spanned::Spanned};

use super::{
    ast::{Field, Fields, accept, group},
    settings::{Global, Metrics, boolean, global, metrics},
};
use crate::{errors::Errors, paths::hidden_struct};

const FIELDS: &[&str] = &[
    "typetag",
    "description",
    "metrics",
    "global",
    "state",
    "app",
    "instances",
    "main",
    "crate",
    "pipelines",
];
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
    /// What the program does, for `--help`.
    pub(crate) description: Option<LitStr>,
    pub(crate) metrics: Option<Metrics>,
    pub(crate) global: Global,
    pub(crate) state: Option<Expr>,
    /// The type of the application's own settings.
    pub(crate) app: Option<syn::Type>,
    /// YAML text with default entries for the pipeline families.
    pub(crate) instances: Option<Expr>,
    /// The families the `instances:` text lists, when the macro could read it.
    pub(crate) instance_families: Vec<String>,
    pub(crate) main: bool,
    pub(crate) krate: Option<Path>,
    pub(crate) pipelines: Vec<Listed>,
}

impl Topology {
    /// Reads and checks every field, recording each problem in `errors`.
    pub(crate) fn from_fields(fields: Fields, errors: &mut Errors) -> Self {
        let mut topology = Self {
            typetag: None,
            description: None,
            metrics: None,
            global: Global::default(),
            state: None,
            app: None,
            instances: None,
            instance_families: Vec::new(),
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
                "description" => match syn::parse2::<LitStr>(field.value.clone()) {
                    Ok(text) => topology.description = Some(text),
                    Err(_) => errors.error(
                        field.value_tokens(),
                        "`description` must be a string literal, such as `description: \"Ingests the lake's tables\"`",
                    ),
                },
                "metrics" => topology.metrics = metrics(field, errors),
                "global" => topology.global = global(field, errors),
                "state" => match syn::parse2::<Expr>(field.value.clone()) {
                    Ok(expr) => topology.state = Some(expr),
                    Err(error) => errors.push(syn::Error::new(
                        error.span(),
                        format!("`state` must be an expression: {error}"),
                    )),
                },
                "app" => match syn::parse2::<syn::Type>(field.value.clone()) {
                    Ok(ty) => topology.app = Some(ty),
                    Err(_) => errors.error(
                        field.value_tokens(),
                        "`app` must be the type of the application's settings, such as `app: AppSettings`",
                    ),
                },
                "instances" => match syn::parse2::<Expr>(field.value.clone()) {
                    Ok(expr) => {
                        topology.instance_families = super::instances::check(&expr, errors);
                        topology.instances = Some(expr);
                    }
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
