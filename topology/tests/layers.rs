//! The crate's two layers, checked on its source: the runtime never reaches
//! into the program layer, and every module imports an item from the module
//! that defines it, never through the crate root's re-exports.

#![allow(clippy::unwrap_used)] // tests fail loudly by design

mod sources;

use std::path::{Path, PathBuf};

use sources::{code, rust_files};

/// The first path segment of every `crate::` path in `code`, a group
/// `crate::{a::x, b}` giving each of its top-level members (`a`, `b`).
fn crate_roots(code: &str) -> Vec<String> {
    let mut roots = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut member = String::new();
            let mut at_member_start = true;
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 1 => {
                        if !member.is_empty() {
                            roots.push(std::mem::take(&mut member));
                        }
                        at_member_start = true;
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 {
                    break;
                }
                if depth == 1 && at_member_start {
                    if c.is_alphanumeric() || c == '_' {
                        member.push(c);
                    } else if !member.is_empty() {
                        roots.push(std::mem::take(&mut member));
                        at_member_start = false;
                    }
                }
            }
            if !member.is_empty() {
                roots.push(member);
            }
        } else {
            let root: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            roots.push(root);
        }
    }
    roots
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn the_runtime_never_imports_from_the_program_layer() {
    let runtime = rust_files(&src().join("runtime"));
    assert!(runtime.len() > 10, "the runtime's modules are under src/runtime");
    for file in runtime {
        let code = code(&file);
        let roots = crate_roots(&code);
        assert!(
            !roots.iter().any(|root| root == "program"),
            "{} imports from the program layer",
            file.display()
        );
        assert!(
            !code.contains("super::super") && !code.contains("__private"),
            "{} reaches outside the runtime",
            file.display()
        );
    }
}

#[test]
fn modules_import_from_the_module_that_defines_an_item() {
    let files: Vec<PathBuf> = rust_files(&src())
        .into_iter()
        .filter(|file| file.file_name().is_some_and(|name| name != "lib.rs"))
        .collect();
    assert!(files.len() > 20);
    for file in files {
        for root in crate_roots(&code(&file)) {
            assert!(
                root == "runtime" || root == "program",
                "{} names `crate::{root}`: import from the defining module (`crate::runtime::...` or `crate::program::...`)",
                file.display()
            );
        }
    }
}

#[test]
fn the_checker_sees_grouped_and_plain_paths() {
    let roots = crate_roots("use crate::{program::x::{A, B}, runtime::y};\nlet a = crate::Foo::new();");
    assert_eq!(roots, ["program", "runtime", "Foo"]);
    assert_eq!(
        crate_roots("use crate::{\n    TopologyError,\n    runtime::a,\n};"),
        ["TopologyError", "runtime"]
    );
}
