//! The generated items as a library's readers meet them in rustdoc: the
//! user's types and the framework's public names, never its helpers
//! (`Deps`, the hidden pipeline structs, `PipelineInfo`, `BoxError`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::{path::Path, process::Command};

#[test]
fn generated_public_items_show_no_helper_in_rustdoc() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let target = workspace.join("target").join("rustdoc-check");
    let status = Command::new(env!("CARGO"))
        .args([
            "doc",
            "--no-deps",
            "--offline",
            "-p",
            "topology-examples",
            "--lib",
            "--target-dir",
        ])
        .arg(&target)
        .current_dir(workspace)
        .status()
        .unwrap();
    assert!(status.success(), "cargo doc failed");
    let pages = target.join("doc").join("topology_examples").join("tables");
    let mut read = 0;
    for page in std::fs::read_dir(&pages).unwrap() {
        let path = page.unwrap().path();
        if path.extension().is_none_or(|ext| ext != "html") {
            continue;
        }
        let html = std::fs::read_to_string(&path).unwrap();
        for helper in [
            "Deps&lt;",
            "__topology_pipeline",
            "PipelineInfo",
            "BoxError",
            "__TopologyPlan",
        ] {
            assert!(!html.contains(helper), "{} shows `{helper}`", path.display());
        }
        read += 1;
    }
    // AnyPipeline, PipelineId, PipelineKey, Topology, Table, and the functions.
    assert!(read >= 6, "only {read} pages in {}", pages.display());
    let any = std::fs::read_to_string(pages.join("enum.AnyPipeline.html")).unwrap();
    assert!(any.contains("implements"), "AnyPipeline's page says what it is");
}
