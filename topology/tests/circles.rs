//! No import circles: within each crate of the workspace, the modules'
//! imports (`crate::`, `super::` and `self::` paths, `use` or inline) form
//! no cycle, so that every module can be read after the ones it uses.

#![allow(clippy::unwrap_used)] // tests fail loudly by design

mod sources;

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
};

use sources::{code, rust_files};

/// The module a file defines: `runtime/runner/mod.rs` is `runtime::runner`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The paths of a use tree starting at `text` (after `crate::` or the like):
/// `a::{b::C, d}` gives `a::b::C` and `a::d`.
fn use_tree(text: &str, prefix: &[String], paths: &mut Vec<Vec<String>>) -> usize {
    let bytes: Vec<char> = text.chars().collect();
    let mut at = 0;
    let mut path = prefix.to_vec();
    loop {
        while at < bytes.len() && bytes[at].is_whitespace() {
            at += 1;
        }
        if at < bytes.len() && bytes[at] == '{' {
            at += 1;
            loop {
                let rest: String = bytes[at..].iter().collect();
                at += use_tree(&rest, &path, paths);
                while at < bytes.len() && (bytes[at].is_whitespace() || bytes[at] == ',') {
                    at += 1;
                }
                if at >= bytes.len() || bytes[at] == '}' {
                    return at + 1;
                }
            }
        }
        let start = at;
        while at < bytes.len() && (bytes[at].is_alphanumeric() || bytes[at] == '_') {
            at += 1;
        }
        if at == start {
            paths.push(path);
            return at;
        }
        path.push(bytes[start..at].iter().collect());
        if bytes.get(at) == Some(&':') && bytes.get(at + 1) == Some(&':') {
            at += 2;
        } else {
            paths.push(path);
            return at;
        }
    }
}

/// Every path the code names from its own crate, made absolute. (`super`
/// is the parent of the file's module, whether the file is `mod.rs` or not.)
fn imports(code: &str, module: &[String]) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(['c', 's']) {
        let candidate = &rest[at..];
        let boundary = at == 0 || !rest[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':');
        let base: Option<(Vec<String>, usize)> = if !boundary {
            None
        } else if candidate.starts_with("crate::") {
            Some((Vec::new(), "crate::".len()))
        } else if candidate.starts_with("super::") {
            // A file's `super` is its parent module; `mod.rs` is its directory's module.
            let mut parent = module.to_vec();
            parent.pop();
            Some((parent, "super::".len()))
        } else if candidate.starts_with("self::") {
            Some((module.to_vec(), "self::".len()))
        } else {
            None
        };
        match base {
            Some((prefix, skip)) => {
                let consumed = use_tree(&candidate[skip..], &prefix, &mut paths);
                rest = &candidate[skip + consumed.min(candidate.len() - skip)..];
            }
            None => rest = &rest[at + 1..],
        }
    }
    paths
}

/// The circles among the modules of a crate's sources.
fn cycles_in(src: &Path) -> Vec<Vec<String>> {
    let files = rust_files(src);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|file| module_of(src, file)).collect();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for file in &files {
        let module = module_of(src, file);
        for path in imports(&code(file), &module) {
            // The longest prefix that is a module of the crate.
            let target = (1..=path.len())
                .rev()
                .map(|len| path[..len].to_vec())
                .find(|prefix| modules.contains(prefix));
            if let Some(target) = target
                && target != module
            {
                edges.entry(module.clone()).or_default().insert(target);
            }
        }
    }
    circles(&modules, &edges)
}

/// Every circle: the modules of each strongly connected component of more
/// than one module (Tarjan's algorithm, recursive: the graphs are small).
fn circles(modules: &BTreeSet<Vec<String>>, edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<String>> {
    #[derive(Default)]
    struct Search {
        index: BTreeMap<Vec<String>, usize>,
        low: BTreeMap<Vec<String>, usize>,
        stack: Vec<Vec<String>>,
        found: Vec<Vec<String>>,
    }
    fn connect(node: &Vec<String>, edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>, search: &mut Search) {
        let index = search.index.len();
        search.index.insert(node.clone(), index);
        search.low.insert(node.clone(), index);
        search.stack.push(node.clone());
        for next in edges.get(node).into_iter().flatten() {
            if !search.index.contains_key(next) {
                connect(next, edges, search);
                let low = search.low[node].min(search.low[next]);
                search.low.insert(node.clone(), low);
            } else if search.stack.contains(next) {
                let low = search.low[node].min(search.index[next]);
                search.low.insert(node.clone(), low);
            }
        }
        if search.low[node] == search.index[node] {
            let at = search.stack.iter().position(|seen| seen == node).unwrap();
            let component: Vec<String> = search.stack.drain(at..).map(|module| module.join("::")).collect();
            if component.len() > 1 {
                search.found.push(component);
            }
        }
    }
    let mut search = Search::default();
    for module in modules {
        if !search.index.contains_key(module) {
            connect(module, edges, &mut search);
        }
    }
    search.found
}

fn crate_src(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name).join("src")
}

#[test]
fn no_module_of_the_runtime_or_the_program_imports_in_a_circle() {
    assert_eq!(cycles_in(&crate_src("topology")), Vec::<Vec<String>>::new());
}

#[test]
fn no_module_of_the_macros_imports_in_a_circle() {
    assert_eq!(cycles_in(&crate_src("topology-macros")), Vec::<Vec<String>>::new());
}

#[test]
fn no_module_of_the_shared_crate_imports_in_a_circle() {
    assert_eq!(cycles_in(&crate_src("topology-common")), Vec::<Vec<String>>::new());
}

#[test]
fn the_checker_reads_trees_and_relative_paths() {
    let module = ["runtime".to_owned(), "runner".to_owned(), "running".to_owned()];
    let paths = imports(
        "use crate::{program::x::{A, B}, runtime::y};\nlet a = crate::z::f();\nuse super::spawner::S;",
        &module,
    );
    let joined: Vec<String> = paths.iter().map(|path| path.join("::")).collect();
    assert_eq!(
        joined,
        [
            "program::x::A",
            "program::x::B",
            "runtime::y",
            "z::f",
            "runtime::runner::spawner::S"
        ]
    );
    // A circle of two files is found.
    let dir = tempfile_dir();
    fs::write(dir.join("lib.rs"), "mod a;\nmod b;\n").unwrap();
    fs::write(dir.join("a.rs"), "use crate::b::B;\npub struct A;\n").unwrap();
    fs::write(dir.join("b.rs"), "use crate::a::A;\npub struct B;\n").unwrap();
    let found = cycles_in(&dir);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].len(), 2, "{found:?}");
    fs::remove_dir_all(&dir).unwrap();
}

fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("topology-circles-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    dir
}
