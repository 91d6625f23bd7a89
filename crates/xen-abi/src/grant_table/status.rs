//! The per-element result codes of grant-table operations (`GNTST_*`).

use core::fmt;

/// `GNTST_okay` (`grant_table.h`): success.
pub const GNTST_OKAY: i16 = 0;
/// `GNTST_general_error` (`grant_table.h`): unspecified failure.
pub const GNTST_GENERAL_ERROR: i16 = -1;
/// `GNTST_bad_domain` (`grant_table.h`): no such domain.
pub const GNTST_BAD_DOMAIN: i16 = -2;
/// `GNTST_bad_gntref` (`grant_table.h`): invalid or unsuitable grant reference.
pub const GNTST_BAD_GNTREF: i16 = -3;
/// `GNTST_bad_handle` (`grant_table.h`): invalid or unsuitable mapping handle.
pub const GNTST_BAD_HANDLE: i16 = -4;
/// `GNTST_bad_virt_addr` (`grant_table.h`): unusable virtual address.
pub const GNTST_BAD_VIRT_ADDR: i16 = -5;
/// `GNTST_bad_dev_addr` (`grant_table.h`): unusable device address.
pub const GNTST_BAD_DEV_ADDR: i16 = -6;
/// `GNTST_no_device_space` (`grant_table.h`): IOMMU out of space.
pub const GNTST_NO_DEVICE_SPACE: i16 = -7;
/// `GNTST_permission_denied` (`grant_table.h`): caller lacks the privilege.
pub const GNTST_PERMISSION_DENIED: i16 = -8;
/// `GNTST_bad_page` (`grant_table.h`): the page is unsuitable.
pub const GNTST_BAD_PAGE: i16 = -9;
/// `GNTST_bad_copy_arg` (`grant_table.h`): a copy would cross a page.
pub const GNTST_BAD_COPY_ARG: i16 = -10;
/// `GNTST_address_too_big` (`grant_table.h`): transferred frame beyond the receiver's reach.
pub const GNTST_ADDRESS_TOO_BIG: i16 = -11;
/// `GNTST_eagain` (`grant_table.h`): not done now; retry.
pub const GNTST_EAGAIN: i16 = -12;
/// `GNTST_no_space` (`grant_table.h`): out of handles or similar resources.
pub const GNTST_NO_SPACE: i16 = -13;

/// The per-element result of a grant-table operation (`GNTST_*`,
/// `grant_table.h`), as stored in the ops' `status` fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i16)]
pub enum GrantOpStatus {
    /// `GNTST_okay`.
    Okay = GNTST_OKAY,
    /// `GNTST_general_error`.
    GeneralError = GNTST_GENERAL_ERROR,
    /// `GNTST_bad_domain`.
    BadDomain = GNTST_BAD_DOMAIN,
    /// `GNTST_bad_gntref`.
    BadGntref = GNTST_BAD_GNTREF,
    /// `GNTST_bad_handle`.
    BadHandle = GNTST_BAD_HANDLE,
    /// `GNTST_bad_virt_addr`.
    BadVirtAddr = GNTST_BAD_VIRT_ADDR,
    /// `GNTST_bad_dev_addr`.
    BadDevAddr = GNTST_BAD_DEV_ADDR,
    /// `GNTST_no_device_space`.
    NoDeviceSpace = GNTST_NO_DEVICE_SPACE,
    /// `GNTST_permission_denied`.
    PermissionDenied = GNTST_PERMISSION_DENIED,
    /// `GNTST_bad_page`.
    BadPage = GNTST_BAD_PAGE,
    /// `GNTST_bad_copy_arg`.
    BadCopyArg = GNTST_BAD_COPY_ARG,
    /// `GNTST_address_too_big`.
    AddressTooBig = GNTST_ADDRESS_TOO_BIG,
    /// `GNTST_eagain`.
    Eagain = GNTST_EAGAIN,
    /// `GNTST_no_space`.
    NoSpace = GNTST_NO_SPACE,
}

impl GrantOpStatus {
    /// Every code, from `GNTST_okay` down to `GNTST_no_space`.
    pub const ALL: [Self; 14] = [
        Self::Okay,
        Self::GeneralError,
        Self::BadDomain,
        Self::BadGntref,
        Self::BadHandle,
        Self::BadVirtAddr,
        Self::BadDevAddr,
        Self::NoDeviceSpace,
        Self::PermissionDenied,
        Self::BadPage,
        Self::BadCopyArg,
        Self::AddressTooBig,
        Self::Eagain,
        Self::NoSpace,
    ];

    /// The raw `GNTST_*` value.
    pub const fn code(self) -> i16 {
        self as i16
    }

    /// A short human-readable explanation of the code.
    pub const fn message(self) -> &'static str {
        match self {
            Self::Okay => "success",
            Self::GeneralError => "unspecified error",
            Self::BadDomain => "no such domain",
            Self::BadGntref => "bad grant reference",
            Self::BadHandle => "bad grant mapping handle",
            Self::BadVirtAddr => "bad virtual address for mapping",
            Self::BadDevAddr => "bad device address for unmapping",
            Self::NoDeviceSpace => "I/O MMU has no free translation slot",
            Self::PermissionDenied => "not permitted",
            Self::BadPage => "page unsuitable for this operation",
            Self::BadCopyArg => "copy would cross a page boundary",
            Self::AddressTooBig => "frame address too large for the receiver",
            Self::Eagain => "not done, try again",
            Self::NoSpace => "out of handles or other resources",
        }
    }
}

impl TryFrom<i16> for GrantOpStatus {
    type Error = i16;

    /// Maps a `GNTST_*` value; unknown values are returned as the error.
    fn try_from(v: i16) -> Result<Self, i16> {
        match v {
            -13..=0 => Ok(Self::ALL[(-v) as usize]),
            _ => Err(v),
        }
    }
}

impl fmt::Display for GrantOpStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes() {
        for (i, s) in GrantOpStatus::ALL.iter().enumerate() {
            assert_eq!(s.code(), -(i as i16));
            assert_eq!(GrantOpStatus::try_from(s.code()), Ok(*s));
            assert!(!s.message().is_empty());
        }
        assert_eq!(GrantOpStatus::try_from(-14), Err(-14));
        assert_eq!(GrantOpStatus::try_from(1), Err(1));
        assert_eq!(
            GrantOpStatus::try_from(GNTST_EAGAIN),
            Ok(GrantOpStatus::Eagain)
        );
    }
}
