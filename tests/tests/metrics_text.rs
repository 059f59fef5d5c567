//! `/metrics` as its consumers read it: every metric family described
//! (`# HELP`), the gauges a dashboard plots present from start, and, where
//! Prometheus's own linter is installed, `promtool check metrics` clean on
//! a real scrape of a running program.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::time::Duration;

use nix::sys::signal::Signal;
use support::{Running, example, free_port, get, promtool};

const START: Duration = Duration::from_secs(30);

#[test]
fn a_scrape_describes_every_family_and_has_the_dashboard_gauges_from_start() {
    let address = format!("127.0.0.1:{}", free_port());
    let mut running = Running::start(
        &example("quickstart"),
        // Per-key histograms on, so that their families are checked too.
        &[
            "--metrics-addr",
            &address,
            "--poll-jitter-secs",
            "0",
            "--per-key-histograms",
            "true",
        ],
        &[],
    );
    running.wait_for("starting", START);
    running.wait_for("pipeline{key=orders", START);
    let (status, scrape) = get(&format!("http://{address}/metrics"));
    assert_eq!(status, 200);
    for gauge in [
        "topology_semaphore_permits_in_use ",
        "topology_semaphore_waiting ",
        "topology_shutting_down 0",
    ] {
        assert!(scrape.lines().any(|line| line.starts_with(gauge)), "{gauge}:\n{scrape}");
    }
    let families: Vec<&str> = scrape
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .filter_map(|rest| rest.split_whitespace().next())
        .collect();
    assert!(families.len() >= 10, "{scrape}");
    for family in families {
        assert!(
            scrape.contains(&format!("# HELP {family} ")),
            "`{family}` has no # HELP:\n{scrape}"
        );
    }
    // Runs by state, every state present from the first run on.
    for state in ["waiting", "running", "restarting", "completed", "failed"] {
        assert!(
            scrape.contains(&format!("topology_pipelines{{state=\"{state}\",typetag=")),
            "{state}:\n{scrape}"
        );
    }
    assert!(
        scrape.contains("# TYPE topology_pipeline_key_start_jitter_seconds histogram"),
        "{scrape}"
    );
    promtool(&["check", "metrics"], Some(&scrape));
    running.signal(Signal::SIGTERM);
    assert_eq!(running.wait_exit(START).code(), Some(0), "{}", running.stderr());
}

#[test]
fn the_alerting_rules_pass_promtool_and_name_only_exported_metrics() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/alerts.yaml");
    let rules = std::fs::read_to_string(path).unwrap();
    let mut named = 0;
    for word in rules.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        if word.starts_with("topology_") {
            named += 1;
            assert!(topology::metric_names::ALL.contains(&word), "{word} is not exported");
        }
    }
    assert!(named >= 5, "{rules}");
    promtool(&["check", "rules", path], None);
}
