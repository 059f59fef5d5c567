//! A program for the lifecycle tests: a family of entries whose runs say
//! when they start and end, take as long to stop as their entry says (or
//! never stop), or fail and wait an hour before each restart. The tests
//! drive it with its configuration file and real signals.

use std::time::Duration;

use topology::{CancellationToken, Instance, Key, pipeline, topology};

/// One entry of `work`.
#[derive(Debug, serde::Deserialize)]
struct Work {
    /// What the run says it is, so that an edit is seen in the log.
    #[serde(default)]
    version: u32,
    /// How long it takes to stop once asked.
    #[serde(default)]
    stop_ms: u64,
    /// Ignores its stop: ends only when aborted.
    #[serde(default)]
    stubborn: bool,
    /// Fails at once, every time.
    #[serde(default)]
    fails: bool,
}

#[pipeline(key = "work", each = Work, restart = "on-failure", backoff_min = "1h", backoff_max = "1h")]
async fn work(entry: Instance<Work>, key: Key, stop: CancellationToken) -> Result<(), String> {
    tracing::info!("run start key={key} version={}", entry.version);
    // Said on drop, so that an aborted run says it too.
    let _end = Ended(key.to_string());
    if entry.fails {
        return Err(format!("version {} cannot reach its bucket", entry.version));
    }
    if entry.stubborn {
        std::future::pending::<()>().await;
    }
    stop.cancelled().await;
    tokio::time::sleep(Duration::from_millis(entry.stop_ms)).await;
    Ok(())
}

/// Says that a run has ended, whichever way it did.
struct Ended(String);

impl Drop for Ended {
    fn drop(&mut self) {
        tracing::info!("run end key={}", self.0);
    }
}

topology! {
    typetag: "job",
    description: "The lifecycle tests' program",
    pipelines: [work],
}
