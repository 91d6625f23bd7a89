//! xen-acm benchmarks: not written yet (issue 7 stays open until they are).
fn main() {}
