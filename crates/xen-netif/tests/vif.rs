//! A two-queue vif over a mock device: frames are spread by flow, each
//! queue's TX reaches the device, and a queue whose frontend breaks its
//! ring (an impossible producer index) is skipped while the other keeps
//! serving both ways.

use std::collections::VecDeque;
use std::io;

use xen_mem::{FrameMemory, HostMemory};
use xen_netif::vif::{flow_queue, PacketIo, Vif};
use xen_netif::*;

#[derive(Default)]
struct MockIo {
    incoming: VecDeque<Vec<u8>>,
    sent: Vec<Vec<u8>>,
    buf: Vec<u8>,
}

impl PacketSink for MockIo {
    fn frame_buffer(&mut self, len: usize) -> &mut [u8] {
        self.buf.resize(len, 0);
        &mut self.buf
    }
    fn commit(&mut self, len: usize, _: &PacketInfo) -> Result<(), SinkError> {
        self.sent.push(self.buf[..len].to_vec());
        Ok(())
    }
}

impl PacketIo for MockIo {
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        Ok(self.incoming.pop_front().map(|f| {
            buf[..f.len()].copy_from_slice(&f);
            f.len()
        }))
    }
}

/// An IPv4/UDP frame from source port `port`.
fn udp(port: u16) -> Vec<u8> {
    let mut f = vec![0u8; 60];
    f[12..14].copy_from_slice(&[8, 0]);
    f[14] = 0x45;
    f[23] = 17;
    f[26..30].copy_from_slice(&[10, 0, 0, 1]);
    f[30..34].copy_from_slice(&[10, 0, 0, 2]);
    f[34..36].copy_from_slice(&port.to_be_bytes());
    f
}

#[test]
fn two_queues_one_broken() {
    let mem = HostMemory::new(256);
    let mut table = FrameTable::new(&mem);
    let mut fronts = Vec::new();
    let mut rings = Vec::new();
    for _ in 0..2 {
        let (tx, rx) = (mem.alloc_frame().unwrap(), mem.alloc_frame().unwrap());
        let mut pages = |ro| -> Vec<Buffer> {
            (0..16)
                .map(|_| {
                    let mfn = mem.alloc_frame().unwrap();
                    Buffer {
                        mfn,
                        gref: table.grant(mfn, ro),
                    }
                })
                .collect()
        };
        let (txp, rxp) = (pages(true), pages(false));
        fronts.push(Frontend::new(&mem, tx, rx, 0, txp, rxp).unwrap());
        rings.push((tx, rx));
    }
    let queues = rings
        .iter()
        .map(|(tx, rx)| {
            BackQueue::attach(&mem, *tx, *rx, table.clone(), QueueConfig::default()).unwrap()
        })
        .collect();
    let mut vif = Vif::new(queues, MockIo::default());
    for f in &mut fronts {
        f.refill().unwrap();
    }
    // Flows for each queue.
    let p0 = (1..).find(|p| flow_queue(&udp(*p), 2) == 0).unwrap();
    let p1 = (1..).find(|p| flow_queue(&udp(*p), 2) == 1).unwrap();
    assert_eq!(flow_queue(&[0u8; 20], 2), 0, "non-IP goes to queue 0");

    // Both queues work.
    vif.io().incoming.extend([udp(p0), udp(p1)]);
    for (i, f) in fronts.iter_mut().enumerate() {
        f.send(&udp(100 + i as u16), &PacketInfo::default())
            .unwrap();
        f.publish_tx().unwrap();
    }
    let p = vif.pump(16).unwrap();
    assert_eq!((p.tx, p.rx), (2, 2));
    assert_eq!(vif.io().sent, [udp(100), udp(101)]);
    assert_eq!(fronts[0].receive().unwrap()[0].data, udp(p0));
    assert_eq!(fronts[1].receive().unwrap()[0].data, udp(p1));

    // Queue 0's frontend writes an impossible req_prod.
    mem.store::<u32>(rings[0].0, 0, 0x8000_0000).unwrap();
    vif.io().sent.clear();
    vif.pump(16).unwrap();
    assert!(vif.queues()[0].is_broken());
    assert!(!vif.queues()[1].is_broken());
    for round in 0..5u16 {
        fronts[1].reap_tx().unwrap();
        fronts[1].refill().unwrap();
        fronts[1]
            .send(&udp(200 + round), &PacketInfo::default())
            .unwrap();
        fronts[1].publish_tx().unwrap();
        vif.io().incoming.push_back(udp(p1));
        vif.pump(16).unwrap();
        assert_eq!(vif.io().sent.last(), Some(&udp(200 + round)));
        assert_eq!(fronts[1].receive().unwrap()[0].data, udp(p1));
    }
}
