//! HVM and PVH guest interfaces: the PVH boot structure
//! (`arch-x86/hvm/start_info.h`), HVM parameters (`hvm/params.h`) and the
//! `hvm_op` hypercall (`hvm/hvm_op.h`).
//!
//! Everything is re-exported here; the submodules group it by header.

pub mod hvm_op;
pub mod params;
pub mod start_info;

pub use hvm_op::*;
pub use params::*;
pub use start_info::*;
