//! The hypercall layer: byte-level dispatch with Xen's argument structures.

mod common;

use common::*;
use xen_abi::{DomId, EvtchnPort};
use xen_evtchn::abi::*;
use xen_evtchn::ops::{self, arg_size, event_channel_op};
use xen_evtchn::EvtchnError as E;
use zerocopy::{FromBytes, IntoBytes};

fn call<T: IntoBytes + FromBytes + zerocopy::Immutable>(
    ev: &xen_evtchn::host::HostEventChannels,
    caller: &std::sync::Arc<xen_evtchn::Domain>,
    cmd: u32,
    arg: &mut T,
) -> i32 {
    let mut buf = arg.as_bytes().to_vec();
    assert_eq!(arg_size(cmd), Some(buf.len()));
    let r = event_channel_op(ev, caller, cmd, &mut buf);
    if r == Ok(true) {
        *arg = T::read_from_bytes(&buf).unwrap();
    }
    ops::rc(&r)
}

#[test]
fn struct_sizes_match_xen() {
    assert_eq!(arg_size(EVTCHNOP_STATUS), Some(24));
    assert_eq!(arg_size(EVTCHNOP_BIND_VIRQ), Some(12));
    assert_eq!(arg_size(EVTCHNOP_BIND_INTERDOMAIN), Some(12));
    assert_eq!(arg_size(EVTCHNOP_ALLOC_UNBOUND), Some(8));
    assert_eq!(arg_size(EVTCHNOP_BIND_IPI), Some(8));
    assert_eq!(arg_size(EVTCHNOP_BIND_VCPU), Some(8));
    assert_eq!(arg_size(EVTCHNOP_RESET), Some(2));
    assert_eq!(arg_size(EVTCHNOP_INIT_CONTROL), Some(24));
    assert_eq!(arg_size(EVTCHNOP_EXPAND_ARRAY), Some(8));
    assert_eq!(arg_size(EVTCHNOP_SET_PRIORITY), Some(8));
    assert_eq!(arg_size(15), None);
}

#[test]
fn full_round_trip_through_bytes() {
    let (ev, d) = system(2, 2, 1023);
    let mut a = EvtchnAllocUnbound {
        dom: DomId::SELF,
        remote_dom: D0,
        port: EvtchnPort(0),
    };
    assert_eq!(call(&ev, &d[1], EVTCHNOP_ALLOC_UNBOUND, &mut a), 0);
    assert_eq!(a.port, EvtchnPort(1));
    let mut b = EvtchnBindInterdomain {
        remote_dom: D1,
        remote_port: a.port,
        ..Default::default()
    };
    assert_eq!(call(&ev, &d[0], EVTCHNOP_BIND_INTERDOMAIN, &mut b), 0);
    assert_eq!(b.local_port, EvtchnPort(1));

    let mut s = EvtchnStatus {
        dom: D0,
        port: b.local_port,
        u: [0xee; 8],
        ..Default::default()
    };
    assert_eq!(call(&ev, &d[0], EVTCHNOP_STATUS, &mut s), 0);
    assert_eq!(s.status, EVTCHNSTAT_INTERDOMAIN);
    assert_eq!(ops::status_dom(&s), D1);
    assert_eq!(ops::status_port(&s), a.port);
    assert_eq!(
        &s.u[2..4],
        &[0xee, 0xee],
        "padding left as the guest passed it"
    );

    let mut send = EvtchnSend { port: b.local_port };
    assert_eq!(call(&ev, &d[0], EVTCHNOP_SEND, &mut send), 0);
    assert!(pending2l(&ev, &d[1], a.port));

    let mut v = EvtchnBindVirq {
        virq: VIRQ_TIMER,
        vcpu: 1,
        port: EvtchnPort(0),
    };
    assert_eq!(call(&ev, &d[0], EVTCHNOP_BIND_VIRQ, &mut v), 0);
    let mut s = EvtchnStatus {
        dom: DomId::SELF,
        port: v.port,
        ..Default::default()
    };
    assert_eq!(call(&ev, &d[0], EVTCHNOP_STATUS, &mut s), 0);
    assert_eq!(
        (s.status, s.vcpu, ops::status_irq(&s)),
        (EVTCHNSTAT_VIRQ, 1, VIRQ_TIMER)
    );
    assert_eq!(
        call(&ev, &d[0], EVTCHNOP_BIND_VIRQ, &mut v),
        E::Exist.errno()
    );

    let mut ipi = EvtchnBindIpi {
        vcpu: 1,
        port: EvtchnPort(0),
    };
    assert_eq!(call(&ev, &d[0], EVTCHNOP_BIND_IPI, &mut ipi), 0);
    let mut bv = EvtchnBindVcpu {
        port: ipi.port,
        vcpu: 0,
    };
    assert_eq!(call(&ev, &d[0], EVTCHNOP_BIND_VCPU, &mut bv), -22);
    let mut um = EvtchnUnmask { port: ipi.port };
    assert_eq!(call(&ev, &d[0], EVTCHNOP_UNMASK, &mut um), 0);
    let mut pr = EvtchnSetPriority {
        port: ipi.port,
        priority: 1,
    };
    assert_eq!(call(&ev, &d[0], EVTCHNOP_SET_PRIORITY, &mut pr), -38);
    let mut pirq = EvtchnBindPirq {
        pirq: 1,
        flags: BIND_PIRQ_WILL_SHARE,
        port: EvtchnPort(0),
    };
    assert_eq!(call(&ev, &d[0], EVTCHNOP_BIND_PIRQ, &mut pirq), -22);

    ev.add_guest_frame(D0, xen_mem::Gfn(7)).unwrap();
    let mut ic = EvtchnInitControl {
        control_gfn: 7,
        offset: 0,
        vcpu: 0,
        ..Default::default()
    };
    assert_eq!(call(&ev, &d[0], EVTCHNOP_INIT_CONTROL, &mut ic), 0);
    assert_eq!(ic.link_bits, 17);
    let mut ea = EvtchnExpandArray { array_gfn: 7 };
    assert_eq!(call(&ev, &d[0], EVTCHNOP_EXPAND_ARRAY, &mut ea), 0);
    assert_eq!(call(&ev, &d[0], EVTCHNOP_SET_PRIORITY, &mut pr), 0);

    let mut c = EvtchnClose { port: ipi.port };
    assert_eq!(call(&ev, &d[0], EVTCHNOP_CLOSE, &mut c), 0);
    assert_eq!(call(&ev, &d[0], EVTCHNOP_CLOSE, &mut c), -22);
    let mut r = EvtchnReset { dom: DomId::SELF };
    assert_eq!(call(&ev, &d[0], EVTCHNOP_RESET, &mut r), 0);
    assert_eq!(
        call(&ev, &d[0], EVTCHNOP_RESET_CONT, &mut r),
        E::Busy.errno()
    );
}

#[test]
fn unknown_commands_and_short_arguments() {
    let (ev, d) = system(1, 1, 1023);
    let mut buf = [0u8; 64];
    assert_eq!(event_channel_op(&ev, &d[0], 15, &mut buf), Err(E::NoSys));
    assert_eq!(
        event_channel_op(&ev, &d[0], u32::MAX, &mut buf),
        Err(E::NoSys)
    );
    assert_eq!(
        event_channel_op(&ev, &d[0], EVTCHNOP_STATUS, &mut buf[..23]),
        Err(E::Fault)
    );
    assert_eq!(ops::rc(&Err(E::Fault)), -14);
}
