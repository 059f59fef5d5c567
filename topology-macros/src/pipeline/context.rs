//! Where the annotated function sits. An attribute sees only its item, so a
//! function inside an `impl` block would get the hidden struct beside it and
//! the compiler's "struct is not supported in `impl`s". The source file says
//! where it is, so the user is told what to do instead.

use std::{
    collections::HashMap,
    path::PathBuf,
    sync::{Mutex, PoisonError},
    time::SystemTime,
};

use syn::{ImplItem, Item};

/// Each file's `#[pipeline]` functions found inside `impl` blocks, by the
/// file's path, size and modification time (the macro server outlives an
/// edit in an IDE).
type Cache = HashMap<(PathBuf, u64, Option<SystemTime>), Vec<String>>;

static IN_IMPLS: Mutex<Option<Cache>> = Mutex::new(None);

/// Whether the `#[pipeline]` function `name`, whose name token is `span`,
/// is written inside an `impl` block. `false` whenever that cannot be told.
pub(crate) fn in_impl_block(name: &syn::Ident) -> bool {
    if !proc_macro::is_available() {
        return false;
    }
    let Some(path) = name.span().unwrap().local_file() else {
        return false;
    };
    let Ok(metadata) = std::fs::metadata(&path) else {
        return false;
    };
    let key = (path, metadata.len(), metadata.modified().ok());
    let mut cache = IN_IMPLS.lock().unwrap_or_else(PoisonError::into_inner);
    let cache = cache.get_or_insert_with(HashMap::new);
    if !cache.contains_key(&key) {
        let found = std::fs::read_to_string(&key.0)
            .ok()
            .and_then(|text| syn::parse_file(&text).ok())
            .map(|file| {
                let mut found = Vec::new();
                collect(&file.items, &mut found);
                found
            })
            .unwrap_or_default();
        cache.insert(key.clone(), found);
    }
    let name = name.to_string();
    cache.get(&key).is_some_and(|found| found.contains(&name))
}

/// The names of `#[pipeline]` functions in `impl` blocks among `items`,
/// looking into inline modules and function bodies.
fn collect(items: &[Item], found: &mut Vec<String>) {
    for item in items {
        match item {
            Item::Impl(block) => {
                for item in &block.items {
                    if let ImplItem::Fn(function) = item
                        && function.attrs.iter().any(super::is_pipeline_attribute)
                    {
                        found.push(function.sig.ident.to_string());
                    }
                }
            }
            Item::Mod(module) => {
                if let Some((_, items)) = &module.content {
                    collect(items, found);
                }
            }
            Item::Fn(function) => {
                let items: Vec<Item> = function
                    .block
                    .stmts
                    .iter()
                    .filter_map(|stmt| match stmt {
                        syn::Stmt::Item(item) => Some(item.clone()),
                        _ => None,
                    })
                    .collect();
                collect(&items, found);
            }
            _ => {}
        }
    }
}
