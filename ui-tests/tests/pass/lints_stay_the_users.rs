//! Generated code trips none of the lints the user's crate enables, not
//! even under `forbid` (which rejects any `allow` the macros could emit),
//! and a `#[deprecated]` pipeline warns only where the user calls it.
#![forbid(
    dead_code,
    non_camel_case_types,
    non_snake_case,
    non_upper_case_globals,
    unused,
    unused_qualifications,
    private_bounds,
    private_interfaces,
    unreachable_pub,
    clippy::all,
    clippy::pedantic
)]
#![deny(warnings, rust_2018_idioms, missing_debug_implementations)]

use topology::{pipeline, topology};

#[pipeline(key = "orders", interval = "30s")]
async fn orders() -> Result<(), std::io::Error> {
    Ok(())
}

mod legacy {
    /// Kept for old deployments.
    #[deprecated(note = "use `orders`")]
    #[topology::pipeline(key = "legacy")]
    pub(crate) async fn legacy() {}
}

topology! {
    metrics: off,
    global: { poll_jitter_secs: 0, shutdown_timeout_secs: 1 },
    main: false,
    pipelines: [orders, legacy::legacy],
}

fn main() {
    let settings = Topology::settings();
    let keys = Topology::keys(&settings).unwrap_or_default();
    assert_eq!(keys.len(), 2);
    assert_eq!(PipelineKey::single(PipelineId::Legacy).to_string(), "legacy");
    assert_eq!(Topology::TYPETAG, "pipeline");
}
