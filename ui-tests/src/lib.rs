//! Compile-fail and compile-pass cases of the topology macros live under `tests/`.
