//! Property test: random sequences of guest grant writes, maps, unmaps,
//! copies and swaps on v1 tables, checked step by step against a small
//! reference model of Xen's semantics (status codes, use bits, mapped
//! frames, data copied, page references).

mod common;

use std::collections::HashMap;

use common::*;
use proptest::prelude::*;
use xen_abi::{DomId, GrantRef};
use xen_grant::abi::*;
use xen_grant::host::HostWorld;
use xen_grant::{CopyBatch, CopyError, CopyPtr, CopyRequest, CopySide, GrantError};
use xen_mem::FrameMemory;

const DOMS: [DomId; 3] = [DOM0, DOMU, DOMU2];
const FIRST_REF: u32 = 8;
const REFS: u32 = 6;
const BAD_GFN: u64 = 1000;

#[derive(Clone, Debug)]
enum Op {
    Grant {
        granter: usize,
        gref: u32,
        grantee: usize,
        gfn: u64,
        ro: bool,
    },
    End {
        granter: usize,
        gref: u32,
    },
    Map {
        mapper: usize,
        granter: usize,
        gref: u32,
        host: bool,
        dev: bool,
        ro: bool,
    },
    Unmap {
        pick: usize,
        host: bool,
        dev: bool,
    },
    UnmapBogus {
        mapper: usize,
        handle: u32,
    },
    Copy {
        caller: usize,
        granter: usize,
        gref: u32,
        into_grant: bool,
        fill: u8,
    },
    Swap {
        granter: usize,
        a: u32,
        b: u32,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let d = 0..3usize;
    let r = prop_oneof![9 => FIRST_REF..FIRST_REF + REFS, 1 => Just(600u32)];
    let gfn = prop_oneof![9 => 0..6u64, 1 => Just(BAD_GFN)];
    prop_oneof![
        3 => (d.clone(), FIRST_REF..FIRST_REF + REFS, d.clone(), gfn, any::<bool>())
            .prop_map(|(granter, gref, grantee, gfn, ro)| Op::Grant { granter, gref, grantee, gfn, ro }),
        1 => (d.clone(), FIRST_REF..FIRST_REF + REFS).prop_map(|(granter, gref)| Op::End { granter, gref }),
        4 => (d.clone(), d.clone(), r.clone(), any::<bool>(), any::<bool>(), any::<bool>())
            .prop_map(|(mapper, granter, gref, host, dev, ro)| Op::Map { mapper, granter, gref, host, dev, ro }),
        3 => (any::<usize>(), any::<bool>(), any::<bool>())
            .prop_map(|(pick, host, dev)| Op::Unmap { pick, host, dev }),
        1 => (d.clone(), 200..300u32).prop_map(|(mapper, handle)| Op::UnmapBogus { mapper, handle }),
        2 => (d.clone(), d.clone(), r.clone(), any::<bool>(), any::<u8>())
            .prop_map(|(caller, granter, gref, into_grant, fill)| Op::Copy { caller, granter, gref, into_grant, fill }),
        1 => (d, r.clone(), r).prop_map(|(granter, a, b)| Op::Swap { granter, a, b }),
    ]
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Entry {
    valid: bool,
    grantee: usize,
    gfn: u64,
    ro: bool,
}

#[derive(Clone, Copy, Debug, Default)]
struct Active {
    mapper: usize,
    gfn: u64,
    host_w: u32,
    host_r: u32,
    dev_w: u32,
    dev_r: u32,
}

impl Active {
    fn pinned(&self) -> bool {
        self.host_w + self.host_r + self.dev_w + self.dev_r > 0
    }
    fn writable(&self) -> bool {
        self.host_w + self.dev_w > 0
    }
}

#[derive(Clone, Copy, Debug)]
struct Live {
    mapper: usize,
    granter: usize,
    gref: u32,
    handle: u32,
    addr: u64,
    host: bool,
    dev: bool,
    ro: bool,
    gfn: u64,
}

#[derive(Default)]
struct Model {
    entries: HashMap<(usize, u32), Entry>,
    active: HashMap<(usize, u32), Active>,
    live: Vec<Live>,
    /// First byte of each (domain, gfn).
    bytes: HashMap<(usize, u64), u8>,
    next_addr: u64,
}

fn translated(d: usize) -> bool {
    d != 0
}

impl Model {
    fn entry(&self, g: usize, r: u32) -> Entry {
        self.entries.get(&(g, r)).copied().unwrap_or_default()
    }
    fn act(&mut self, g: usize, r: u32) -> &mut Active {
        self.active.entry((g, r)).or_default()
    }
    fn use_bits(&self, g: usize, r: u32) -> u16 {
        let a = self.active.get(&(g, r)).copied().unwrap_or_default();
        let mut b = 0;
        if a.pinned() {
            b |= GTF_READING;
        }
        if a.writable() {
            b |= GTF_WRITING;
        }
        b
    }

    /// Xen's checks for pinning (g, r) for `who`; on success the frame.
    fn pin_check(&self, g: usize, r: u32, who: usize, ro: bool) -> Result<u64, GrantError> {
        if r >= 512 {
            return Err(GrantError::BadGntref);
        }
        let a = self.active.get(&(g, r)).copied().unwrap_or_default();
        let e = self.entry(g, r);
        if a.pinned() && a.mapper != who {
            return Err(GrantError::GeneralError);
        }
        if !a.pinned() || (!ro && !a.writable()) {
            if !a.pinned() && (!e.valid || e.grantee != who) {
                return Err(GrantError::GeneralError);
            }
            if !ro && e.ro {
                return Err(GrantError::GeneralError);
            }
            if !a.pinned() && e.gfn == BAD_GFN {
                return Err(GrantError::BadPage);
            }
        }
        Ok(if a.pinned() { a.gfn } else { e.gfn })
    }
}

fn run(ops: Vec<Op>) {
    let w = world();
    let mut m = Model::default();
    for (i, d) in DOMS.iter().enumerate() {
        for gfn in 0..6u64 {
            let b = (i as u8) * 16 + gfn as u8 + 1;
            w.host_memory()
                .fill(w.gfn_to_mfn(*d, gfn).unwrap(), 0, 1, b)
                .unwrap();
            m.bytes.insert((i, gfn), b);
        }
    }
    for (step, o) in ops.into_iter().enumerate() {
        apply(&w, &mut m, &o, step);
        check(&w, &m, step, &o);
    }
    // Unmap everything left: every reference comes back.
    for l in std::mem::take(&mut m.live) {
        let addr = if l.host { l.addr } else { 0 };
        let dev = if l.dev {
            (w.gfn_to_mfn(DOMS[l.granter], l.gfn).unwrap().0) << 12
        } else {
            0
        };
        unmap(&w, DOMS[l.mapper], l.handle, addr, dev).unwrap();
    }
    assert_eq!(w.total_refs(), 0);
    for d in DOMS {
        assert_eq!(dom(&w, d).active_mappings(), 0);
    }
}

fn apply(w: &HostWorld, m: &mut Model, o: &Op, step: usize) {
    match *o {
        Op::Grant {
            granter,
            gref,
            grantee,
            gfn,
            ro,
        } => {
            // Well-behaved guests only rewrite idle entries.
            if m.use_bits(granter, gref) != 0 {
                return;
            }
            grant(w, DOMS[granter], gref, DOMS[grantee], gfn, ro);
            m.entries.insert(
                (granter, gref),
                Entry {
                    valid: true,
                    grantee,
                    gfn,
                    ro,
                },
            );
        }
        Op::End { granter, gref } => {
            let r = w.guest_table(DOMS[granter]).unwrap().end_access(gref);
            if m.use_bits(granter, gref) != 0 {
                assert_eq!(r, Err(xen_grant::guest::GuestError::InUse), "step {step}");
            } else {
                assert_eq!(r, Ok(()), "step {step}");
                m.entries.insert((granter, gref), Entry::default());
            }
        }
        Op::Map {
            mapper,
            granter,
            gref,
            host,
            dev,
            ro,
        } => {
            m.next_addr += 0x1000;
            let addr = m.next_addr;
            let flags = (u32::from(host) * GNTMAP_HOST_MAP)
                | (u32::from(dev) * GNTMAP_DEVICE_MAP)
                | (u32::from(ro) * GNTMAP_READONLY);
            let got = map(w, DOMS[mapper], DOMS[granter], gref, flags, addr);
            let want = if !host && !dev {
                Err(GrantError::BadGntref)
            } else if translated(mapper) && dev {
                Err(GrantError::GeneralError)
            } else {
                m.pin_check(granter, gref, mapper, ro)
            };
            match (got, want) {
                (Ok(mp), Ok(gfn)) => {
                    assert_eq!(
                        Some(mp.mfn),
                        w.gfn_to_mfn(DOMS[granter], gfn),
                        "step {step}"
                    );
                    let a = m.act(granter, gref);
                    a.mapper = mapper;
                    a.gfn = gfn;
                    match (ro, host, dev) {
                        (false, h, d) => {
                            a.host_w += u32::from(h);
                            a.dev_w += u32::from(d);
                        }
                        (true, h, d) => {
                            a.host_r += u32::from(h);
                            a.dev_r += u32::from(d);
                        }
                    }
                    m.live.push(Live {
                        mapper,
                        granter,
                        gref,
                        handle: mp.handle,
                        addr,
                        host,
                        dev,
                        ro,
                        gfn,
                    });
                }
                (got, want) => assert_eq!(got.map(|_| ()), want.map(|_| ()), "step {step}: {o:?}"),
            }
        }
        Op::Unmap { pick, host, dev } => {
            if m.live.is_empty() {
                return;
            }
            let i = pick % m.live.len();
            let l = m.live[i];
            let mfn = w.gfn_to_mfn(DOMS[l.granter], l.gfn).unwrap();
            let addr = if host { l.addr } else { 0 };
            let devaddr = if dev { mfn.0 << 12 } else { 0 };
            unmap(w, DOMS[l.mapper], l.handle, addr, devaddr).unwrap();
            let a = m.act(l.granter, l.gref);
            let (dh, dd) = (host && l.host, dev && l.dev);
            if l.ro {
                a.host_r -= u32::from(dh);
                a.dev_r -= u32::from(dd);
            } else {
                a.host_w -= u32::from(dh);
                a.dev_w -= u32::from(dd);
            }
            let left = Live {
                host: l.host && !dh,
                dev: l.dev && !dd,
                ..l
            };
            if left.host || left.dev {
                m.live[i] = left;
            } else {
                m.live.remove(i);
            }
        }
        Op::UnmapBogus { mapper, handle } => {
            if m.live
                .iter()
                .any(|l| l.mapper == mapper && l.handle == handle)
            {
                return;
            }
            assert_eq!(
                unmap(w, DOMS[mapper], handle, 0x1000, 0),
                Err(GrantError::BadHandle)
            );
        }
        Op::Copy {
            caller,
            granter,
            gref,
            into_grant,
            fill,
        } => {
            let scratch = 5u64;
            w.host_memory()
                .fill(w.gfn_to_mfn(DOMS[caller], scratch).unwrap(), 0, 1, fill)
                .unwrap();
            m.bytes.insert((caller, scratch), fill);
            let g = CopySide {
                ptr: CopyPtr::Gref(GrantRef(gref)),
                domid: DOMS[granter],
                offset: 0,
            };
            let own = CopySide {
                ptr: CopyPtr::Gmfn(scratch),
                domid: DomId::SELF,
                offset: 0,
            };
            let req = if into_grant {
                CopyRequest {
                    source: own,
                    dest: g,
                    len: 1,
                }
            } else {
                CopyRequest {
                    source: g,
                    dest: own,
                    len: 1,
                }
            };
            let got = CopyBatch::new(w, caller_of(w, caller)).copy(&req);
            let want = m.pin_check(granter, gref, caller, !into_grant);
            match (got, want) {
                (Ok(()), Ok(gfn)) => {
                    if into_grant {
                        m.bytes.insert((granter, gfn), fill);
                    } else {
                        let b = m.bytes[&(granter, gfn)];
                        m.bytes.insert((caller, scratch), b);
                    }
                }
                (got, want) => assert_eq!(
                    got,
                    want.map(|_| ()).map_err(CopyError::Status),
                    "step {step}: {o:?}"
                ),
            }
        }
        Op::Swap { granter, a, b } => {
            let got = dom(w, DOMS[granter]).table().swap(w, a, b);
            let want = if a >= 512 || b >= 512 {
                Err(GrantError::BadGntref)
            } else if a == b {
                Ok(())
            } else if m.use_bits(granter, a) != 0 || m.use_bits(granter, b) != 0 {
                Err(GrantError::Eagain)
            } else {
                Ok(())
            };
            assert_eq!(got, want, "step {step}: {o:?}");
            if got.is_ok() && a != b {
                let (ea, eb) = (m.entry(granter, a), m.entry(granter, b));
                m.entries.insert((granter, a), eb);
                m.entries.insert((granter, b), ea);
            }
        }
    }
}

fn caller_of(w: &HostWorld, i: usize) -> xen_grant::Caller<'_> {
    caller(w, DOMS[i])
}

fn check(w: &HostWorld, m: &Model, step: usize, o: &Op) {
    for (g, d) in DOMS.iter().enumerate() {
        for r in FIRST_REF..FIRST_REF + REFS {
            assert_eq!(
                use_bits(w, *d, r),
                m.use_bits(g, r),
                "step {step} ({o:?}): use bits of {g}:{r}"
            );
        }
        assert_eq!(
            dom(w, *d).active_mappings(),
            m.live.iter().filter(|l| l.mapper == g).count(),
            "step {step}: live mappings of {g}"
        );
        for gfn in 0..6u64 {
            let mut b = [0u8];
            w.host_memory()
                .read(w.gfn_to_mfn(*d, gfn).unwrap(), 0, &mut b)
                .unwrap();
            assert_eq!(b[0], m.bytes[&(g, gfn)], "step {step}: byte of {g}:{gfn}");
        }
    }
    for l in &m.live {
        if l.host {
            let mfn = w.gfn_to_mfn(DOMS[l.granter], l.gfn).unwrap();
            assert_eq!(
                w.host_mapping(DOMS[l.mapper], l.addr),
                Some((mfn, l.ro)),
                "step {step}"
            );
        }
    }
    if m.live.is_empty() {
        assert_eq!(w.total_refs(), 0, "step {step}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn engine_matches_the_reference_model(ops in proptest::collection::vec(op(), 1..120)) {
        run(ops);
    }
}
