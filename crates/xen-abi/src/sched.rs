//! The `sched_op` hypercall (`sched.h`): yielding, blocking, polling,
//! shutdown and watchdogs.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::{DomId, EvtchnPort, GuestHandle};

/// `SCHEDOP_yield` (`sched.h`): give up the CPU; argument NULL.
pub const SCHEDOP_YIELD: u32 = 0;
/// `SCHEDOP_block` (`sched.h`): block until an event is pending; argument NULL.
pub const SCHEDOP_BLOCK: u32 = 1;
/// `SCHEDOP_shutdown` (`sched.h`): shut the caller down; argument is a [`SchedShutdown`].
pub const SCHEDOP_SHUTDOWN: u32 = 2;
/// `SCHEDOP_poll` (`sched.h`): wait for one of some ports; argument is a [`SchedPoll`].
pub const SCHEDOP_POLL: u32 = 3;
/// `SCHEDOP_remote_shutdown` (`sched.h`): shut another domain down;
/// argument is a [`SchedRemoteShutdown`].
pub const SCHEDOP_REMOTE_SHUTDOWN: u32 = 4;
/// `SCHEDOP_shutdown_code` (`sched.h`): record the reason of a later
/// shutdown without shutting down; argument is a [`SchedShutdown`].
pub const SCHEDOP_SHUTDOWN_CODE: u32 = 5;
/// `SCHEDOP_watchdog` (`sched.h`): create, kick or destroy a domain
/// watchdog; argument is a [`SchedWatchdog`].
pub const SCHEDOP_WATCHDOG: u32 = 6;
/// `SCHEDOP_pin_override` (`sched.h`): hardware domain only, temporarily
/// pin the calling vCPU; argument is a [`SchedPinOverride`].
pub const SCHEDOP_PIN_OVERRIDE: u32 = 7;

/// `SCHEDOP_*` (`sched.h`) as a closed set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum SchedOp {
    /// `SCHEDOP_yield`.
    Yield = SCHEDOP_YIELD,
    /// `SCHEDOP_block`.
    Block = SCHEDOP_BLOCK,
    /// `SCHEDOP_shutdown`.
    Shutdown = SCHEDOP_SHUTDOWN,
    /// `SCHEDOP_poll`.
    Poll = SCHEDOP_POLL,
    /// `SCHEDOP_remote_shutdown`.
    RemoteShutdown = SCHEDOP_REMOTE_SHUTDOWN,
    /// `SCHEDOP_shutdown_code`.
    ShutdownCode = SCHEDOP_SHUTDOWN_CODE,
    /// `SCHEDOP_watchdog`.
    Watchdog = SCHEDOP_WATCHDOG,
    /// `SCHEDOP_pin_override`.
    PinOverride = SCHEDOP_PIN_OVERRIDE,
}

impl TryFrom<u32> for SchedOp {
    type Error = u32;

    fn try_from(v: u32) -> Result<Self, u32> {
        Ok(match v {
            SCHEDOP_YIELD => Self::Yield,
            SCHEDOP_BLOCK => Self::Block,
            SCHEDOP_SHUTDOWN => Self::Shutdown,
            SCHEDOP_POLL => Self::Poll,
            SCHEDOP_REMOTE_SHUTDOWN => Self::RemoteShutdown,
            SCHEDOP_SHUTDOWN_CODE => Self::ShutdownCode,
            SCHEDOP_WATCHDOG => Self::Watchdog,
            SCHEDOP_PIN_OVERRIDE => Self::PinOverride,
            _ => return Err(v),
        })
    }
}

/// `struct sched_shutdown` (`sched.h`): argument of `SCHEDOP_shutdown`
/// and `SCHEDOP_shutdown_code`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SchedShutdown {
    /// `SHUTDOWN_*` reason.
    pub reason: u32,
}

/// `struct sched_poll` (`sched.h`): argument of `SCHEDOP_poll`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SchedPoll {
    /// Array of ports to wait on.
    pub ports: GuestHandle<EvtchnPort>,
    /// Number of ports.
    pub nr_ports: u32,
    /// Padding; zero.
    pub _pad0: u32,
    /// Absolute system-time timeout in ns; 0 waits forever.
    pub timeout: u64,
}

/// `struct sched_remote_shutdown` (`sched.h`): argument of
/// `SCHEDOP_remote_shutdown`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SchedRemoteShutdown {
    /// Domain to shut down.
    pub domain_id: DomId,
    /// Padding; zero.
    pub _pad0: u16,
    /// `SHUTDOWN_*` reason.
    pub reason: u32,
}

/// `struct sched_watchdog` (`sched.h`): argument of `SCHEDOP_watchdog`.
/// With `id` 0 a new watchdog is created and its id returned; otherwise
/// the watchdog is kicked, or destroyed if `timeout` is 0.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SchedWatchdog {
    /// Watchdog id.
    pub id: u32,
    /// Timeout in seconds.
    pub timeout: u32,
}

/// `struct sched_pin_override` (`sched.h`): argument of `SCHEDOP_pin_override`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SchedPinOverride {
    /// Physical CPU to pin to, or negative to undo the override.
    pub pcpu: i32,
}

/// `SHUTDOWN_poweroff` (`sched.h`): the domain exited normally.
pub const SHUTDOWN_POWEROFF: u32 = 0;
/// `SHUTDOWN_reboot` (`sched.h`): the domain wants to be restarted.
pub const SHUTDOWN_REBOOT: u32 = 1;
/// `SHUTDOWN_suspend` (`sched.h`): the domain suspended (save its state).
pub const SHUTDOWN_SUSPEND: u32 = 2;
/// `SHUTDOWN_crash` (`sched.h`): the domain crashed.
pub const SHUTDOWN_CRASH: u32 = 3;
/// `SHUTDOWN_watchdog` (`sched.h`): a watchdog expired; restart.
pub const SHUTDOWN_WATCHDOG: u32 = 4;
/// `SHUTDOWN_soft_reset` (`sched.h`): reset the domain's state for a
/// kexec'd kernel without destroying it.
pub const SHUTDOWN_SOFT_RESET: u32 = 5;
/// `SHUTDOWN_MAX` (`sched.h`): the highest valid reason.
pub const SHUTDOWN_MAX: u32 = 5;

/// `SHUTDOWN_*` (`sched.h`): why a domain shut down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum ShutdownReason {
    /// `SHUTDOWN_poweroff`.
    Poweroff = SHUTDOWN_POWEROFF,
    /// `SHUTDOWN_reboot`.
    Reboot = SHUTDOWN_REBOOT,
    /// `SHUTDOWN_suspend`.
    Suspend = SHUTDOWN_SUSPEND,
    /// `SHUTDOWN_crash`.
    Crash = SHUTDOWN_CRASH,
    /// `SHUTDOWN_watchdog`.
    Watchdog = SHUTDOWN_WATCHDOG,
    /// `SHUTDOWN_soft_reset`.
    SoftReset = SHUTDOWN_SOFT_RESET,
}

impl ShutdownReason {
    /// The C name without its `SHUTDOWN_` prefix, e.g. `"poweroff"`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Poweroff => "poweroff",
            Self::Reboot => "reboot",
            Self::Suspend => "suspend",
            Self::Crash => "crash",
            Self::Watchdog => "watchdog",
            Self::SoftReset => "soft_reset",
        }
    }
}

impl TryFrom<u32> for ShutdownReason {
    type Error = u32;

    fn try_from(v: u32) -> Result<Self, u32> {
        Ok(match v {
            SHUTDOWN_POWEROFF => Self::Poweroff,
            SHUTDOWN_REBOOT => Self::Reboot,
            SHUTDOWN_SUSPEND => Self::Suspend,
            SHUTDOWN_CRASH => Self::Crash,
            SHUTDOWN_WATCHDOG => Self::Watchdog,
            SHUTDOWN_SOFT_RESET => Self::SoftReset,
            _ => return Err(v),
        })
    }
}

impl From<ShutdownReason> for u32 {
    fn from(r: ShutdownReason) -> u32 {
        r as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_layout!(SchedShutdown, 4, { reason: 0 });
        assert_layout!(SchedPoll, 24, { ports: 0, nr_ports: 8, _pad0: 12, timeout: 16 });
        assert_layout!(SchedRemoteShutdown, 8, { domain_id: 0, _pad0: 2, reason: 4 });
        assert_layout!(SchedWatchdog, 8, { id: 0, timeout: 4 });
        assert_layout!(SchedPinOverride, 4, { pcpu: 0 });
    }

    #[test]
    fn enums() {
        for v in 0..=SHUTDOWN_MAX {
            let r = ShutdownReason::try_from(v).unwrap();
            assert_eq!(u32::from(r), v);
        }
        assert_eq!(ShutdownReason::try_from(SHUTDOWN_MAX + 1), Err(6));
        assert_eq!(ShutdownReason::SoftReset.name(), "soft_reset");
        for v in 0..=7 {
            assert_eq!(SchedOp::try_from(v).map(|o| o as u32), Ok(v));
        }
        assert_eq!(SchedOp::try_from(8), Err(8));
    }
}
