//! Configuration: pCPUs, domains, vCPUs, affinity and parameters, plus
//! read-only queries.
//!
//! These are the toolstack-driven operations: adding and removing pCPUs
//! (a cpupool gaining or losing CPUs), creating and destroying domains,
//! `xl vcpu-set` (hot-plug), `xl vcpu-pin` (hard and soft affinity),
//! `xl sched-credit -d` (weight and cap) and `xl sched-credit -s` (global
//! parameters). Each returns the pCPUs that must reschedule as a result.

use alloc::vec::Vec;

use crate::ids::{CpuMask, DomainId, PcpuId, VcpuId, MAX_PCPUS};
use crate::list::{Links, List, NIL};
use crate::params::{DomainParams, DomainParamsUpdate, SchedError, SchedParams};
use crate::runq::Priority;
use crate::scheduler::CreditScheduler;
use crate::state::{Domain, PcpuState, Vcpu, FLAG_MIGRATING, FLAG_PARKED};

/// A snapshot of one vCPU's scheduling state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VcpuInfo {
    /// Owning domain.
    pub domain: DomainId,
    /// Number inside the domain.
    pub index: u32,
    /// Current priority.
    pub priority: Priority,
    /// Credit (units of 100 µs).
    pub credit: i32,
    /// The pCPU whose queue it belongs to.
    pub processor: PcpuId,
    /// Currently running.
    pub running: bool,
    /// Could run now (not blocked, paused, offline or parked).
    pub runnable: bool,
    /// Waiting in a run queue.
    pub queued: bool,
    /// Parked by its domain's cap.
    pub parked: bool,
    /// Earning credit.
    pub active: bool,
    /// Offline (`vcpu-set`).
    pub offline: bool,
    /// Hard affinity.
    pub hard_affinity: CpuMask,
    /// Soft affinity.
    pub soft_affinity: CpuMask,
}

impl CreditScheduler {
    /// Adds pCPU `p`; it starts idle. Returns `p` itself to poke so it can
    /// look for work to steal.
    pub fn add_pcpu(&mut self, p: PcpuId, now: u64) -> Result<CpuMask, SchedError> {
        let idx = p.0 as usize;
        if idx >= MAX_PCPUS {
            return Err(SchedError::PcpuOutOfRange(p.0));
        }
        if self.pcpus.len() <= idx {
            self.pcpus.resize(idx + 1, None);
        }
        if self.pcpus[idx].is_some() {
            return Err(SchedError::PcpuExists(p.0));
        }
        self.pcpus[idx] = Some(PcpuState::new(p.0, self.g.runq_sort));
        self.g.credit += self.params.credits_per_tslice();
        if self.g.cpus.is_empty() {
            self.g.next_acct = Some(now + self.params.tslice_ns());
            self.g.balance_bias = p.0;
        }
        self.g.cpus.set(p);
        self.g.idlers.set(p);
        for i in 0..self.vcpus.len() as u32 {
            if self.vcpus[i as usize].live {
                self.update_pinned(i);
            }
        }
        Ok(CpuMask::single(p))
    }

    /// Removes pCPU `p`. Its running vCPU is descheduled and every vCPU
    /// assigned to it moves elsewhere; a vCPU whose hard affinity has no
    /// other pCPU has its affinity reset to all pCPUs, as Xen does when it
    /// breaks affinity for an offlined CPU.
    pub fn remove_pcpu(&mut self, p: PcpuId, now: u64) -> Result<CpuMask, SchedError> {
        if self.pcpus.get(p.0 as usize).is_none_or(|x| x.is_none()) {
            return Err(SchedError::NoSuchPcpu(p.0));
        }
        if self.g.cpus.count() == 1 {
            return Err(SchedError::LastPcpu);
        }
        let cur = self.pc(p.0).curr;
        if cur != NIL {
            self.burn_credits(cur, now);
            let v = &mut self.vcpus[cur as usize];
            v.running = false;
            v.last_sched_time = now;
            v.flags &= !crate::state::FLAG_YIELD;
            self.pc_mut(p.0).curr = NIL;
        }
        let moving: Vec<u32> = (0..self.vcpus.len() as u32)
            .filter(|&i| {
                let v = &self.vcpus[i as usize];
                v.live && v.processor == p.0
            })
            .collect();
        for &i in &moving {
            if self.vcpus[i as usize].on_runq {
                self.runq_remove(i);
            }
        }
        self.g.cpus.clear(p);
        self.g.idlers.clear(p);
        for m in &mut self.g.band_nonempty {
            m.clear(p);
        }
        self.g.credit -= self.params.credits_per_tslice();
        if self.g.balance_bias == p.0 {
            self.g.balance_bias = self.g.cpus.first().map_or(0, |c| c.0);
        }
        self.pcpus[p.0 as usize] = None;
        let mut kick = CpuMask::EMPTY;
        for i in 0..self.vcpus.len() as u32 {
            if self.vcpus[i as usize].live {
                self.update_pinned(i);
            }
        }
        for i in moving {
            let online = self.g.cpus;
            let v = &mut self.vcpus[i as usize];
            v.migrate_req = false;
            if !v.hard.intersects(&online) {
                v.hard = online;
            }
            self.update_pinned(i);
            let new = self.pick_cpu(i);
            let v = &mut self.vcpus[i as usize];
            v.processor = new;
            v.flags |= FLAG_MIGRATING;
            kick = kick.or(&self.do_wake(i, false));
            self.vcpus[i as usize].flags &= !FLAG_MIGRATING;
        }
        Ok(kick)
    }

    /// Creates domain `id` with `nr_vcpus` vCPUs, all online and blocked
    /// (call [`wake`](Self::wake) to make them runnable), free to run on
    /// every pCPU. Returns their handles in vCPU-number order.
    pub fn add_domain(
        &mut self,
        id: DomainId,
        nr_vcpus: u32,
        params: DomainParams,
    ) -> Result<Vec<VcpuId>, SchedError> {
        if self.dom_index.contains_key(&id) {
            return Err(SchedError::DomainExists(id));
        }
        if nr_vcpus == 0 {
            return Err(SchedError::NoVcpus);
        }
        DomainParamsUpdate {
            weight: Some(u32::from(params.weight)),
            cap: Some(u32::from(params.cap)),
        }
        .validate(nr_vcpus)?;
        let slot = match self.free_doms.pop() {
            Some(s) => s,
            None => {
                self.doms.push(None);
                self.dom_links.push(Links::UNLINKED);
                (self.doms.len() - 1) as u32
            }
        };
        let cpus: Vec<u32> = self.g.cpus.iter().map(|p| p.0).collect();
        let mut handles = Vec::with_capacity(nr_vcpus as usize);
        let mut slots = Vec::with_capacity(nr_vcpus as usize);
        for k in 0..nr_vcpus {
            // Spread initial placement round-robin, like Xen's initial CPU
            // selection, then let pick_cpu prefer an idle one.
            let start = if cpus.is_empty() {
                0
            } else {
                cpus[(k as usize + slot as usize) % cpus.len()]
            };
            let v = Vcpu::new(slot, k, start, CpuMask::all());
            let i = match self.free_vcpus.pop() {
                Some(i) => {
                    self.vcpus[i as usize] = v;
                    self.rq_links[i as usize] = Links::UNLINKED;
                    self.act_links[i as usize] = Links::UNLINKED;
                    i
                }
                None => {
                    self.vcpus.push(v);
                    self.rq_links.push(Links::UNLINKED);
                    self.act_links.push(Links::UNLINKED);
                    (self.vcpus.len() - 1) as u32
                }
            };
            if !cpus.is_empty() {
                let p = self.pick_cpu(i);
                self.vcpus[i as usize].processor = p;
            }
            self.update_pinned(i);
            slots.push(i);
            handles.push(VcpuId(i));
        }
        self.doms[slot as usize] = Some(Domain {
            id,
            params,
            vcpus: slots,
            online: nr_vcpus,
            active: List::EMPTY,
            in_active_list: false,
        });
        self.dom_index.insert(id, slot);
        Ok(handles)
    }

    fn dom_slot(&self, id: DomainId) -> Result<u32, SchedError> {
        self.dom_index
            .get(&id)
            .copied()
            .ok_or(SchedError::NoSuchDomain(id))
    }

    fn dom(&self, id: DomainId) -> Result<&Domain, SchedError> {
        let s = self.dom_slot(id)?;
        Ok(self.doms[s as usize].as_ref().expect("indexed domain"))
    }

    /// Destroys domain `id`. None of its vCPUs may be running: pause them
    /// ([`sleep`](Self::sleep)) and let their pCPUs reschedule first.
    pub fn remove_domain(&mut self, id: DomainId) -> Result<(), SchedError> {
        let slot = self.dom_slot(id)?;
        let vcpus = self.doms[slot as usize]
            .as_ref()
            .expect("indexed domain")
            .vcpus
            .clone();
        if vcpus.iter().any(|&i| self.vcpus[i as usize].running) {
            return Err(SchedError::DomainBusy(id));
        }
        for i in vcpus {
            if self.vcpus[i as usize].on_runq {
                self.runq_remove(i);
            }
            self.acct_stop(i);
            self.set_soft_counted(i, false);
            self.vcpus[i as usize].live = false;
            self.free_vcpus.push(i);
        }
        self.doms[slot as usize] = None;
        self.dom_index.remove(&id);
        self.free_doms.push(slot);
        Ok(())
    }

    /// The handle of vCPU number `index` of domain `id`.
    pub fn vcpu_id(&self, id: DomainId, index: u32) -> Result<VcpuId, SchedError> {
        self.dom(id)?
            .vcpus
            .get(index as usize)
            .map(|&i| VcpuId(i))
            .ok_or(SchedError::NoSuchVcpu(index))
    }

    /// `xl vcpu-set`: vCPUs `0..online` are online, the rest offline.
    /// Newly onlined vCPUs are brought up runnable; offlined ones leave the
    /// CPUs at their next deschedule.
    pub fn set_vcpus_online(
        &mut self,
        id: DomainId,
        online: u32,
        _now: u64,
    ) -> Result<CpuMask, SchedError> {
        let slot = self.dom_slot(id)?;
        let dom = self.doms[slot as usize].as_mut().expect("indexed domain");
        let max = dom.vcpus.len() as u32;
        if online == 0 || online > max {
            return Err(SchedError::VcpuCountOutOfRange {
                requested: online,
                max,
            });
        }
        dom.online = online;
        let vcpus = dom.vcpus.clone();
        let mut kick = CpuMask::EMPTY;
        for (k, i) in vcpus.into_iter().enumerate() {
            let v = &mut self.vcpus[i as usize];
            if (k as u32) < online {
                if v.down {
                    v.down = false;
                    v.blocked = false;
                    kick = kick.or(&self.do_wake(i, true));
                }
            } else if !v.down {
                v.down = true;
                kick = kick.or(&self.do_sleep(i));
                self.acct_stop(i);
            }
        }
        Ok(kick)
    }

    fn set_soft_counted(&mut self, i: u32, on: bool) {
        let v = &self.vcpus[i as usize];
        let was = v.soft != CpuMask::all() && v.live;
        if was && !on {
            self.nr_soft -= 1;
        } else if !was && on {
            self.nr_soft += 1;
        }
    }

    /// `xl vcpu-pin`: sets hard and/or soft affinity of vCPU `v`. A vCPU
    /// whose pCPU is no longer allowed moves (a running one at its next
    /// deschedule).
    pub fn set_affinity(
        &mut self,
        v: VcpuId,
        hard: Option<CpuMask>,
        soft: Option<CpuMask>,
        _now: u64,
    ) -> Result<CpuMask, SchedError> {
        let i = self.valid_vcpu(v).ok_or(SchedError::NoSuchVcpu(v.0))?;
        if let Some(h) = hard {
            if !h.intersects(&self.g.cpus) {
                return Err(SchedError::EmptyAffinity);
            }
        }
        if let Some(s) = soft {
            let was = self.vcpus[i as usize].soft != CpuMask::all();
            let now_soft = s != CpuMask::all();
            if was != now_soft {
                self.set_soft_counted(i, now_soft);
            }
            self.vcpus[i as usize].soft = s;
        }
        let Some(h) = hard else {
            return Ok(CpuMask::EMPTY);
        };
        self.vcpus[i as usize].hard = h;
        self.update_pinned(i);
        let vc = &self.vcpus[i as usize];
        if h.test(PcpuId(vc.processor)) {
            return Ok(CpuMask::EMPTY);
        }
        if vc.running {
            let p = vc.processor;
            self.vcpus[i as usize].migrate_req = true;
            return Ok(CpuMask::single(PcpuId(p)));
        }
        if vc.on_runq {
            self.runq_remove(i);
        }
        Ok(self.finish_migration(i))
    }

    /// `xl sched-credit -d <dom> [-w <weight>] [-c <cap>]`.
    pub fn set_domain_params(
        &mut self,
        id: DomainId,
        update: DomainParamsUpdate,
    ) -> Result<(), SchedError> {
        let slot = self.dom_slot(id)?;
        let dom = self.doms[slot as usize].as_mut().expect("indexed domain");
        update.validate(dom.vcpus.len() as u32)?;
        let old = u64::from(dom.params.weight);
        update.apply(&mut dom.params);
        let active = u64::from(dom.active.len);
        self.g.weight = self.g.weight - old * active + u64::from(dom.params.weight) * active;
        Ok(())
    }

    /// `xl sched-credit -d <dom>`: the domain's weight and cap.
    pub fn domain_params(&self, id: DomainId) -> Result<DomainParams, SchedError> {
        Ok(self.dom(id)?.params)
    }

    /// `xl sched-credit -s ...`: sets the global parameters.
    pub fn set_params(&mut self, params: SchedParams) -> Result<(), SchedError> {
        params.validate()?;
        self.params = params;
        self.g.credit = params.credits_per_tslice() * self.g.cpus.count();
        Ok(())
    }

    /// The global parameters.
    pub fn params(&self) -> SchedParams {
        self.params
    }

    /// The domains, in creation-slot order.
    pub fn domains(&self) -> impl Iterator<Item = DomainId> + '_ {
        self.doms.iter().flatten().map(|d| d.id)
    }

    /// The vCPU handles of domain `id`.
    pub fn domain_vcpus(&self, id: DomainId) -> Result<Vec<VcpuId>, SchedError> {
        Ok(self.dom(id)?.vcpus.iter().map(|&i| VcpuId(i)).collect())
    }

    /// A snapshot of vCPU `v`.
    pub fn vcpu_info(&self, v: VcpuId) -> Result<VcpuInfo, SchedError> {
        let i = self.valid_vcpu(v).ok_or(SchedError::NoSuchVcpu(v.0))?;
        let x = &self.vcpus[i as usize];
        let dom = self.doms[x.dom as usize].as_ref().expect("live domain");
        Ok(VcpuInfo {
            domain: dom.id,
            index: x.idx,
            priority: x.pri,
            credit: x.credit,
            processor: PcpuId(x.processor),
            running: x.running,
            runnable: x.runnable(),
            queued: x.on_runq,
            parked: x.has(FLAG_PARKED),
            active: x.active,
            offline: x.down,
            hard_affinity: x.hard,
            soft_affinity: x.soft,
        })
    }

    /// vCPU `v`'s current priority (cheaper than [`vcpu_info`](Self::vcpu_info)).
    pub fn priority(&self, v: VcpuId) -> Option<Priority> {
        self.valid_vcpu(v).map(|i| self.vcpus[i as usize].pri)
    }

    /// The pCPUs in the scheduler.
    pub fn pcpus(&self) -> CpuMask {
        self.g.cpus
    }

    /// What pCPU `p` runs (`None`: idle or unknown pCPU).
    pub fn current(&self, p: PcpuId) -> Option<VcpuId> {
        let pc = self.pcpus.get(p.0 as usize)?.as_ref()?;
        (pc.curr != NIL).then_some(VcpuId(pc.curr))
    }

    /// The vCPUs queued on `p`, in queue order.
    pub fn runq(&self, p: PcpuId) -> Vec<VcpuId> {
        self.pcpus
            .get(p.0 as usize)
            .and_then(|x| x.as_ref())
            .map(|pc| {
                pc.runq
                    .iter(&self.rq_links)
                    .map(|(_, i)| VcpuId(i))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// When `p`'s next tick is due (`None`: its tick is stopped because it
    /// is idle).
    pub fn next_tick(&self, p: PcpuId) -> Option<u64> {
        self.pcpus.get(p.0 as usize)?.as_ref()?.next_tick
    }

    /// When the next accounting pass is due.
    pub fn next_accounting(&self) -> Option<u64> {
        self.g.next_acct
    }

    /// pCPUs running their idle vCPU and not yet poked.
    pub fn idlers(&self) -> CpuMask {
        self.g.idlers
    }

    /// Checks work conservation: returns an idle pCPU together with a
    /// runnable vCPU waiting in some run queue that could run there, if
    /// any. Meant for tests and simulators at quiescent points; O(vCPUs).
    pub fn idle_pcpu_with_waiting_work(&self) -> Option<(PcpuId, VcpuId)> {
        for p in self.g.cpus.iter() {
            if self.pc(p.0).curr != NIL {
                continue;
            }
            for pc in self.pcpus.iter().flatten() {
                for (_, i) in pc.runq.iter(&self.rq_links) {
                    if self.vcpus[i as usize].hard.test(p) {
                        return Some((p, VcpuId(i)));
                    }
                }
            }
        }
        None
    }
}
