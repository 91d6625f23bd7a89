//! A tiny deterministic random number generator (xorshift64*).

/// xorshift64* — small, fast and reproducible from a seed.
#[derive(Clone, Debug)]
pub struct XorShift64 {
    state: u64,
}

impl XorShift64 {
    /// A generator seeded with `seed` (0 is replaced by a fixed constant).
    pub fn new(seed: u64) -> Self {
        XorShift64 {
            state: if seed == 0 {
                0x9E37_79B9_7F4A_7C15
            } else {
                seed
            },
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// `base` varied uniformly by ±`pct` percent.
    pub fn jitter(&mut self, base: u64, pct: u32) -> u64 {
        if pct == 0 || base == 0 {
            return base;
        }
        let span = base / 100 * u64::from(pct.min(100));
        base - span + self.below(2 * span + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_bounded() {
        let mut a = XorShift64::new(42);
        let mut b = XorShift64::new(42);
        for _ in 0..1000 {
            let x = a.below(10);
            assert_eq!(x, b.below(10));
            assert!(x < 10);
            let j = a.jitter(1000, 20);
            assert_eq!(j, b.jitter(1000, 20));
            assert!((800..=1200).contains(&j));
        }
        assert_ne!(XorShift64::new(0).next_u64(), 0);
    }
}
