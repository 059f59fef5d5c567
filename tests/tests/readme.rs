//! The README's example outputs are the program's real output: each block
//! checked here is produced again from its inputs, so the two cannot drift.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::process::{Command, Stdio};

use support::example;

/// The lines of the first ```text block after `marker` in the README.
fn readme_block(marker: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let after = &readme[readme.find(marker).unwrap_or_else(|| panic!("README lost `{marker}`"))..];
    let block = &after[after.find("```text\n").unwrap() + "```text\n".len()..];
    let block = &block[..block.find("```").unwrap()];
    block.lines().map(str::to_owned).collect()
}

/// What `binary` prints on stderr and its exit code, run in `dir` with `args`.
fn run_in(
    dir: &std::path::Path,
    binary: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (Option<i32>, String) {
    let mut command = Command::new(binary);
    command
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .env("RUST_LOG", "off");
    for (key, _) in std::env::vars() {
        if key.starts_with("TOPOLOGY_") {
            command.env_remove(key);
        }
    }
    command.envs(env.iter().copied());
    let output = command.output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).trim().to_owned(),
    )
}

#[test]
fn the_family_errors_shown_are_the_programs() {
    let tables = example("tables");
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        "pipelines:\n  ingst:\n    orders: { source: a, sink: b }\n",
        "pipelines:\n  ingest:\n    orders: { source: a }\n",
        "pipelines:\n  ingest:\n    orders: { source: a, sinc: b }\n",
        "pipelines:\n  ingest:\n    orders: { source: a, sink: b, seed_objects: lots }\n",
        "pipelines:\n  ingest:\n    orders/eu: { source: a, sink: b }\n",
        "",
    ];
    let mut printed = Vec::new();
    for yaml in cases {
        std::fs::write(dir.path().join("tables.yaml"), yaml).unwrap();
        let (code, stderr) = run_in(dir.path(), &tables, &["--config", "tables.yaml"], &[]);
        assert_eq!(code, Some(2), "{yaml}\n{stderr}");
        printed.push(stderr);
    }
    assert_eq!(printed, readme_block("Every configuration error stops the program"));
}

#[test]
fn the_settings_errors_shown_are_the_programs() {
    let quickstart = example("quickstart");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("topology.yaml"),
        "global:\n  poll_jitter_secs: 1\n  total_concurency: 4\n",
    )
    .unwrap();
    let printed = [
        run_in(dir.path(), &quickstart, &[], &[("TOPOLOGY_TOTAL_CONCURRENCY", "lots")]),
        run_in(dir.path(), &quickstart, &["--config", "topology.yaml"], &[]),
    ];
    for (code, stderr) in &printed {
        assert_eq!(*code, Some(2), "{stderr}");
    }
    let printed: Vec<String> = printed.into_iter().map(|(_, stderr)| stderr).collect();
    assert_eq!(printed, readme_block("A bad value stops the program"));
}

#[test]
fn the_app_settings_errors_shown_are_the_programs() {
    let lake = example("lake");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lake.yaml"), "app:\n  lake_ur: memory://x\n").unwrap();
    let printed = [
        run_in(dir.path(), &lake, &["--app-objects-per-feed", "lots"], &[]),
        run_in(dir.path(), &lake, &["--config", "lake.yaml"], &[]),
        run_in(dir.path(), &lake, &["--app-lake-url", "not-a-url"], &[]),
    ];
    for (code, stderr) in &printed {
        assert_eq!(*code, Some(2), "{stderr}");
    }
    let printed: Vec<String> = printed.into_iter().map(|(_, stderr)| stderr).collect();
    assert_eq!(printed, readme_block("cannot be built all stop the program"));
}
