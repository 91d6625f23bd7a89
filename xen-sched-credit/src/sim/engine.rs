//! The discrete-event engine.
//!
//! Time is virtual (ns). Every timer has a slot in an indexed heap ordered
//! by time, then kind, then arming order, so a run is a pure function of the
//! workload (and its seed); re-arming a timer moves it. A pCPU poked by the scheduler (an IPI) reschedules at
//! the same instant, before the clock moves on.

use super::queue::EventQueue;
use super::rng::XorShift64;
use super::stats::Stats;
use super::workload::{Command, Load, Workload};
use crate::{CpuMask, CreditScheduler, DomainId, DomainParams, PcpuId, VcpuId};

/// Events; at equal times they run in this order: commands, the
/// accounting pass, then ticks (which re-sort queues after it), then
/// decisions, which so see fresh priorities.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ev {
    Command,
    Account,
    Tick(u32),
    BurstEnd(u32),
    Timer(u32),
    IoWake(u32),
    Sample,
    Mark,
}

impl Ev {
    fn order(self) -> u8 {
        match self {
            Ev::Command => 0,
            Ev::Account => 1,
            Ev::Tick(_) => 2,
            Ev::BurstEnd(_) => 3,
            Ev::Timer(_) => 4,
            Ev::IoWake(_) => 5,
            Ev::Sample => 6,
            Ev::Mark => 7,
        }
    }
}

/// Slot layout of the event queue: four global slots, three per pCPU, one
/// per vCPU.
#[derive(Clone, Copy, Debug)]
struct Slots {
    pcpus: usize,
}

impl Slots {
    fn total(&self, vcpus: usize) -> usize {
        4 + 3 * self.pcpus + vcpus
    }

    fn of(&self, ev: Ev) -> usize {
        let per = |p: u32, k: usize| 4 + 3 * p as usize + k;
        match ev {
            Ev::Command => 0,
            Ev::Account => 1,
            Ev::Sample => 2,
            Ev::Mark => 3,
            Ev::Tick(p) => per(p, 0),
            Ev::BurstEnd(p) => per(p, 1),
            Ev::Timer(p) => per(p, 2),
            Ev::IoWake(v) => 4 + 3 * self.pcpus + v as usize,
        }
    }

    fn event(&self, slot: usize) -> Ev {
        match slot {
            0 => Ev::Command,
            1 => Ev::Account,
            2 => Ev::Sample,
            3 => Ev::Mark,
            s if s < 4 + 3 * self.pcpus => {
                let p = ((s - 4) / 3) as u32;
                match (s - 4) % 3 {
                    0 => Ev::Tick(p),
                    1 => Ev::BurstEnd(p),
                    _ => Ev::Timer(p),
                }
            }
            s => Ev::IoWake((s - 4 - 3 * self.pcpus) as u32),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub(super) struct PcpuSim {
    pub(super) online: bool,
    pub(super) running: Option<VcpuId>,
    pub(super) since: u64,
    pub(super) tick_at: Option<u64>,
}

#[derive(Clone, Debug)]
pub(super) struct VcpuSim {
    pub(super) dom: usize,
    pub(super) load: Load,
    pub(super) remaining: u64,
    pub(super) waiting_since: Option<u64>,
    pub(super) last_pcpu: Option<u32>,
    pub(super) cpu_ns: u64,
}

/// A simulation in progress.
pub struct Simulator {
    /// The scheduler under test.
    pub sched: CreditScheduler,
    pub(super) wl: Workload,
    pub(super) now: u64,
    queue: EventQueue,
    slots: Slots,
    pub(super) next_command: usize,
    pub(super) pcpus: Vec<PcpuSim>,
    pub(super) vcpus: Vec<VcpuSim>,
    /// Handles of each domain's vCPUs, by workload domain index.
    pub(super) dom_vcpus: Vec<Vec<VcpuId>>,
    pub(super) rng: XorShift64,
    pub(super) stats: Stats,
    pub(super) events: u64,
    pub(super) decisions: u64,
}

impl Simulator {
    /// Builds the machine and domains of `wl`, ready to run from time 0.
    pub fn new(wl: Workload) -> Result<Self, String> {
        let mut sched = CreditScheduler::new(wl.params).map_err(|e| e.to_string())?;
        let max_p = wl
            .commands
            .iter()
            .filter_map(|c| match c.cmd {
                Command::PcpuAdd(p) | Command::PcpuRemove(p) => Some(p + 1),
                _ => None,
            })
            .fold(wl.pcpus, u32::max);
        let mut pcpus = vec![PcpuSim::default(); max_p as usize];
        for p in 0..wl.pcpus {
            sched.add_pcpu(PcpuId(p), 0).map_err(|e| e.to_string())?;
            pcpus[p as usize].online = true;
        }
        let mut vcpus: Vec<Option<VcpuSim>> = Vec::new();
        let mut dom_vcpus = Vec::new();
        for (di, d) in wl.domains.iter().enumerate() {
            let params = DomainParams {
                weight: u16::try_from(d.weight).unwrap_or(0),
                cap: u16::try_from(d.cap).unwrap_or(u16::MAX),
            };
            crate::DomainParamsUpdate {
                weight: Some(d.weight),
                cap: Some(d.cap),
            }
            .validate(d.vcpus.len() as u32)
            .map_err(|e| format!("domain {}: {e}", d.name))?;
            let handles = sched
                .add_domain(DomainId(d.id), d.vcpus.len() as u32, params)
                .map_err(|e| format!("domain {}: {e}", d.name))?;
            for (h, spec) in handles.iter().zip(&d.vcpus) {
                if spec.hard.is_some() || spec.soft.is_some() {
                    sched
                        .set_affinity(*h, spec.hard, spec.soft, 0)
                        .map_err(|e| format!("domain {}: {e}", d.name))?;
                }
                let i = h.0 as usize;
                if vcpus.len() <= i {
                    vcpus.resize(i + 1, None);
                }
                vcpus[i] = Some(VcpuSim {
                    dom: di,
                    load: spec.load,
                    remaining: 0,
                    waiting_since: None,
                    last_pcpu: None,
                    cpu_ns: 0,
                });
            }
            if d.online < d.vcpus.len() as u32 {
                sched
                    .set_vcpus_online(DomainId(d.id), d.online.max(1), 0)
                    .map_err(|e| e.to_string())?;
            }
            dom_vcpus.push(handles);
        }
        let vcpus: Vec<VcpuSim> = vcpus
            .into_iter()
            .map(|v| {
                v.unwrap_or(VcpuSim {
                    dom: usize::MAX,
                    load: Load::Idle,
                    remaining: 0,
                    waiting_since: None,
                    last_pcpu: None,
                    cpu_ns: 0,
                })
            })
            .collect();
        let stats = Stats::new(&wl);
        let rng = XorShift64::new(wl.seed);
        let slots = Slots { pcpus: pcpus.len() };
        let queue = EventQueue::new(slots.total(vcpus.len()));
        let mut sim = Simulator {
            sched,
            wl,
            now: 0,
            queue,
            slots,
            next_command: 0,
            pcpus,
            vcpus,
            dom_vcpus,
            rng,
            stats,
            events: 0,
            decisions: 0,
        };
        sim.start();
        Ok(sim)
    }

    pub(super) fn push(&mut self, at: u64, ev: Ev) {
        let slot = self.slots.of(ev);
        self.queue.set(slot, at, ev.order());
    }

    pub(super) fn cancel(&mut self, ev: Ev) {
        let slot = self.slots.of(ev);
        self.queue.cancel(slot);
    }

    fn start(&mut self) {
        let mut kick = CpuMask::EMPTY;
        for p in 0..self.wl.pcpus {
            kick.set(PcpuId(p));
        }
        for di in 0..self.dom_vcpus.len() {
            for k in 0..self.dom_vcpus[di].len() {
                let h = self.dom_vcpus[di][k];
                kick = kick.or(&self.start_vcpu(h));
            }
        }
        if let Some(c) = self.wl.commands.first() {
            self.push(c.at_ns, Ev::Command);
        }
        if let Some(t) = self.sched.next_accounting() {
            self.push(t + self.wl.acct_offset_ns, Ev::Account);
        }
        self.push(self.wl.sample_ns, Ev::Sample);
        if self.wl.measure_from_ns > 0 {
            self.push(self.wl.measure_from_ns, Ev::Mark);
        }
        self.drain(kick);
    }

    /// Makes a vCPU's load start: hogs wake now, I/O vCPUs after a random
    /// part of their think time.
    fn start_vcpu(&mut self, h: VcpuId) -> CpuMask {
        let Ok(info) = self.sched.vcpu_info(h) else {
            return CpuMask::EMPTY;
        };
        if info.offline {
            return CpuMask::EMPTY;
        }
        let v = &mut self.vcpus[h.0 as usize];
        match v.load {
            Load::Hog => {
                v.waiting_since = Some(self.now);
                self.sched.wake(h, self.now)
            }
            Load::Io { think_ns, .. } => {
                let at = self.now + self.rng.below(think_ns.max(1));
                self.push(at, Ev::IoWake(h.0));
                CpuMask::EMPTY
            }
            Load::Idle => CpuMask::EMPTY,
        }
    }

    /// Current virtual time.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Whether the simulated time is over.
    pub fn done(&self) -> bool {
        self.queue
            .peek()
            .is_none_or(|(t, _)| t > self.wl.duration_ns)
    }

    /// Processes every event of the next instant (and the reschedules they
    /// cause). Returns that instant, or `None` when the run is over.
    pub fn step(&mut self) -> Option<u64> {
        if self.done() {
            return None;
        }
        let (t, _) = self.queue.peek()?;
        self.now = t;
        while let Some((at, slot)) = self.queue.peek() {
            if at != t {
                break;
            }
            self.queue.pop();
            self.events += 1;
            let ev = self.slots.event(slot);
            self.handle(ev);
        }
        Some(t)
    }

    /// Runs to the end and returns the statistics.
    pub fn run(mut self) -> Stats {
        while self.step().is_some() {}
        self.finish()
    }

    /// Ends the run at the workload's duration and returns the statistics.
    pub fn finish(mut self) -> Stats {
        self.now = self.wl.duration_ns.max(self.now);
        for p in 0..self.pcpus.len() {
            self.settle(p as u32);
        }
        self.stats.events = self.events;
        self.stats.decisions = self.decisions;
        self.stats
            .finish(&self.wl, &self.sched, &self.dom_vcpus, |v| {
                self.vcpus[v.0 as usize].cpu_ns
            });
        self.stats
    }

    /// CPU time vCPU `v` has received so far (up to its pCPU's last event).
    pub fn cpu_ns(&self, v: VcpuId) -> u64 {
        self.vcpus[v.0 as usize].cpu_ns
    }

    /// The vCPU handles of workload domain `index`.
    pub fn domain_vcpus(&self, index: usize) -> &[VcpuId] {
        &self.dom_vcpus[index]
    }

    fn handle(&mut self, ev: Ev) {
        match ev {
            Ev::Command => {
                let i = self.next_command;
                self.next_command += 1;
                if let Some(c) = self.wl.commands.get(self.next_command) {
                    let at = c.at_ns;
                    self.push(at, Ev::Command);
                }
                self.command(i);
            }
            Ev::Account => {
                let k = self.sched.account(self.now);
                if let Some(t) = self.sched.next_accounting() {
                    self.push(t, Ev::Account);
                }
                self.drain(k);
            }
            Ev::Tick(p) => {
                if !self.pcpus[p as usize].online {
                    return;
                }
                self.pcpus[p as usize].tick_at = None;
                let k = self.sched.tick(PcpuId(p), self.now);
                self.rearm_tick(p);
                self.drain(k);
            }
            Ev::IoWake(v) => {
                let now = self.now;
                let vs = &mut self.vcpus[v as usize];
                if let Load::Io {
                    burst_ns,
                    jitter_pct,
                    ..
                } = vs.load
                {
                    vs.remaining = self.rng.jitter(burst_ns, jitter_pct).max(1);
                }
                let vs = &mut self.vcpus[v as usize];
                vs.waiting_since = Some(now);
                let k = self.sched.wake(VcpuId(v), now);
                self.drain(k);
            }
            Ev::BurstEnd(p) => {
                self.settle(p);
                let Some(v) = self.pcpus[p as usize].running else {
                    return;
                };
                let k = self.sched.block(v, self.now);
                let vs = &mut self.vcpus[v.0 as usize];
                if let Load::Io {
                    think_ns,
                    jitter_pct,
                    ..
                } = vs.load
                {
                    let at = self.now + self.rng.jitter(think_ns, jitter_pct);
                    self.push(at, Ev::IoWake(v.0));
                }
                let mut k = k;
                k.set(PcpuId(p));
                self.drain(k);
            }
            Ev::Timer(p) => {
                self.drain(CpuMask::single(PcpuId(p)));
            }
            Ev::Mark => {
                for p in 0..self.pcpus.len() {
                    self.settle(p as u32);
                }
                let cpu: Vec<u64> = self.vcpus.iter().map(|v| v.cpu_ns).collect();
                self.stats.mark(cpu);
            }
            Ev::Sample => {
                for p in 0..self.pcpus.len() {
                    self.settle(p as u32);
                }
                let cpu: Vec<u64> = self.vcpus.iter().map(|v| v.cpu_ns).collect();
                self.stats.sample(self.now, &self.dom_vcpus, &cpu);
                let next = self.now + self.wl.sample_ns;
                if next <= self.wl.duration_ns {
                    self.push(next, Ev::Sample);
                }
            }
        }
    }

    /// Charges the vCPU running on `p` up to now.
    pub(super) fn settle(&mut self, p: u32) {
        let ps = &mut self.pcpus[p as usize];
        let Some(v) = ps.running else {
            ps.since = self.now;
            return;
        };
        let dt = self.now.saturating_sub(ps.since);
        ps.since = self.now;
        let vs = &mut self.vcpus[v.0 as usize];
        vs.cpu_ns += dt;
        vs.remaining = vs.remaining.saturating_sub(dt);
    }

    fn rearm_tick(&mut self, p: u32) {
        let want = self.sched.next_tick(PcpuId(p));
        let ps = &mut self.pcpus[p as usize];
        if ps.tick_at == want {
            return;
        }
        ps.tick_at = want;
        match want {
            Some(t) => self.push(t, Ev::Tick(p)),
            None => self.cancel(Ev::Tick(p)),
        }
    }

    /// Reschedules every poked pCPU (and those their decisions poke).
    pub(super) fn drain(&mut self, kick: CpuMask) {
        let mut pending = kick;
        while let Some(pp) = pending.first() {
            pending.clear(pp);
            let p = pp.0;
            if !self.pcpus.get(p as usize).is_some_and(|x| x.online) {
                continue;
            }
            self.settle(p);
            let d = self.sched.schedule(PcpuId(p), self.now);
            self.decisions += 1;
            let now = self.now;
            self.pcpus[p as usize].running = d.vcpu;
            self.cancel(Ev::BurstEnd(p));
            if let Some(v) = d.vcpu {
                let boosted = self.sched.priority(v) == Some(crate::Priority::Boost);
                let vs = &mut self.vcpus[v.0 as usize];
                if let Some(w) = vs.waiting_since.take() {
                    if w >= self.wl.measure_from_ns {
                        self.stats.wake_latency(vs.dom, now - w, boosted);
                    }
                }
                if vs.last_pcpu.is_some_and(|l| l != p) {
                    self.stats.migration(vs.dom);
                }
                vs.last_pcpu = Some(p);
                if let Load::Io { .. } = vs.load {
                    let at = now + vs.remaining;
                    self.push(at, Ev::BurstEnd(p));
                }
            }
            match d.run_for {
                Some(r) => {
                    let late = match self.wl.timer_slop_ns {
                        0 => 0,
                        j => self.rng.below(j + 1),
                    };
                    self.push(now + r + late, Ev::Timer(p));
                }
                None => self.cancel(Ev::Timer(p)),
            }
            self.rearm_tick(p);
            pending = pending.or(&d.kick);
        }
    }
}
