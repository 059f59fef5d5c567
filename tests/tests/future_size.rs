//! The size of each example's pipeline tasks: the dispatch through the
//! generated enum is not boxed, so every pipeline's task is as large as the
//! largest pipeline future of its program. The runner logs that size once
//! (at debug level); this test prints it for every example and fails if one
//! grows past its stated bound, so that growth is a decision, not an
//! accident. The bounds are for the test profile; release builds are
//! smaller.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::time::Duration;

use nix::sys::signal::Signal;
use support::{Running, example};

/// Each example and the most bytes its pipeline task may take.
const BOUNDS: [(&str, &[&str], usize); 4] = [
    ("quickstart", &["--poll-jitter-secs", "0"], 2560),
    ("tables", &["--poll-jitter-secs", "0"], 2560),
    ("lake", &["--poll-jitter-secs", "0"], 2560),
    ("hand_written", &[], 2048),
];

#[test]
fn pipeline_tasks_stay_within_their_bounds() {
    let mut report = Vec::new();
    for (name, args, bound) in BOUNDS {
        let mut running = Running::start(&example(name), args, &[("RUST_LOG", "topology=debug,info")]);
        let line = running.wait_for("pipeline task size", Duration::from_secs(30));
        running.signal(Signal::SIGTERM);
        running.wait_exit(Duration::from_secs(20));
        let bytes: usize = line
            .rsplit("bytes=")
            .next()
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|number| number.parse().ok())
            .unwrap_or_else(|| panic!("no size in {line:?}"));
        println!("{name}: {bytes} bytes per pipeline task (bound {bound})");
        report.push((name, bytes, bound));
    }
    for (name, bytes, bound) in report {
        assert!(
            bytes <= bound,
            "{name}: a pipeline task is {bytes} bytes, past its bound of {bound}"
        );
    }
}
