//! Links each guest kernel with xen-guest's linker script (entry at 1 MiB).

fn main() {
    println!("cargo:rerun-if-changed=../../crates/xen-guest/guest.ld");
    if std::env::var("TARGET").as_deref() == Ok("x86_64-unknown-none") {
        let dir = std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo");
        println!("cargo:rustc-link-arg-bins=-T{dir}/../../crates/xen-guest/guest.ld");
        println!("cargo:rustc-link-arg-bins=--no-pie");
    }
}
