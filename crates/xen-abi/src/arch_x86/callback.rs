//! PV guest callback registration (`callback.h`): the `callback_op`
//! hypercall and its entry-point types.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::XenCallback;

/// `CALLBACKTYPE_event` (`callback.h`): event-channel upcall entry.
pub const CALLBACKTYPE_EVENT: u16 = 0;
/// `CALLBACKTYPE_failsafe` (`callback.h`): entry used when Xen cannot
/// restore the guest's segment state.
pub const CALLBACKTYPE_FAILSAFE: u16 = 1;
/// `CALLBACKTYPE_syscall` (`callback.h`): SYSCALL from 64-bit guest user space.
pub const CALLBACKTYPE_SYSCALL: u16 = 2;
/// `CALLBACKTYPE_sysenter_deprecated` (`callback.h`): old SYSENTER slot, unused.
pub const CALLBACKTYPE_SYSENTER_DEPRECATED: u16 = 3;
/// `CALLBACKTYPE_nmi` (`callback.h`): NMI delivery entry.
pub const CALLBACKTYPE_NMI: u16 = 4;
/// `CALLBACKTYPE_sysenter` (`callback.h`): SYSENTER from 32-bit guest user space.
pub const CALLBACKTYPE_SYSENTER: u16 = 5;
/// `CALLBACKTYPE_syscall32` (`callback.h`): SYSCALL from 32-bit guest user space.
pub const CALLBACKTYPE_SYSCALL32: u16 = 7;

/// `_CALLBACKF_mask_events` (`callback.h`): bit number of [`CALLBACKF_MASK_EVENTS`].
pub const _CALLBACKF_MASK_EVENTS: u32 = 0;
/// `CALLBACKF_mask_events` (`callback.h`): mask events while the callback runs.
pub const CALLBACKF_MASK_EVENTS: u16 = 1 << _CALLBACKF_MASK_EVENTS;

/// `CALLBACKOP_register` (`callback.h`): argument is a [`CallbackRegister`].
pub const CALLBACKOP_REGISTER: u32 = 0;
/// `CALLBACKOP_unregister` (`callback.h`): argument is a [`CallbackUnregister`].
pub const CALLBACKOP_UNREGISTER: u32 = 1;

/// `struct callback_register` (`callback.h`): installs an entry point.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct CallbackRegister {
    /// `CALLBACKTYPE_*`.
    pub type_: u16,
    /// `CALLBACKF_*`.
    pub flags: u16,
    /// Padding; zero.
    pub _pad0: u32,
    /// Entry point address.
    pub address: XenCallback,
}

/// `struct callback_unregister` (`callback.h`): removes an entry point.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct CallbackUnregister {
    /// `CALLBACKTYPE_*`.
    pub type_: u16,
    /// Unused; zero.
    pub _unused: u16,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_layouts() {
        assert_layout!(CallbackRegister, 16, { type_: 0, flags: 2, _pad0: 4, address: 8 });
        assert_layout!(CallbackUnregister, 4, { type_: 0, _unused: 2 });
    }
}
