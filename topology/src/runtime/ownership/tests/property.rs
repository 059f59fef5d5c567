//! The lease protocol under random stalls, partitions, late answers,
//! crashes and restarts, in paused time: at every instant (checked every
//! 50 ms of virtual time) no bucket is granted to two replicas, and the
//! fencing tokens each replica is granted for a bucket only grow.

use std::{collections::HashMap, sync::Arc, time::Duration};

use object_store::{ObjectStore, memory::InMemory};
use tokio::time::{Instant, sleep};

use super::faulty::Faulty;
use crate::runtime::{
    ownership::{Coordinator, OwnershipSettings},
    shard::Shard,
};

const REPLICAS: u32 = 3;

struct Replica {
    faulty: Faulty,
    coordinator: Option<Coordinator>,
    generation: u32,
}

fn settings() -> OwnershipSettings {
    OwnershipSettings {
        buckets: 6,
        ..OwnershipSettings::default()
    }
}

impl Replica {
    fn start(&mut self, index: u32) {
        let store: Arc<dyn ObjectStore> = Arc::new(self.faulty.clone());
        let shard = Shard::new(index, REPLICAS).unwrap_or(Shard::ALL);
        self.generation += 1;
        let identity = format!("replica-{index}/{}", self.generation);
        self.coordinator = Some(Coordinator::start(
            store,
            settings(),
            shard,
            identity,
            Arc::new(|_| true),
        ));
    }
}

/// Which replicas may run each bucket right now.
fn holders(replicas: &[Replica]) -> HashMap<u32, Vec<(usize, u64)>> {
    let now = Instant::now();
    let mut holders: HashMap<u32, Vec<(usize, u64)>> = HashMap::new();
    for (index, replica) in replicas.iter().enumerate() {
        let Some(coordinator) = &replica.coordinator else {
            continue;
        };
        for (bucket, grant) in &coordinator.holdings().borrow().granted {
            if now < grant.valid_until {
                holders.entry(*bucket).or_default().push((index, grant.token));
            }
        }
    }
    holders
}

async fn scenario(seed: u64, steps: usize) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let shared = Faulty::new(InMemory::new());
    let mut replicas: Vec<Replica> = (0..REPLICAS)
        .map(|_| Replica {
            faulty: shared.sibling(),
            coordinator: None,
            generation: 0,
        })
        .collect();
    for (index, replica) in (0..).zip(replicas.iter_mut()) {
        replica.start(index);
    }
    let mut highest: HashMap<u32, u64> = HashMap::new();
    for _ in 0..steps {
        let target = rng.usize(..replicas.len());
        match rng.u8(..8) {
            0 => replicas[target].faulty.set_down(true),
            1 => replicas[target].faulty.set_down(false),
            2 => replicas[target]
                .faulty
                .set_late_by(Duration::from_millis(rng.u64(0..4_000))),
            3 => replicas[target].faulty.set_late_by(Duration::ZERO),
            4 => {
                // A crash: no release, no more renewals.
                if let Some(coordinator) = replicas[target].coordinator.take() {
                    coordinator.crash();
                }
            }
            5 => {
                if let Some(coordinator) = replicas[target].coordinator.take() {
                    coordinator.stop().await;
                }
            }
            _ => {
                if replicas[target].coordinator.is_none() {
                    replicas[target].start(u32::try_from(target).unwrap_or(0));
                }
            }
        }
        let until = Instant::now() + Duration::from_millis(rng.u64(0..20_000));
        while Instant::now() < until {
            for (bucket, holding) in holders(&replicas) {
                assert!(holding.len() <= 1, "seed {seed}: bucket {bucket} held by {holding:?}");
                for (_, token) in holding {
                    let before = highest.entry(bucket).or_insert(token);
                    assert!(token >= *before, "seed {seed}: bucket {bucket}'s token went back");
                    *before = token;
                }
            }
            sleep(Duration::from_millis(50)).await;
        }
    }
    // Settled and healthy, every bucket is held again.
    for (index, replica) in (0..).zip(replicas.iter_mut()) {
        replica.faulty.set_down(false);
        replica.faulty.set_late_by(Duration::ZERO);
        if replica.coordinator.is_none() {
            replica.start(index);
        }
    }
    sleep(settings().duration * 3).await;
    let holders = holders(&replicas);
    assert_eq!(
        holders.len(),
        6,
        "seed {seed}: every bucket held after settling: {holders:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn one_holder_per_bucket_at_every_instant() {
    let seeds: u64 = std::env::var("TOPOLOGY_LEASE_SEEDS")
        .ok()
        .and_then(|seeds| seeds.parse().ok())
        .unwrap_or(12);
    for seed in 0..seeds {
        scenario(seed, 40).await;
    }
}
