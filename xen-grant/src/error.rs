//! The two error vocabularies of the grant-table hypercall, exactly as Xen
//! reports them: per-operation `GNTST_*` status codes ([`GrantError`]) and
//! the hypercall's own `-E*` return values ([`Errno`]).

use crate::abi::gntst;
use xen_abi::errno;

/// A failed grant operation; each variant is one `GNTST_*` code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum GrantError {
    /// `GNTST_general_error` (-1): the entry or request is unusable.
    #[error("general error (GNTST_general_error)")]
    GeneralError,
    /// `GNTST_bad_domain` (-2): no such domain, or it cannot take part.
    #[error("unrecognised domain id (GNTST_bad_domain)")]
    BadDomain,
    /// `GNTST_bad_gntref` (-3): the reference is out of range or the flags are empty.
    #[error("unrecognised or inappropriate grant reference (GNTST_bad_gntref)")]
    BadGntref,
    /// `GNTST_bad_handle` (-4): no mapping with this handle.
    #[error("unrecognised or inappropriate mapping handle (GNTST_bad_handle)")]
    BadHandle,
    /// `GNTST_bad_virt_addr` (-5): the host address is unusable.
    #[error("inappropriate virtual address to map (GNTST_bad_virt_addr)")]
    BadVirtAddr,
    /// `GNTST_bad_dev_addr` (-6): the device address does not match the grant.
    #[error("inappropriate device address to unmap (GNTST_bad_dev_addr)")]
    BadDevAddr,
    /// `GNTST_no_device_space` (-7): no IOMMU space left.
    #[error("out of space in I/O MMU (GNTST_no_device_space)")]
    NoDeviceSpace,
    /// `GNTST_permission_denied` (-8): the access-control policy refused.
    #[error("not enough privilege for operation (GNTST_permission_denied)")]
    PermissionDenied,
    /// `GNTST_bad_page` (-9): the frame is not a usable page of the domain.
    #[error("specified page was invalid for op (GNTST_bad_page)")]
    BadPage,
    /// `GNTST_bad_copy_arg` (-10): a copy range crosses the end of a page.
    #[error("copy arguments cross page boundary (GNTST_bad_copy_arg)")]
    BadCopyArg,
    /// `GNTST_address_too_big` (-11): the receiver cannot address the frame.
    #[error("transfer page address too large (GNTST_address_too_big)")]
    AddressTooBig,
    /// `GNTST_eagain` (-12): try again (paged-out frame, busy entry).
    #[error("operation not done; try again (GNTST_eagain)")]
    Eagain,
    /// `GNTST_no_space` (-13): no maptrack handle left.
    #[error("out of space (GNTST_no_space)")]
    NoSpace,
}

impl GrantError {
    /// Every variant, in code order (-1 … -13).
    pub const ALL: [GrantError; 13] = [
        GrantError::GeneralError,
        GrantError::BadDomain,
        GrantError::BadGntref,
        GrantError::BadHandle,
        GrantError::BadVirtAddr,
        GrantError::BadDevAddr,
        GrantError::NoDeviceSpace,
        GrantError::PermissionDenied,
        GrantError::BadPage,
        GrantError::BadCopyArg,
        GrantError::AddressTooBig,
        GrantError::Eagain,
        GrantError::NoSpace,
    ];

    /// The `GNTST_*` value written to the operation's `status` field.
    pub const fn status(self) -> i16 {
        match self {
            GrantError::GeneralError => gntst::GENERAL_ERROR,
            GrantError::BadDomain => gntst::BAD_DOMAIN,
            GrantError::BadGntref => gntst::BAD_GNTREF,
            GrantError::BadHandle => gntst::BAD_HANDLE,
            GrantError::BadVirtAddr => gntst::BAD_VIRT_ADDR,
            GrantError::BadDevAddr => gntst::BAD_DEV_ADDR,
            GrantError::NoDeviceSpace => gntst::NO_DEVICE_SPACE,
            GrantError::PermissionDenied => gntst::PERMISSION_DENIED,
            GrantError::BadPage => gntst::BAD_PAGE,
            GrantError::BadCopyArg => gntst::BAD_COPY_ARG,
            GrantError::AddressTooBig => gntst::ADDRESS_TOO_BIG,
            GrantError::Eagain => gntst::EAGAIN,
            GrantError::NoSpace => gntst::NO_SPACE,
        }
    }

    /// The error for a non-zero `GNTST_*` value, if it is one.
    pub fn from_status(status: i16) -> Option<GrantError> {
        GrantError::ALL.into_iter().find(|e| e.status() == status)
    }
}

/// The `status` field value for an operation's outcome.
pub fn status_of<T>(result: &Result<T, GrantError>) -> i16 {
    match result {
        Ok(_) => gntst::OKAY,
        Err(e) => e.status(),
    }
}

/// A hypercall-level failure: the negative value `grant_table_op` returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum Errno {
    /// `-EPERM`: the policy refused.
    #[error("operation not permitted (EPERM)")]
    Perm,
    /// `-ESRCH`: no such domain.
    #[error("no such domain (ESRCH)")]
    Srch,
    /// `-EAGAIN`: operations in flight; retry.
    #[error("try again (EAGAIN)")]
    Again,
    /// `-ENOMEM`: no memory for the request.
    #[error("out of memory (ENOMEM)")]
    NoMem,
    /// `-EFAULT`: guest memory could not be accessed.
    #[error("bad address (EFAULT)")]
    Fault,
    /// `-EBUSY`: the table is in use.
    #[error("device or resource busy (EBUSY)")]
    Busy,
    /// `-EINVAL`: invalid argument.
    #[error("invalid argument (EINVAL)")]
    Inval,
    /// `-ERANGE`: a value cannot be represented in the requested format.
    #[error("result out of range (ERANGE)")]
    Range,
    /// `-ENOSYS`: the operation is not offered.
    #[error("function not implemented (ENOSYS)")]
    NoSys,
    /// `-EOPNOTSUPP`: the operation is disabled.
    #[error("operation not supported (EOPNOTSUPP)")]
    OpNotSupp,
}

impl Errno {
    /// The negative value the hypercall returns.
    pub const fn code(self) -> i32 {
        -(match self {
            Errno::Perm => errno::XEN_EPERM,
            Errno::Srch => errno::XEN_ESRCH,
            Errno::Again => errno::XEN_EAGAIN,
            Errno::NoMem => errno::XEN_ENOMEM,
            Errno::Fault => errno::XEN_EFAULT,
            Errno::Busy => errno::XEN_EBUSY,
            Errno::Inval => errno::XEN_EINVAL,
            Errno::Range => errno::XEN_ERANGE,
            Errno::NoSys => errno::XEN_ENOSYS,
            Errno::OpNotSupp => errno::XEN_EOPNOTSUPP,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_are_xens() {
        for (i, e) in GrantError::ALL.into_iter().enumerate() {
            assert_eq!(e.status(), -(i as i16) - 1);
            assert_eq!(GrantError::from_status(e.status()), Some(e));
        }
        assert_eq!(GrantError::from_status(0), None);
        assert_eq!(GrantError::from_status(1), None);
        assert_eq!(status_of(&Ok::<(), GrantError>(())), 0);
        assert_eq!(status_of::<()>(&Err(GrantError::NoSpace)), -13);
    }

    #[test]
    fn errno_values() {
        assert_eq!(Errno::Inval.code(), -22);
        assert_eq!(Errno::NoSys.code(), -38);
        assert_eq!(Errno::Busy.code(), -16);
        assert_eq!(Errno::Again.code(), -11);
        assert_eq!(Errno::Range.code(), -34);
        assert_eq!(Errno::Srch.code(), -3);
    }
}
