//! Live heap per parked pipeline, counted by the allocator: the runner
//! against tokio's raw `JoinSet` holding the same parked tasks, from 1 000
//! to 1 000 000 pipelines. Keys are allocated before counting starts and
//! moved in, in both.
//!
//! `cargo bench -p topology-benches --bench memory`

#![allow(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmarks fail loudly by design

use std::{
    alloc::System,
    sync::{Arc, atomic::AtomicUsize},
};

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use tokio::task::JoinSet;
use topology::{CancellationToken, PipelineContext, PipelineRunner, RunningTopology};
use topology_benches::{Counted, join_all, keys, runtime, spawn_parked, until_started};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes allocated and not freed since `region` began.
fn live(region: &Region<'_, System>) -> i128 {
    let change = region.change();
    change.bytes_allocated as i128 - change.bytes_deallocated as i128 + change.bytes_reallocated as i128
}

async fn joinset(size: usize) -> f64 {
    let keys = keys(size);
    let (token, started) = (CancellationToken::new(), Arc::new(AtomicUsize::new(0)));
    let region = Region::new(GLOBAL);
    let set = spawn_parked(keys, &token, &started);
    until_started(&started, size).await;
    let bytes = live(&region);
    token.cancel();
    join_all(set).await;
    bytes as f64 / size as f64
}

async fn runner(size: usize) -> f64 {
    let ctx = PipelineContext::default().with_poll_jitter_secs(0);
    let started = Arc::new(AtomicUsize::new(0));
    let pipelines: Vec<Counted> = keys(size)
        .into_iter()
        .map(|key| Counted(key, ctx.shutdown.clone(), Arc::clone(&started)))
        .collect();
    let region = Region::new(GLOBAL);
    let running = PipelineRunner::new(ctx, "bench").start(pipelines);
    until_started(&started, size).await;
    let bytes = live(&region);
    running.shutdown();
    running.run_to_completion().await;
    bytes as f64 / size as f64
}

/// Allocations per pipeline over a whole spawn and join of trivial ones.
async fn allocations(size: usize) -> (f64, f64) {
    let keys = topology_benches::keys(size);
    let region = Region::new(GLOBAL);
    let mut set = JoinSet::new();
    for key in keys {
        set.spawn(async move { key });
    }
    join_all(set).await;
    let raw = region.change().allocations as f64 / size as f64;
    let pipelines: Vec<topology_benches::Trivial> = topology_benches::keys(size)
        .into_iter()
        .map(topology_benches::Trivial)
        .collect();
    let region = Region::new(GLOBAL);
    let stats = PipelineRunner::new(PipelineContext::default().with_poll_jitter_secs(0), "bench")
        .start(pipelines)
        .run_to_completion()
        .await;
    drop(stats);
    let ours = region.change().allocations as f64 / size as f64;
    (raw, ours)
}

fn main() {
    // `cargo bench` passes `--bench`; a filter would be the only other argument.
    let runtime = runtime();
    println!("memory: live heap per parked pipeline, and the ratio to tokio's JoinSet in the same run");
    for size in [1_000, 10_000, 100_000, 1_000_000] {
        let (raw, ours) = runtime.block_on(async { (joinset(size).await, runner(size).await) });
        println!(
            "  {size:>9} pipelines: tokio_joinset {raw:6.0} B  topology_runner {ours:6.0} B  {:.2}×",
            ours / raw
        );
    }
    println!("allocations per pipeline over a spawn and join of trivial pipelines");
    for size in [1_000, 100_000] {
        let (raw, ours) = runtime.block_on(allocations(size));
        println!("  {size:>9} pipelines: tokio_joinset {raw:.2}  topology_runner {ours:.2}");
    }
}
