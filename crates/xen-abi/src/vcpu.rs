//! The `vcpu_op` hypercall (`vcpu.h`): bringing vCPUs up and down,
//! runstate accounting, per-vCPU timers and relocating `vcpu_info` and
//! the pvclock record.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `VCPUOP_initialise` (`vcpu.h`): set up a vCPU's initial state; argument
/// is a `vcpu_guest_context` (PV) or a `vcpu_hvm_context` (HVM/PVH).
pub const VCPUOP_INITIALISE: u32 = 0;
/// `VCPUOP_up` (`vcpu.h`): start an initialised vCPU.
pub const VCPUOP_UP: u32 = 1;
/// `VCPUOP_down` (`vcpu.h`): stop a vCPU.
pub const VCPUOP_DOWN: u32 = 2;
/// `VCPUOP_is_up` (`vcpu.h`): returns 1 if the vCPU is up.
pub const VCPUOP_IS_UP: u32 = 3;
/// `VCPUOP_get_runstate_info` (`vcpu.h`): argument is a [`VcpuRunstateInfo`].
pub const VCPUOP_GET_RUNSTATE_INFO: u32 = 4;
/// `VCPUOP_register_runstate_memory_area` (`vcpu.h`): argument is a
/// [`VcpuRegisterRunstateMemoryArea`].
pub const VCPUOP_REGISTER_RUNSTATE_MEMORY_AREA: u32 = 5;
/// `VCPUOP_set_periodic_timer` (`vcpu.h`): argument is a [`VcpuSetPeriodicTimer`].
pub const VCPUOP_SET_PERIODIC_TIMER: u32 = 6;
/// `VCPUOP_stop_periodic_timer` (`vcpu.h`): argument NULL.
pub const VCPUOP_STOP_PERIODIC_TIMER: u32 = 7;
/// `VCPUOP_set_singleshot_timer` (`vcpu.h`): argument is a [`VcpuSetSingleshotTimer`].
pub const VCPUOP_SET_SINGLESHOT_TIMER: u32 = 8;
/// `VCPUOP_stop_singleshot_timer` (`vcpu.h`): argument NULL.
pub const VCPUOP_STOP_SINGLESHOT_TIMER: u32 = 9;
/// `VCPUOP_register_vcpu_info` (`vcpu.h`): argument is a [`VcpuRegisterVcpuInfo`].
pub const VCPUOP_REGISTER_VCPU_INFO: u32 = 10;
/// `VCPUOP_send_nmi` (`vcpu.h`): send an NMI to the vCPU; argument NULL.
pub const VCPUOP_SEND_NMI: u32 = 11;
/// `VCPUOP_get_physid` (`vcpu.h`): argument is a [`VcpuGetPhysid`].
pub const VCPUOP_GET_PHYSID: u32 = 12;
/// `VCPUOP_register_vcpu_time_memory_area` (`vcpu.h`): argument is a
/// [`VcpuRegisterTimeMemoryArea`].
pub const VCPUOP_REGISTER_VCPU_TIME_MEMORY_AREA: u32 = 13;

/// `VCPUOP_*` (`vcpu.h`) as a closed set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum VcpuOp {
    /// `VCPUOP_initialise`.
    Initialise = VCPUOP_INITIALISE,
    /// `VCPUOP_up`.
    Up = VCPUOP_UP,
    /// `VCPUOP_down`.
    Down = VCPUOP_DOWN,
    /// `VCPUOP_is_up`.
    IsUp = VCPUOP_IS_UP,
    /// `VCPUOP_get_runstate_info`.
    GetRunstateInfo = VCPUOP_GET_RUNSTATE_INFO,
    /// `VCPUOP_register_runstate_memory_area`.
    RegisterRunstateMemoryArea = VCPUOP_REGISTER_RUNSTATE_MEMORY_AREA,
    /// `VCPUOP_set_periodic_timer`.
    SetPeriodicTimer = VCPUOP_SET_PERIODIC_TIMER,
    /// `VCPUOP_stop_periodic_timer`.
    StopPeriodicTimer = VCPUOP_STOP_PERIODIC_TIMER,
    /// `VCPUOP_set_singleshot_timer`.
    SetSingleshotTimer = VCPUOP_SET_SINGLESHOT_TIMER,
    /// `VCPUOP_stop_singleshot_timer`.
    StopSingleshotTimer = VCPUOP_STOP_SINGLESHOT_TIMER,
    /// `VCPUOP_register_vcpu_info`.
    RegisterVcpuInfo = VCPUOP_REGISTER_VCPU_INFO,
    /// `VCPUOP_send_nmi`.
    SendNmi = VCPUOP_SEND_NMI,
    /// `VCPUOP_get_physid`.
    GetPhysid = VCPUOP_GET_PHYSID,
    /// `VCPUOP_register_vcpu_time_memory_area`.
    RegisterVcpuTimeMemoryArea = VCPUOP_REGISTER_VCPU_TIME_MEMORY_AREA,
}

impl TryFrom<u32> for VcpuOp {
    type Error = u32;

    fn try_from(v: u32) -> Result<Self, u32> {
        Ok(match v {
            VCPUOP_INITIALISE => Self::Initialise,
            VCPUOP_UP => Self::Up,
            VCPUOP_DOWN => Self::Down,
            VCPUOP_IS_UP => Self::IsUp,
            VCPUOP_GET_RUNSTATE_INFO => Self::GetRunstateInfo,
            VCPUOP_REGISTER_RUNSTATE_MEMORY_AREA => Self::RegisterRunstateMemoryArea,
            VCPUOP_SET_PERIODIC_TIMER => Self::SetPeriodicTimer,
            VCPUOP_STOP_PERIODIC_TIMER => Self::StopPeriodicTimer,
            VCPUOP_SET_SINGLESHOT_TIMER => Self::SetSingleshotTimer,
            VCPUOP_STOP_SINGLESHOT_TIMER => Self::StopSingleshotTimer,
            VCPUOP_REGISTER_VCPU_INFO => Self::RegisterVcpuInfo,
            VCPUOP_SEND_NMI => Self::SendNmi,
            VCPUOP_GET_PHYSID => Self::GetPhysid,
            VCPUOP_REGISTER_VCPU_TIME_MEMORY_AREA => Self::RegisterVcpuTimeMemoryArea,
            _ => return Err(v),
        })
    }
}

/// `XEN_RUNSTATE_UPDATE` (`vcpu.h`): set in `state_entry_time` while Xen
/// updates a registered runstate area (with `VMASST_TYPE_runstate_update_flag`).
pub const XEN_RUNSTATE_UPDATE: u64 = 1 << 63;

/// `struct vcpu_runstate_info` (`vcpu.h`): time a vCPU spent in each state.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct VcpuRunstateInfo {
    /// Current `RUNSTATE_*`.
    pub state: i32,
    /// Padding; zero.
    pub _pad0: u32,
    /// System time (ns) when the current state was entered; may carry
    /// [`XEN_RUNSTATE_UPDATE`].
    pub state_entry_time: u64,
    /// Nanoseconds spent in each `RUNSTATE_*`, indexed by state.
    pub time: [u64; 4],
}

impl VcpuRunstateInfo {
    /// The current state, if valid.
    pub fn runstate(&self) -> Result<Runstate, i32> {
        Runstate::try_from(self.state)
    }

    /// Whether Xen is in the middle of an update.
    pub const fn update_in_progress(&self) -> bool {
        self.state_entry_time & XEN_RUNSTATE_UPDATE != 0
    }

    /// `state_entry_time` without the update flag.
    pub const fn entry_time(&self) -> u64 {
        self.state_entry_time & !XEN_RUNSTATE_UPDATE
    }
}

/// `RUNSTATE_running` (`vcpu.h`): running on a physical CPU.
pub const RUNSTATE_RUNNING: i32 = 0;
/// `RUNSTATE_runnable` (`vcpu.h`): runnable but not scheduled.
pub const RUNSTATE_RUNNABLE: i32 = 1;
/// `RUNSTATE_blocked` (`vcpu.h`): blocked (idle).
pub const RUNSTATE_BLOCKED: i32 = 2;
/// `RUNSTATE_offline` (`vcpu.h`): neither runnable nor blocked (down or paused).
pub const RUNSTATE_OFFLINE: i32 = 3;

/// `RUNSTATE_*` (`vcpu.h`): a vCPU's scheduling state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum Runstate {
    /// `RUNSTATE_running`.
    Running = RUNSTATE_RUNNING,
    /// `RUNSTATE_runnable`.
    Runnable = RUNSTATE_RUNNABLE,
    /// `RUNSTATE_blocked`.
    Blocked = RUNSTATE_BLOCKED,
    /// `RUNSTATE_offline`.
    Offline = RUNSTATE_OFFLINE,
}

impl TryFrom<i32> for Runstate {
    type Error = i32;

    fn try_from(v: i32) -> Result<Self, i32> {
        Ok(match v {
            RUNSTATE_RUNNING => Self::Running,
            RUNSTATE_RUNNABLE => Self::Runnable,
            RUNSTATE_BLOCKED => Self::Blocked,
            RUNSTATE_OFFLINE => Self::Offline,
            _ => return Err(v),
        })
    }
}

/// `struct vcpu_register_runstate_memory_area` (`vcpu.h`): where Xen keeps
/// an up-to-date copy of the vCPU's [`VcpuRunstateInfo`]. The C union
/// (handle, pointer or raw `u64`) is one guest-virtual address here.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct VcpuRegisterRunstateMemoryArea {
    /// Guest-virtual address of the area.
    pub addr: u64,
}

/// `struct vcpu_set_periodic_timer` (`vcpu.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct VcpuSetPeriodicTimer {
    /// Period in nanoseconds.
    pub period_ns: u64,
}

/// `_VCPU_SSHOTTMR_future` (`vcpu.h`): bit number of [`VCPU_SSHOTTMR_FUTURE`].
pub const _VCPU_SSHOTTMR_FUTURE: u32 = 0;
/// `VCPU_SSHOTTMR_future` (`vcpu.h`): fail with `-ETIME` if the timeout has
/// already passed (Xen may ignore this).
pub const VCPU_SSHOTTMR_FUTURE: u32 = 1 << _VCPU_SSHOTTMR_FUTURE;

/// `struct vcpu_set_singleshot_timer` (`vcpu.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct VcpuSetSingleshotTimer {
    /// Absolute system time of expiry, in ns.
    pub timeout_abs_ns: u64,
    /// `VCPU_SSHOTTMR_*` flags.
    pub flags: u32,
    /// Padding; zero.
    pub _pad0: u32,
}

/// `struct vcpu_register_vcpu_info` (`vcpu.h`): moves the vCPU's
/// `vcpu_info` to `offset` within guest frame `mfn`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct VcpuRegisterVcpuInfo {
    /// Frame holding the new `vcpu_info`.
    pub mfn: u64,
    /// Byte offset within that frame.
    pub offset: u32,
    /// Unused; zero.
    pub rsvd: u32,
}

/// `struct vcpu_get_physid` (`vcpu.h`): the physical CPU's ids.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct VcpuGetPhysid {
    /// x86: APIC id in the low 32 bits, ACPI id in the high 32.
    pub phys_id: u64,
}

impl VcpuGetPhysid {
    /// `xen_vcpu_physid_to_x86_apicid()` (`vcpu.h`).
    pub const fn x86_apicid(&self) -> u32 {
        self.phys_id as u32
    }

    /// `xen_vcpu_physid_to_x86_acpiid()` (`vcpu.h`).
    pub const fn x86_acpiid(&self) -> u32 {
        (self.phys_id >> 32) as u32
    }
}

/// `struct vcpu_register_time_memory_area` (`vcpu.h`): where Xen keeps an
/// extra copy of the vCPU's `vcpu_time_info` (e.g. for a vDSO). The C
/// union is one guest-virtual address here.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct VcpuRegisterTimeMemoryArea {
    /// Guest-virtual address of the area.
    pub addr: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_layout!(VcpuRunstateInfo, 48, { state: 0, _pad0: 4, state_entry_time: 8, time: 16 });
        assert_layout!(VcpuRegisterRunstateMemoryArea, 8, { addr: 0 });
        assert_layout!(VcpuSetPeriodicTimer, 8, { period_ns: 0 });
        assert_layout!(VcpuSetSingleshotTimer, 16, { timeout_abs_ns: 0, flags: 8, _pad0: 12 });
        assert_layout!(VcpuRegisterVcpuInfo, 16, { mfn: 0, offset: 8, rsvd: 12 });
        assert_layout!(VcpuGetPhysid, 8, { phys_id: 0 });
        assert_layout!(VcpuRegisterTimeMemoryArea, 8, { addr: 0 });
    }

    #[test]
    fn helpers() {
        let r = VcpuRunstateInfo {
            state: RUNSTATE_BLOCKED,
            state_entry_time: XEN_RUNSTATE_UPDATE | 1234,
            ..Default::default()
        };
        assert_eq!(r.runstate(), Ok(Runstate::Blocked));
        assert!(r.update_in_progress());
        assert_eq!(r.entry_time(), 1234);
        assert_eq!(Runstate::try_from(4), Err(4));
        let p = VcpuGetPhysid {
            phys_id: 0x0000_0007_0000_0003,
        };
        assert_eq!((p.x86_apicid(), p.x86_acpiid()), (3, 7));
        for v in 0..=13 {
            assert_eq!(VcpuOp::try_from(v).map(|o| o as u32), Ok(v));
        }
        assert_eq!(VcpuOp::try_from(14), Err(14));
    }
}
