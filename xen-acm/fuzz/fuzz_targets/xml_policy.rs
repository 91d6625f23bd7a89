//! Arbitrary text as an XML security policy (`xm setpolicy` input). The
//! parser must answer with a positioned error or a document; a document it
//! accepts must compile, and its binary form must load back unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xen_acm::BinaryPolicy;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(doc) = xen_acm::xml::parse_policy(text) else {
        return;
    };
    let compiled = xen_acm::compile::compile(&doc).expect("a validated policy compiles");
    let bytes = compiled.binary.to_bytes();
    assert_eq!(BinaryPolicy::from_bytes(&bytes).unwrap(), compiled.binary);
});
