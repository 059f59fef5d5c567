//! The object-store pool: sharing, separation and single-flight creation.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::{
    collections::HashSet,
    sync::{Arc, Barrier},
};

use object_store::{ObjectStore, ObjectStoreExt, path::Path};
use topology::{GlobalConfig, PipelineContext, StorageError, StoragePool};

fn address(store: &Arc<dyn ObjectStore>) -> usize {
    Arc::as_ptr(store).cast::<()>() as usize
}

#[tokio::test]
async fn urls_in_one_bucket_share_a_client_with_their_own_prefix() {
    let pool = StoragePool::new();
    let orders = pool.store("memory://lake/raw/orders").expect("store");
    let events = pool.store("memory://lake/raw/events").expect("store");
    let root = pool.store("memory://lake").expect("store");
    assert_eq!(pool.len(), 1, "one bucket, one client");

    orders.put(&Path::from("1.json"), "order".into()).await.expect("put");
    events.put(&Path::from("1.json"), "event".into()).await.expect("put");
    let read = |path: &'static str| {
        let root = Arc::clone(&root);
        async move {
            root.get(&Path::from(path))
                .await
                .expect("get")
                .bytes()
                .await
                .expect("bytes")
        }
    };
    assert_eq!(read("raw/orders/1.json").await, "order");
    assert_eq!(read("raw/events/1.json").await, "event");
}

#[tokio::test]
async fn buckets_and_options_never_share_a_client() {
    let pool = StoragePool::new();
    let a = pool.store("memory://a/x").expect("store");
    pool.store("memory://b/x").expect("store");
    pool.store_with_options("memory://a/x", [("region", "eu-west-1")])
        .expect("store");
    pool.store_with_options("memory://a/x", [("region", "us-east-1")])
        .expect("store");
    pool.store_with_options("memory://a/y", [("region", "us-east-1")])
        .expect("store");
    assert_eq!(pool.len(), 4, "a, b, a+eu, a+us");

    // Different buckets see different data.
    a.put(&Path::from("only-in-a"), "1".into()).await.expect("put");
    let b_root = pool.store("memory://b").expect("store");
    assert!(b_root.head(&Path::from("x/only-in-a")).await.is_err());
}

#[test]
fn concurrent_first_use_creates_one_client() {
    for _ in 0..20 {
        let pool = Arc::new(StoragePool::new());
        let barrier = Arc::new(Barrier::new(16));
        let threads: Vec<_> = (0..16)
            .map(|i| {
                let (pool, barrier) = (Arc::clone(&pool), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    barrier.wait();
                    // Every thread asks for the same bucket (at a different prefix) at once.
                    pool.store(&format!("memory://shared/p{i}")).expect("store");
                    pool.store("memory://shared").expect("store")
                })
            })
            .collect();
        let roots: HashSet<usize> = threads
            .into_iter()
            .map(|thread| address(&thread.join().expect("thread")))
            .collect();
        assert_eq!(pool.len(), 1);
        assert_eq!(roots.len(), 1, "every thread got the same client");
    }
}

#[tokio::test]
async fn object_paths_keep_their_case() {
    let pool = StoragePool::new();
    let upper = pool.store("memory://lake/Orders").expect("store");
    let lower = pool.store("memory://lake/orders").expect("store");
    upper.put(&Path::from("k"), "upper".into()).await.expect("put");
    lower.put(&Path::from("k"), "lower".into()).await.expect("put");
    let root = pool.store("memory://lake").expect("store");
    let upper_body = root
        .get(&Path::from("Orders/k"))
        .await
        .expect("get")
        .bytes()
        .await
        .expect("bytes");
    assert_eq!(upper_body, "upper");
}

#[tokio::test]
async fn file_urls_write_under_their_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("file://{}/out", dir.path().display());
    let ctx = PipelineContext::from_config(&GlobalConfig::default()).expect("context");
    let store = ctx.store(&url).expect("store");
    store.put(&Path::from("part-0.json"), "{}".into()).await.expect("put");
    let written = std::fs::read_to_string(dir.path().join("out/part-0.json")).expect("file exists");
    assert_eq!(written, "{}");
}

#[test]
fn without_pooling_every_call_builds_a_fresh_client() {
    let config = GlobalConfig::default().with_connection_pooling(false);
    let ctx = PipelineContext::from_config(&config).expect("context");
    assert!(ctx.storage_pool.is_none());
    let first = ctx.store("memory://lake").expect("store");
    let second = ctx.store("memory://lake").expect("store");
    assert_ne!(address(&first), address(&second));
}

#[test]
fn bad_urls_are_errors_that_name_the_url() {
    let pool = StoragePool::new();
    let unsupported = pool.store("ftp://host/x").expect_err("ftp is not supported");
    assert!(matches!(unsupported, StorageError::UnsupportedScheme { .. }));
    assert!(unsupported.to_string().contains("ftp://host/x"));
    let invalid = pool.store("not a url").expect_err("not a URL");
    assert!(matches!(invalid, StorageError::InvalidUrl { .. }));
    #[cfg(not(feature = "aws"))]
    {
        let disabled = pool.store("s3://bucket/x").expect_err("aws is off");
        assert!(disabled.to_string().contains("`aws` feature"), "{disabled}");
    }
    assert!(pool.is_empty());
}

/// S3 clients are real `object_store` clients, built without touching the
/// network; the pool keeps clients with other credentials or endpoints apart.
#[cfg(feature = "aws")]
#[test]
fn s3_clients_are_kept_apart_by_credentials_and_shared_by_bucket() {
    let pool = StoragePool::new();
    let options = |key: &str| {
        [
            ("aws_access_key_id", key.to_owned()),
            ("aws_secret_access_key", "secret".to_owned()),
            ("aws_region", "eu-west-1".to_owned()),
            ("aws_endpoint", "http://127.0.0.1:9".to_owned()),
            ("aws_allow_http", "true".to_owned()),
        ]
    };
    let a = pool
        .store_with_options("s3://lake/raw/orders", options("team-a"))
        .expect("s3 store");
    let b = pool
        .store_with_options("s3://lake/raw/events", options("team-a"))
        .expect("s3 store");
    pool.store_with_options("s3://lake/raw/orders", options("team-b"))
        .expect("s3 store");
    assert_eq!(pool.len(), 2, "one client per bucket and credentials");
    assert_eq!(
        (a.to_string(), b.to_string()),
        (
            "PrefixObjectStore(raw/orders)".into(),
            "PrefixObjectStore(raw/events)".into()
        )
    );
}

/// Everything in the URL that selects a store is part of the key: two Azure
/// containers of one account (`abfss://container@account...`) never share the
/// first container's client, and neither do two users or ports of one host.
#[cfg(feature = "azure")]
#[test]
fn azure_containers_of_one_account_never_share_a_client() {
    let pool = StoragePool::new();
    let options = [
        ("azure_storage_account_key", "a2V5"),
        ("azure_storage_account_name", "account"),
    ];
    let orders = pool
        .store_with_options("abfss://orders@account.dfs.core.windows.net/raw", options)
        .expect("azure store");
    let events = pool
        .store_with_options("abfss://events@account.dfs.core.windows.net/raw", options)
        .expect("azure store");
    pool.store_with_options("abfss://orders@account.dfs.core.windows.net/other", options)
        .expect("azure store");
    assert_eq!(pool.len(), 2, "one client per container");
    assert_ne!(address(&orders), address(&events));
}

#[test]
fn user_information_and_port_select_the_store() {
    let pool = StoragePool::new();
    pool.store("memory://alice@lake/x").expect("store");
    pool.store("memory://bob@lake/x").expect("store");
    pool.store("memory://lake:1/x").expect("store");
    pool.store("memory://lake:2/x").expect("store");
    pool.store("memory://lake:2/y").expect("store");
    assert_eq!(pool.len(), 4);
}

/// A loopback HTTP server that answers every request `404` and counts the
/// connections it accepts: enough to see where a client sends its requests.
#[cfg(feature = "aws")]
async fn counting_server() -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                while let Ok(read) = socket.read(&mut buffer).await {
                    if read == 0 {
                        break;
                    }
                    if buffer[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                        let reply = b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n";
                        if socket.write_all(reply).await.is_err() {
                            break;
                        }
                    }
                }
            });
        }
    });
    (address, accepted)
}

/// S3 clients start from the `AWS_*` variables every cloud tool reads, and
/// options given in code win over them.
#[cfg(feature = "aws")]
#[tokio::test]
async fn s3_clients_start_from_the_environment_and_options_win() {
    use std::sync::atomic::Ordering;

    let (from_env, env_hits) = counting_server().await;
    let (from_options, option_hits) = counting_server().await;
    let pool = StoragePool::with_environment([
        ("AWS_ENDPOINT", from_env.as_str()),
        ("AWS_ACCESS_KEY_ID", "key"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ALLOW_HTTP", "true"),
        ("HOME", "/root"),
    ]);
    let store = pool.store("s3://lake/raw").expect("s3 store");
    assert!(store.head(&Path::from("missing.json")).await.is_err(), "404");
    assert!(env_hits.load(Ordering::SeqCst) >= 1, "the request went to AWS_ENDPOINT");

    let store = pool
        .store_with_options("s3://lake/raw", [("aws_endpoint", from_options.as_str())])
        .expect("s3 store");
    assert!(store.head(&Path::from("missing.json")).await.is_err());
    assert!(option_hits.load(Ordering::SeqCst) >= 1, "the explicit endpoint won");
}
