//! `deploy/statefulset.yaml` agrees with the program: the shard count with
//! the replicas, one port everywhere, probe and scrape paths the program
//! serves, every variable one it accepts, and a grace period longer than the
//! shutdown can take. The quickstart is started with the manifest's
//! environment to prove it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::{collections::HashMap, time::Duration};

use nix::sys::signal::Signal;
use serde::Deserialize;
use serde_yaml_ng::Value;
use support::{Running, example, free_port, get};

const START: Duration = Duration::from_secs(30);
const STOP: Duration = Duration::from_secs(20);

/// What the program may take after its shutdown deadline: 1 s for aborted
/// pipelines, 2 s for open metrics connections (the runtime's own wait is
/// skipped once pipelines were given up on).
const GRACES_AFTER_DEADLINE: u64 = 1 + 2;

fn manifest() -> Vec<Value> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/statefulset.yaml")).unwrap();
    serde_yaml_ng::Deserializer::from_str(&text)
        .map(|document| Value::deserialize(document).unwrap())
        .collect()
}

fn of_kind<'a>(documents: &'a [Value], kind: &str) -> &'a Value {
    documents
        .iter()
        .find(|document| document["kind"].as_str() == Some(kind))
        .unwrap_or_else(|| panic!("no {kind} in the manifest"))
}

fn number(value: &Value) -> u64 {
    value
        .as_u64()
        .or_else(|| value.as_str().and_then(|text| text.parse().ok()))
        .unwrap_or_else(|| panic!("not a number: {value:?}"))
}

#[test]
fn the_manifest_agrees_with_the_program() {
    let documents = manifest();
    let stateful_set = of_kind(&documents, "StatefulSet");
    let pod = &stateful_set["spec"]["template"];
    let container = &pod["spec"]["containers"][0];
    let env: HashMap<String, String> = container["env"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|var| Some((var["name"].as_str()?.to_owned(), var["value"].as_str()?.to_owned())))
        .collect();

    // One shard per replica.
    assert_eq!(
        number(&stateful_set["spec"]["replicas"]),
        number(&Value::from(env["TOPOLOGY_SHARDS"].clone())),
        "replicas and TOPOLOGY_SHARDS"
    );
    // Pods numbered from `spec.ordinals.start` tell the program where.
    let first_ordinal = stateful_set["spec"]["ordinals"]["start"].as_u64().unwrap_or(0);
    let told = env
        .get("TOPOLOGY_SHARD_ORDINAL_START")
        .map_or(0, |value| number(&Value::from(value.clone())));
    assert_eq!(
        first_ordinal, told,
        "spec.ordinals.start and TOPOLOGY_SHARD_ORDINAL_START"
    );
    // The index comes from the pod's name, as a StatefulSet gives it.
    let hostname = container["env"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|var| var["name"].as_str() == Some("HOSTNAME"))
        .expect("HOSTNAME from the pod's name");
    assert_eq!(
        hostname["valueFrom"]["fieldRef"]["fieldPath"].as_str(),
        Some("metadata.name")
    );

    // One port everywhere.
    let port: u64 = env["TOPOLOGY_METRICS_ADDR"]
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(number(&container["ports"][0]["containerPort"]), port);
    assert_eq!(number(&pod["metadata"]["annotations"]["prometheus.io/port"]), port);
    assert_eq!(
        number(&of_kind(&documents, "Service")["spec"]["ports"][0]["port"]),
        port
    );
    for probe in ["readinessProbe", "livenessProbe"] {
        assert_eq!(number(&container[probe]["httpGet"]["port"]), port, "{probe}");
    }

    // Kubernetes waits longer than the shutdown can take.
    let timeout = number(&Value::from(env["TOPOLOGY_SHUTDOWN_TIMEOUT_SECS"].clone()));
    let grace = number(&pod["spec"]["terminationGracePeriodSeconds"]);
    assert!(
        grace > timeout + GRACES_AFTER_DEADLINE,
        "terminationGracePeriodSeconds {grace} must exceed the shutdown timeout {timeout} + {GRACES_AFTER_DEADLINE}"
    );

    // The program accepts the environment and serves the paths the manifest
    // names (on a free port here).
    let local = format!("127.0.0.1:{}", free_port());
    let mut vars: Vec<(&str, &str)> = env
        .iter()
        .filter(|(name, _)| name.as_str() != "TOPOLOGY_METRICS_ADDR")
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    vars.push(("TOPOLOGY_METRICS_ADDR", &local));
    vars.push(("HOSTNAME", "quickstart-1"));
    let mut running = Running::start(&example("quickstart"), &[], &vars);
    running.wait_for("shard 1/3: this replica runs", START);
    running.wait_for("serving /metrics, /health, /ready and /pipelines", START);
    for probe in ["readinessProbe", "livenessProbe"] {
        let probe_path = container[probe]["httpGet"]["path"].as_str().unwrap();
        assert_eq!(
            get(&format!("http://{local}{probe_path}")).0,
            200,
            "the {probe} path is served"
        );
    }
    // Readiness and liveness are told apart.
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/ready");
    assert_eq!(container["livenessProbe"]["httpGet"]["path"], "/health");
    let scrape_path = pod["metadata"]["annotations"]["prometheus.io/path"].as_str().unwrap();
    assert_eq!(
        get(&format!("http://{local}{scrape_path}")).0,
        200,
        "the scrape path is served"
    );
    running.signal(Signal::SIGTERM);
    assert_eq!(running.wait_exit(STOP).code(), Some(0), "{}", running.stderr());
}

/// The metric names a PromQL expression uses, histogram suffixes removed.
fn metrics_in(expr: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = expr;
    while let Some(at) = rest.find("topology_") {
        let name: String = rest[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        rest = &rest[at + name.len()..];
        let base = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .unwrap_or(&name);
        names.push(base.to_owned());
    }
    names
}

#[test]
fn the_dashboard_queries_only_metrics_the_program_exports() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/dashboard.json")).unwrap();
    let dashboard: Value = serde_yaml_ng::from_str(&text).expect("the dashboard is JSON");
    let mut queried: Vec<String> = Vec::new();
    for panel in dashboard["panels"].as_sequence().unwrap() {
        for target in panel["targets"].as_sequence().unwrap() {
            queried.extend(metrics_in(target["expr"].as_str().unwrap()));
        }
    }
    let templating = dashboard["templating"]["list"][0]["query"].as_str().unwrap();
    queried.extend(metrics_in(templating));
    assert!(queried.len() >= 6, "{queried:?}");
    for name in &queried {
        assert!(
            topology::metric_names::ALL.contains(&name.as_str()),
            "the dashboard queries `{name}`, which the program does not export"
        );
    }
    for wanted in [
        topology::metric_names::PIPELINE_RUNNING,
        topology::metric_names::PIPELINE_OUTCOMES,
        topology::metric_names::PIPELINE_RESTARTS,
        topology::metric_names::PIPELINE_ITERATION_DURATION,
        topology::metric_names::PERMITS_IN_USE,
        topology::metric_names::PERMITS_WAITING,
    ] {
        assert!(
            queried.iter().any(|name| name == wanted),
            "the dashboard shows `{wanted}`"
        );
    }
}

#[test]
fn the_default_shutdown_fits_kubernetes_default_grace_period() {
    // Kubernetes' default `terminationGracePeriodSeconds`.
    const KUBERNETES_DEFAULT_GRACE: u64 = 30;
    let timeout = topology::GlobalConfig::default().shutdown_timeout_secs;
    assert!(
        timeout + GRACES_AFTER_DEADLINE < KUBERNETES_DEFAULT_GRACE,
        "{timeout} s + {GRACES_AFTER_DEADLINE} s of graces must end within {KUBERNETES_DEFAULT_GRACE} s"
    );
}
