//! Benchmarks (coming).
#![allow(missing_docs)]
fn main() {}
