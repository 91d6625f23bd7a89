//! Toolstack commands inside a simulation (`at <time> <command>` lines).

use super::engine::{Ev, Simulator};
use super::workload::{Command, Load};
use crate::{CpuMask, DomainId, DomainParamsUpdate, PcpuId, VcpuId};

impl Simulator {
    fn dom_index(&self, name: &str) -> Option<usize> {
        self.wl.domains.iter().position(|d| d.name == name)
    }

    pub(super) fn command(&mut self, i: usize) {
        let cmd = self.wl.commands[i].cmd.clone();
        let now = self.now;
        let res: Result<CpuMask, String> = (|| {
            let dom = |name: &str| {
                self.dom_index(name)
                    .ok_or_else(|| format!("Domain '{name}' does not exist"))
            };
            match &cmd {
                Command::SchedCredit {
                    dom: n,
                    weight,
                    cap,
                } => {
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
                        Some(k) => vec![*self.dom_vcpus[di]
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
                    ps.tick_at = None;
                    for ev in [Ev::Tick(*p), Ev::Timer(*p), Ev::BurstEnd(*p)] {
                        self.cancel(ev);
                    }
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
                self.stats.log(now, describe(&cmd));
                self.drain(k);
            }
            Err(e) => self
                .stats
                .log(now, format!("{}: error: {e}", describe(&cmd))),
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
