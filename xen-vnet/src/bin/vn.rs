//! (coming)
fn main() {}
