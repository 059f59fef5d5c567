//! An S3-protocol server on loopback: s3s over a directory with a `lake`
//! bucket, for the storage tests here and the replica processes of the
//! ownership tests (`tests/tests/ownership.rs`).

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::{net::SocketAddr, path::Path};

use hyper_util::{
    rt::{TokioExecutor, TokioIo},
    server::conn::auto::Builder as ConnBuilder,
};
use s3s::{auth::SimpleAuth, service::S3ServiceBuilder};
use tokio::net::TcpListener;

/// Serves `root` (where it makes the `lake` bucket) to `users` (access key
/// and secret), on a loopback port it returns.
pub async fn serve(root: &Path, users: &[(&str, &str)]) -> SocketAddr {
    std::fs::create_dir_all(root.join("lake")).unwrap();
    let mut auth = SimpleAuth::new();
    for (key, secret) in users {
        auth.register((*key).into(), (*secret).into());
    }
    let mut builder = S3ServiceBuilder::new(s3s_fs::FileSystem::new(root).unwrap());
    builder.set_auth(auth);
    let service = builder.build();
    let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = server.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((socket, _)) = server.accept().await {
            let service = service.clone();
            tokio::spawn(async move {
                let _ = ConnBuilder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(socket), service)
                    .await;
            });
        }
    });
    address
}
