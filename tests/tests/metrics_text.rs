//! `/metrics` as its consumers read it: every metric family described
//! (`# HELP`), the gauges a dashboard plots present from start, and, where
//! Prometheus's own linter is installed, `promtool check metrics` clean on
//! a real scrape of a running program.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::{io::Write as _, process::Stdio, time::Duration};

use nix::sys::signal::Signal;
use support::{Running, example, free_port, get};

const START: Duration = Duration::from_secs(30);

#[test]
fn a_scrape_describes_every_family_and_has_the_dashboard_gauges_from_start() {
    let address = format!("127.0.0.1:{}", free_port());
    let mut running = Running::start(
        &example("quickstart"),
        &["--metrics-addr", &address, "--poll-jitter-secs", "0"],
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
    promtool_check(&scrape);
    running.signal(Signal::SIGTERM);
    assert_eq!(running.wait_exit(START).code(), Some(0), "{}", running.stderr());
}

/// `promtool check metrics` on `scrape`, where promtool is installed
/// (Debian's `prometheus` package; `.ci/run` installs it).
fn promtool_check(scrape: &str) {
    let Ok(mut child) = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    else {
        println!("promtool is not installed: `promtool check metrics` skipped");
        return;
    };
    child.stdin.take().unwrap().write_all(scrape.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success() && said.trim().is_empty(),
        "promtool check metrics:\n{said}\n{scrape}"
    );
}
