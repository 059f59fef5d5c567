//! Spawns and joins trivial pipelines one way, on a current-thread runtime
//! so that the work done is the same on every run, for
//! `benches/instructions.sh` to count its instructions under callgrind:
//! a measure the machines' noise cannot move.
//!
//! `count_instructions <keys|joinset|runner|served> <pipelines>`

use std::process::ExitCode;

use topology::{CancellationToken, MetricsServer, PrometheusRecorder};
use topology_benches::{keys, run_trivial, runner, spawn_and_join_raw};

async fn run(way: &str, keys: Vec<String>) -> Result<usize, String> {
    let size = keys.len();
    match way {
        // The keys alone: what every other way also pays, to subtract.
        "keys" => Ok(size),
        "joinset" => Ok(spawn_and_join_raw(keys).await),
        "runner" => Ok(run_trivial(runner(), keys).await),
        "served" => {
            let recorder = PrometheusRecorder::install().map_err(|error| error.to_string())?;
            let server = MetricsServer::start(([127, 0, 0, 1], 0).into(), CancellationToken::new(), &recorder)
                .await
                .map_err(|error| error.to_string())?;
            let completed = run_trivial(runner().served_by(&server), keys).await;
            server.stop().await;
            Ok(completed)
        }
        other => Err(format!("unknown way `{other}`: keys, joinset, runner or served")),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(way), Some(Ok(size))) = (args.first(), args.get(1).map(|size| size.parse::<usize>())) else {
        eprintln!("usage: count_instructions <keys|joinset|runner|served> <pipelines>");
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot build a runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(way, keys(size))) {
        Ok(done) if done == size => ExitCode::SUCCESS,
        Ok(done) => {
            eprintln!("{done} of {size} pipelines ended");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::from(2)
        }
    }
}
