//! Weighted max-min fair shares: what an ideal credit scheduler would give.
//!
//! Each vCPU `i` has a weight `w_i` (its domain's weight — credit weights
//! are per active vCPU), a demand limit `l_i` (1 pCPU for a hog, less for a
//! vCPU that sleeps), and a set of pCPUs it may use. Each domain may have a
//! cap `c_d` on the sum of its vCPUs. The fair allocation raises every
//! unfrozen vCPU's share as `λ·w_i` together; a vCPU freezes when it reaches
//! its limit, when its domain reaches its cap, or when the pCPUs it may use
//! are saturated. With affinity, "saturated" is decided by a max-flow
//! feasibility test (source → domain → vCPU → pCPU → sink).
//!
//! Shares are in pCPUs (1.0 = one whole pCPU).

/// One vCPU's entry.
#[derive(Clone, Debug)]
pub struct FairVcpu {
    /// Index of its domain in the `caps` slice.
    pub domain: usize,
    /// Weight (> 0).
    pub weight: f64,
    /// Largest share it could use, in pCPUs (≤ 1).
    pub limit: f64,
    /// pCPU indices (into `0..pcpus`) it may run on.
    pub allowed: Vec<usize>,
}

/// Fair shares of `vcpus` on `pcpus` pCPUs with per-domain `caps` (pCPUs,
/// `None` = uncapped).
pub fn fair_shares(vcpus: &[FairVcpu], caps: &[Option<f64>], pcpus: usize) -> Vec<f64> {
    let n = vcpus.len();
    let mut fixed: Vec<Option<f64>> = vec![None; n];
    for (i, v) in vcpus.iter().enumerate() {
        if v.limit <= 0.0 || v.allowed.is_empty() || v.weight <= 0.0 {
            fixed[i] = Some(0.0);
        }
    }
    let demands = |fixed: &[Option<f64>], lambda: f64| -> Vec<f64> {
        vcpus
            .iter()
            .zip(fixed)
            .map(|(v, f)| f.unwrap_or_else(|| (lambda * v.weight).min(v.limit)))
            .collect()
    };
    while fixed.iter().any(|f| f.is_none()) {
        let hi = vcpus
            .iter()
            .zip(&fixed)
            .filter(|(_, f)| f.is_none())
            .map(|(v, _)| v.limit / v.weight)
            .fold(0.0, f64::max);
        let lambda = if feasible(vcpus, caps, pcpus, &demands(&fixed, hi)) {
            hi
        } else {
            let (mut lo, mut up) = (0.0, hi);
            for _ in 0..60 {
                let mid = (lo + up) / 2.0;
                if feasible(vcpus, caps, pcpus, &demands(&fixed, mid)) {
                    lo = mid;
                } else {
                    up = mid;
                }
            }
            // Back off a hair so frozen shares stay strictly feasible.
            lo * (1.0 - 1e-9)
        };
        let base = demands(&fixed, lambda);
        let mut progressed = false;
        for i in 0..n {
            if fixed[i].is_some() {
                continue;
            }
            let v = &vcpus[i];
            if lambda * v.weight >= v.limit - 1e-12 {
                fixed[i] = Some(v.limit);
                progressed = true;
                continue;
            }
            let mut probe = base.clone();
            probe[i] += 1e-6;
            if !feasible(vcpus, caps, pcpus, &probe) {
                fixed[i] = Some(base[i]);
                progressed = true;
            }
        }
        if !progressed {
            for i in 0..n {
                if fixed[i].is_none() {
                    fixed[i] = Some(base[i]);
                }
            }
        }
    }
    fixed.into_iter().map(|f| f.unwrap_or(0.0)).collect()
}

/// Whether the demands can all be met.
fn feasible(vcpus: &[FairVcpu], caps: &[Option<f64>], pcpus: usize, demand: &[f64]) -> bool {
    let total: f64 = demand.iter().sum();
    // Domain caps.
    let mut per_dom = vec![0.0; caps.len()];
    for (v, d) in vcpus.iter().zip(demand) {
        per_dom[v.domain] += d;
    }
    if per_dom
        .iter()
        .zip(caps)
        .any(|(s, c)| c.is_some_and(|c| *s > c + 1e-9))
    {
        return false;
    }
    if total > pcpus as f64 + 1e-9 {
        return false;
    }
    // Affinity: vCPU -> pCPU bipartite flow (caps already checked above, and
    // they do not interact with affinity).
    if vcpus.iter().all(|v| v.allowed.len() == pcpus) {
        return true;
    }
    max_flow(vcpus, pcpus, demand) >= total - 1e-9
}

/// Max flow source → vCPU (demand) → allowed pCPU → sink (1).
fn max_flow(vcpus: &[FairVcpu], pcpus: usize, demand: &[f64]) -> f64 {
    let n = vcpus.len();
    let (s, t) = (n + pcpus, n + pcpus + 1);
    let nodes = n + pcpus + 2;
    let mut cap = vec![vec![0.0f64; nodes]; nodes];
    for (i, v) in vcpus.iter().enumerate() {
        cap[s][i] = demand[i];
        for &p in &v.allowed {
            cap[i][n + p] = f64::INFINITY;
        }
    }
    for p in 0..pcpus {
        cap[n + p][t] = 1.0;
    }
    let mut flow = 0.0;
    loop {
        // BFS for an augmenting path.
        let mut prev = vec![usize::MAX; nodes];
        prev[s] = s;
        let mut queue = std::collections::VecDeque::from([s]);
        while let Some(u) = queue.pop_front() {
            for w in 0..nodes {
                if prev[w] == usize::MAX && cap[u][w] > 1e-12 {
                    prev[w] = u;
                    queue.push_back(w);
                }
            }
        }
        if prev[t] == usize::MAX {
            return flow;
        }
        let mut aug = f64::INFINITY;
        let mut w = t;
        while w != s {
            aug = aug.min(cap[prev[w]][w]);
            w = prev[w];
        }
        let mut w = t;
        while w != s {
            let u = prev[w];
            cap[u][w] -= aug;
            cap[w][u] += aug;
            w = u;
        }
        flow += aug;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(domain: usize, weight: f64, allowed: &[usize]) -> FairVcpu {
        FairVcpu {
            domain,
            weight,
            limit: 1.0,
            allowed: allowed.to_vec(),
        }
    }

    fn close(a: &[f64], b: &[f64]) {
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-4, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn weighted_on_one_pcpu() {
        let s = fair_shares(&[v(0, 1.0, &[0]), v(1, 3.0, &[0])], &[None, None], 1);
        close(&s, &[0.25, 0.75]);
    }

    #[test]
    fn per_vcpu_limit_redistributes() {
        // Weight 1 vs 9 on 2 pCPUs: the heavy one is limited to 1 pCPU.
        let s = fair_shares(&[v(0, 1.0, &[0, 1]), v(1, 9.0, &[0, 1])], &[None, None], 2);
        close(&s, &[1.0, 1.0]);
    }

    #[test]
    fn pinned_pair_leaves_free_vcpus_whole_pcpus() {
        let all = [0, 1, 2, 3];
        let vc = [
            v(0, 1.0, &[0]),
            v(0, 1.0, &[0]),
            v(1, 1.0, &all),
            v(2, 1.0, &all),
            v(3, 1.0, &[2]),
        ];
        let s = fair_shares(&vc, &[None; 4], 4);
        close(&s, &[0.5, 0.5, 1.0, 1.0, 1.0]);
    }

    #[test]
    fn caps_and_affinity() {
        let vc = [
            v(0, 1.0, &[0]),
            v(1, 1.0, &[0]),
            v(2, 1.0, &[1]),
            v(3, 1.0, &[0, 1]),
        ];
        let s = fair_shares(&vc, &[None, None, Some(0.2), None], 2);
        // pCPU 1 is free except for the capped vCPU: vCPU 3 takes the rest
        // there; pCPU 0 is split by vCPUs 0 and 1.
        close(&s, &[0.5, 0.5, 0.2, 0.8]);
    }
}
