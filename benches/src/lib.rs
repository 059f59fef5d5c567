//! What the benchmarks share: the sizes, the keys, the pipelines, a runtime
//! like the machines', and the table of ratios each benchmark prints.
//!
//! Every figure is a ratio against a baseline measured in the same run (the
//! machines are shared and noisy); `cargo bench -p topology-benches` runs
//! them all and prints each table at its end.

use std::{
    convert::Infallible,
    hint::black_box,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use tokio::{runtime::Runtime, task::JoinSet};
use topology::{CancellationToken, Pipeline, PipelineContext, PipelineRunner, RunningTopology};

/// How many pipelines each figure is measured at.
pub const SIZES: [usize; 3] = [1_000, 10_000, 100_000];

/// Keys as programs have them: owned strings, built before the clock starts.
pub fn keys(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("pipeline-{i:06}")).collect()
}

/// A multi-threaded runtime with two workers, as on the CI machines.
pub fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|error| panic!("cannot build the benchmark runtime: {error}"))
}

/// A pipeline that returns at once.
pub struct Trivial(pub String);

impl Pipeline for Trivial {
    type Key = String;
    type Error = Infallible;

    fn key(&self) -> &String {
        &self.0
    }

    async fn run(self) -> Result<(), Infallible> {
        black_box(&self.0);
        Ok(())
    }
}

/// A pipeline that waits for shutdown.
pub struct Parked(pub String, pub CancellationToken);

impl Pipeline for Parked {
    type Key = String;
    type Error = Infallible;

    fn key(&self) -> &String {
        &self.0
    }

    async fn run(self) -> Result<(), Infallible> {
        self.1.cancelled().await;
        Ok(())
    }
}

/// A pipeline parked on the token, counting itself once it has started.
pub struct Counted(pub String, pub CancellationToken, pub Arc<AtomicUsize>);

impl Pipeline for Counted {
    type Key = String;
    type Error = Infallible;

    fn key(&self) -> &String {
        &self.0
    }

    async fn run(self) -> Result<(), Infallible> {
        self.2.fetch_add(1, Ordering::Relaxed);
        self.1.cancelled().await;
        Ok(())
    }
}

/// A runner of pipelines that start at once, as every benchmark uses.
pub fn runner() -> PipelineRunner {
    PipelineRunner::new(PipelineContext::default().with_poll_jitter_secs(0), "bench")
}

/// Runs one [`Trivial`] pipeline per key through `runner` to its end; how
/// many completed.
pub async fn run_trivial(runner: PipelineRunner, keys: Vec<String>) -> usize {
    runner
        .start(keys.into_iter().map(Trivial))
        .run_to_completion()
        .await
        .counts()
        .completed
}

/// Waits until `count` pipelines have started.
pub async fn until_started(count: &AtomicUsize, size: usize) {
    while count.load(Ordering::Relaxed) < size {
        tokio::task::yield_now().await;
    }
}

/// tokio's raw tasks doing what a [`Counted`] pipeline does: one per key,
/// each counting itself once it has started, then parked on `token`.
pub fn spawn_parked(keys: Vec<String>, token: &CancellationToken, started: &Arc<AtomicUsize>) -> JoinSet<String> {
    let mut set = JoinSet::new();
    for key in keys {
        let (token, started) = (token.clone(), Arc::clone(started));
        set.spawn(async move {
            started.fetch_add(1, Ordering::Relaxed);
            token.cancelled().await;
            key
        });
    }
    set
}

/// The baseline of spawn and join: one raw task per key, each returning its
/// key at once, all joined; how many ended.
pub async fn spawn_and_join_raw(keys: Vec<String>) -> usize {
    spawn_and_join_each(keys, |key| async move { black_box(key) }).await
}

/// One raw task per key, each the future `task` makes of its key, all
/// joined; how many ended without panicking.
pub async fn spawn_and_join_each<F, T>(keys: Vec<String>, mut task: F) -> usize
where
    F: FnMut(String) -> T,
    T: Future<Output = String> + Send + 'static,
{
    let mut set = JoinSet::new();
    for key in keys {
        set.spawn(task(key));
    }
    join_all(set).await
}

/// Waits for every task of `set`; how many ended without panicking.
pub async fn join_all(mut set: JoinSet<String>) -> usize {
    let mut done = 0;
    while let Some(joined) = set.join_next().await {
        done += usize::from(joined.is_ok());
    }
    done
}

/// The median of one benchmark, in nanoseconds, from criterion's estimates.
pub fn median_ns(group: &str, function: &str, size: usize) -> Option<f64> {
    let target = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target").to_owned());
    let path = format!("{target}/criterion/{group}/{function}/{size}/new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let estimates: serde_json::Value = serde_json::from_str(&text).ok()?;
    estimates["median"]["point_estimate"].as_f64()
}

/// Prints, for each size, every function's median and its ratio to
/// `baseline`'s.
pub fn print_ratios(group: &str, baseline: &str, functions: &[&str]) {
    println!("\n{group}: median per run, and the ratio to {baseline} in the same run");
    for size in SIZES {
        let Some(base) = median_ns(group, baseline, size) else {
            continue;
        };
        println!("  {size:>7} pipelines: {baseline} {:.2} ms", base / 1e6);
        for function in functions {
            if let Some(median) = median_ns(group, function, size) {
                println!(
                    "  {size:>7} pipelines: {function:<28} {:9.2} ms  {:.2}×  ({:.2} µs per pipeline)",
                    median / 1e6,
                    median / base,
                    median / 1e3 / size as f64
                );
            }
        }
    }
}
