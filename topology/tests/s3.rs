//! The storage pool against a real S3-protocol server on loopback (s3s over
//! a temporary directory), reached through a small proxy that counts the
//! TCP connections clients open.

#![cfg(feature = "aws")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use futures_util::StreamExt;
use object_store::{ObjectStore, ObjectStoreExt, path::Path};
use tokio::net::{TcpListener, TcpStream};
use topology::{GlobalConfig, PipelineContext, StoragePool};

#[path = "support/s3_server.rs"]
mod s3_server;

/// An S3 server with a `lake` bucket, and a proxy in front of it.
struct S3 {
    proxy: String,
    connections: Arc<AtomicUsize>,
    _root: tempfile::TempDir,
}

impl S3 {
    async fn start() -> Self {
        let root = tempfile::tempdir().unwrap();
        let server_addr = s3_server::serve(root.path(), &[("team-a", "secret-a"), ("team-b", "secret-b")]).await;

        let proxy = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy_addr = proxy.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&connections);
        tokio::spawn(async move {
            while let Ok((mut client, _)) = proxy.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    if let Ok(mut upstream) = TcpStream::connect(server_addr).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                    }
                });
            }
        });
        Self {
            proxy: format!("http://{proxy_addr}"),
            connections,
            _root: root,
        }
    }

    fn options(&self, team: &str) -> Vec<(String, String)> {
        [
            ("aws_endpoint", self.proxy.clone()),
            ("aws_access_key_id", format!("team-{team}")),
            ("aws_secret_access_key", format!("secret-{team}")),
            ("aws_region", "us-east-1".to_owned()),
            ("aws_allow_http", "true".to_owned()),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect()
    }
}

async fn read(store: &Arc<dyn ObjectStore>, path: &str) -> String {
    let bytes = store.get(&Path::from(path)).await.unwrap().bytes().await.unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_round_trip_through_the_pool_keeps_object_keys_as_written() {
    let s3 = S3::start().await;
    let pool = StoragePool::with_environment(std::iter::empty::<(String, String)>());
    let orders = pool
        .store_with_options("s3://lake/raw/Orders", s3.options("a"))
        .unwrap();

    orders.put(&Path::from("Batch-1.JSON"), "first".into()).await.unwrap();
    orders.put(&Path::from("batch-1.json"), "second".into()).await.unwrap();
    let listed: Vec<String> = orders
        .list(None)
        .map(|meta| meta.unwrap().location.to_string())
        .collect::<Vec<_>>()
        .await;
    let mut listed = listed;
    listed.sort();
    assert_eq!(
        listed,
        ["Batch-1.JSON", "batch-1.json"],
        "two keys differing only in case"
    );
    assert_eq!(read(&orders, "Batch-1.JSON").await, "first");
    assert_eq!(read(&orders, "batch-1.json").await, "second");

    // The same bucket from its root sees the prefix as written.
    let lake = pool.store_with_options("s3://lake", s3.options("a")).unwrap();
    assert_eq!(read(&lake, "raw/Orders/Batch-1.JSON").await, "first");
    assert_eq!(pool.len(), 1, "one bucket, one client");

    orders.delete(&Path::from("Batch-1.JSON")).await.unwrap();
    assert!(orders.head(&Path::from("Batch-1.JSON")).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_credential_sets_never_share_a_client() {
    let s3 = S3::start().await;
    let pool = StoragePool::with_environment(std::iter::empty::<(String, String)>());
    let a = pool.store_with_options("s3://lake/shared", s3.options("a")).unwrap();
    let b = pool.store_with_options("s3://lake/shared", s3.options("b")).unwrap();
    let wrong = pool.store_with_options("s3://lake/shared", s3.options("c")).unwrap();
    assert_eq!(pool.len(), 3);
    a.put(&Path::from("from-a"), "a".into()).await.unwrap();
    b.put(&Path::from("from-b"), "b".into()).await.unwrap();
    // Unknown credentials are refused: nothing was borrowed from another client.
    assert!(wrong.put(&Path::from("from-c"), "c".into()).await.is_err());
    assert_eq!(read(&a, "from-b").await, "b");
}

/// Twenty pipelines, two at a time, each writing and reading its own table
/// in one bucket; returns how many connections reached the server.
async fn connections_for(pooling: bool) -> usize {
    let s3 = Arc::new(S3::start().await);
    let config = GlobalConfig::default()
        .with_connection_pooling(pooling)
        .with_total_concurrency(Some(2));
    let ctx = PipelineContext::from_config(&config).unwrap();
    let pipelines = (0..20).map(|i| {
        let (ctx, s3) = (ctx.clone(), Arc::clone(&s3));
        tokio::spawn(async move {
            let _permit = ctx.acquire().await;
            let table = ctx
                .store_with_options(&format!("s3://lake/t{i}"), s3.options("a"))
                .unwrap();
            for batch in 0..5 {
                let path = Path::from(format!("batch-{batch}"));
                table.put(&path, "rows".into()).await.unwrap();
                table.head(&path).await.unwrap();
            }
        })
    });
    for pipeline in pipelines.collect::<Vec<_>>() {
        pipeline.await.unwrap();
    }
    s3.connections.load(Ordering::SeqCst)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelines_sharing_a_bucket_reuse_connections() {
    let pooled = connections_for(true).await;
    let unpooled = connections_for(false).await;
    assert!(
        pooled <= 4,
        "pooled: {pooled} connections for 20 pipelines two at a time"
    );
    assert!(
        unpooled >= 20,
        "unpooled: {unpooled} connections, one client per pipeline at least"
    );
}

/// s3s-fs honours `If-None-Match: *` and `If-Match: <e-tag>` on PUT, the two
/// conditional writes the leases and fencing rely on (it checks them before
/// writing, not atomically with the write, which a single test process
/// does not race). Two replicas' lease keepers on it: one holds every
/// bucket, the other takes them with a larger token once the first
/// releases, and the first's fenced writes are then refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_and_fencing_work_over_the_s3_protocol() {
    use object_store::{PutMode, PutOptions, UpdateVersion};
    use std::time::Duration;
    use topology::{Coordinator, FenceError, OwnershipSettings, Shard};

    let s3 = S3::start().await;
    let pool = StoragePool::with_environment(std::iter::empty::<(String, String)>());
    let store = pool
        .store_with_options("s3://lake/coordination", s3.options("a"))
        .unwrap();

    // The conditional writes themselves.
    let path = Path::from("probe");
    let create = PutOptions {
        mode: PutMode::Create,
        ..PutOptions::default()
    };
    let first = store.put_opts(&path, "1".into(), create.clone()).await.unwrap();
    let again = store.put_opts(&path, "2".into(), create).await.unwrap_err();
    assert!(matches!(again, object_store::Error::AlreadyExists { .. }), "{again}");
    let update = |version: UpdateVersion| PutOptions {
        mode: PutMode::Update(version),
        ..PutOptions::default()
    };
    let second = store
        .put_opts(&path, "2".into(), update(first.clone().into()))
        .await
        .unwrap();
    let stale = store
        .put_opts(&path, "3".into(), update(first.into()))
        .await
        .unwrap_err();
    assert!(matches!(stale, object_store::Error::Precondition { .. }), "{stale}");
    store.put_opts(&path, "3".into(), update(second.into())).await.unwrap();

    let settings = OwnershipSettings {
        duration: Duration::from_millis(1500),
        renew_interval: Duration::from_millis(500),
        margin: Duration::from_millis(500),
        buckets: 4,
    };
    let old = Coordinator::start(
        Arc::clone(&store),
        settings,
        Shard::ALL,
        "old/1".into(),
        Arc::new(|_| true),
    );
    old.holdings().wait_for(|held| held.granted.len() == 4).await.unwrap();
    let new = Coordinator::start(
        Arc::clone(&store),
        settings,
        Shard::ALL,
        "new/2".into(),
        Arc::new(|_| true),
    );
    let stale_owner = old.ownership_of("orders").unwrap();
    let table = Path::from("tables/orders/_commit");
    stale_owner
        .fenced_update(store.as_ref(), &table, |_| b"batch 1".to_vec())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        new.holdings().borrow().granted.is_empty(),
        "the old owner renews: nothing moves"
    );

    old.stop().await;
    new.holdings().wait_for(|held| held.granted.len() == 4).await.unwrap();
    let owner = new.ownership_of("orders").unwrap();
    assert_eq!((stale_owner.token(), owner.token()), (1, 2));
    owner
        .fenced_update(store.as_ref(), &table, |body| {
            [body.unwrap_or_default(), b", batch 2"].concat()
        })
        .await
        .unwrap();
    let refused = stale_owner
        .fenced_update(store.as_ref(), &table, |_| b"stale".to_vec())
        .await
        .unwrap_err();
    assert!(
        matches!(refused, FenceError::NotOwner { .. } | FenceError::Fenced { .. }),
        "{refused}"
    );
    let (token, body) = topology::Ownership::read_fenced(store.as_ref(), &table)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((token, &body[..]), (2, &b"batch 1, batch 2"[..]));
    new.stop().await;
}
