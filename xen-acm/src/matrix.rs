//! Dense bit matrices: one row of type bits per ssidref or conflict set.
//!
//! Xen stores `u16` 0/1 cells (`ssidrefs[max_ssidrefs][max_types]`); the
//! engine packs each row into 64-bit words so that "common type" and "subset"
//! questions over 1,000 types are a handful of word operations.

use alloc::vec;
use alloc::vec::Vec;

/// A `rows × types` matrix of bits, stored row-major in 64-bit words.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct TypeMatrix {
    rows: usize,
    types: usize,
    words: usize,
    bits: Vec<u64>,
}

impl TypeMatrix {
    /// An all-zero matrix.
    pub fn new(rows: usize, types: usize) -> Self {
        let words = types.div_ceil(64);
        TypeMatrix {
            rows,
            types,
            words,
            bits: vec![0; rows * words],
        }
    }

    /// Number of rows (ssidrefs or conflict sets).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of types (columns).
    pub fn types(&self) -> usize {
        self.types
    }

    /// Sets or clears one cell. Panics if out of range.
    pub fn set(&mut self, row: usize, ty: usize, on: bool) {
        assert!(row < self.rows && ty < self.types, "cell out of range");
        let w = &mut self.bits[row * self.words + ty / 64];
        if on {
            *w |= 1 << (ty % 64);
        } else {
            *w &= !(1 << (ty % 64));
        }
    }

    /// Reads one cell; out-of-range cells read as clear.
    pub fn get(&self, row: usize, ty: usize) -> bool {
        row < self.rows
            && ty < self.types
            && self.bits[row * self.words + ty / 64] & (1 << (ty % 64)) != 0
    }

    /// The packed words of `row`, or an empty slice when out of range.
    pub fn row(&self, row: usize) -> &[u64] {
        if row < self.rows {
            &self.bits[row * self.words..(row + 1) * self.words]
        } else {
            &[]
        }
    }

    /// True when both rows exist and have at least one type in common.
    pub fn intersects(&self, a: usize, b: usize) -> bool {
        if a >= self.rows || b >= self.rows {
            return false;
        }
        words_intersect(self.row(a), self.row(b))
    }

    /// True when both rows exist and every type of row `b` is in row `a`.
    pub fn is_superset(&self, a: usize, b: usize) -> bool {
        if a >= self.rows || b >= self.rows {
            return false;
        }
        self.row(a)
            .iter()
            .zip(self.row(b))
            .all(|(x, y)| y & !x == 0)
    }

    /// True when row `row` has no type set (or does not exist).
    pub fn row_is_empty(&self, row: usize) -> bool {
        self.row(row).iter().all(|w| *w == 0)
    }

    /// The indexes of the types set in `row`, ascending.
    pub fn row_types(&self, row: usize) -> impl Iterator<Item = usize> + '_ {
        self.row(row).iter().enumerate().flat_map(|(i, &w)| {
            let mut w = w;
            core::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let bit = w.trailing_zeros() as usize;
                w &= w - 1;
                Some(i * 64 + bit)
            })
        })
    }
}

/// True when two packed rows share a set bit.
pub fn words_intersect(a: &[u64], b: &[u64]) -> bool {
    a.iter().zip(b).any(|(x, y)| x & y != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_and_questions() {
        let mut m = TypeMatrix::new(3, 130);
        m.set(0, 0, true);
        m.set(0, 129, true);
        m.set(1, 129, true);
        m.set(2, 5, true);
        assert!(m.get(0, 129) && !m.get(0, 128));
        assert!(m.intersects(0, 1));
        assert!(!m.intersects(1, 2));
        assert!(m.is_superset(0, 1));
        assert!(!m.is_superset(1, 0));
        assert!(!m.intersects(0, 3), "out-of-range rows never intersect");
        assert!(!m.is_superset(0, 9));
        assert_eq!(m.row_types(0).collect::<Vec<_>>(), vec![0, 129]);
        m.set(0, 0, false);
        assert_eq!(m.row_types(0).collect::<Vec<_>>(), vec![129]);
        assert!(TypeMatrix::new(1, 4).row_is_empty(0));
    }
}
