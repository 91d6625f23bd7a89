//! Arbitrary bytes as a binary ACM policy (what `ACMOP_setpolicy` hands the
//! hypervisor). The loader must refuse or accept without panicking; an
//! accepted policy must re-encode to itself, and the decision engine booted
//! on it must answer any ssidref pair without panicking, cached answers
//! equal to uncached ones.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xen_acm::{BinaryPolicy, Engine, Ssidref};

fuzz_target!(|data: &[u8]| {
    let Ok(p) = BinaryPolicy::from_bytes(data) else {
        return;
    };
    assert_eq!(BinaryPolicy::from_bytes(&p.to_bytes()).unwrap(), p);
    let probe: Vec<Ssidref> = data
        .chunks_exact(4)
        .take(8)
        .map(|c| {
            Ssidref::from_parts(
                u16::from_le_bytes([c[0], c[1]]),
                u16::from_le_bytes([c[2], c[3]]),
            )
        })
        .collect();
    let dom0 = probe.first().copied().unwrap_or(Ssidref::NULL);
    let Ok(engine) = Engine::boot(p, dom0) else {
        return;
    };
    for &a in &probe {
        for &b in &probe {
            let slow = engine.may_share_uncached(a, b);
            assert_eq!(engine.may_share(a, b), slow);
            assert_eq!(engine.may_share(a, b), slow);
            let _ = engine.is_authorized(a, b);
            let _ = engine.check_create(xen_acm::DomId(1), a);
        }
    }
});
