//! A replica for the ownership tests: one pipeline per table, each
//! committing every 200 ms with a fenced update of its table's commit log
//! (one line per commit: the fencing token and the process id), and keeping
//! a log object of its run (`runs/<key>/<token>-<pid>-<start>`: its start,
//! the time of every commit accepted, and its end while still the owner).
//! The tests run several of them on one S3-protocol store and read both
//! back.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use topology::{
    FenceError, Instance, Key, PipelineContext,
    object_store::{ObjectStore, ObjectStoreExt, path::Path},
    pipeline, topology,
};

/// One table; its name is the entry's.
#[derive(Debug, serde::Deserialize)]
struct Table {
    /// Ignores its stop: ends only when aborted.
    #[serde(default)]
    stubborn: bool,
}

fn unix_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis())
}

#[pipeline(key = "table", each = Table)]
async fn table(ctx: PipelineContext, key: Key, table: Instance<Table>) -> Result<(), String> {
    let ownership = ctx.ownership().cloned().ok_or("ownership is off")?;
    let url = std::env::var("REPLICA_DATA").map_err(|error| format!("REPLICA_DATA: {error}"))?;
    let store = ctx.store(&url).map_err(|error| error.to_string())?;
    let token = ownership.token();
    let pid = std::process::id();
    let started = unix_ms();
    let log = Path::from(format!("runs/{key}/{token}-{pid}-{started}"));
    let commits = Path::from(format!("commits/{key}"));
    let mut lines = vec![format!("start {started}")];
    tracing::info!("run start key={key} token={token}");
    // Said on drop, so that a run aborted inside a store call says it too.
    let _end = Ended(format!("key={key} token={token}"));
    let stop = ctx.shutdown.clone();
    let stopped = || {
        let stop = stop.clone();
        let stubborn = table.stubborn;
        async move {
            if stubborn {
                std::future::pending::<()>().await;
            }
            stop.cancelled().await;
        }
    };
    loop {
        tokio::select! {
            () = stopped() => break,
            () = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
        // Taken while this run is the owner, before the write: a stall
        // after it cannot make a commit look later than it was decided.
        let at = unix_ms();
        let line = format!("{token} {pid}\n");
        let commit = ownership.fenced_update(store.as_ref(), &commits, |body| {
            [body.unwrap_or_default(), line.as_bytes()].concat()
        });
        // A store that stops answering must not keep the run from stopping.
        let committed = tokio::select! {
            () = stopped() => break,
            committed = commit => committed,
        };
        match committed {
            Ok(_) => {
                lines.push(format!("commit {at}"));
                write(store.as_ref(), &log, &lines).await;
            }
            Err(refused @ (FenceError::Fenced { .. } | FenceError::NotOwner { .. })) => {
                tracing::warn!("run refused key={key} token={token}: {refused}");
                return Ok(());
            }
            Err(error) => tracing::warn!("commit failed key={key}: {error}"),
        }
    }
    if ownership.is_current() {
        lines.push(format!("end {}", unix_ms()));
        write(store.as_ref(), &log, &lines).await;
    }
    Ok(())
}

/// Says that a run has ended, whichever way it did.
struct Ended(String);

impl Drop for Ended {
    fn drop(&mut self) {
        tracing::info!("run end {}", self.0);
    }
}

async fn write(store: &dyn ObjectStore, path: &Path, lines: &[String]) {
    if let Err(error) = store.put(path, lines.join("\n").into_bytes().into()).await {
        tracing::warn!("cannot write the run's log {path}: {error}");
    }
}

topology! {
    typetag: "replica",
    description: "A replica of the ownership tests",
    pipelines: [table],
}
