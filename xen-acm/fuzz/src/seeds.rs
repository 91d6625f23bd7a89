//! `cargo run --bin seeds -- <dir>`: compiles the example policies of
//! `examples/acm/` and writes their binary form to `<dir>`, the seed corpus
//! of the `binary_policy` target (random bytes rarely pass the header).
use std::path::Path;

fn main() {
    let out = std::env::args().nth(1).expect("usage: seeds <dir>");
    std::fs::create_dir_all(&out).unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acm");
    let files = [
        "mytest-security_policy.xml",
        "mytest_update-security_policy.xml",
        "example/test-security_policy.xml",
    ];
    for f in files {
        let xml = std::fs::read_to_string(examples.join(f)).unwrap();
        let policy = xen_acm::compile::compile_xml(&xml).unwrap();
        let name = f.replace('/', "-").replace(".xml", ".bin");
        std::fs::write(Path::new(&out).join(name), policy.binary.to_bytes()).unwrap();
    }
}
