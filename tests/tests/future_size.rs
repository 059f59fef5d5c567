//! The size of each example's pipeline tasks: the dispatch through the
//! generated enum is not boxed, so every pipeline's task is as large as the
//! largest pipeline future of its program. The runner exports that size
//! (`topology_pipeline_task_bytes`); this test scrapes it from every example
//! and fails if one grows past its stated bound, so that growth is a
//! decision, not an accident. The bounds are for the test profile; release
//! builds are smaller.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::time::Duration;

use nix::sys::signal::Signal;
use support::{Running, example, free_port, get};

/// Each example and the most bytes its pipeline task may take. A generated
/// program's runs reach the runner through its spawner, boxed, so their
/// tasks are small and alike; the hand-written one holds its pipelines'
/// futures in the task itself.
const BOUNDS: [(&str, &[&str], usize); 4] = [
    ("quickstart", &["--poll-jitter-secs", "0"], 256),
    ("tables", &["--poll-jitter-secs", "0"], 256),
    ("lake", &["--poll-jitter-secs", "0"], 256),
    ("hand_written", &[], 2048),
];

#[test]
fn pipeline_tasks_stay_within_their_bounds() {
    let mut report = Vec::new();
    for (name, args, bound) in BOUNDS {
        let address = format!("127.0.0.1:{}", free_port());
        let mut args = args.to_vec();
        if name == "hand_written" {
            args.push(&address);
        } else {
            args.extend(["--metrics-addr", &address]);
        }
        let mut running = Running::start(&example(name), &args, &[]);
        running.wait_for("starting", Duration::from_secs(30));
        let bytes = wait_for_task_bytes(&address);
        running.signal(Signal::SIGTERM);
        running.wait_exit(Duration::from_secs(20));
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

/// The task size the example exports, once its first pipeline is spawned.
fn wait_for_task_bytes(address: &str) -> usize {
    for _ in 0..300 {
        let (_, scrape) = get(&format!("http://{address}/metrics"));
        let found = scrape
            .lines()
            .find(|line| line.starts_with("topology_pipeline_task_bytes"))
            .and_then(|line| line.rsplit(' ').next())
            .and_then(|value| value.parse::<f64>().ok());
        if let Some(bytes) = found {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // a byte count
            return bytes as usize;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("no topology_pipeline_task_bytes at {address}");
}
