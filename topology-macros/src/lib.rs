//! Procedural macros of the `topology` framework.
//!
//! Use them through the `topology` crate, which re-exports them.
