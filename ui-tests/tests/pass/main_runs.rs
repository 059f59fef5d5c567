//! `topology!` generates `main`: it runs the pipelines and exits 0 when all
//! of them completed.
#![deny(warnings)]

use topology::{Key, pipeline, topology};

/// Completes at once.
#[pipeline(key = "first")]
async fn first(key: Key) {
    assert_eq!(key.as_str(), "first");
}

/// Completes at once, through an interval-free `Result`.
#[pipeline(key = "second")]
async fn second() -> Result<(), std::io::Error> {
    Ok(())
}

topology! {
    metrics: off,
    global: { poll_jitter_secs: 0 },
    pipelines: [first, second],
}
