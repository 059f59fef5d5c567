//! What the `topology` runtime and the `topology-macros` crate must agree
//! on, kept in one place so that a compile-time check and the check at start
//! can never drift apart: the metrics-address syntax, the names and kinds of
//! the global settings `topology!` accepts, the duration syntax, and "did
//! you mean".
//!
//! This crate is an implementation detail of `topology`; its items carry no
//! stability promise of their own.

mod address;
mod duration;
mod name;
mod suggest;

pub use address::parse_metrics_address;
pub use duration::parse_millis;
pub use name::name_problem;
pub use suggest::closest;

/// What a global setting holds, as `topology!` checks its literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingKind {
    /// A whole number (`u64`).
    WholeNumber,
    /// A limit: a whole number, at least 1 (`Option<usize>`, absent when
    /// not given).
    Limit,
    /// `true` or `false`.
    Switch,
    /// `isolate` or `shutdown`.
    FailurePolicy,
}

/// The settings of `global: { ... }` in `topology!` and what each holds, in
/// the order the runtime declares them. The runtime's tests check this list
/// against its one declaration of the settings (names and the values they
/// expect), so the macro cannot accept a setting the runtime lacks, miss one
/// it has, or read one as the wrong kind.
///
/// ```
/// use topology_common::{GLOBAL_SETTINGS, SettingKind};
///
/// assert!(GLOBAL_SETTINGS.contains(&("poll_jitter_secs", SettingKind::WholeNumber)));
/// ```
pub const GLOBAL_SETTINGS: &[(&str, SettingKind)] = &[
    ("poll_jitter_secs", SettingKind::WholeNumber),
    ("total_concurrency", SettingKind::Limit),
    ("connection_pooling", SettingKind::Switch),
    ("shutdown_timeout_secs", SettingKind::WholeNumber),
    ("failure_policy", SettingKind::FailurePolicy),
    ("per_key_histograms", SettingKind::Switch),
    ("ready_requires_no_failed", SettingKind::Switch),
];
