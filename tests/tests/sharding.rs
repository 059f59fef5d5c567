//! Three replicas of one program, each given its shard: between them they
//! run every pipeline exactly once, and a replica with nothing to run stays
//! up until it is signalled.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::{collections::BTreeSet, time::Duration};

use nix::sys::signal::Signal;
use support::{Running, example};

const START: Duration = Duration::from_secs(30);
const STOP: Duration = Duration::from_secs(20);

/// A configuration file with `tables` entries of the `ingest` family.
fn config(dir: &tempfile::TempDir, tables: usize) -> String {
    let mut yaml = String::from("pipelines:\n  ingest:\n");
    for i in 0..tables {
        yaml.push_str(&format!(
            "    t{i:02}: {{ source: \"memory://raw/t{i:02}\", sink: \"memory://lake/t{i:02}\" }}\n"
        ));
    }
    let path = dir.path().join("tables.yaml");
    std::fs::write(&path, yaml).unwrap();
    path.display().to_string()
}

/// The keys a replica's start-up line lists.
fn started_keys(line: &str) -> Vec<String> {
    let list = line.split_once("pipelines: ").map_or("", |(_, rest)| rest);
    let list = list.split(" typetag=").next().unwrap_or_default();
    list.split(", ")
        .filter(|key| !key.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn three_replicas_run_every_pipeline_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(&dir, 12);
    let mut replicas: Vec<Running> = (0..3)
        .map(|i| {
            let shard = format!("{i}/3");
            Running::start(&example("tables"), &["--config", &config, "--shard", &shard], &[])
        })
        .collect();
    let mut seen: Vec<String> = Vec::new();
    for replica in &replicas {
        let line = replica.wait_for("starting ", START);
        seen.extend(started_keys(&line));
    }
    let every: BTreeSet<String> = (0..12).map(|i| format!("ingest/t{i:02}")).collect();
    let unique: BTreeSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique, every, "the union of the shards is every key");
    assert_eq!(seen.len(), 12, "no key on two shards: {seen:?}");
    for replica in &mut replicas {
        replica.signal(Signal::SIGTERM);
        assert_eq!(replica.wait_exit(STOP).code(), Some(0), "{}", replica.stderr());
    }
}

#[test]
fn a_replica_with_no_pipelines_stays_up_until_signalled() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(&dir, 1);
    let mut replicas: Vec<Running> = (0..3)
        .map(|i| {
            let env = [
                ("TOPOLOGY_SHARDS", "3"),
                ("HOSTNAME", ["ingest-0", "ingest-1", "ingest-2"][i]),
            ];
            Running::start(&example("tables"), &["--config", &config], &env)
        })
        .collect();
    let mut idle = 0;
    for replica in &replicas {
        let line = replica.wait_for("this replica runs", START);
        if line.contains("runs 0 of the 1 pipelines") {
            idle += 1;
        }
    }
    assert_eq!(idle, 2, "one shard owns the only table");
    std::thread::sleep(Duration::from_secs(1));
    for replica in &mut replicas {
        replica.signal(Signal::SIGTERM);
        assert_eq!(replica.wait_exit(STOP).code(), Some(0), "{}", replica.stderr());
        let log = replica.stderr();
        let signalled = log.find("received shutdown signal").expect("signalled");
        let stopped = log.find("topology stopped").expect("stopped");
        assert!(signalled < stopped, "it ran until the signal:\n{log}");
    }
}

/// `--list` prints, without running anything, what each replica would run.
fn listed(shard: &str, config: &str) -> Vec<String> {
    let output = std::process::Command::new(example("tables"))
        .args(["--config", config, "--shard", shard, "--list"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn list_shows_what_each_replica_would_run() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(&dir, 12);
    let mut keys: Vec<String> = Vec::new();
    for i in 0..3 {
        let shard = format!("{i}/3");
        for line in listed(&shard, &config) {
            assert!(
                line.contains(&format!("shard {shard}")) && line.contains("every 1s"),
                "{line}"
            );
            keys.push(line.split_whitespace().next().unwrap().to_owned());
        }
    }
    keys.sort();
    let every: Vec<String> = (0..12).map(|i| format!("ingest/t{i:02}")).collect();
    assert_eq!(keys, every, "each key listed by exactly one replica");
}

#[test]
fn a_table_added_on_sighup_starts_on_exactly_one_replica() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(&dir, 2);
    let mut replicas: Vec<Running> = (0..3)
        .map(|i| {
            let shard = format!("{i}/3");
            Running::start(
                &example("tables"),
                &["--config", &config, "--shard", &shard, "--poll-jitter-secs", "0"],
                &[],
            )
        })
        .collect();
    for replica in &replicas {
        replica.wait_for("this replica runs", START);
    }
    // A third table, written to the same file every replica reads.
    let grown = format!(
        "{}    added: {{ source: \"memory://raw/added\", sink: \"memory://lake/added\", seed_objects: 1 }}\n",
        std::fs::read_to_string(&config).unwrap()
    );
    std::fs::write(&config, grown).unwrap();
    for replica in &replicas {
        replica.signal(Signal::SIGHUP);
    }
    let mut started_on = Vec::new();
    for (i, replica) in replicas.iter().enumerate() {
        let line = replica.wait_for("configuration reloaded: ", START);
        if line.contains("1 started (ingest/added)") {
            started_on.push(i);
            replica.wait_for("pipeline{key=ingest/added typetag=\"table\"}: tables: ingested", START);
        } else {
            assert!(line.contains("0 started, 0 stopped, 0 restarted"), "{line}");
        }
    }
    assert_eq!(started_on.len(), 1, "on exactly one replica: {started_on:?}");
    for replica in &mut replicas {
        replica.signal(Signal::SIGTERM);
        assert_eq!(replica.wait_exit(STOP).code(), Some(0), "{}", replica.stderr());
    }
}

#[test]
fn list_on_a_shard_that_owns_nothing_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(&dir, 2);
    // Of 1024 shards, most own neither of the two keys.
    let empty = (0..1024)
        .map(|i| format!("{i}/1024"))
        .find(|shard| {
            listed(shard, &config)
                .iter()
                .all(|line| line.contains("runs no pipelines"))
        })
        .expect("a shard that owns no key");
    assert_eq!(
        listed(&empty, &config),
        [format!("shard {empty} runs no pipelines (of the 2 declared)")]
    );
}
