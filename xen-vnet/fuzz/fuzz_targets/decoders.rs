//! Arbitrary bytes through every decoder of xen-vnet: UDP-1798 datagrams
//! (VARP, etherip data, forwarded packets), raw protocol-97 packets, IPv4 and
//! UDP headers, ESP under each security level, SXP, vnet ids and MACs. None
//! may panic; accepted VARP/data re-encode to the same bytes; no ESP packet
//! opens without its keys. The same function runs as a proptest in the crate.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    xen_vnet::fuzz_all_decoders(data);
});
