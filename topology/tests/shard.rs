//! Rendezvous sharding over many key sets: every key on exactly one shard,
//! the shards balanced, and only the new shard's share moving when one is
//! added.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use topology::Shard;

fn keys(set: u64, count: usize) -> Vec<String> {
    let mut rng = fastrand::Rng::with_seed(set);
    (0..count)
        .map(|i| match rng.u8(0..3) {
            0 => format!("ingest/table-{set}-{i}"),
            1 => format!("export/{:x}", rng.u64(..)),
            _ => format!("p{i}"),
        })
        .collect()
}

/// The index of the one shard of `n` that owns `key`.
fn owner(key: &str, n: u32) -> u32 {
    let owners: Vec<u32> = (0..n).filter(|i| Shard::new(*i, n).unwrap().owns(key)).collect();
    assert_eq!(
        owners.len(),
        1,
        "`{key}` must be on exactly one of {n} shards: {owners:?}"
    );
    owners[0]
}

#[test]
fn assignment_is_total_disjoint_and_balanced() {
    for set in 0..20 {
        let keys = keys(set, 3_000);
        for n in 1..=8 {
            let mut per_shard = vec![0usize; n as usize];
            for key in &keys {
                per_shard[owner(key, n) as usize] += 1;
            }
            let mean = keys.len() as f64 / f64::from(n);
            for (shard, count) in per_shard.iter().enumerate() {
                // Within 25 % of an even share: with 3 000 keys that is
                // five standard deviations of a fair draw at 8 shards.
                let off = (*count as f64 - mean).abs() / mean;
                assert!(
                    off < 0.25,
                    "set {set}, {n} shards: shard {shard} has {count} keys, mean {mean:.0}"
                );
            }
        }
    }
}

#[test]
fn adding_a_shard_moves_only_its_share() {
    for set in 0..20 {
        let keys = keys(set, 3_000);
        for n in 1..=7 {
            let moved: Vec<&String> = keys.iter().filter(|key| owner(key, n) != owner(key, n + 1)).collect();
            // Every key that moves, moves to the new shard.
            assert!(
                moved.iter().all(|key| owner(key, n + 1) == n),
                "set {set}: {n} → {}",
                n + 1
            );
            let fraction = moved.len() as f64 / keys.len() as f64;
            let expected = 1.0 / f64::from(n + 1);
            assert!(
                (fraction - expected).abs() < expected * 0.2,
                "set {set}: {n} → {} shards moved {fraction:.3} of the keys, expected about {expected:.3}",
                n + 1
            );
        }
    }
}
