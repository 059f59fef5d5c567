//! A program that owns its runtime (`#[tokio::main]`) and runs its topology
//! on it with `Topology::run().await`; with `CALL_MAIN` set, it calls
//! `Topology::main()` there instead, which must refuse with a message.

use std::process::ExitCode;

use topology::{CancellationToken, pipeline, topology};

#[pipeline(key = "beside_a_server")]
async fn beside_a_server(stop: CancellationToken) {
    tracing::info!("running on the program's own runtime");
    stop.cancelled().await;
}

topology! {
    typetag: "own",
    main: false,
    pipelines: [beside_a_server],
}

#[tokio::main]
async fn main() -> ExitCode {
    if std::env::var_os("CALL_MAIN").is_some() {
        return Topology::main();
    }
    Topology::run().await
}
