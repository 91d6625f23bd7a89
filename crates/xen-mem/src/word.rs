//! The word sizes that guest-shared protocols update atomically.

/// An unsigned word that [`FrameMemory`](crate::FrameMemory) can access
/// atomically: `u8`, `u16`, `u32` or `u64`.
pub trait Word:
    Copy
    + Eq
    + core::fmt::Debug
    + core::ops::BitOr<Output = Self>
    + core::ops::BitAnd<Output = Self>
    + core::ops::Not<Output = Self>
    + sealed::Sealed
    + 'static
{
    /// Size in bytes.
    const SIZE: usize;
    /// The zero word.
    const ZERO: Self;
    /// Widens to 64 bits.
    fn to_u64(self) -> u64;
    /// Truncates a 64-bit value to this size.
    fn from_u64_truncate(v: u64) -> Self;
}

macro_rules! word {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl Word for $t {
            const SIZE: usize = core::mem::size_of::<$t>();
            const ZERO: Self = 0;
            fn to_u64(self) -> u64 {
                self as u64
            }
            fn from_u64_truncate(v: u64) -> Self {
                v as $t
            }
        }
    )*};
}
word!(u8, u16, u32, u64);

mod sealed {
    pub trait Sealed {}
}
