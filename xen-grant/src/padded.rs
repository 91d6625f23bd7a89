//! Cache-line padding for per-vCPU data.

use core::ops::Deref;

/// A value aligned to its own cache-line pair, so neighbours never share one.
#[derive(Debug, Default)]
#[repr(align(128))]
pub(crate) struct Padded<T>(pub T);

impl<T> Deref for Padded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}
