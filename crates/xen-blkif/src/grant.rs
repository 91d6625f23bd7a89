//! How the backend reaches the guest's granted pages: the split-driver
//! seam shared with the other backends, from `xen_ring::grant`.

pub use xen_ring::grant::{FrameTable, GrantAccess, GrantFault};
