//! The macros never panic: any input, however malformed, gives tokens
//! (possibly `compile_error!`s), never a crash of the compiler's macro host.

use std::panic::{AssertUnwindSafe, catch_unwind};

use proc_macro2::{TokenStream, TokenTree};

const ATTRIBUTES: &[&str] = &[
    r#"key = "orders", interval = "30s", crate = "topology""#,
    r#"key = "", interval = "", crate = """#,
    r#"key, interval, crate"#,
    r#"key = 1, interval = 2.5, crate = 'c'"#,
    r#"key = "a" key = "b""#,
    r#"kye = "x", a::b::c = "y", (), [], {}"#,
    r#"key = "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", interval = "99999999999999999999999h""#,
    r#"= = = , , ,"#,
];

const ITEMS: &[&str] = &[
    "pub async fn orders(ctx: PipelineContext, state: State<AppState>) -> Result<(), E> { ctx.run().await }",
    "async fn f(&self, x: &u8, _: impl Send, (a, b): (u8, u8)) -> impl Sized {}",
    "const async unsafe extern \"C\" fn f<T>(x: T, ...) where T: Send {}",
    "struct S; enum E {} impl X {} trait T {}",
    "#[pipeline(key = \"x\")] #[doc = \"d\"] pub(crate) async fn g() -> () {}",
    "async fn main() -> std::io::Result<()> { Ok(()) }",
    "fn",
    "",
];

const TOPOLOGIES: &[&str] = &[
    r#"typetag: "t", metrics: "0.0.0.0:9090", global: { poll_jitter_secs: 1, total_concurrency: 2, connection_pooling: true, shutdown_timeout_secs: 3 }, state: AppState::new(), main: false, crate: topology, pipelines: [a, b::c]"#,
    r#"typetag: , metrics: off, global: { poll_jitter_secs: -1, total_concurrency: 0, connection_pooling: 1, x: y }, pipelines: []"#,
    r#"metrics: "[::1]:80", metrics: "::1", global: {}, global: [], pipelines: [a a], pipelines: a"#,
    r#"pipelines: [a::, ::b, <T as X>::y], state: , crate: 1"#,
    r#"global: { total_concurrency: 99999999999999999999999999 }, pipelines: [a, a, a]"#,
    r#": : , , pipelines"#,
    r#"typetag: "", main: maybe, unknown: 1, pipelines: [self::a, super::b, crate::c]"#,
];

fn tokens(text: &str) -> TokenStream {
    text.parse().unwrap_or_default()
}

/// Every prefix and every one-token-removed variant of `stream`.
fn mutations(stream: &TokenStream) -> Vec<TokenStream> {
    let flat: Vec<TokenTree> = stream.clone().into_iter().collect();
    let mut out = Vec::new();
    for cut in 0..=flat.len() {
        out.push(flat[..cut].iter().cloned().collect());
        if cut < flat.len() {
            out.push(
                flat.iter()
                    .enumerate()
                    .filter(|(i, _)| *i != cut)
                    .map(|(_, t)| t.clone())
                    .collect(),
            );
        }
    }
    // And the contents of every group on its own.
    for token in &flat {
        if let TokenTree::Group(group) = token {
            out.extend(mutations(&group.stream()));
        }
    }
    out
}

fn assert_no_panic(what: &str, input: &TokenStream, expand: impl FnOnce() -> TokenStream) {
    let result = catch_unwind(AssertUnwindSafe(expand));
    assert!(result.is_ok(), "{what} panicked on input: {input}");
}

#[test]
fn the_attribute_never_panics() {
    for args in ATTRIBUTES {
        for item in ITEMS {
            let (args, item) = (tokens(args), tokens(item));
            for mutated in mutations(&args) {
                assert_no_panic("#[pipeline]", &mutated, || {
                    crate::pipeline::expand(mutated.clone(), item.clone())
                });
            }
            for mutated in mutations(&item) {
                assert_no_panic("#[pipeline]", &mutated, || {
                    crate::pipeline::expand(args.clone(), mutated.clone())
                });
            }
        }
    }
}

#[test]
fn topology_never_panics() {
    for input in TOPOLOGIES {
        for mutated in mutations(&tokens(input)) {
            assert_no_panic("topology!", &mutated, || crate::topology::expand(mutated.clone()));
        }
    }
}

#[test]
fn errors_come_out_as_compile_errors() {
    let out = crate::topology::expand(tokens("pipelines: [], typetg: 1")).to_string();
    assert!(out.contains("compile_error"), "{out}");
    assert!(out.contains("fn main"), "a stub main is always emitted: {out}");
    let out = crate::pipeline::expand(tokens("kye = \"x\""), tokens("async fn orders() {}")).to_string();
    assert!(
        out.contains("compile_error") && out.contains("async fn orders"),
        "{out}"
    );
}
