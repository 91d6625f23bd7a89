//! What a simulation measured, and its text report.

use std::fmt::Write as _;

use super::fair::{fair_shares, FairVcpu};
use super::workload::Workload;
use crate::{CreditScheduler, DomainId, VcpuId};

/// Per-domain results.
#[derive(Clone, Debug, Default)]
pub struct DomainStats {
    /// Workload name.
    pub name: String,
    /// Domain id.
    pub id: u16,
    /// Weight at the end of the run.
    pub weight: u16,
    /// Cap at the end of the run (0 = none).
    pub cap: u16,
    /// vCPUs.
    pub vcpus: usize,
    /// CPU share over the measured window, percent of one pCPU.
    pub share_pct: f64,
    /// Each vCPU's share, percent of one pCPU.
    pub vcpu_share_pct: Vec<f64>,
    /// Weighted max-min fair share, percent of one pCPU (`None` when the
    /// workload changes the configuration during the run, or when affinity
    /// makes it too costly to compute).
    pub fair_pct: Option<f64>,
    /// Each vCPU's fair share.
    pub vcpu_fair_pct: Vec<f64>,
    /// Wake-to-run latencies, ns, sorted.
    pub latencies: Vec<u64>,
    /// Latencies of the wake-ups that still held their boost when they ran
    /// (woke UNDER and no accounting pass demoted them meanwhile), sorted.
    pub boosted_latencies: Vec<u64>,
    /// Times a vCPU of the domain started running on a different pCPU than
    /// the one it last ran on.
    pub migrations: u64,
}

impl DomainStats {
    /// A latency percentile (0–100), ns.
    pub fn latency_pct(&self, pct: f64) -> Option<u64> {
        if self.latencies.is_empty() {
            return None;
        }
        let idx = ((pct / 100.0) * (self.latencies.len() - 1) as f64).round() as usize;
        Some(self.latencies[idx.min(self.latencies.len() - 1)])
    }
}

/// Everything a run measured.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Per-domain results, in workload order.
    pub domains: Vec<DomainStats>,
    /// Share samples: time (ns) and each domain's share in the preceding
    /// interval, percent of one pCPU.
    pub samples: Vec<(u64, Vec<f64>)>,
    /// Commands applied (or refused) and when.
    pub log: Vec<(u64, String)>,
    /// Events processed.
    pub events: u64,
    /// Scheduling decisions taken.
    pub decisions: u64,
    /// pCPUs at start.
    pub pcpus: u32,
    /// Simulated time, ns.
    pub duration_ns: u64,
    /// Start of the measured window, ns.
    pub measure_from_ns: u64,
    mark: Option<Vec<u64>>,
    last_sample: (u64, Vec<u64>),
}

impl Stats {
    pub(crate) fn new(wl: &Workload) -> Self {
        Stats {
            domains: wl
                .domains
                .iter()
                .map(|d| DomainStats {
                    name: d.name.clone(),
                    id: d.id,
                    vcpus: d.vcpus.len(),
                    ..Default::default()
                })
                .collect(),
            pcpus: wl.pcpus,
            duration_ns: wl.duration_ns,
            measure_from_ns: wl.measure_from_ns,
            last_sample: (0, vec![0; wl.domains.len()]),
            ..Default::default()
        }
    }

    pub(crate) fn wake_latency(&mut self, dom: usize, ns: u64, boosted: bool) {
        if let Some(d) = self.domains.get_mut(dom) {
            d.latencies.push(ns);
            if boosted {
                d.boosted_latencies.push(ns);
            }
        }
    }

    pub(crate) fn migration(&mut self, dom: usize) {
        if let Some(d) = self.domains.get_mut(dom) {
            d.migrations += 1;
        }
    }

    pub(crate) fn log(&mut self, at: u64, msg: String) {
        self.log.push((at, msg));
    }

    pub(crate) fn mark(&mut self, cpu: Vec<u64>) {
        self.mark = Some(cpu);
    }

    pub(crate) fn sample(&mut self, now: u64, dom_vcpus: &[Vec<VcpuId>], cpu: &[u64]) {
        let per_dom: Vec<u64> = dom_vcpus
            .iter()
            .map(|hs| hs.iter().map(|h| cpu[h.0 as usize]).sum())
            .collect();
        let dt = now.saturating_sub(self.last_sample.0).max(1) as f64;
        let shares = per_dom
            .iter()
            .zip(&self.last_sample.1)
            .map(|(a, b)| (a - b) as f64 / dt * 100.0)
            .collect();
        self.samples.push((now, shares));
        self.last_sample = (now, per_dom);
    }

    pub(crate) fn finish(
        &mut self,
        wl: &Workload,
        sched: &CreditScheduler,
        dom_vcpus: &[Vec<VcpuId>],
        cpu_of: impl Fn(VcpuId) -> u64,
    ) {
        let window = wl.duration_ns.saturating_sub(wl.measure_from_ns).max(1) as f64;
        let mark = self.mark.take();
        for (di, hs) in dom_vcpus.iter().enumerate() {
            let d = &mut self.domains[di];
            d.vcpu_share_pct = hs
                .iter()
                .map(|h| {
                    let start = mark.as_ref().map_or(0, |m| m[h.0 as usize]);
                    (cpu_of(*h) - start) as f64 / window * 100.0
                })
                .collect();
            d.share_pct = d.vcpu_share_pct.iter().sum();
            d.latencies.sort_unstable();
            d.boosted_latencies.sort_unstable();
            if let Ok(p) = sched.domain_params(DomainId(d.id)) {
                d.weight = p.weight;
                d.cap = p.cap;
            }
        }
        self.compute_fair(wl, sched, dom_vcpus);
    }

    fn compute_fair(&mut self, wl: &Workload, sched: &CreditScheduler, dom_vcpus: &[Vec<VcpuId>]) {
        let pcpus: Vec<u32> = sched.pcpus().iter().map(|p| p.0).collect();
        let mut vs = Vec::new();
        let mut owner = Vec::new();
        for (di, hs) in dom_vcpus.iter().enumerate() {
            for (k, h) in hs.iter().enumerate() {
                let Ok(info) = sched.vcpu_info(*h) else {
                    continue;
                };
                let allowed: Vec<usize> = pcpus
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| info.hard_affinity.test(crate::PcpuId(**p)))
                    .map(|(i, _)| i)
                    .collect();
                let limit = if info.offline {
                    0.0
                } else {
                    wl.domains[di].vcpus[k].load.demand()
                };
                vs.push(FairVcpu {
                    domain: di,
                    weight: f64::from(self.domains[di].weight),
                    limit,
                    allowed,
                });
                owner.push((di, k));
            }
        }
        let constrained = vs.iter().any(|v| v.allowed.len() != pcpus.len());
        // A fair share for a configuration that changed mid-run would be
        // meaningless; so is one too costly to compute.
        if !wl.commands.is_empty() || (constrained && vs.len() > 64) {
            return;
        }
        let caps: Vec<Option<f64>> = self
            .domains
            .iter()
            .map(|d| (d.cap != 0).then(|| f64::from(d.cap) / 100.0))
            .collect();
        let fair = fair_shares(&vs, &caps, pcpus.len());
        for d in &mut self.domains {
            d.vcpu_fair_pct = vec![0.0; d.vcpus];
            d.fair_pct = Some(0.0);
        }
        for ((di, k), f) in owner.into_iter().zip(fair) {
            let d = &mut self.domains[di];
            d.vcpu_fair_pct[k] = f * 100.0;
            *d.fair_pct.as_mut().expect("set above") += f * 100.0;
        }
    }

    /// Largest |share − fair share| over all vCPUs, percentage points.
    pub fn max_vcpu_deviation(&self) -> Option<f64> {
        let mut m: f64 = 0.0;
        for d in &self.domains {
            if d.vcpu_fair_pct.len() != d.vcpu_share_pct.len() {
                return None;
            }
            for (s, f) in d.vcpu_share_pct.iter().zip(&d.vcpu_fair_pct) {
                m = m.max((s - f).abs());
            }
        }
        Some(m)
    }

    /// The human-readable report.
    pub fn report(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "credit-sim: {} pCPUs, {:.3} s simulated (shares from {:.3} s), {} events, {} decisions",
            self.pcpus,
            self.duration_ns as f64 / 1e9,
            self.measure_from_ns as f64 / 1e9,
            self.events,
            self.decisions
        );
        let _ = writeln!(
            s,
            "\n{:<12} {:>5} {:>6} {:>5} {:>5} {:>8} {:>8} {:>7} {:>7} {:>6} {:>9} {:>9} {:>9} {:>6}",
            "domain", "id", "weight", "cap", "vcpus", "share%", "fair%", "diff", "wakes", "boost%", "lat-p50", "lat-p99", "lat-max", "migr"
        );
        let us = |x: Option<u64>| x.map_or("-".to_string(), |v| format!("{:.1}us", v as f64 / 1e3));
        for d in &self.domains {
            let (fair, diff) = match d.fair_pct {
                Some(f) => (format!("{f:.2}"), format!("{:+.2}", d.share_pct - f)),
                None => ("-".into(), "-".into()),
            };
            let _ = writeln!(
                s,
                "{:<12} {:>5} {:>6} {:>5} {:>5} {:>8.2} {:>8} {:>7} {:>7} {:>6} {:>9} {:>9} {:>9} {:>6}",
                d.name,
                d.id,
                d.weight,
                d.cap,
                d.vcpus,
                d.share_pct,
                fair,
                diff,
                d.latencies.len(),
                if d.latencies.is_empty() {
                    "-".to_string()
                } else {
                    format!("{:.0}", 100.0 * d.boosted_latencies.len() as f64 / d.latencies.len() as f64)
                },
                us(d.latency_pct(50.0)),
                us(d.latency_pct(99.0)),
                us(d.latencies.last().copied()),
                d.migrations
            );
        }
        let capped: Vec<&DomainStats> = self.domains.iter().filter(|d| d.cap != 0).collect();
        if !capped.is_empty() {
            let _ = writeln!(s, "\ncap adherence (percent of one pCPU):");
            for d in capped {
                let err = d.share_pct - f64::from(d.cap);
                let verdict = if d.share_pct <= f64::from(d.cap) + 1.0 {
                    "within cap"
                } else {
                    "OVER CAP"
                };
                let _ = writeln!(
                    s,
                    "  {:<12} cap {:>4}%  used {:>7.2}%  ({:+.2} pp, {verdict})",
                    d.name, d.cap, d.share_pct, err
                );
            }
        }
        if let Some(m) = self.max_vcpu_deviation() {
            let _ = writeln!(s, "\nlargest per-vCPU deviation from fair share: {m:.2} pp");
        }
        if !self.log.is_empty() {
            let _ = writeln!(s, "\ncommands:");
            for (t, m) in &self.log {
                let _ = writeln!(s, "  {:>9.3} s  {m}", *t as f64 / 1e9);
            }
        }
        s
    }
}
