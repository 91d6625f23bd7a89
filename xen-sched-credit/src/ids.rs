//! Identifiers and the pCPU bit mask.
//!
//! Domains, vCPUs and pCPUs are named by small integer newtypes so that one
//! cannot be passed where another is expected. [`CpuMask`] is a fixed-size
//! bit set of pCPUs (Xen's `cpumask_t`), used for hard and soft affinity,
//! the idle-pCPU mask and the set of pCPUs to poke after an event.

use core::fmt;
use core::str::FromStr;

/// A domain identifier (Xen's `domid_t`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DomainId(pub u16);

/// A handle on one vCPU known to the scheduler.
///
/// Handles are dense indices handed out by
/// [`CreditScheduler::add_domain`](crate::CreditScheduler::add_domain); a
/// vCPU's number inside its domain is available through
/// [`CreditScheduler::vcpu_info`](crate::CreditScheduler::vcpu_info).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VcpuId(pub u32);

/// A physical CPU number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PcpuId(pub u32);

impl fmt::Display for DomainId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for VcpuId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.0)
    }
}

impl fmt::Display for PcpuId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The largest number of pCPUs a [`CpuMask`] can describe.
pub const MAX_PCPUS: usize = 256;

const WORDS: usize = MAX_PCPUS / 64;

/// A set of pCPUs, one bit each, for pCPU numbers below [`MAX_PCPUS`].
///
/// It is `Copy` and allocation-free so it can be returned from every
/// scheduler event (the pCPUs to interrupt) and stored per vCPU (affinity).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CpuMask {
    bits: [u64; WORDS],
}

impl CpuMask {
    /// The empty set.
    pub const EMPTY: CpuMask = CpuMask { bits: [0; WORDS] };

    /// The set of pCPUs `0..n` (`n` is clamped to [`MAX_PCPUS`]).
    pub fn first_n(n: usize) -> Self {
        let mut m = Self::EMPTY;
        for i in 0..n.min(MAX_PCPUS) {
            m.set(PcpuId(i as u32));
        }
        m
    }

    /// Every representable pCPU.
    pub fn all() -> Self {
        CpuMask {
            bits: [u64::MAX; WORDS],
        }
    }

    /// The set holding just `p`.
    pub fn single(p: PcpuId) -> Self {
        let mut m = Self::EMPTY;
        m.set(p);
        m
    }

    /// Adds `p` (ignored when `p` is beyond [`MAX_PCPUS`]).
    #[inline]
    pub fn set(&mut self, p: PcpuId) {
        let i = p.0 as usize;
        if i < MAX_PCPUS {
            self.bits[i / 64] |= 1 << (i % 64);
        }
    }

    /// Removes `p`.
    #[inline]
    pub fn clear(&mut self, p: PcpuId) {
        let i = p.0 as usize;
        if i < MAX_PCPUS {
            self.bits[i / 64] &= !(1 << (i % 64));
        }
    }

    /// Whether `p` is in the set.
    #[inline]
    pub fn test(&self, p: PcpuId) -> bool {
        let i = p.0 as usize;
        i < MAX_PCPUS && self.bits[i / 64] & (1 << (i % 64)) != 0
    }

    /// Whether the set is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.bits.iter().all(|&w| w == 0)
    }

    /// Number of pCPUs in the set.
    pub fn count(&self) -> u32 {
        self.bits.iter().map(|w| w.count_ones()).sum()
    }

    /// Intersection.
    #[inline]
    pub fn and(&self, o: &CpuMask) -> CpuMask {
        let mut r = *self;
        for (a, b) in r.bits.iter_mut().zip(o.bits.iter()) {
            *a &= *b;
        }
        r
    }

    /// Union.
    #[inline]
    pub fn or(&self, o: &CpuMask) -> CpuMask {
        let mut r = *self;
        for (a, b) in r.bits.iter_mut().zip(o.bits.iter()) {
            *a |= *b;
        }
        r
    }

    /// Difference: the pCPUs of `self` not in `o`.
    #[inline]
    pub fn andnot(&self, o: &CpuMask) -> CpuMask {
        let mut r = *self;
        for (a, b) in r.bits.iter_mut().zip(o.bits.iter()) {
            *a &= !*b;
        }
        r
    }

    /// Whether the two sets share a pCPU.
    #[inline]
    pub fn intersects(&self, o: &CpuMask) -> bool {
        self.bits.iter().zip(o.bits.iter()).any(|(a, b)| a & b != 0)
    }

    /// Whether every pCPU of `self` is also in `o`.
    #[inline]
    pub fn is_subset(&self, o: &CpuMask) -> bool {
        self.bits
            .iter()
            .zip(o.bits.iter())
            .all(|(a, b)| a & !b == 0)
    }

    /// The lowest pCPU in the set.
    #[inline]
    pub fn first(&self) -> Option<PcpuId> {
        self.next_from(0)
    }

    /// The lowest pCPU numbered `from` or higher.
    fn next_from(&self, from: usize) -> Option<PcpuId> {
        if from >= MAX_PCPUS {
            return None;
        }
        let mut w = from / 64;
        let mut word = self.bits[w] & (u64::MAX << (from % 64));
        loop {
            if word != 0 {
                return Some(PcpuId((w * 64 + word.trailing_zeros() as usize) as u32));
            }
            w += 1;
            if w == WORDS {
                return None;
            }
            word = self.bits[w];
        }
    }

    /// The next pCPU after `after`, wrapping around (Xen's `cpumask_cycle`);
    /// it returns `after` itself only when that is the sole member.
    #[inline]
    pub fn cycle(&self, after: PcpuId) -> Option<PcpuId> {
        self.next_from(after.0 as usize + 1)
            .or_else(|| self.first())
    }

    /// Iterates over the members in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = PcpuId> + '_ {
        let mut next = 0usize;
        core::iter::from_fn(move || {
            let p = self.next_from(next)?;
            next = p.0 as usize + 1;
            Some(p)
        })
    }
}

impl FromIterator<PcpuId> for CpuMask {
    fn from_iter<I: IntoIterator<Item = PcpuId>>(iter: I) -> Self {
        let mut m = CpuMask::EMPTY;
        for p in iter {
            m.set(p);
        }
        m
    }
}

impl fmt::Debug for CpuMask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CpuMask({self})")
    }
}

impl fmt::Display for CpuMask {
    /// Formats as an `xl vcpu-pin` style list, e.g. `0-3,6`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut it = self.iter().peekable();
        while let Some(lo) = it.next() {
            let mut hi = lo;
            while let Some(&n) = it.peek() {
                if n.0 == hi.0 + 1 {
                    hi = n;
                    it.next();
                } else {
                    break;
                }
            }
            if !first {
                f.write_str(",")?;
            }
            first = false;
            if hi == lo {
                write!(f, "{}", lo.0)?;
            } else {
                write!(f, "{}-{}", lo.0, hi.0)?;
            }
        }
        if first {
            f.write_str("none")?;
        }
        Ok(())
    }
}

/// Error from parsing a pCPU list such as `0-3,^2,6`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Invalid cpulist '{0}'")]
pub struct CpuListError(pub alloc::string::String);

impl FromStr for CpuMask {
    type Err = CpuListError;

    /// Parses the `xl vcpu-pin` syntax: `all`, single numbers, ranges `a-b`
    /// and exclusions `^n` / `^a-b`, separated by commas.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || CpuListError(s.into());
        let mut m = CpuMask::EMPTY;
        for part in s.split(',') {
            let part = part.trim();
            let (neg, body) = match part.strip_prefix('^') {
                Some(b) => (true, b),
                None => (false, part),
            };
            let range = if body == "all" {
                0..MAX_PCPUS
            } else if let Some((a, b)) = body.split_once('-') {
                let a: usize = a.parse().map_err(|_| err())?;
                let b: usize = b.parse().map_err(|_| err())?;
                if a > b || b >= MAX_PCPUS {
                    return Err(err());
                }
                a..b + 1
            } else {
                let a: usize = body.parse().map_err(|_| err())?;
                if a >= MAX_PCPUS {
                    return Err(err());
                }
                a..a + 1
            };
            for i in range {
                if neg {
                    m.clear(PcpuId(i as u32));
                } else {
                    m.set(PcpuId(i as u32));
                }
            }
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn set_test_clear_count() {
        let mut m = CpuMask::EMPTY;
        assert!(m.is_empty());
        m.set(PcpuId(3));
        m.set(PcpuId(200));
        assert!(m.test(PcpuId(3)) && m.test(PcpuId(200)) && !m.test(PcpuId(4)));
        assert_eq!(m.count(), 2);
        m.clear(PcpuId(3));
        assert_eq!(m.first(), Some(PcpuId(200)));
    }

    #[test]
    fn cycle_wraps() {
        let m: CpuMask = "1,5,70".parse().unwrap();
        assert_eq!(m.cycle(PcpuId(1)), Some(PcpuId(5)));
        assert_eq!(m.cycle(PcpuId(5)), Some(PcpuId(70)));
        assert_eq!(m.cycle(PcpuId(70)), Some(PcpuId(1)));
        assert_eq!(m.cycle(PcpuId(255)), Some(PcpuId(1)));
        assert_eq!(CpuMask::single(PcpuId(9)).cycle(PcpuId(9)), Some(PcpuId(9)));
        assert_eq!(CpuMask::EMPTY.cycle(PcpuId(0)), None);
    }

    #[test]
    fn parse_and_display_round_trip() {
        let m: CpuMask = "0-3,^2,6".parse().unwrap();
        assert_eq!(m.to_string(), "0-1,3,6");
        assert_eq!("all".parse::<CpuMask>().unwrap().count(), MAX_PCPUS as u32);
        assert!("3-1".parse::<CpuMask>().is_err());
        assert!("x".parse::<CpuMask>().is_err());
        assert_eq!(CpuMask::EMPTY.to_string(), "none");
    }

    #[test]
    fn set_algebra() {
        let a: CpuMask = "0-3".parse().unwrap();
        let b: CpuMask = "2-5".parse().unwrap();
        assert_eq!(a.and(&b).to_string(), "2-3");
        assert_eq!(a.or(&b).to_string(), "0-5");
        assert_eq!(a.andnot(&b).to_string(), "0-1");
        assert!(a.intersects(&b));
        assert!(a.and(&b).is_subset(&a));
        assert!(!a.is_subset(&b));
        assert_eq!(a.iter().count(), 4);
    }
}
