//! Split-driver protocols of `xen/include/public/io/`: shared rings and the
//! block, network, console and xenbus device interfaces.

pub mod blkif;
pub mod console;
pub mod netif;
pub mod protocols;
pub mod ring;
pub mod xenbus;
