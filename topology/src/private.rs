//! Items named by the code `topology!` and `#[pipeline]` generate. Not a
//! public API: it changes without notice.

pub use crate::dsl::{
    BoxError, Deps, Inject, Injectable, PipelineFn, PipelineInfo, PipelineResult, as_str,
    assert_injectable, concat, find_key, run_pipeline_fn, total_len,
};
pub use crate::program::{ProgramSpec, main, main_with_args, start};
pub use crate::{GlobalConfig, MetricsAddress, Pipeline, Settings, StartedTopology, TopologyError};

pub use core::{
    convert::Infallible,
    fmt,
    future::Future,
    option::Option::{self, None, Some},
    result::Result::{self, Err, Ok},
    time::Duration,
};
pub use std::process::ExitCode;
