//! Compile-fail and compile-pass cases of `#[pipeline]` and `topology!`.
//!
//! Each `fail/*.rs` has a reviewed `.stderr` beside it: the error must sit on
//! the offending token and say how to fix it. The snapshots are made with the
//! machines' one toolchain (rustc 1.95); regenerate deliberately with
//! `TRYBUILD=overwrite cargo test -p topology-ui-tests` and review the diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/fail/*.rs");
    cases.pass("tests/pass/*.rs");
}
