//! Which pipelines this replica runs, when several share the work: each key
//! goes to the shard that ranks highest for it (rendezvous hashing), with a
//! hash fixed by its specification (XXH3), so every build and platform agrees.

use std::{fmt, str::FromStr};

use xxhash_rust::xxh3::xxh3_64;

use crate::runtime::setting::text_setting;

/// This replica's part of the keys: shard `index` of `count`.
///
/// Every key belongs to exactly one shard; going from `n` to `n + 1` shards
/// moves only the keys the new shard wins, about `1 / (n + 1)` of them.
///
/// ```
/// use topology::Shard;
///
/// let shards: Vec<Shard> = (0..3).map(|i| format!("{i}/3").parse().unwrap()).collect();
/// for key in ["ingest/orders", "ingest/events", "report"] {
///     assert_eq!(shards.iter().filter(|shard| shard.owns(key)).count(), 1);
/// }
/// assert!(Shard::ALL.owns("anything"));
/// assert!("3/3".parse::<Shard>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    index: u32,
    count: u32,
}

impl Shard {
    /// One shard holding every key: no sharding.
    pub const ALL: Self = Self { index: 0, count: 1 };

    /// The most shards the keys can be spread over. Each key is ranked
    /// against every shard, so the count bounds the cost of assigning keys
    /// (at this bound, about a millisecond per thousand keys); no
    /// deployment runs more replicas than this.
    pub const MAX_COUNT: u32 = 1024;

    /// Shard `index` of `count`; `None` unless `index < count` and `count`
    /// is at most [`MAX_COUNT`](Self::MAX_COUNT).
    pub fn new(index: u32, count: u32) -> Option<Self> {
        (index < count && count <= Self::MAX_COUNT).then_some(Self { index, count })
    }

    /// This shard's index, from 0.
    pub fn index(self) -> u32 {
        self.index
    }

    /// How many shards share the keys.
    pub fn count(self) -> u32 {
        self.count
    }

    /// Whether this shard runs the pipeline with `key`.
    pub fn owns(self, key: &str) -> bool {
        self.count <= 1 || owner(key, self.count) == self.index
    }
}

/// The shard among `count` that ranks highest for `key`.
pub(crate) fn owner(key: &str, count: u32) -> u32 {
    (0..count).max_by_key(|shard| rank(key, *shard)).unwrap_or(0)
}

/// How strongly `shard` claims `key`: the hash of both, stable by spec.
pub(crate) fn rank(key: &str, shard: u32) -> u64 {
    let mut bytes = Vec::with_capacity(key.len() + 5);
    bytes.extend_from_slice(key.as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(&shard.to_le_bytes());
    xxh3_64(&bytes)
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Why a shard cannot be had from the text or the hostname given.
///
/// ```
/// use topology::{Shard, ShardError};
///
/// assert_eq!("3/3".parse::<Shard>(), Err(ShardError::IndexNotBelowCount { index: 3, count: 3 }));
/// assert_eq!(
///     ShardError::IndexNotBelowCount { index: 3, count: 3 }.to_string(),
///     "the shard index 3 is not below the count 3 (indexes count from 0)"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ShardError {
    /// The text is not `i/n` with whole numbers.
    #[error("expected `i/n` with whole numbers, such as `0/3`")]
    NotAFraction,
    /// The count is 0.
    #[error("the shard count must be at least 1")]
    NoShards,
    /// The count is above [`Shard::MAX_COUNT`].
    #[error("the shard count {count} is above the most shards, {max}: each key is ranked against every shard", max = Shard::MAX_COUNT)]
    TooManyShards {
        /// The count given.
        count: u32,
    },
    /// The index is not below the count.
    #[error("the shard index {index} is not below the count {count} (indexes count from 0)")]
    IndexNotBelowCount {
        /// The index given.
        index: u32,
        /// The count given.
        count: u32,
    },
    /// The hostname does not end in `-N`.
    #[error("hostname `{hostname}` has no ordinal suffix (such as `name-2`)")]
    NoOrdinal {
        /// The hostname.
        hostname: String,
    },
    /// The hostname ends in `-N` with N too large to be an ordinal.
    #[error("hostname `{hostname}` ends in an ordinal too large to be one")]
    OrdinalTooLarge {
        /// The hostname.
        hostname: String,
    },
    /// The hostname's ordinal is below the first ordinal.
    #[error("hostname `{hostname}` is ordinal {ordinal}, below the first ordinal {first}")]
    OrdinalBelowFirst {
        /// The hostname.
        hostname: String,
        /// Its ordinal.
        ordinal: u32,
        /// The StatefulSet's first ordinal.
        first: u32,
    },
    /// The hostname's ordinal, counted from the first, is not below the count.
    #[error(
        "hostname `{hostname}` is ordinal {ordinal}, counted from the first ordinal {first}, not below the shard count {count}"
    )]
    OrdinalNotBelowCount {
        /// The hostname.
        hostname: String,
        /// Its ordinal.
        ordinal: u32,
        /// The StatefulSet's first ordinal.
        first: u32,
        /// The shard count.
        count: u32,
    },
}

impl FromStr for Shard {
    type Err = ShardError;

    /// `i/n`, as in `TOPOLOGY_SHARD=1/3`.
    fn from_str(text: &str) -> Result<Self, ShardError> {
        let Some((Some(index), Some(count))) = text
            .trim()
            .split_once('/')
            .map(|(index, count)| (whole_number(index), whole_number(count)))
        else {
            return Err(ShardError::NotAFraction);
        };
        Self::checked(index, count)
    }
}

/// A shard count, index or ordinal: digits only (`u32::from_str` would also
/// take a sign), around whitespace.
pub(crate) fn whole_number(text: &str) -> Option<u32> {
    let digits = text.trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

impl Shard {
    /// Shard `index` of `count`, or why not.
    fn checked(index: u32, count: u32) -> Result<Self, ShardError> {
        match count {
            0 => Err(ShardError::NoShards),
            count if count > Self::MAX_COUNT => Err(ShardError::TooManyShards { count }),
            count => Self::new(index, count).ok_or(ShardError::IndexNotBelowCount { index, count }),
        }
    }

    /// Shard `ordinal - first` of `count`, the ordinal read from the end of
    /// a StatefulSet pod's hostname (`ingest-2` is ordinal 2) and `first`
    /// the set's first ordinal (its `spec.ordinals.start`, usually 0).
    ///
    /// ```
    /// use topology::Shard;
    ///
    /// assert_eq!(Shard::from_hostname("ingest-2", 3, 0).unwrap().to_string(), "2/3");
    /// assert_eq!(Shard::from_hostname("ingest-3", 3, 2).unwrap().to_string(), "1/3");
    /// assert!(Shard::from_hostname("ingest-1", 3, 2).is_err());
    /// ```
    pub fn from_hostname(hostname: &str, count: u32, first: u32) -> Result<Self, ShardError> {
        let hostname = hostname.trim();
        Self::checked(0, count)?;
        let suffix = hostname
            .rsplit_once('-')
            .map(|(_, suffix)| suffix)
            .filter(|suffix| !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| ShardError::NoOrdinal {
                hostname: hostname.to_owned(),
            })?;
        let ordinal = whole_number(suffix).ok_or_else(|| ShardError::OrdinalTooLarge {
            hostname: hostname.to_owned(),
        })?;
        let index = ordinal
            .checked_sub(first)
            .ok_or_else(|| ShardError::OrdinalBelowFirst {
                hostname: hostname.to_owned(),
                ordinal,
                first,
            })?;
        Self::new(index, count).ok_or_else(|| ShardError::OrdinalNotBelowCount {
            hostname: hostname.to_owned(),
            ordinal,
            first,
            count,
        })
    }
}

text_setting!(Shard, "`i/n` with i below n, such as `0/3`", detailed);

/// Read from its text; an error is raised while the value is read, so that
/// it carries the value's location.
impl<'de> serde::Deserialize<'de> for Shard {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(crate::runtime::setting::FromText::<Self>::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pinned: a replica built by another compiler, on another platform,
    /// or from another release must send every key to the same shard.
    #[test]
    fn the_hash_is_pinned() {
        assert_eq!(rank("ingest/orders", 0), 18_199_759_628_041_264_396);
        assert_eq!(rank("ingest/orders", 1), 11_766_177_985_030_585_017);
        assert_eq!(rank("report", 2), 12_754_108_229_578_582_656);
        assert_eq!(rank("", 0), 16_745_761_692_019_274_306);
        let owners: Vec<(u32, u32)> = ["ingest/orders", "ingest/events", "report", "a", "b", "c"]
            .iter()
            .map(|key| (owner(key, 3), owner(key, 7)))
            .collect();
        assert_eq!(owners, [(0, 0), (1, 4), (0, 0), (1, 5), (1, 1), (1, 3)]);
    }
}
