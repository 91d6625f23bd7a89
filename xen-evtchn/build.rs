//! Declares the `loom` cfg used by the loom model tests
//! (`RUSTFLAGS="--cfg loom" cargo test -p xen-evtchn --release --test loom_fifo`).
fn main() {
    println!("cargo::rustc-check-cfg=cfg(loom)");
}
