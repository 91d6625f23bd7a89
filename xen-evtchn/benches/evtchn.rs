//! Benchmarks of this crate: not written yet (its issue stays open until they are).
fn main() {}
