//! Declares the `loom` cfg used by the model-checking tests.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(loom)");
}
