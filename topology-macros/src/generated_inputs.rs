//! Generated inputs over the identifier space and signature shapes: every
//! `#[pipeline]` + `topology!` pair the generator makes must expand without a
//! panic, to tokens that parse back as Rust items.
//!
//! `cargo test -p topology-macros generated_inputs` runs a bounded number of
//! cases; `TOPOLOGY_GENERATED_CASES=1000000 cargo test --release -p
//! topology-macros generated_inputs` runs a longer search. A failure prints
//! its seed and case, and `TOPOLOGY_GENERATED_SEED` replays one seed.

use std::panic::{AssertUnwindSafe, catch_unwind};

use proc_macro2::TokenStream;

/// Cases per `cargo test` run (a few seconds in a debug build), unless
/// `TOPOLOGY_GENERATED_CASES` says.
const DEFAULT_CASES: u64 = 1_000;

/// Names a user may give a function: raw identifiers, leading underscores
/// and digits, non-ASCII letters, names of crates, std items and generated
/// items, and names that meet after case conversion.
const NAMES: &[&str] = &[
    "orders",
    "r#type",
    "r#match",
    "r#async",
    "r#dyn",
    "r#try",
    "r#gen",
    "_2fa_audit",
    "_",
    "__",
    "_x",
    "x_",
    "a__b",
    "events_2024",
    "events2024",
    "events_20_24",
    "e2024",
    "éclair",
    "Éclair",
    "naïve",
    "straße",
    "ß",
    "日本",
    "ǅemo",
    "ωmega",
    "x_é",
    "std",
    "core",
    "alloc",
    "crate_name",
    "metrics",
    "tokio",
    "serde",
    "topology",
    "tracing",
    "Option",
    "Result",
    "Some",
    "None",
    "Ok",
    "Err",
    "Box",
    "Vec",
    "String",
    "PipelineId",
    "PipelineKey",
    "AnyPipeline",
    "Topology",
    "__TopologyPlan",
    "settings",
    "state",
    "plan",
    "main2",
    "self_",
    "Self_",
    "super_",
    "load_events",
    "loadEvents",
    "LoadEvents",
    "load__events",
    "_load_events",
    "load_events_",
    "a",
    "A",
    "z9",
    "__topology_pipeline_orders",
];

/// Argument types, including ones that only look like the framework's.
const ARGUMENTS: &[&str] = &[
    "PipelineContext",
    "topology::PipelineContext",
    "State<AppState>",
    "topology::State<AppState>",
    "checkpoint::State",
    "Instance<Table>",
    "ec2::Instance",
    "Key",
    "CancellationToken",
    "Option<Arc<Semaphore>>",
    "Option<StoragePoolRef>",
    "&PipelineContext",
    "impl Send",
    "(u8, u8)",
    "String",
    "Self",
    "_",
];

const PATTERNS: &[&str] = &["x", "_", "mut x", "ref x", "(a, b)", "_unused", "r#type"];

const RETURNS: &[&str] = &[
    "",
    "-> ()",
    "-> Result<(), Error>",
    "-> Result<(), Box<dyn std::error::Error + Send + Sync>>",
    "-> anyhow::Result<()>",
    "-> Result<(), anyhow::Error>",
    "-> u32",
    "-> impl Sized",
    "-> Result<u8, E>",
    "-> Self",
];

const QUALIFIERS: &[&str] = &[
    "async",
    "async",
    "async",
    "",
    "const async",
    "async unsafe",
    "pub async",
    "pub(crate) async",
];

const ATTRIBUTES: &[&str] = &[
    "",
    "#[deprecated]",
    "#[doc = \"d\"]",
    "#[cfg(test)]",
    "#[inline]",
    "#[allow(unused)]",
];

const KEYS: &[&str] = &[
    "orders",
    "a.b-c_d",
    "",
    "données",
    "orders table",
    "a/b",
    "\\n",
    "ключ",
    "x",
    "9",
    "ORDERS",
];

const EXTRAS: &[&str] = &[
    "",
    ", interval = \"30s\"",
    ", interval = \"0s\"",
    ", interval = \"1h30m\"",
    ", interval = \"soon\"",
    ", each = Table",
    ", each = Vec<Table>",
    ", each",
    ", crate = \"topology\"",
    ", kye = \"x\"",
];

/// A small, seeded generator (SplitMix64): the same seed gives the same case.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
}

/// A function name: one from the list, or two joined as a user might.
fn name(rng: &mut Rng) -> String {
    let first = rng.pick(NAMES);
    if rng.below(4) > 0 || first.starts_with("r#") {
        return first.to_owned();
    }
    let second = rng.pick(NAMES).trim_start_matches("r#");
    format!("{first}_{second}")
}

/// One `#[pipeline]` function: its attribute's arguments, and the item.
fn pipeline(rng: &mut Rng, name: &str) -> (String, String) {
    let args = format!("key = \"{}\"{}", rng.pick(KEYS), rng.pick(EXTRAS));
    let arguments: Vec<String> = (0..rng.below(4))
        .map(|_| format!("{}: {}", rng.pick(PATTERNS), rng.pick(ARGUMENTS)))
        .collect();
    let receiver = if rng.below(20) == 0 { "&self, " } else { "" };
    let generics = if rng.below(20) == 0 { "<T>" } else { "" };
    let item = format!(
        "{} {} fn {name}{generics}({receiver}{}) {} {{ }}",
        rng.pick(ATTRIBUTES),
        rng.pick(QUALIFIERS),
        arguments.join(", "),
        rng.pick(RETURNS),
    );
    (args, item)
}

/// A `topology!` listing `names`, some through paths, some twice.
fn topology(rng: &mut Rng, names: &[String]) -> String {
    let mut listed: Vec<String> = names
        .iter()
        .map(|name| match rng.below(6) {
            0 => format!("crate::{name}"),
            1 => format!("tables::{name}"),
            2 => format!("self::{name}"),
            _ => name.clone(),
        })
        .collect();
    if rng.below(8) == 0 {
        listed.push(listed[0].clone());
    }
    let state = [
        "",
        "state: AppState { bucket: settings().bucket },",
        "state: AppState::new(),",
        // Commas inside the value: generics, turbofish, closures, blocks, macros.
        "state: Ok::<_, std::io::Error>(AppState::new()),",
        "state: { let pair = (1, 2); let _ = vec![pair.0, pair.1]; AppState::new() },",
        "app: HashMap<String, Vec<(u8, u8)>>, state: |app: &HashMap<String, Vec<(u8, u8)>>| -> Result<AppState, Box<dyn Error + Send + Sync>> { Ok(AppState::of(app, 2)) },",
    ][rng.below(6)];
    let main = ["", "main: false,"][rng.below(2)];
    format!(
        "typetag: \"table\", metrics: off, {state} {main} global: {{ poll_jitter_secs: 0 }}, pipelines: [{}]",
        listed.join(", ")
    )
}

fn tokens(text: &str) -> TokenStream {
    text.parse().unwrap_or_default()
}

/// Expands `input` with `expand`, which must not panic; when the input is
/// valid Rust, neither may it emit tokens that do not parse as items.
fn check(what: &str, seed: u64, input: &str, valid: bool, expand: impl FnOnce() -> TokenStream) {
    let output =
        catch_unwind(AssertUnwindSafe(expand)).unwrap_or_else(|_| panic!("{what} panicked (seed {seed}) on:\n{input}"));
    if !valid {
        return;
    }
    if let Err(error) = syn::parse2::<syn::File>(output.clone()) {
        panic!(
            "{what} (seed {seed}) emitted tokens that are not Rust items ({error}) for:\n{input}\n\nemitted:\n{output}"
        );
    }
}

/// One generated case: a few pipelines, and a topology listing them.
fn run_case(seed: u64) {
    let mut rng = Rng(seed);
    let names: Vec<String> = (0..1 + rng.below(4)).map(|_| name(&mut rng)).collect();
    for name in &names {
        let (args, item) = pipeline(&mut rng, name);
        let input = format!("#[pipeline({args})]\n{item}");
        // A generated name may not even tokenize as an identifier; that
        // input is the compiler's to reject, not the macro's.
        let (Ok(args), Ok(item)) = (args.parse::<TokenStream>(), item.parse::<TokenStream>()) else {
            continue;
        };
        let valid = syn::parse2::<syn::ItemFn>(item.clone()).is_ok();
        check("#[pipeline]", seed, &input, valid, || {
            crate::pipeline::expand(args, item)
        });
    }
    let input = topology(&mut rng, &names);
    check("topology!", seed, &input, true, || {
        let output = crate::topology::expand(tokens(&input));
        // A value is read whole: a comma inside it never splits it.
        let text = output.to_string();
        assert!(
            !text.contains("expected `:` after") && !text.contains("unknown field"),
            "a value was split (seed {seed}):\n{input}\n{text}"
        );
        output
    });
}

#[test]
fn generated_inputs_expand_to_items_without_panicking() {
    let cases = std::env::var("TOPOLOGY_GENERATED_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    if let Some(seed) = std::env::var("TOPOLOGY_GENERATED_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        run_case(seed);
        return;
    }
    // The panics that these inputs make are caught; keep them off stderr.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = catch_unwind(|| (0..cases).for_each(run_case));
    std::panic::set_hook(hook);
    if let Err(payload) = result {
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_else(|| "a generated case failed".to_owned());
        panic!("{message}");
    }
}

#[test]
fn the_generator_covers_each_class_of_name() {
    // Each class the macros once mishandled is in the list.
    for name in [
        "r#type",
        "_2fa_audit",
        "events_2024",
        "events2024",
        "éclair",
        "metrics",
        "std",
    ] {
        assert!(NAMES.contains(&name), "{name}");
    }
    // And each expands on its own, as a pipeline and in a topology.
    for (i, name) in NAMES.iter().enumerate() {
        let item = format!("async fn {name}() {{}}");
        let input = format!("metrics: off, pipelines: [{name}]");
        let valid = syn::parse_str::<syn::ItemFn>(&item).is_ok();
        check("#[pipeline]", i as u64, &item, valid, || {
            crate::pipeline::expand(tokens("key = \"k\""), tokens(&item))
        });
        check("topology!", i as u64, &input, true, || {
            crate::topology::expand(tokens(&input))
        });
    }
}
