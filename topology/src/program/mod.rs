//! The program `topology!` generates, on top of the runtime: settings and
//! their layers, the YAML file, families and their entries, argument
//! injection, the started topology, and the items the generated code names.

pub(crate) mod app;
pub(crate) mod config_file;
pub(crate) mod dsl;
pub(crate) mod entry;
pub(crate) mod error;
pub(crate) mod flags;
pub(crate) mod hangup;
pub(crate) mod inject;
pub(crate) mod instance;
pub(crate) mod launch;
pub(crate) mod listing;
pub(crate) mod logging;
pub(crate) mod ownership;
pub(crate) mod policy;
pub(crate) mod reload;
pub(crate) mod settings;
pub(crate) mod spec;
pub(crate) mod started;
pub(crate) mod suggest;
pub(crate) mod yaml;
