//! XenStore.
#![cfg_attr(not(feature = "std"), no_std)]
extern crate alloc;

#[cfg(feature = "std")]
pub mod client;
pub mod db;
pub mod ring;
#[cfg(feature = "std")]
pub mod server;
pub mod wire;
