//! Numbers of Xen's `grant_table.h` and `errno.h` the engine needs.
//!
//! TEMPORARY: these mirror `xen/include/public/grant_table.h` until
//! `xen_abi::grant_table` lands on main; they are then replaced by
//! re-exports of that module (ABI numbers live once, in xen-abi).

/// Entries of every table that the toolstack reserves (console, xenstore…).
pub const GNTTAB_NR_RESERVED_ENTRIES: u32 = 8;

/// `GTF_type_mask`: the two type bits of an entry's flags.
pub const GTF_TYPE_MASK: u16 = 3;
/// `GTF_invalid`: the entry grants nothing.
pub const GTF_INVALID: u16 = 0;
/// `GTF_permit_access`: the grantee may map or copy the frame.
pub const GTF_PERMIT_ACCESS: u16 = 1;
/// `GTF_accept_transfer`: the grantee may transfer a frame into this entry.
pub const GTF_ACCEPT_TRANSFER: u16 = 2;
/// `GTF_transitive` (v2): access is granted to a grant of another domain.
pub const GTF_TRANSITIVE: u16 = 3;
/// `GTF_readonly`: mappings must be read-only.
pub const GTF_READONLY: u16 = 1 << 2;
/// `GTF_reading` (set by Xen): the frame is in use for reading.
pub const GTF_READING: u16 = 1 << 3;
/// `GTF_writing` (set by Xen): the frame is in use for writing.
pub const GTF_WRITING: u16 = 1 << 4;
/// `GTF_PWT`: x86 cache attribute (write-through) for mappings.
pub const GTF_PWT: u16 = 1 << 5;
/// `GTF_PCD`: x86 cache attribute (cache disable) for mappings.
pub const GTF_PCD: u16 = 1 << 6;
/// `GTF_PAT`: x86 cache attribute (PAT bit) for mappings.
pub const GTF_PAT: u16 = 1 << 7;
/// `GTF_sub_page` (v2): copy-only grant of part of a frame.
pub const GTF_SUB_PAGE: u16 = 1 << 8;
/// `GTF_transfer_committed` (accept_transfer): Xen has committed a transfer.
pub const GTF_TRANSFER_COMMITTED: u16 = 1 << 2;
/// `GTF_transfer_completed` (accept_transfer): the frame field holds the new frame.
pub const GTF_TRANSFER_COMPLETED: u16 = 1 << 3;

/// `GNTMAP_device_map`: map for device (bus) access.
pub const GNTMAP_DEVICE_MAP: u32 = 1 << 0;
/// `GNTMAP_host_map`: map into the caller's address space.
pub const GNTMAP_HOST_MAP: u32 = 1 << 1;
/// `GNTMAP_readonly`: read-only mapping.
pub const GNTMAP_READONLY: u32 = 1 << 2;
/// `GNTMAP_application_map`: PV user-space mapping.
pub const GNTMAP_APPLICATION_MAP: u32 = 1 << 3;
/// `GNTMAP_contains_pte`: `host_addr` is the address of a PTE (PV).
pub const GNTMAP_CONTAINS_PTE: u32 = 1 << 4;

/// `GNTCOPY_source_gref`: the copy source is a grant reference.
pub const GNTCOPY_SOURCE_GREF: u16 = 1 << 0;
/// `GNTCOPY_dest_gref`: the copy destination is a grant reference.
pub const GNTCOPY_DEST_GREF: u16 = 1 << 1;

/// `XENMAPIDX_grant_table_status`: `add_to_physmap` index bit naming a status frame.
pub const XENMAPIDX_GRANT_TABLE_STATUS: u64 = 0x8000_0000;

/// `GNTST_*` per-operation status codes.
pub mod gntst {
    /// `GNTST_okay`.
    pub const OKAY: i16 = 0;
    /// `GNTST_general_error`.
    pub const GENERAL_ERROR: i16 = -1;
    /// `GNTST_bad_domain`.
    pub const BAD_DOMAIN: i16 = -2;
    /// `GNTST_bad_gntref`.
    pub const BAD_GNTREF: i16 = -3;
    /// `GNTST_bad_handle`.
    pub const BAD_HANDLE: i16 = -4;
    /// `GNTST_bad_virt_addr`.
    pub const BAD_VIRT_ADDR: i16 = -5;
    /// `GNTST_bad_dev_addr`.
    pub const BAD_DEV_ADDR: i16 = -6;
    /// `GNTST_no_device_space`.
    pub const NO_DEVICE_SPACE: i16 = -7;
    /// `GNTST_permission_denied`.
    pub const PERMISSION_DENIED: i16 = -8;
    /// `GNTST_bad_page`.
    pub const BAD_PAGE: i16 = -9;
    /// `GNTST_bad_copy_arg`.
    pub const BAD_COPY_ARG: i16 = -10;
    /// `GNTST_address_too_big`.
    pub const ADDRESS_TOO_BIG: i16 = -11;
    /// `GNTST_eagain`.
    pub const EAGAIN: i16 = -12;
    /// `GNTST_no_space`.
    pub const NO_SPACE: i16 = -13;
}
