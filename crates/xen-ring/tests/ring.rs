//! Front and back halves over host memory: round trips, the 32-bit wrap,
//! multi-page rings, notification suppression and a hostile frontend.

use proptest::prelude::*;
use xen_mem::{FrameMemory, HostMemory, Mfn};
use xen_ring::{BackRing, FrontRing, RingError, SharedRing};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// A request shaped like blkif's: 112 bytes, so slots straddle frames in
/// multi-page rings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
struct Req {
    id: u64,
    payload: [u8; 104],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
struct Rsp {
    id: u64,
    status: i64,
}

fn req(id: u64) -> Req {
    let mut payload = [0u8; 104];
    for (i, b) in payload.iter_mut().enumerate() {
        *b = (id as u8).wrapping_add(i as u8);
    }
    Req { id, payload }
}

fn frames(mem: &HostMemory, n: usize) -> Vec<Mfn> {
    (0..n).map(|_| mem.alloc_frame().unwrap()).collect()
}

fn pair<'m>(
    mem: &'m HostMemory,
    f: &[Mfn],
    start: u32,
) -> (
    FrontRing<'m, HostMemory, Req, Rsp>,
    BackRing<'m, HostMemory, Req, Rsp>,
) {
    let front = FrontRing::new_at(SharedRing::new::<Req, Rsp>(mem, f).unwrap(), start).unwrap();
    let back = BackRing::attach(SharedRing::new::<Req, Rsp>(mem, f).unwrap()).unwrap();
    (front, back)
}

/// Pushes `n` requests through, answering each, checking contents and order.
fn round_trips(
    front: &mut FrontRing<HostMemory, Req, Rsp>,
    back: &mut BackRing<HostMemory, Req, Rsp>,
    n: u64,
) {
    let mut next_rsp = 0;
    for id in 0..n {
        while front.free_requests() == 0 {
            let rsp = front
                .take_response()
                .unwrap()
                .expect("a full ring has responses pending");
            assert_eq!(
                rsp,
                Rsp {
                    id: next_rsp,
                    status: -(next_rsp as i64)
                }
            );
            next_rsp += 1;
        }
        front.push_request(&req(id)).unwrap();
        front.push_requests_and_check_notify().unwrap();
        let got = back.take_request().unwrap().unwrap();
        assert_eq!(got, req(id));
        back.push_response(&Rsp {
            id,
            status: -(id as i64),
        })
        .unwrap();
        back.push_responses_and_check_notify().unwrap();
    }
    while let Some(rsp) = front.take_response().unwrap() {
        assert_eq!(
            rsp,
            Rsp {
                id: next_rsp,
                status: -(next_rsp as i64)
            }
        );
        next_rsp += 1;
    }
    assert_eq!(next_rsp, n);
}

#[test]
fn one_page_ring_has_32_blkif_sized_slots_and_fills_up() {
    let mem = HostMemory::new(4);
    let f = frames(&mem, 1);
    let (mut front, mut back) = pair(&mem, &f, 0);
    assert_eq!(front.size(), 32);
    for id in 0..32 {
        front.push_request(&req(id)).unwrap();
    }
    assert_eq!(front.push_request(&req(99)), Err(RingError::Full));
    assert!(
        front.push_requests_and_check_notify().unwrap(),
        "a fresh backend wants the first batch"
    );
    assert_eq!(back.unconsumed_requests().unwrap(), 32);
    for id in 0..32 {
        assert_eq!(back.take_request().unwrap().unwrap().id, id);
    }
    assert_eq!(back.take_request().unwrap(), None);
    assert_eq!(
        back.push_response(&Rsp { id: 0, status: 0 }).map(|_| ()),
        Ok(())
    );
}

#[test]
fn indexes_wrap_at_2_pow_32() {
    let mem = HostMemory::new(4);
    let f = frames(&mem, 1);
    let (mut front, mut back) = pair(&mem, &f, u32::MAX - 40);
    round_trips(&mut front, &mut back, 500);
}

#[test]
fn multi_page_ring_splits_slots_across_frames() {
    let mem = HostMemory::new(8);
    // Deliberately non-contiguous frames.
    let a = frames(&mem, 3);
    let f = [a[2], a[0]];
    let (mut front, mut back) = pair(&mem, &f, 7);
    assert_eq!(front.size(), 64);
    round_trips(&mut front, &mut back, 300);
}

#[test]
fn responses_cannot_outrun_requests() {
    let mem = HostMemory::new(2);
    let f = frames(&mem, 1);
    let (mut front, mut back) = pair(&mem, &f, 0);
    assert_eq!(
        back.push_response(&Rsp { id: 1, status: 0 }),
        Err(RingError::Full)
    );
    // A hostile backend publishing responses nobody asked for is refused.
    mem.store::<u32>(f[0], 8, 5).unwrap();
    assert!(matches!(
        front.take_response(),
        Err(RingError::Overflow { prod: 5, .. })
    ));
}

#[test]
fn notification_is_suppressed_until_the_consumer_rearms() {
    let mem = HostMemory::new(2);
    let f = frames(&mem, 1);
    let (mut front, mut back) = pair(&mem, &f, 0);
    front.push_request(&req(0)).unwrap();
    assert!(front.push_requests_and_check_notify().unwrap());
    // The backend has not re-armed: further batches need no notification.
    front.push_request(&req(1)).unwrap();
    assert!(!front.push_requests_and_check_notify().unwrap());
    while back.take_request().unwrap().is_some() {}
    assert!(
        !back.final_check_for_requests().unwrap(),
        "nothing pending: backend may sleep"
    );
    front.push_request(&req(2)).unwrap();
    assert!(
        front.push_requests_and_check_notify().unwrap(),
        "a sleeping backend must be woken"
    );
    assert!(back.final_check_for_requests().unwrap());
}

#[test]
fn two_threads_with_notification_suppression() {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    const N: u64 = 20_000;
    let mem = HostMemory::new(4);
    let f = frames(&mem, 1);
    let (mut front, mut back) = pair(&mem, &f, 0);
    // A "kick" is a flag the other side polls, standing in for an event channel.
    let kick_back = AtomicBool::new(false);
    let notifications = AtomicU64::new(0);
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut answered = 0;
            while answered < N {
                while let Some(r) = back.take_request().unwrap() {
                    back.push_response(&Rsp {
                        id: r.id,
                        status: 0,
                    })
                    .unwrap();
                    answered += 1;
                }
                back.push_responses_and_check_notify().unwrap();
                if !back.final_check_for_requests().unwrap() {
                    while !kick_back.swap(false, Ordering::AcqRel) {
                        std::hint::spin_loop();
                        if back.unconsumed_requests().unwrap() > 0 {
                            break;
                        }
                    }
                }
            }
        });
        let mut sent = 0;
        let mut received = 0;
        while received < N {
            while sent < N && front.free_requests() > 0 {
                front.push_request(&req(sent)).unwrap();
                sent += 1;
            }
            if front.push_requests_and_check_notify().unwrap() {
                notifications.fetch_add(1, Ordering::Relaxed);
                kick_back.store(true, Ordering::Release);
            }
            while let Some(rsp) = front.take_response().unwrap() {
                assert_eq!(rsp.id, received);
                received += 1;
            }
            std::thread::yield_now();
        }
    });
    let per_request = notifications.load(Ordering::Relaxed) as f64 / N as f64;
    assert!(
        per_request < 1.0,
        "batching must suppress some notifications ({per_request})"
    );
}

proptest! {
    /// Whatever the frontend writes into the shared indexes, the backend
    /// either reports a count it can serve from the ring or refuses with
    /// Overflow; it never hands out more requests than one ring's worth.
    #[test]
    fn hostile_request_producer_is_contained(start in any::<u32>(), taken in 0u32..32, writes in proptest::collection::vec(any::<u32>(), 1..20)) {
        let mem = HostMemory::new(2);
        let f = frames(&mem, 1);
        let (mut front, mut back) = pair(&mem, &f, start);
        for id in 0..taken {
            front.push_request(&req(u64::from(id))).unwrap();
        }
        front.push_requests_and_check_notify().unwrap();
        for _ in 0..taken {
            back.take_request().unwrap().unwrap();
        }
        for prod in writes {
            mem.store::<u32>(f[0], 0, prod).unwrap();
            match back.unconsumed_requests() {
                Ok(n) => {
                    prop_assert!(n + taken <= 32);
                    let mut got = 0;
                    while let Some(_r) = back.take_request().unwrap() {
                        got += 1;
                        prop_assert!(got <= 32);
                    }
                    prop_assert_eq!(got, n);
                    // Answer them so the ring state stays consistent.
                    for _ in 0..n {
                        back.push_response(&Rsp { id: 0, status: 0 }).unwrap();
                    }
                }
                Err(RingError::Overflow { .. }) => {}
                Err(e) => prop_assert!(false, "unexpected error {e}"),
            }
        }
    }
}
