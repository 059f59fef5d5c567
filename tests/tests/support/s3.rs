//! An S3-protocol server on loopback (s3s over a temporary directory) for
//! replica processes, behind a proxy that can cut the store off.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;

use futures_util::StreamExt;

use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
};
use topology::object_store::{ObjectStore, ObjectStoreExt, aws::AmazonS3Builder, path::Path};

#[path = "../../../topology/tests/support/s3_server.rs"]
mod s3_server;

const KEY: &str = "replica-key";
const SECRET: &str = "replica-secret";

/// The server, its proxy and the runtime they run on.
pub struct S3 {
    runtime: tokio::runtime::Runtime,
    proxy: SocketAddr,
    server: SocketAddr,
    cut: watch::Sender<bool>,
    _root: tempfile::TempDir,
}

impl S3 {
    /// Starts a server with a `lake` bucket.
    pub fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let root = tempfile::tempdir().unwrap();
        let (cut, watching) = watch::channel(false);
        let (server, proxy) = runtime.block_on(async {
            let server_addr = s3_server::serve(root.path(), &[(KEY, SECRET)]).await;
            let proxy = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let proxy_addr = proxy.local_addr().unwrap();
            tokio::spawn(async move {
                while let Ok((mut client, _)) = proxy.accept().await {
                    let mut cut = watching.clone();
                    if *cut.borrow_and_update() {
                        // Cut off: the connection hangs unanswered until
                        // the client gives up.
                        tokio::spawn(async move {
                            let _ = cut.wait_for(|cut| !cut).await;
                            drop(client);
                        });
                        continue;
                    }
                    tokio::spawn(async move {
                        let Ok(mut upstream) = TcpStream::connect(server_addr).await else {
                            return;
                        };
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut client, &mut upstream) => {}
                            _ = cut.wait_for(|cut| *cut) => {}
                        }
                    });
                }
            });
            (server_addr, proxy_addr)
        });
        Self {
            runtime,
            proxy,
            server,
            cut,
            _root: root,
        }
    }

    /// The environment a replica reaches the store with, through the proxy.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT", format!("http://{}", self.proxy)),
            ("AWS_ACCESS_KEY_ID", KEY.to_owned()),
            ("AWS_SECRET_ACCESS_KEY", SECRET.to_owned()),
            ("AWS_REGION", "us-east-1".to_owned()),
            ("AWS_ALLOW_HTTP", "true".to_owned()),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
    }

    /// Cuts every replica off the store (`true`), or lets them back.
    pub fn cut_off(&self, cut: bool) {
        self.cut.send_replace(cut);
    }

    /// Every object under `prefix` in the bucket, with its text, read
    /// directly (past the proxy).
    pub fn objects(&self, prefix: &str) -> Vec<(String, String)> {
        let store = AmazonS3Builder::new()
            .with_endpoint(format!("http://{}", self.server))
            .with_bucket_name("lake")
            .with_access_key_id(KEY)
            .with_secret_access_key(SECRET)
            .with_region("us-east-1")
            .with_allow_http(true)
            .build()
            .unwrap();
        let prefix = Path::from(prefix);
        let mut found = self.runtime.block_on(async move {
            let mut found = Vec::new();
            let mut listing = store.list(Some(&prefix));
            while let Some(meta) = listing.next().await {
                let meta = meta.unwrap();
                let body = store.get(&meta.location).await.unwrap().bytes().await.unwrap();
                found.push((meta.location.to_string(), String::from_utf8_lossy(&body).into_owned()));
            }
            found
        });
        found.sort();
        found
    }
}
