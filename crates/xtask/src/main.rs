//! Task runner (placeholder while the foundation is laid).
fn main() {}
