//! The names of `PipelineId`'s variants, derived from the functions'.

use syn::{Ident, ext::IdentExt};

use super::model::Listed;

/// One variant per pipeline, named after its function in UpperCamelCase.
/// Functions of the same name in different modules are told apart by their
/// whole path; names that still meet (`events_2024` and `events2024`) get a
/// numeric suffix, in the order listed, so every variant is distinct.
pub(super) fn variant_names(pipelines: &[Listed]) -> Vec<Ident> {
    let last = |listed: &Listed| {
        listed
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default()
    };
    let mut taken: Vec<String> = Vec::new();
    pipelines
        .iter()
        .map(|listed| {
            let name = last(listed);
            let clashes = pipelines.iter().filter(|other| last(other) == name).count() > 1;
            let base = if clashes {
                let whole: Vec<String> = listed
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.unraw().to_string())
                    .collect();
                camel_case(&whole.join("_"))
            } else {
                camel_case(&name)
            };
            let mut text = base.clone();
            let mut suffix = 2;
            while taken.contains(&text) {
                // `Events2024` + 2 would read as one number: separate them.
                let separator = if base.ends_with(|c: char| c.is_ascii_digit()) {
                    "_"
                } else {
                    ""
                };
                text = format!("{base}{separator}{suffix}");
                suffix += 1;
            }
            taken.push(text.clone());
            Ident::new(&text, listed.name_span())
        })
        .collect()
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
