//! The one error type at the guest boundary: every failure of an event-channel
//! operation is one of Xen's errno values, chosen exactly as Xen 4.17 chooses
//! it for that operation.

use crate::abi;

/// Why an event-channel operation failed, as the `-E…` code Xen returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum EvtchnError {
    /// `-EPERM`: the caller may not act on that domain or PIRQ.
    #[error("operation not permitted")]
    Perm,
    /// `-ENOENT`: no such vCPU.
    #[error("no such vcpu")]
    NoEnt,
    /// `-ESRCH`: no such domain.
    #[error("no such domain")]
    Srch,
    /// `-EAGAIN`: channels were reopened while a reset ran; try again.
    #[error("channels still open, try again")]
    Again,
    /// `-ENOMEM`: the hypervisor ran out of memory for channel storage.
    #[error("out of memory")]
    NoMem,
    /// `-EACCES`: the port is not usable by the guest.
    #[error("port not accessible")]
    Acces,
    /// `-EFAULT`: an argument could not be copied from or to the guest.
    #[error("bad guest address")]
    Fault,
    /// `-EBUSY`: the port (or a reset) is busy.
    #[error("busy")]
    Busy,
    /// `-EEXIST`: the VIRQ or PIRQ is already bound.
    #[error("already bound")]
    Exist,
    /// `-EINVAL`: a bad port, VIRQ, vCPU choice, offset, state or frame.
    #[error("invalid argument")]
    Inval,
    /// `-ENOSPC`: no free port below the domain's limit, or no room for
    /// another event-array page.
    #[error("no free port")]
    NoSpc,
    /// `-ENOSYS`: unknown operation, or one the domain's ABI lacks.
    #[error("operation not implemented")]
    NoSys,
    /// `-EOPNOTSUPP`: a FIFO operation on a domain using the 2-level ABI.
    #[error("operation not supported by this ABI")]
    OpNotSupp,
    /// Xen-internal `-ERESTART`: the operation was preempted; call again as a
    /// continuation (`EVTCHNOP_reset_cont`). Never returned to a guest.
    #[error("preempted, continue later")]
    Restart,
}

impl EvtchnError {
    /// The negative errno Xen returns for this error.
    pub const fn errno(self) -> i32 {
        -match self {
            Self::Perm => abi::EPERM,
            Self::NoEnt => abi::ENOENT,
            Self::Srch => abi::ESRCH,
            Self::Again => abi::EAGAIN,
            Self::NoMem => abi::ENOMEM,
            Self::Acces => abi::EACCES,
            Self::Fault => abi::EFAULT,
            Self::Busy => abi::EBUSY,
            Self::Exist => abi::EEXIST,
            Self::Inval => abi::EINVAL,
            Self::NoSpc => abi::ENOSPC,
            Self::NoSys => abi::ENOSYS,
            Self::OpNotSupp => abi::EOPNOTSUPP,
            Self::Restart => abi::ERESTART,
        }
    }

    /// The error for a negative errno, if it is one this crate returns.
    pub const fn from_errno(errno: i32) -> Option<Self> {
        Some(match -errno {
            abi::EPERM => Self::Perm,
            abi::ENOENT => Self::NoEnt,
            abi::ESRCH => Self::Srch,
            abi::EAGAIN => Self::Again,
            abi::ENOMEM => Self::NoMem,
            abi::EACCES => Self::Acces,
            abi::EFAULT => Self::Fault,
            abi::EBUSY => Self::Busy,
            abi::EEXIST => Self::Exist,
            abi::EINVAL => Self::Inval,
            abi::ENOSPC => Self::NoSpc,
            abi::ENOSYS => Self::NoSys,
            abi::EOPNOTSUPP => Self::OpNotSupp,
            abi::ERESTART => Self::Restart,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_round_trips() {
        let all = [
            EvtchnError::Perm,
            EvtchnError::NoEnt,
            EvtchnError::Srch,
            EvtchnError::Again,
            EvtchnError::NoMem,
            EvtchnError::Acces,
            EvtchnError::Fault,
            EvtchnError::Busy,
            EvtchnError::Exist,
            EvtchnError::Inval,
            EvtchnError::NoSpc,
            EvtchnError::NoSys,
            EvtchnError::OpNotSupp,
            EvtchnError::Restart,
        ];
        for e in all {
            assert!(e.errno() < 0);
            assert_eq!(EvtchnError::from_errno(e.errno()), Some(e));
        }
        assert_eq!(EvtchnError::Inval.errno(), -22);
        assert_eq!(EvtchnError::NoSpc.errno(), -28);
        assert_eq!(EvtchnError::from_errno(-9999), None);
    }
}
