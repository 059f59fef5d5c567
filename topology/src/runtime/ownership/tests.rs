//! The lease protocol against the in-memory and local stores, in paused
//! time: who may run a bucket, handovers, expiry, outages, and a property
//! test over random stalls, crashes and restarts.

mod faulty;
mod property;

use std::{sync::Arc, time::Duration};

use object_store::{ObjectStore, memory::InMemory};
use tokio::time::{Instant, sleep};

use crate::runtime::{
    ownership::{Coordinator, OwnerState, OwnershipSettings, lease::LeaseStore},
    shard::Shard,
};

use faulty::Faulty;

fn settings() -> OwnershipSettings {
    OwnershipSettings {
        buckets: 8,
        ..OwnershipSettings::default()
    }
}

fn start(store: &Arc<dyn ObjectStore>, shard: Shard, name: &str) -> Coordinator {
    Coordinator::start(
        Arc::clone(store),
        settings(),
        shard,
        name.to_owned(),
        Arc::new(|_| true),
    )
}

/// Two replicas of every shard on one in-memory store: `holder` takes
/// every bucket, then `contender` starts beside it.
async fn holder_then_contender(holder: &str, contender: &str) -> (Arc<dyn ObjectStore>, Coordinator, Coordinator) {
    let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
    let first = start(&store, Shard::ALL, holder);
    sleep(Duration::from_millis(100)).await;
    let second = start(&store, Shard::ALL, contender);
    (store, first, second)
}

fn granted(coordinator: &Coordinator) -> Vec<u32> {
    coordinator.holdings().borrow().granted.keys().copied().collect()
}

#[tokio::test(start_paused = true)]
async fn one_replica_takes_every_bucket_and_releases_them_on_stop() {
    let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
    let only = start(&store, Shard::ALL, "a");
    sleep(Duration::from_millis(100)).await;
    assert_eq!(granted(&only), (0..8).collect::<Vec<_>>());
    let ownership = only.ownership_of("orders").expect("held");
    assert_eq!(ownership.token(), 1);
    assert!(ownership.is_current());
    only.stop().await;
    let leases = LeaseStore::new(Arc::clone(&store));
    let record = leases.read(3).await.expect("read").expect("exists").record;
    assert!(record.released);
    assert_eq!(
        (record.owner.as_str(), record.token, record.duration_ms),
        ("a", 1, 15_000)
    );
    assert!(!ownership.is_current(), "a released lease is no one's");
}

#[tokio::test(start_paused = true)]
async fn two_shards_split_the_buckets_by_rendezvous() {
    let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
    let first = start(&store, Shard::new(0, 2).expect("shard"), "a");
    let second = start(&store, Shard::new(1, 2).expect("shard"), "b");
    sleep(Duration::from_secs(1)).await;
    let (a, b) = (granted(&first), granted(&second));
    assert_eq!(a.len() + b.len(), 8);
    assert!(a.iter().all(|bucket| !b.contains(bucket)));
    // Each keeps them through many renewals.
    sleep(Duration::from_secs(120)).await;
    assert_eq!((granted(&first), granted(&second)), (a, b));
}

#[tokio::test(start_paused = true)]
async fn a_released_bucket_moves_at_once_with_a_larger_token() {
    let (_store, old, new) = holder_then_contender("old", "new").await;
    sleep(Duration::from_secs(30)).await;
    assert!(granted(&new).is_empty(), "the old owner renews: nothing moves");
    assert_eq!(new.holdings().borrow().state(0), Some(OwnerState::Acquiring));
    old.stop().await;
    let released = Instant::now();
    let mut holdings = new.holdings();
    holdings.wait_for(|held| held.granted.len() == 8).await.expect("keeper");
    assert!(
        released.elapsed() <= settings().scan_interval(),
        "taken at the next scan"
    );
    assert_eq!(new.ownership_of("orders").expect("held").token(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_crashed_owners_buckets_move_only_after_its_lease_expires() {
    let (_store, crashed, survivor) = holder_then_contender("crashed", "survivor").await;
    sleep(Duration::from_secs(3)).await;
    // Killed: no release, no more renewals.
    crashed.crash();
    let killed = Instant::now();
    let mut holdings = survivor.holdings();
    holdings.wait_for(|held| held.granted.len() == 8).await.expect("keeper");
    let waited = killed.elapsed();
    assert!(
        waited >= settings().duration - settings().renew_interval,
        "not before expiry: {waited:?}"
    );
    assert!(
        waited <= settings().duration + settings().scan_interval() * 2,
        "soon after: {waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_unreachable_store_stops_the_keys_before_the_lease_can_move_and_they_resume_after() {
    let faulty = Faulty::new(InMemory::new());
    let store: Arc<dyn ObjectStore> = Arc::new(faulty.clone());
    let other: Arc<dyn ObjectStore> = Arc::new(faulty.bypass());
    let cut_off = start(&store, Shard::ALL, "cut-off");
    sleep(Duration::from_millis(100)).await;
    let renewed = Instant::now();
    let contender = start(&other, Shard::ALL, "contender");
    faulty.set_down(true);
    let mut holdings = cut_off.holdings();
    holdings.wait_for(|held| held.granted.is_empty()).await.expect("keeper");
    let stopped = renewed.elapsed();
    assert!(stopped <= settings().valid_for(), "stopped before expiry: {stopped:?}");
    assert_eq!(cut_off.holdings().borrow().state(0), Some(OwnerState::Lost));
    // The contender takes the buckets only after the lease expired.
    let mut taken = contender.holdings();
    taken.wait_for(|held| held.granted.len() == 8).await.expect("keeper");
    assert!(renewed.elapsed() >= settings().duration, "{:?}", renewed.elapsed());
    // The store returns; the contender stops, and the first takes them back.
    faulty.set_down(false);
    contender.stop().await;
    holdings.wait_for(|held| held.granted.len() == 8).await.expect("keeper");
    assert_eq!(cut_off.ownership_of("orders").expect("held").token(), 3);
}

#[tokio::test(start_paused = true)]
async fn taken_over_buckets_go_back_to_their_owner_once_it_beats_again() {
    let faulty = Faulty::new(InMemory::new());
    let stalled_store: Arc<dyn ObjectStore> = Arc::new(faulty.clone());
    let healthy_store: Arc<dyn ObjectStore> = Arc::new(faulty.bypass());
    let stalled = start(&stalled_store, Shard::new(0, 2).expect("shard"), "stalled");
    let healthy = start(&healthy_store, Shard::new(1, 2).expect("shard"), "healthy");
    sleep(Duration::from_secs(1)).await;
    let mine = granted(&stalled);
    assert!(!mine.is_empty());
    faulty.set_down(true);
    let mut all = healthy.holdings();
    all.wait_for(|held| held.granted.len() == 8).await.expect("keeper");
    assert!(granted(&stalled).is_empty(), "never two holders");
    faulty.set_down(false);
    let mut back = stalled.holdings();
    back.wait_for(|held| held.granted.len() == mine.len())
        .await
        .expect("keeper");
    assert_eq!(granted(&stalled), mine);
    assert_eq!(granted(&healthy).len(), 8 - mine.len());
}

#[tokio::test]
async fn the_local_file_store_cannot_renew_and_says_so() {
    // object_store's local files support create-if-absent but not
    // replace-if-the-version-matches: ownership needs a store that has both.
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn ObjectStore> =
        Arc::new(object_store::local::LocalFileSystem::new_with_prefix(dir.path()).expect("local store"));
    let leases = LeaseStore::new(store);
    let record = crate::runtime::ownership::LeaseRecord {
        owner: "a".into(),
        shard: "0/1".into(),
        token: 1,
        duration_ms: 15_000,
        acquired_unix_ms: 0,
        renewed_unix_ms: 0,
        released: false,
    };
    let version = leases.create(0, &record).await.expect("created");
    assert!(leases.create(0, &record).await.is_err(), "a second create conflicts");
    let update = leases
        .update(0, &record, &version)
        .await
        .expect_err("no conditional update");
    assert!(update.to_string().contains("not implemented") || update.to_string().contains("Update"));
}
