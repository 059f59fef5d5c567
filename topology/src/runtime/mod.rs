//! The runtime: the seed's vocabulary, usable by hand without the macros.
//!
//! Nothing here knows about the generated program; the program layer
//! ([`crate::program`]) is built on top of these modules, never the reverse.

pub(crate) mod block_on;
pub(crate) mod cloud_env;
pub(crate) mod concurrency;
pub(crate) mod config;
pub(crate) mod context;
pub(crate) mod error;
pub(crate) mod interval;
pub(crate) mod jitter;
pub(crate) mod key_list;
pub(crate) mod metrics;
pub(crate) mod one_line;
pub(crate) mod ownership;
pub(crate) mod pipeline;
pub(crate) mod record;
pub(crate) mod redact;
pub(crate) mod reporter;
pub(crate) mod restart;
pub(crate) mod run;
pub(crate) mod runner;
pub(crate) mod running_topology;
pub(crate) mod served;
pub(crate) mod setting;
pub(crate) mod shard;
pub(crate) mod shutdown;
pub(crate) mod stats;
pub(crate) mod status;
pub(crate) mod storage;
pub(crate) mod task;
pub(crate) mod unix_time;
pub(crate) mod watchdog;
