//! Every EVTCHNOP through the public API: results, side effects in guest
//! memory, and the exact error Xen 4.17 returns for each fault.

mod common;

use common::*;
use xen_abi::{DomId, EvtchnPort};
use xen_evtchn::abi::*;
use xen_evtchn::{Abi, ChannelStatus, EvtchnError as E, PortStatus};
use xen_mem::Gfn;

fn p(n: u32) -> EvtchnPort {
    EvtchnPort(n)
}

#[test]
fn alloc_unbound_allocates_lowest_free_port() {
    let (ev, d) = system(2, 1, 1023);
    assert_eq!(ev.alloc_unbound(&d[0], DomId::SELF, D1), Ok(p(1)));
    assert_eq!(ev.alloc_unbound(&d[0], D0, D1), Ok(p(2)));
    assert_eq!(ev.alloc_unbound(&d[0], DomId::SELF, DomId::SELF), Ok(p(3)));
    ev.close(&d[0], p(2)).unwrap();
    assert_eq!(ev.alloc_unbound(&d[0], DomId::SELF, D1), Ok(p(2)));
    assert_eq!(
        ev.status(&d[0], DomId::SELF, p(3)),
        Ok(ChannelStatus {
            status: PortStatus::Unbound { remote: D0 },
            vcpu: 0
        })
    );
    assert_eq!(d[0].active_ports(), 3);
}

#[test]
fn alloc_unbound_errors() {
    let (ev, d) = system(2, 1, 1023);
    assert_eq!(ev.alloc_unbound(&d[0], DomId(7), D1), Err(E::Srch));
    assert_eq!(ev.alloc_unbound(&d[0], DomId::INVALID, D1), Err(E::Srch));
    assert_eq!(ev.alloc_unbound(&d[1], D0, D1), Err(E::Perm));
    world(&ev).set_privileged(D1, true);
    assert_eq!(ev.alloc_unbound(&d[1], D0, D1), Ok(p(1)));
    // A device model may act on its target only.
    let (ev, d) = system(3, 1, 1023);
    world(&ev).set_device_model(D2, D1);
    assert_eq!(ev.alloc_unbound(&d[2], D1, D0), Ok(p(1)));
    assert_eq!(ev.alloc_unbound(&d[2], D0, D1), Err(E::Perm));
}

#[test]
fn bind_interdomain_connects_and_marks_local_pending() {
    let (ev, d) = system(2, 2, 1023);
    let pb = ev.alloc_unbound(&d[1], DomId::SELF, D0).unwrap();
    let pa = ev.bind_interdomain(&d[0], D1, pb).unwrap();
    assert_eq!(pa, p(1));
    assert!(pending2l(&ev, &d[0], pa), "local port set pending on bind");
    assert!(!pending2l(&ev, &d[1], pb));
    assert_eq!(world(&ev).kicks(D0, 0), 1);
    assert_eq!(
        ev.status(&d[0], D0, pa).unwrap().status,
        PortStatus::Interdomain {
            remote: D1,
            remote_port: pb
        }
    );
    assert_eq!(
        ev.status(&d[1], D1, pb).unwrap().status,
        PortStatus::Interdomain {
            remote: D0,
            remote_port: pa
        }
    );
}

#[test]
fn bind_interdomain_errors() {
    let (ev, d) = system(3, 1, 1023);
    let pb = ev.alloc_unbound(&d[1], DomId::SELF, D2).unwrap();
    assert_eq!(ev.bind_interdomain(&d[0], DomId(9), pb), Err(E::Srch));
    // Allocated for domain 2, not 0.
    assert_eq!(ev.bind_interdomain(&d[0], D1, pb), Err(E::Inval));
    assert_eq!(
        ev.bind_interdomain(&d[0], D1, p(5)),
        Err(E::Inval),
        "free port"
    );
    assert_eq!(
        ev.bind_interdomain(&d[0], D1, p(100_000)),
        Err(E::Inval),
        "invalid port"
    );
    assert_eq!(
        ev.bind_interdomain(&d[0], D1, p(0)),
        Err(E::Inval),
        "reserved port"
    );
    // Failed binds leave nothing allocated.
    assert_eq!(d[0].active_ports(), 0);
    // Domain 2 can bind; a second bind of the same port fails.
    assert!(ev.bind_interdomain(&d[2], D1, pb).is_ok());
    assert_eq!(ev.bind_interdomain(&d[2], D1, pb), Err(E::Inval));
}

#[test]
fn loopback_interdomain_within_one_domain() {
    let (ev, d) = system(1, 1, 1023);
    let a = ev.alloc_unbound(&d[0], DomId::SELF, DomId::SELF).unwrap();
    let b = ev.bind_interdomain(&d[0], DomId::SELF, a).unwrap();
    let g = guest2l(&d[0], 0);
    g.clear_pending(ev.memory(), b);
    ev.send(&d[0], b).unwrap();
    assert!(g.is_pending(ev.memory(), a));
    ev.close(&d[0], a).unwrap();
    assert_eq!(
        ev.status(&d[0], D0, b).unwrap().status,
        PortStatus::Unbound { remote: D0 }
    );
}

#[test]
fn send_follows_the_2level_bit_sequence() {
    let (ev, d) = system(2, 2, 1023);
    let (pa, pb) = connect(&ev, &d[0], &d[1]);
    assert_eq!(world(&ev).kicks(D1, 0), 0);
    ev.send(&d[0], pa).unwrap();
    assert!(pending2l(&ev, &d[1], pb));
    assert_eq!(selector(&ev, &d[1], 0), 1 << (pb.0 / 64));
    assert_eq!(upcall(&ev, &d[1], 0), 1);
    assert_eq!(world(&ev).kicks(D1, 0), 1);
    // Edge-triggered: a second send while pending changes nothing.
    ev.send(&d[0], pa).unwrap();
    assert_eq!(world(&ev).kicks(D1, 0), 1);
    // Guest consumes, then masks: pending is set but no selector/upcall.
    let g = guest2l(&d[1], 0);
    let mut seen = vec![];
    assert_eq!(g.scan(ev.memory(), 4, |port| seen.push(port)), 1);
    assert_eq!(seen, vec![pb]);
    assert_eq!(upcall(&ev, &d[1], 0), 0);
    g.mask(ev.memory(), pb);
    ev.send(&d[0], pa).unwrap();
    assert!(pending2l(&ev, &d[1], pb));
    assert_eq!(selector(&ev, &d[1], 0), 0);
    assert_eq!(world(&ev).kicks(D1, 0), 1);
    // EVTCHNOP_unmask raises what the mask held back.
    ev.unmask(&d[1], pb).unwrap();
    assert_eq!(selector(&ev, &d[1], 0), 1 << (pb.0 / 64));
    assert_eq!(world(&ev).kicks(D1, 0), 2);
}

#[test]
fn send_on_each_state() {
    let (ev, d) = system(2, 2, 1023);
    let unbound = ev.alloc_unbound(&d[0], DomId::SELF, D1).unwrap();
    assert_eq!(ev.send(&d[0], unbound), Ok(()), "unbound: dropped");
    assert!(!pending2l(&ev, &d[0], unbound));
    assert_eq!(ev.send(&d[0], p(0)), Err(E::Inval));
    assert_eq!(ev.send(&d[0], p(9)), Err(E::Inval), "free");
    assert_eq!(ev.send(&d[0], p(64)), Err(E::Inval), "beyond valid ports");
    assert_eq!(ev.send(&d[0], p(u32::MAX)), Err(E::Inval));
    let ipi = ev.bind_ipi(&d[0], 1).unwrap();
    ev.send(&d[0], ipi).unwrap();
    assert!(pending2l(&ev, &d[0], ipi));
    assert_eq!(selector(&ev, &d[0], 1), 1);
    assert_eq!(world(&ev).kicks(D0, 1), 1);
    assert_eq!(world(&ev).kicks(D0, 0), 0);
    let virq = ev.bind_virq(&d[0], VIRQ_TIMER, 0).unwrap();
    assert_eq!(ev.send(&d[0], virq), Err(E::Inval));
}

#[test]
fn close_returns_remote_end_to_unbound() {
    let (ev, d) = system(2, 1, 1023);
    let (pa, pb) = connect(&ev, &d[0], &d[1]);
    ev.close(&d[1], pb).unwrap();
    assert_eq!(
        ev.status(&d[0], D0, pa).unwrap().status,
        PortStatus::Unbound { remote: D1 }
    );
    assert_eq!(ev.status(&d[1], D1, pb).unwrap().status, PortStatus::Closed);
    assert!(!pending2l(&ev, &d[1], pb));
    // Domain 1 may bind again to the now-unbound port.
    let again = ev.bind_interdomain(&d[1], D0, pa).unwrap();
    assert_eq!(again, pb, "lowest free port reused");
    assert_eq!(ev.close(&d[1], p(0)), Err(E::Inval));
    assert_eq!(ev.close(&d[1], p(30)), Err(E::Inval));
    assert_eq!(ev.close(&d[1], p(70_000)), Err(E::Inval));
    ev.close(&d[0], pa).unwrap();
    ev.close(&d[1], pb).unwrap();
    assert_eq!(d[0].active_ports() + d[1].active_ports(), 0);
}

#[test]
fn close_clears_pending() {
    let (ev, d) = system(1, 1, 1023);
    let ipi = ev.bind_ipi(&d[0], 0).unwrap();
    ev.send(&d[0], ipi).unwrap();
    assert!(pending2l(&ev, &d[0], ipi));
    ev.close(&d[0], ipi).unwrap();
    assert!(!pending2l(&ev, &d[0], ipi));
}

#[test]
fn bind_virq_classes() {
    let (ev, d) = system(1, 2, 1023);
    let t1 = ev.bind_virq(&d[0], VIRQ_TIMER, 1).unwrap();
    assert_eq!(ev.bind_virq(&d[0], VIRQ_TIMER, 1), Err(E::Exist));
    let t0 = ev.bind_virq(&d[0], VIRQ_TIMER, 0).unwrap();
    assert_eq!(
        ev.bind_virq(&d[0], VIRQ_CONSOLE, 1),
        Err(E::Inval),
        "global on vcpu 1"
    );
    assert_eq!(
        ev.bind_virq(&d[0], VIRQ_ARGO, 1),
        Err(E::Inval),
        "per-domain on vcpu 1"
    );
    assert_eq!(ev.bind_virq(&d[0], NR_VIRQS, 0), Err(E::Inval));
    assert_eq!(ev.bind_virq(&d[0], VIRQ_TIMER, 2), Err(E::NoEnt));
    assert_eq!(
        ev.bind_virq(&d[0], VIRQ_CONSOLE, 2),
        Err(E::Inval),
        "vcpu checked after class"
    );
    let con = ev.bind_virq(&d[0], VIRQ_CONSOLE, 0).unwrap();
    let argo = ev.bind_virq(&d[0], VIRQ_ARGO, 0).unwrap();
    assert_eq!(
        ev.status(&d[0], D0, t1).unwrap(),
        ChannelStatus {
            status: PortStatus::Virq(VIRQ_TIMER),
            vcpu: 1
        }
    );

    ev.send_vcpu_virq(&d[0], 1, VIRQ_TIMER);
    assert!(pending2l(&ev, &d[0], t1));
    assert!(!pending2l(&ev, &d[0], t0));
    assert_eq!(selector(&ev, &d[0], 1), 1);
    // Global VIRQs go to the hardware domain (0 here).
    ev.send_global_virq(VIRQ_CONSOLE);
    assert!(pending2l(&ev, &d[0], con));
    // Per-domain VIRQ, moved to vCPU 1.
    ev.bind_vcpu(&d[0], argo, 1).unwrap();
    ev.send_domain_virq(&d[0], VIRQ_ARGO);
    assert!(pending2l(&ev, &d[0], argo));
    // Wrong class entry points do nothing.
    ev.send_vcpu_virq(&d[0], 0, VIRQ_CONSOLE);
    ev.send_domain_virq(&d[0], VIRQ_TIMER);
    // Per-vCPU VIRQs cannot move.
    assert_eq!(ev.bind_vcpu(&d[0], t1, 0), Err(E::Inval));
    // Closing frees the VIRQ for rebinding.
    ev.close(&d[0], t1).unwrap();
    assert_eq!(ev.bind_virq(&d[0], VIRQ_TIMER, 1), Ok(t1));
}

#[test]
fn global_virq_handler_moves_delivery() {
    let (ev, d) = system(2, 1, 1023);
    let p0 = ev.bind_virq(&d[0], VIRQ_DOM_EXC, 0).unwrap();
    let p1 = ev.bind_virq(&d[1], VIRQ_DOM_EXC, 0).unwrap();
    assert_eq!(ev.set_global_virq_handler(D1, VIRQ_TIMER), Err(E::Inval));
    assert_eq!(
        ev.set_global_virq_handler(DomId(9), VIRQ_DOM_EXC),
        Err(E::Inval)
    );
    ev.set_global_virq_handler(D1, VIRQ_DOM_EXC).unwrap();
    ev.send_global_virq(VIRQ_DOM_EXC);
    assert!(pending2l(&ev, &d[1], p1));
    assert!(!pending2l(&ev, &d[0], p0));
    // Destroying the handler returns the role to the hardware domain.
    ev.destroy_domain(&d[1]).unwrap();
    ev.send_global_virq(VIRQ_DOM_EXC);
    assert!(pending2l(&ev, &d[0], p0));
}

#[test]
fn bind_ipi_and_bind_vcpu() {
    let (ev, d) = system(2, 3, 1023);
    assert_eq!(ev.bind_ipi(&d[0], 3), Err(E::NoEnt));
    let ipi = ev.bind_ipi(&d[0], 2).unwrap();
    assert_eq!(ev.status(&d[0], D0, ipi).unwrap().vcpu, 2);
    assert_eq!(ev.bind_vcpu(&d[0], ipi, 1), Err(E::Inval), "IPIs are fixed");
    assert_eq!(ev.bind_vcpu(&d[0], ipi, 7), Err(E::NoEnt));
    assert_eq!(ev.bind_vcpu(&d[0], p(40), 1), Err(E::Inval));
    assert_eq!(ev.bind_vcpu(&d[0], p(4000), 1), Err(E::Inval));
    let (pa, _pb) = connect(&ev, &d[1], &d[0]);
    let pb = _pb;
    ev.bind_vcpu(&d[0], pb, 2).unwrap();
    ev.send(&d[1], pa).unwrap();
    assert_eq!(selector(&ev, &d[0], 2), 1 << (pb.0 / 64));
    assert_eq!(world(&ev).kicks(D0, 2), 1);
    let unbound = ev.alloc_unbound(&d[0], DomId::SELF, D1).unwrap();
    ev.bind_vcpu(&d[0], unbound, 1).unwrap();
    assert_eq!(ev.status(&d[0], D0, unbound).unwrap().vcpu, 1);
}

#[test]
fn bind_pirq_through_the_world() {
    let (ev, d) = system(1, 2, 1023);
    assert_eq!(ev.bind_pirq(&d[0], 5, false), Err(E::Inval), "no PIRQs");
    world(&ev).set_nr_pirqs(D0, 16);
    assert_eq!(ev.bind_pirq(&d[0], 16, false), Err(E::Inval));
    assert_eq!(ev.bind_pirq(&d[0], 5, false), Err(E::Perm));
    world(&ev).permit_pirq(D0, 5);
    let port = ev.bind_pirq(&d[0], 5, true).unwrap();
    assert_eq!(world(&ev).pirq_port(D0, 5), Some(port));
    assert_eq!(ev.bind_pirq(&d[0], 5, false), Err(E::Exist));
    assert_eq!(
        ev.status(&d[0], D0, port).unwrap().status,
        PortStatus::Pirq(5)
    );
    ev.send_pirq(&d[0], port);
    assert!(pending2l(&ev, &d[0], port));
    ev.bind_vcpu(&d[0], port, 1).unwrap();
    assert_eq!(world(&ev).pirq_affinity(D0, 5), Some(1));
    ev.close(&d[0], port).unwrap();
    assert_eq!(world(&ev).pirq_port(D0, 5), None);
    assert!(ev.bind_pirq(&d[0], 5, false).is_ok());
}

#[test]
fn status_errors() {
    let (ev, d) = system(2, 1, 1023);
    let port = ev.alloc_unbound(&d[0], DomId::SELF, D1).unwrap();
    assert_eq!(ev.status(&d[0], DomId(5), port), Err(E::Srch));
    assert_eq!(ev.status(&d[0], D0, p(64)), Err(E::Inval));
    assert_eq!(ev.status(&d[1], D0, port), Err(E::Perm));
    assert_eq!(
        ev.status(&d[1], D0, p(64)),
        Err(E::Inval),
        "port checked before permission"
    );
    world(&ev).set_privileged(D1, true);
    assert!(ev.status(&d[1], D0, port).is_ok());
    assert_eq!(
        ev.status(&d[0], D0, p(0)).unwrap().status,
        PortStatus::Closed
    );
}

#[test]
fn unmask_errors_and_free_ports() {
    let (ev, d) = system(1, 1, 1023);
    assert_eq!(ev.unmask(&d[0], p(64)), Err(E::Inval));
    assert_eq!(ev.unmask(&d[0], p(3)), Ok(()), "free but valid port");
    // A masked free port stays masked (unmask ignores unusable ports).
    let g = guest2l(&d[0], 0);
    g.mask(ev.memory(), p(3));
    ev.unmask(&d[0], p(3)).unwrap();
    assert_eq!(ev.port_pending_masked(&d[0], p(3)), Some((false, true)));
}

#[test]
fn reset_closes_everything() {
    let (ev, d) = system(2, 2, 1023);
    let (pa, pb) = connect(&ev, &d[0], &d[1]);
    ev.bind_ipi(&d[0], 1).unwrap();
    ev.bind_virq(&d[0], VIRQ_TIMER, 0).unwrap();
    ev.alloc_unbound(&d[0], DomId::SELF, D1).unwrap();
    assert_eq!(d[0].active_ports(), 4);
    ev.reset(&d[0], DomId::SELF, false).unwrap();
    assert_eq!(d[0].active_ports(), 0);
    assert_eq!(ev.status(&d[0], D0, pa).unwrap().status, PortStatus::Closed);
    assert_eq!(
        ev.status(&d[1], D1, pb).unwrap().status,
        PortStatus::Unbound { remote: D0 }
    );
    assert_eq!(ev.bind_virq(&d[0], VIRQ_TIMER, 0), Ok(p(1)));
    // Nothing to resume.
    assert_eq!(ev.reset(&d[0], DomId::SELF, true), Err(E::Busy));
}

#[test]
fn reset_of_another_domain() {
    let (ev, d) = system(2, 1, 1023);
    ev.bind_ipi(&d[1], 0).unwrap();
    assert_eq!(ev.reset(&d[0], DomId(4), false), Err(E::Srch));
    assert_eq!(ev.reset(&d[0], D1, false), Err(E::Perm));
    world(&ev).set_privileged(D0, true);
    assert_eq!(ev.reset(&d[0], D1, false), Err(E::Inval), "not paused");
    world(&ev).set_paused(D1, true);
    assert_eq!(ev.reset(&d[0], D1, false), Ok(()));
    assert_eq!(d[1].active_ports(), 0);
}

#[test]
fn reset_is_preemptible() {
    let (ev, d) = system(1, 1, 1023);
    for _ in 0..300 {
        ev.bind_ipi(&d[0], 0).unwrap();
    }
    world(&ev).set_preempt_every(2);
    let mut restarts = 0;
    let mut resuming = false;
    loop {
        match ev.reset(&d[0], DomId::SELF, resuming) {
            Ok(()) => break,
            Err(E::Restart) => {
                restarts += 1;
                resuming = true;
                // A second, fresh reset while one is in progress is refused.
                assert_eq!(ev.reset(&d[0], DomId::SELF, false), Err(E::Busy));
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    assert!(restarts >= 2, "{restarts}");
    assert_eq!(d[0].active_ports(), 0);
}

#[test]
fn port_limits() {
    // Configured limit.
    let (ev, d) = system(1, 1, 100);
    for i in 1..=100 {
        assert_eq!(ev.bind_ipi(&d[0], 0), Ok(p(i)));
    }
    assert_eq!(ev.bind_ipi(&d[0], 0), Err(E::NoSpc));
    // 2-level ABI limit: 4095 usable ports even with a larger configured limit.
    let (ev, d) = system(1, 1, 200_000);
    for _ in 1..4096 {
        ev.bind_ipi(&d[0], 0).unwrap();
    }
    assert_eq!(ev.bind_ipi(&d[0], 0), Err(E::NoSpc));
    assert_eq!(d[0].max_port(), 131_071);
}

#[test]
fn fifo_lifts_the_2level_limit() {
    let (ev, d) = system_frames(1, 1, 200_000, 1024);
    let _g = to_fifo(&ev, &d[0], 5);
    assert_eq!(d[0].abi(), Abi::Fifo);
    for _ in 1..5000 {
        ev.bind_ipi(&d[0], 0).unwrap();
    }
    let port = ev.bind_ipi(&d[0], 0).unwrap();
    assert_eq!(port, p(5000));
    ev.send(&d[0], port).unwrap();
    assert_eq!(
        ev.port_pending_masked(&d[0], port),
        Some((true, true)),
        "new words start masked"
    );
}

#[test]
fn fifo_setup_errors() {
    let (ev, d) = system(1, 2, 1023);
    assert_eq!(ev.expand_array(&d[0], Gfn(1)), Err(E::OpNotSupp));
    assert_eq!(ev.init_control(&d[0], 2, Gfn(1), 0), Err(E::NoEnt));
    assert_eq!(
        ev.init_control(&d[0], 0, Gfn(1), 4),
        Err(E::Inval),
        "misaligned"
    );
    assert_eq!(
        ev.init_control(&d[0], 0, Gfn(1), 4096 - 64),
        Err(E::Inval),
        "crosses page"
    );
    assert_eq!(
        ev.init_control(&d[0], 0, Gfn(1), 0),
        Err(E::Inval),
        "unmapped gfn"
    );
    assert_eq!(d[0].abi(), Abi::TwoLevel);
    ev.add_guest_frame(D0, Gfn(1)).unwrap();
    assert_eq!(ev.init_control(&d[0], 0, Gfn(1), 4096 - 72), Ok(17));
    assert_eq!(d[0].abi(), Abi::Fifo);
    assert_eq!(
        ev.init_control(&d[0], 0, Gfn(1), 0),
        Err(E::Inval),
        "already registered"
    );
    assert_eq!(ev.expand_array(&d[0], Gfn(99)), Err(E::Inval));
    assert_eq!(world(&ev).frame_refs(D0), 1);
}

#[test]
fn expand_array_stops_at_128_pages() {
    let (ev, d) = system_frames(1, 1, 1023, 200);
    let mfn = ev.add_guest_frame(D0, Gfn(1)).unwrap();
    let _ = mfn;
    ev.init_control(&d[0], 0, Gfn(1), 0).unwrap();
    ev.add_guest_frame(D0, Gfn(2)).unwrap();
    for _ in 0..128 {
        ev.expand_array(&d[0], Gfn(2)).unwrap();
    }
    assert_eq!(d[0].fifo_array_pages(), 128);
    assert_eq!(ev.expand_array(&d[0], Gfn(2)), Err(E::NoSpc));
    assert_eq!(world(&ev).frame_refs(D0), 129);
    // Reset releases every frame reference.
    ev.reset(&d[0], DomId::SELF, false).unwrap();
    assert_eq!(world(&ev).frame_refs(D0), 0);
    assert_eq!(d[0].abi(), Abi::TwoLevel);
}

#[test]
fn set_priority_rules() {
    let (ev, d) = system(1, 1, 1023);
    let ipi = ev.bind_ipi(&d[0], 0).unwrap();
    assert_eq!(ev.set_priority(&d[0], ipi, 3), Err(E::NoSys), "2-level");
    assert_eq!(ev.set_priority(&d[0], p(64), 3), Err(E::Inval));
    let _g = to_fifo(&ev, &d[0], 1);
    assert_eq!(ev.set_priority(&d[0], ipi, 16), Err(E::Inval));
    assert_eq!(ev.set_priority(&d[0], p(9), 3), Err(E::Acces), "free port");
    assert_eq!(ev.set_priority(&d[0], ipi, 15), Ok(()));
}

#[test]
fn fifo_delivers_in_priority_then_arrival_order() {
    let (ev, d) = system(1, 1, 1023);
    let ports: Vec<_> = (0..6).map(|_| ev.bind_ipi(&d[0], 0).unwrap()).collect();
    let mut g = to_fifo(&ev, &d[0], 1);
    let mem = ev.memory();
    for &port in &ports {
        g[0].unmask(mem, port, |_| panic!("not pending: no hypercall needed"));
    }
    ev.set_priority(&d[0], ports[4], 2).unwrap();
    ev.set_priority(&d[0], ports[5], 2).unwrap();
    // Send in order 3, 1, 5, 0, 4 (port 2 never).
    for &i in &[3usize, 1, 5, 0, 4] {
        ev.send(&d[0], ports[i]).unwrap();
    }
    assert_eq!(world(&ev).kicks(D0, 0), 1, "one upcall for the burst");
    let mut seen = vec![];
    assert_eq!(g[0].scan(mem, 100, |p| seen.push(p)), 5);
    assert_eq!(seen, vec![ports[5], ports[4], ports[3], ports[1], ports[0]]);
    // All consumed: a new send starts a fresh queue.
    ev.send(&d[0], ports[2]).unwrap();
    let mut seen = vec![];
    g[0].scan(mem, 100, |p| seen.push(p));
    assert_eq!(seen, vec![ports[2]]);
}

#[test]
fn fifo_masked_events_link_on_unmask() {
    let (ev, d) = system(1, 1, 1023);
    let ipi = ev.bind_ipi(&d[0], 0).unwrap();
    let mut g = to_fifo(&ev, &d[0], 1);
    let mem = ev.memory();
    ev.send(&d[0], ipi).unwrap();
    assert_eq!(ev.port_pending_masked(&d[0], ipi), Some((true, true)));
    assert_eq!(g[0].scan(mem, 10, |_| ()), 0);
    // Pending: the guest must ask Xen to unmask (Xen links it).
    let mut hypercalls = 0;
    g[0].unmask(mem, ipi, |port| {
        hypercalls += 1;
        ev.unmask(&d[0], port).unwrap();
    });
    assert_eq!(hypercalls, 1);
    let mut seen = vec![];
    g[0].scan(mem, 10, |p| seen.push(p));
    assert_eq!(seen, vec![ipi]);
}

#[test]
fn switching_to_fifo_keeps_pending_events() {
    let (ev, d) = system(1, 1, 1023);
    let ipi = ev.bind_ipi(&d[0], 0).unwrap();
    let g2 = guest2l(&d[0], 0);
    g2.mask(ev.memory(), ipi);
    ev.send(&d[0], ipi).unwrap();
    // Control block first: no array page yet, pending is remembered.
    let gfn = Gfn(0x100);
    let cb = ev.add_guest_frame(D0, gfn).unwrap();
    ev.init_control(&d[0], 0, gfn, 0).unwrap();
    let mut g = xen_evtchn::guest::FifoGuest::new(
        xen_evtchn::FrameLoc { mfn: cb, offset: 0 },
        d[0].vcpu_info(0).unwrap(),
    );
    let page = ev.add_guest_frame(D0, Gfn(0x200)).unwrap();
    g.add_page(ev.memory(), page);
    // Unmasked in the new array: the carried-over event is linked on expand.
    ev.memory()
        .store::<u32>(page, ipi.0 as usize * 4, 0)
        .unwrap();
    ev.expand_array(&d[0], Gfn(0x200)).unwrap();
    let mut seen = vec![];
    g.scan(ev.memory(), 10, |p| seen.push(p));
    assert_eq!(seen, vec![ipi]);
}

use xen_mem::FrameMemory;

#[test]
fn register_vcpu_info_moves_the_upcall_words() {
    let (ev, d) = system(1, 40, 1023);
    // vCPU 35 has no vcpu_info in shared_info: events to it are lost.
    assert_eq!(d[0].vcpu_info(35), None);
    let ipi = ev.bind_ipi(&d[0], 35).unwrap();
    ev.send(&d[0], ipi).unwrap();
    assert_eq!(world(&ev).kicks(D0, 35), 0);
    let mfn = ev.memory().alloc_frame().unwrap();
    assert_eq!(ev.register_vcpu_info(&d[0], 35, mfn, 12), Err(E::Inval));
    assert_eq!(
        ev.register_vcpu_info(&d[0], 35, mfn, 4096 - 56),
        Err(E::Inval)
    );
    assert_eq!(ev.register_vcpu_info(&d[0], 41, mfn, 0), Err(E::NoEnt));
    ev.register_vcpu_info(&d[0], 35, mfn, 128).unwrap();
    assert_eq!(world(&ev).kicks(D0, 35), 1);
    assert_eq!(ev.memory().load::<u64>(mfn, 136).unwrap(), u64::MAX);
    assert_eq!(
        ev.register_vcpu_info(&d[0], 35, mfn, 256),
        Err(E::Inval),
        "once only"
    );
    // Now events reach it.
    let g = guest2l(&d[0], 35);
    g.scan(ev.memory(), 2, |_| ());
    ev.send(&d[0], ipi).unwrap();
    assert_eq!(world(&ev).kicks(D0, 35), 2);
}

#[test]
fn destroy_domain_unbinds_peers_and_releases_frames() {
    let (ev, d) = system(2, 1, 1023);
    let (pa, _pb) = connect(&ev, &d[0], &d[1]);
    let _g = to_fifo(&ev, &d[1], 2);
    assert_eq!(world(&ev).frame_refs(D1), 3);
    ev.destroy_domain(&d[1]).unwrap();
    assert!(ev.domain(D1).is_none());
    assert_eq!(world(&ev).frame_refs(D1), 0);
    assert_eq!(
        ev.status(&d[0], D0, pa).unwrap().status,
        PortStatus::Unbound { remote: D1 }
    );
    assert_eq!(
        ev.bind_ipi(&d[1], 0),
        Err(E::Inval),
        "dying domain gets no port"
    );
    assert_eq!(ev.status(&d[0], D1, pa), Err(E::Srch));
    assert_eq!(
        std::sync::Arc::strong_count(&d[1]),
        1,
        "no binding keeps it alive"
    );
}

#[test]
fn destroy_is_preemptible() {
    let (ev, d) = system(2, 1, 1023);
    for _ in 0..500 {
        connect(&ev, &d[0], &d[1]);
    }
    world(&ev).set_preempt_every(1);
    let mut restarts = 0;
    while ev.destroy_domain(&d[1]) == Err(E::Restart) {
        restarts += 1;
    }
    assert!(restarts >= 7, "{restarts}");
    assert_eq!(d[1].active_ports(), 0);
    assert_eq!(std::sync::Arc::strong_count(&d[1]), 1);
}

#[test]
fn create_domain_errors() {
    let (ev, _d) = system(1, 1, 1023);
    let cfg = xen_evtchn::DomainConfig::new(1, xen_mem::Mfn(0));
    assert_eq!(ev.create_domain(D0, cfg).err(), Some(E::Exist));
    assert_eq!(ev.create_domain(DomId::SELF, cfg).err(), Some(E::Inval));
    let bad = xen_evtchn::DomainConfig::new(0, xen_mem::Mfn(0));
    assert_eq!(ev.create_domain(DomId(3), bad).err(), Some(E::Inval));
}

#[test]
fn poll_port() {
    let (ev, d) = system(1, 1, 1023);
    let ipi = ev.bind_ipi(&d[0], 0).unwrap();
    assert_eq!(ev.poll_port(&d[0], ipi), Ok(false));
    ev.send(&d[0], ipi).unwrap();
    assert_eq!(ev.poll_port(&d[0], ipi), Ok(true));
    assert_eq!(world(&ev).poll_wakeups(D0), 1);
    assert_eq!(ev.poll_port(&d[0], p(2)), Err(E::Inval), "unusable");
    assert_eq!(ev.poll_port(&d[0], p(99)), Err(E::Inval));
}
