//! The discrete-event engine.
//!
//! Time is virtual (ns). Events live in a binary heap ordered by time, then
//! kind, then insertion order, so a run is a pure function of the workload
//! (and its seed). Timers that the scheduler re-arms are cancelled lazily by
//! generation numbers. A pCPU poked by the scheduler (an IPI) reschedules at
//! the same instant, before the clock moves on.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};

use super::rng::XorShift64;
use super::stats::Stats;
use super::workload::{Command, Load, Workload};
use crate::{
    CpuMask, CreditScheduler, DomainId, DomainParams, DomainParamsUpdate, PcpuId, VcpuId,
};

/// Events; at equal times they run in this order: the accounting pass
/// first, then ticks (which re-sort queues after it), then decisions, which
/// so see fresh priorities.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Command(usize),
    Account,
    Tick(u32, u64),
    BurstEnd(u32, u64),
    Timer(u32, u64),
    IoWake(u32, u64),
    Sample,
    Mark,
}

#[derive(Clone, Debug, Default)]
struct PcpuSim {
    online: bool,
    running: Option<VcpuId>,
    since: u64,
    gen: u64,
    tick_gen: u64,
    tick_at: Option<u64>,
}

#[derive(Clone, Debug)]
struct VcpuSim {
    dom: usize,
    load: Load,
    remaining: u64,
    io_gen: u64,
    waiting_since: Option<u64>,
    last_pcpu: Option<u32>,
    cpu_ns: u64,
}

/// A simulation in progress.
pub struct Simulator {
    /// The scheduler under test.
    pub sched: CreditScheduler,
    wl: Workload,
    now: u64,
    heap: BinaryHeap<Reverse<(u64, Ev, u64)>>,
    seq: u64,
    acct_gen: u64,
    pcpus: Vec<PcpuSim>,
    vcpus: Vec<VcpuSim>,
    /// Handles of each domain's vCPUs, by workload domain index.
    dom_vcpus: Vec<Vec<VcpuId>>,
    rng: XorShift64,
    stats: Stats,
    events: u64,
    decisions: u64,
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
                    io_gen: 0,
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
        let vcpus = vcpus
            .into_iter()
            .map(|v| {
                v.unwrap_or(VcpuSim {
                    dom: usize::MAX,
                    load: Load::Idle,
                    remaining: 0,
                    io_gen: 0,
                    waiting_since: None,
                    last_pcpu: None,
                    cpu_ns: 0,
                })
            })
            .collect();
        let stats = Stats::new(&wl);
        let rng = XorShift64::new(wl.seed);
        let mut sim = Simulator {
            sched,
            wl,
            now: 0,
            heap: BinaryHeap::new(),
            seq: 0,
            acct_gen: 0,
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

    fn push(&mut self, at: u64, ev: Ev) {
        self.seq += 1;
        self.heap.push(Reverse((at, ev, self.seq)));
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
        for i in 0..self.wl.commands.len() {
            let at = self.wl.commands[i].at_ns;
            self.push(at, Ev::Command(i));
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
                v.io_gen += 1;
                let g = v.io_gen;
                let at = self.now + self.rng.below(think_ns.max(1));
                self.push(at, Ev::IoWake(h.0, g));
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
        self.heap
            .peek()
            .is_none_or(|Reverse((t, _, _))| *t > self.wl.duration_ns)
    }

    /// Processes every event of the next instant (and the reschedules they
    /// cause). Returns that instant, or `None` when the run is over.
    pub fn step(&mut self) -> Option<u64> {
        if self.done() {
            return None;
        }
        let t = self.heap.peek().map(|Reverse((t, _, _))| *t)?;
        self.now = t;
        while let Some(Reverse((at, ev, _))) = self.heap.peek().copied() {
            if at != t {
                break;
            }
            self.heap.pop();
            self.events += 1;
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
        self.stats.finish(&self.wl, &self.sched, &self.dom_vcpus, |v| self.vcpus[v.0 as usize].cpu_ns);
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
            Ev::Command(i) => self.command(i),
            Ev::Account => {
                let k = self.sched.account(self.now);
                if let Some(t) = self.sched.next_accounting() {
                    self.acct_gen += 1;
                    self.push(t, Ev::Account);
                }
                self.drain(k);
            }
            Ev::Tick(p, g) => {
                let ps = &self.pcpus[p as usize];
                if !ps.online || ps.tick_gen != g {
                    return;
                }
                self.pcpus[p as usize].tick_at = None;
                let k = self.sched.tick(PcpuId(p), self.now);
                self.rearm_tick(p);
                self.drain(k);
            }
            Ev::IoWake(v, g) => {
                let now = self.now;
                let vs = &mut self.vcpus[v as usize];
                if vs.io_gen != g {
                    return;
                }
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
            Ev::BurstEnd(p, g) => {
                if self.pcpus[p as usize].gen != g {
                    return;
                }
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
                    vs.io_gen += 1;
                    let g = vs.io_gen;
                    let at = self.now + self.rng.jitter(think_ns, jitter_pct);
                    self.push(at, Ev::IoWake(v.0, g));
                }
                let mut k = k;
                k.set(PcpuId(p));
                self.drain(k);
            }
            Ev::Timer(p, g) => {
                if self.pcpus[p as usize].gen != g {
                    return;
                }
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
    fn settle(&mut self, p: u32) {
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
        ps.tick_gen += 1;
        ps.tick_at = want;
        let g = ps.tick_gen;
        if let Some(t) = want {
            self.push(t, Ev::Tick(p, g));
        }
    }

    /// Reschedules every poked pCPU (and those their decisions poke).
    fn drain(&mut self, kick: CpuMask) {
        let mut pending: BTreeSet<u32> = kick.iter().map(|p| p.0).collect();
        while let Some(p) = pending.pop_first() {
            if !self.pcpus.get(p as usize).is_some_and(|x| x.online) {
                continue;
            }
            self.settle(p);
            let d = self.sched.schedule(PcpuId(p), self.now);
            self.decisions += 1;
            let now = self.now;
            let ps = &mut self.pcpus[p as usize];
            ps.running = d.vcpu;
            ps.gen += 1;
            let g = ps.gen;
            if let Some(v) = d.vcpu {
                let boosted = self
                    .sched
                    .vcpu_info(v)
                    .is_ok_and(|i| i.priority == crate::Priority::Boost);
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
                    self.push(at, Ev::BurstEnd(p, g));
                }
            }
            if let Some(r) = d.run_for {
                let late = match self.wl.timer_slop_ns {
                    0 => 0,
                    j => self.rng.below(j + 1),
                };
                self.push(now + r + late, Ev::Timer(p, g));
            }
            self.rearm_tick(p);
            pending.extend(d.kick.iter().map(|x| x.0));
        }
    }

    fn dom_index(&self, name: &str) -> Option<usize> {
        self.wl.domains.iter().position(|d| d.name == name)
    }

    fn command(&mut self, i: usize) {
        let cmd = self.wl.commands[i].cmd.clone();
        let now = self.now;
        let res: Result<CpuMask, String> = (|| {
            let dom = |name: &str| {
                self.dom_index(name)
                    .ok_or_else(|| format!("Domain '{name}' does not exist"))
            };
            match &cmd {
                Command::SchedCredit { dom: n, weight, cap } => {
                    let di = dom(n)?;
                    let id = DomainId(self.wl.domains[di].id);
                    self.sched
                        .set_domain_params(
                            id,
                            DomainParamsUpdate {
                                weight: *weight,
                                cap: *cap,
                            },
                        )
                        .map_err(|e| e.to_string())?;
                    Ok(CpuMask::EMPTY)
                }
                Command::VcpuPin {
                    dom: n,
                    vcpu,
                    hard,
                    soft,
                } => {
                    let di = dom(n)?;
                    let hs: Vec<VcpuId> = match vcpu {
                        Some(k) => vec![*self
                            .dom_vcpus[di]
                            .get(*k as usize)
                            .ok_or_else(|| format!("Invalid vcpu {k}"))?],
                        None => self.dom_vcpus[di].clone(),
                    };
                    let mut k = CpuMask::EMPTY;
                    for h in hs {
                        k = k.or(&self
                            .sched
                            .set_affinity(h, Some(*hard), *soft, now)
                            .map_err(|e| e.to_string())?);
                    }
                    Ok(k)
                }
                Command::VcpuSet { dom: n, online } => {
                    let di = dom(n)?;
                    let id = DomainId(self.wl.domains[di].id);
                    let before: Vec<bool> = self.dom_vcpus[di]
                        .iter()
                        .map(|h| self.sched.vcpu_info(*h).is_ok_and(|x| x.offline))
                        .collect();
                    let mut k = self
                        .sched
                        .set_vcpus_online(id, *online, now)
                        .map_err(|e| e.to_string())?;
                    for (j, was_off) in before.into_iter().enumerate() {
                        let h = self.dom_vcpus[di][j];
                        if was_off && (j as u32) < *online {
                            // Brought up runnable: give I/O loads a burst.
                            let vs = &mut self.vcpus[h.0 as usize];
                            vs.waiting_since = Some(now);
                            match vs.load {
                                Load::Io {
                                    burst_ns,
                                    jitter_pct,
                                    ..
                                } => vs.remaining = self.rng.jitter(burst_ns, jitter_pct).max(1),
                                Load::Idle => {
                                    k = k.or(&self.sched.block(h, now));
                                }
                                Load::Hog => {}
                            }
                        }
                    }
                    Ok(k)
                }
                Command::PcpuAdd(p) => {
                    let k = self
                        .sched
                        .add_pcpu(PcpuId(*p), now)
                        .map_err(|e| e.to_string())?;
                    let ps = &mut self.pcpus[*p as usize];
                    ps.online = true;
                    ps.running = None;
                    ps.since = now;
                    Ok(k)
                }
                Command::PcpuRemove(p) => {
                    self.settle(*p);
                    let k = self
                        .sched
                        .remove_pcpu(PcpuId(*p), now)
                        .map_err(|e| e.to_string())?;
                    let ps = &mut self.pcpus[*p as usize];
                    if let Some(v) = ps.running.take() {
                        self.vcpus[v.0 as usize].waiting_since = Some(now);
                    }
                    ps.online = false;
                    ps.gen += 1;
                    ps.tick_gen += 1;
                    ps.tick_at = None;
                    Ok(k)
                }
                Command::Pause(n) | Command::Unpause(n) => {
                    let di = dom(n)?;
                    let pause = matches!(cmd, Command::Pause(_));
                    let mut k = CpuMask::EMPTY;
                    for h in self.dom_vcpus[di].clone() {
                        if pause {
                            k = k.or(&self.sched.sleep(h, now));
                        } else {
                            if self.sched.vcpu_info(h).is_ok_and(|x| !x.offline) {
                                let vs = &mut self.vcpus[h.0 as usize];
                                if vs.waiting_since.is_some() {
                                    vs.waiting_since = Some(now);
                                }
                            }
                            k = k.or(&self.sched.unpause(h, now));
                        }
                    }
                    Ok(k)
                }
            }
        })();
        match res {
            Ok(k) => {
                self.stats.log(now, format!("{}", describe(&cmd)));
                self.drain(k);
            }
            Err(e) => self.stats.log(now, format!("{}: error: {e}", describe(&cmd))),
        }
    }
}

fn describe(c: &Command) -> String {
    match c {
        Command::SchedCredit { dom, weight, cap } => {
            let mut s = format!("sched-credit -d {dom}");
            if let Some(w) = weight {
                s += &format!(" -w {w}");
            }
            if let Some(c) = cap {
                s += &format!(" -c {c}");
            }
            s
        }
        Command::VcpuPin {
            dom,
            vcpu,
            hard,
            soft,
        } => {
            let v = vcpu.map_or("all".to_string(), |v| v.to_string());
            match soft {
                Some(s) => format!("vcpu-pin {dom} {v} {hard} {s}"),
                None => format!("vcpu-pin {dom} {v} {hard}"),
            }
        }
        Command::VcpuSet { dom, online } => format!("vcpu-set {dom} {online}"),
        Command::PcpuAdd(p) => format!("pcpu-add {p}"),
        Command::PcpuRemove(p) => format!("pcpu-remove {p}"),
        Command::Pause(d) => format!("pause {d}"),
        Command::Unpause(d) => format!("unpause {d}"),
    }
}
