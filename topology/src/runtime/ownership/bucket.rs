//! Which bucket a key hashes into, and which shard should own a bucket.

use xxhash_rust::xxh3::xxh3_64;

use crate::runtime::shard::owner;

/// The bucket of `key` among `buckets`, fixed by the hash's specification.
///
/// ```
/// assert_eq!(topology::bucket_of("orders", 64), topology::bucket_of("orders", 64));
/// assert!(topology::bucket_of("orders", 64) < 64);
/// ```
pub fn bucket_of(key: &str, buckets: u32) -> u32 {
    u32::try_from(xxh3_64(key.as_bytes()) % u64::from(buckets.max(1))).unwrap_or(0)
}

/// The shard index that should own `bucket` among `count` shards
/// (rendezvous hashing): it takes the lease when it is free.
pub(crate) fn preferred_index(bucket: u32, count: u32) -> u32 {
    owner(&format!("bucket-{bucket}"), count)
}
