//! What the `topology` runtime and the `topology-macros` crate must agree
//! on, kept in one place so that a compile-time check and the check at start
//! can never drift apart: the metrics-address syntax, the names of the
//! global settings `topology!` accepts, and "did you mean".
//!
//! This crate is an implementation detail of `topology`; its items carry no
//! stability promise of their own.

mod address;
mod suggest;

pub use address::parse_metrics_address;
pub use suggest::closest;

/// The settings of `global: { ... }` in `topology!`, in the order the
/// runtime declares them. The runtime's tests check this list against its
/// one declaration of the settings, so the macro cannot accept a setting the
/// runtime lacks or miss one it has.
///
/// ```
/// assert!(topology_common::GLOBAL_SETTINGS.contains(&"poll_jitter_secs"));
/// ```
pub const GLOBAL_SETTINGS: &[&str] = &[
    "poll_jitter_secs",
    "total_concurrency",
    "connection_pooling",
    "shutdown_timeout_secs",
    "failure_policy",
];

/// How many keys a one-line summary names before it says "and N more": a
/// start-up line of 100 000 keys helps nobody.
///
/// ```
/// assert_eq!(topology_common::KEYS_SHOWN, 20);
/// ```
pub const KEYS_SHOWN: usize = 20;
