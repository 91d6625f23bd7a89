//! C cross-check entries for the split-driver protocols (`io/*.h`) and the
//! xenstore wire protocol (`io/xs_wire.h`).

use crate::harness::Check;
use xen_abi::io::{blkif::*, console::*, netif::*, ring::*};
use xen_abi::xs_wire::*;

pub fn register(check: &mut Check) {
    xs_wire(check);
    rings(check);
    blkif(check);
    netif(check);
    console_and_xenbus(check);
}

fn xs_wire(check: &mut Check) {
    c_struct!(check, XsdSockmsg, "struct xsd_sockmsg" {
        type_ = "type", req_id = "req_id", tx_id = "tx_id", len = "len",
    });
    c_struct!(check, XenstoreDomainInterface, "struct xenstore_domain_interface" {
        req = "req", rsp = "rsp", req_cons = "req_cons", req_prod = "req_prod",
        rsp_cons = "rsp_cons", rsp_prod = "rsp_prod", server_features = "server_features",
        connection = "connection", error = "error",
    });
    c_const!(check,
        XS_CONTROL => "XS_CONTROL", XS_DEBUG => "XS_DEBUG", XS_DIRECTORY => "XS_DIRECTORY",
        XS_READ => "XS_READ", XS_GET_PERMS => "XS_GET_PERMS", XS_WATCH => "XS_WATCH",
        XS_UNWATCH => "XS_UNWATCH", XS_TRANSACTION_START => "XS_TRANSACTION_START",
        XS_TRANSACTION_END => "XS_TRANSACTION_END", XS_INTRODUCE => "XS_INTRODUCE",
        XS_RELEASE => "XS_RELEASE", XS_GET_DOMAIN_PATH => "XS_GET_DOMAIN_PATH",
        XS_WRITE => "XS_WRITE", XS_MKDIR => "XS_MKDIR", XS_RM => "XS_RM",
        XS_SET_PERMS => "XS_SET_PERMS", XS_WATCH_EVENT => "XS_WATCH_EVENT",
        XS_ERROR => "XS_ERROR", XS_IS_DOMAIN_INTRODUCED => "XS_IS_DOMAIN_INTRODUCED",
        XS_RESUME => "XS_RESUME", XS_SET_TARGET => "XS_SET_TARGET",
        XS_RESET_WATCHES => "XS_RESET_WATCHES", XS_DIRECTORY_PART => "XS_DIRECTORY_PART",
        XS_TYPE_COUNT => "XS_TYPE_COUNT", XS_INVALID => "XS_INVALID",
        XS_WATCH_PATH => "XS_WATCH_PATH", XS_WATCH_TOKEN => "XS_WATCH_TOKEN",
        XENSTORE_RING_SIZE => "XENSTORE_RING_SIZE",
        XENSTORE_PAYLOAD_MAX => "XENSTORE_PAYLOAD_MAX",
        XENSTORE_ABS_PATH_MAX => "XENSTORE_ABS_PATH_MAX",
        XENSTORE_REL_PATH_MAX => "XENSTORE_REL_PATH_MAX",
        XENSTORE_SERVER_FEATURE_RECONNECTION => "XENSTORE_SERVER_FEATURE_RECONNECTION",
        XENSTORE_SERVER_FEATURE_ERROR => "XENSTORE_SERVER_FEATURE_ERROR",
        XENSTORE_CONNECTED => "XENSTORE_CONNECTED", XENSTORE_RECONNECT => "XENSTORE_RECONNECT",
        XENSTORE_ERROR_NONE => "XENSTORE_ERROR_NONE", XENSTORE_ERROR_COMM => "XENSTORE_ERROR_COMM",
        XENSTORE_ERROR_RINGIDX => "XENSTORE_ERROR_RINGIDX",
        XENSTORE_ERROR_PROTO => "XENSTORE_ERROR_PROTO",
        mask_xenstore_idx(0x1234_5678) => "MASK_XENSTORE_IDX(0x12345678)",
        XSD_ERRORS.len() => "sizeof(xsd_errors) / sizeof(xsd_errors[0])",
    );
    // The error table, entry by entry: number, and name length + first byte
    // (the C side prints integers only).
    let exprs: Vec<(i128, String)> = XSD_ERRORS
        .iter()
        .enumerate()
        .flat_map(|(i, e)| {
            [
                (i128::from(e.errnum), format!("xsd_errors[{i}].errnum")),
                (
                    e.name.len() as i128,
                    format!("strlen(xsd_errors[{i}].errstring)"),
                ),
                (
                    i128::from(e.name.as_bytes()[1]),
                    format!("xsd_errors[{i}].errstring[1]"),
                ),
            ]
        })
        .collect();
    for (value, expr) in &exprs {
        check.add_const(expr, *value);
    }
}

fn rings(check: &mut Check) {
    // Every DEFINE_RING_TYPES sring: header fields and where slots start.
    // (The C sring also holds `ring[1]`, so compare the header field by field.)
    c_const!(check,
        std::mem::offset_of!(SringHeader, req_prod) => "offsetof(struct blkif_sring, req_prod)",
        std::mem::offset_of!(SringHeader, req_event) => "offsetof(struct blkif_sring, req_event)",
        std::mem::offset_of!(SringHeader, rsp_prod) => "offsetof(struct blkif_sring, rsp_prod)",
        std::mem::offset_of!(SringHeader, rsp_event) => "offsetof(struct blkif_sring, rsp_event)",
        std::mem::offset_of!(SringHeader, pvt) => "offsetof(struct blkif_sring, pvt)",
        std::mem::offset_of!(SringHeader, pad) => "offsetof(struct blkif_sring, __pad)",
        SRING_HEADER_SIZE + BLKIF_X86_64_SLOT_SIZE => "sizeof(struct blkif_sring)",
    );
    c_const!(check,
        SRING_HEADER_SIZE => "offsetof(struct blkif_sring, ring)",
        SRING_HEADER_SIZE => "offsetof(struct netif_tx_sring, ring)",
        ring_entries(4096, 112) => "__CONST_RING_SIZE(blkif, 4096)",
        ring_entries(4096, 12) => "__CONST_RING_SIZE(netif_tx, 4096)",
        ring_entries(4096, 8) => "__CONST_RING_SIZE(netif_rx, 4096)",
        ring_entries(4096, 16) => "__CONST_RING_SIZE(xen_netif_ctrl, 4096)",
        ring_entries(1 << 16, 112) => "__CONST_RING_SIZE(blkif, 1 << 16)",
    );
}

fn blkif(check: &mut Check) {
    c_struct!(check, BlkifRequestSegment, "struct blkif_request_segment" {
        gref = "gref", first_sect = "first_sect", last_sect = "last_sect",
    });
    c_struct!(check, BlkifRequest, "struct blkif_request" {
        operation = "operation", nr_segments = "nr_segments", handle = "handle", id = "id",
        sector_number = "sector_number", seg = "seg",
    });
    c_struct!(check, BlkifRequestDiscard, "struct blkif_request_discard" {
        operation = "operation", flag = "flag", handle = "handle", id = "id",
        sector_number = "sector_number", nr_sectors = "nr_sectors",
    });
    c_struct!(check, BlkifRequestIndirect, "struct blkif_request_indirect" {
        operation = "operation", indirect_op = "indirect_op", nr_segments = "nr_segments",
        id = "id", sector_number = "sector_number", handle = "handle",
        indirect_grefs = "indirect_grefs",
    });
    c_struct!(check, BlkifResponse, "struct blkif_response" {
        id = "id", operation = "operation", status = "status",
    });
    c_const!(check,
        BLKIF_OP_READ => "BLKIF_OP_READ", BLKIF_OP_WRITE => "BLKIF_OP_WRITE",
        BLKIF_OP_WRITE_BARRIER => "BLKIF_OP_WRITE_BARRIER",
        BLKIF_OP_FLUSH_DISKCACHE => "BLKIF_OP_FLUSH_DISKCACHE",
        BLKIF_OP_RESERVED_1 => "BLKIF_OP_RESERVED_1", BLKIF_OP_DISCARD => "BLKIF_OP_DISCARD",
        BLKIF_OP_INDIRECT => "BLKIF_OP_INDIRECT",
        BLKIF_MAX_SEGMENTS_PER_REQUEST => "BLKIF_MAX_SEGMENTS_PER_REQUEST",
        BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST => "BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST",
        BLKIF_RSP_EOPNOTSUPP => "BLKIF_RSP_EOPNOTSUPP", BLKIF_RSP_ERROR => "BLKIF_RSP_ERROR",
        BLKIF_RSP_OKAY => "BLKIF_RSP_OKAY", BLKIF_DISCARD_SECURE => "BLKIF_DISCARD_SECURE",
        VDISK_CDROM => "VDISK_CDROM", VDISK_REMOVABLE => "VDISK_REMOVABLE",
        VDISK_READONLY => "VDISK_READONLY",
        BLKIF_X86_64_SLOT_SIZE => "sizeof(union blkif_sring_entry)",
    );
}

fn netif(check: &mut Check) {
    c_struct!(check, NetifTxRequest, "struct netif_tx_request" {
        gref = "gref", offset = "offset", flags = "flags", id = "id", size = "size",
    });
    c_struct!(check, NetifTxResponse, "struct netif_tx_response" { id = "id", status = "status" });
    c_struct!(check, NetifRxRequest, "struct netif_rx_request" { id = "id", pad = "pad", gref = "gref" });
    c_struct!(check, NetifRxResponse, "struct netif_rx_response" {
        id = "id", offset = "offset", flags = "flags", status = "status",
    });
    c_struct!(check, NetifExtraInfo, "struct netif_extra_info" { type_ = "type", flags = "flags", u = "u" });
    c_struct!(check, NetifCtrlRequest, "struct xen_netif_ctrl_request" { id = "id", type_ = "type", data = "data" });
    c_struct!(check, NetifCtrlResponse, "struct xen_netif_ctrl_response" {
        id = "id", type_ = "type", status = "status", data = "data",
    });
    c_const!(check,
        XEN_NETIF_NR_SLOTS_MIN => "XEN_NETIF_NR_SLOTS_MIN",
        XEN_NETIF_MAX_TX_SIZE => "XEN_NETIF_MAX_TX_SIZE",
        NetTxFlags::CSUM_BLANK.bits() => "NETTXF_csum_blank",
        NetTxFlags::DATA_VALIDATED.bits() => "NETTXF_data_validated",
        NetTxFlags::MORE_DATA.bits() => "NETTXF_more_data",
        NetTxFlags::EXTRA_INFO.bits() => "NETTXF_extra_info",
        NetRxFlags::DATA_VALIDATED.bits() => "NETRXF_data_validated",
        NetRxFlags::CSUM_BLANK.bits() => "NETRXF_csum_blank",
        NetRxFlags::MORE_DATA.bits() => "NETRXF_more_data",
        NetRxFlags::EXTRA_INFO.bits() => "NETRXF_extra_info",
        NetRxFlags::GSO_PREFIX.bits() => "NETRXF_gso_prefix",
        XEN_NETIF_EXTRA_TYPE_NONE => "XEN_NETIF_EXTRA_TYPE_NONE",
        XEN_NETIF_EXTRA_TYPE_GSO => "XEN_NETIF_EXTRA_TYPE_GSO",
        XEN_NETIF_EXTRA_TYPE_MCAST_ADD => "XEN_NETIF_EXTRA_TYPE_MCAST_ADD",
        XEN_NETIF_EXTRA_TYPE_MCAST_DEL => "XEN_NETIF_EXTRA_TYPE_MCAST_DEL",
        XEN_NETIF_EXTRA_TYPE_HASH => "XEN_NETIF_EXTRA_TYPE_HASH",
        XEN_NETIF_EXTRA_TYPE_MAX => "XEN_NETIF_EXTRA_TYPE_MAX",
        XEN_NETIF_EXTRA_FLAG_MORE => "XEN_NETIF_EXTRA_FLAG_MORE",
        XEN_NETIF_GSO_TYPE_NONE => "XEN_NETIF_GSO_TYPE_NONE",
        XEN_NETIF_GSO_TYPE_TCPV4 => "XEN_NETIF_GSO_TYPE_TCPV4",
        XEN_NETIF_GSO_TYPE_TCPV6 => "XEN_NETIF_GSO_TYPE_TCPV6",
        NETIF_RSP_DROPPED => "NETIF_RSP_DROPPED", NETIF_RSP_ERROR => "NETIF_RSP_ERROR",
        NETIF_RSP_OKAY => "NETIF_RSP_OKAY", NETIF_RSP_NULL => "NETIF_RSP_NULL",
        2 => "offsetof(struct netif_extra_info, u.gso.size)",
        4 => "offsetof(struct netif_extra_info, u.gso.type)",
        6 => "offsetof(struct netif_extra_info, u.gso.features)",
        4 => "offsetof(struct netif_extra_info, u.hash.value)",
    );
}

fn console_and_xenbus(check: &mut Check) {
    use xen_abi::io::xenbus::XenbusState;
    c_struct!(check, XenconsInterface, "struct xencons_interface" {
        in_ = "in", out = "out", in_cons = "in_cons", in_prod = "in_prod",
        out_cons = "out_cons", out_prod = "out_prod",
    });
    c_const!(check,
        XENCONS_IN_SIZE => "sizeof(((struct xencons_interface *)0)->in)",
        XENCONS_OUT_SIZE => "sizeof(((struct xencons_interface *)0)->out)",
        XenbusState::Unknown as u32 => "XenbusStateUnknown",
        XenbusState::Initialising as u32 => "XenbusStateInitialising",
        XenbusState::InitWait as u32 => "XenbusStateInitWait",
        XenbusState::Initialised as u32 => "XenbusStateInitialised",
        XenbusState::Connected as u32 => "XenbusStateConnected",
        XenbusState::Closing as u32 => "XenbusStateClosing",
        XenbusState::Closed as u32 => "XenbusStateClosed",
        XenbusState::Reconfiguring as u32 => "XenbusStateReconfiguring",
        XenbusState::Reconfigured as u32 => "XenbusStateReconfigured",
    );
    // Protocol strings: compare lengths and a distinguishing byte.
    use xen_abi::io::protocols::*;
    c_const!(check,
        XEN_IO_PROTO_ABI_X86_32.len() => "sizeof(XEN_IO_PROTO_ABI_X86_32) - 1",
        XEN_IO_PROTO_ABI_X86_64.len() => "sizeof(XEN_IO_PROTO_ABI_X86_64) - 1",
        XEN_IO_PROTO_ABI_ARM.len() => "sizeof(XEN_IO_PROTO_ABI_ARM) - 1",
        XEN_IO_PROTO_ABI_X86_32.as_bytes()[4] => "XEN_IO_PROTO_ABI_X86_32[4]",
        XEN_IO_PROTO_ABI_NATIVE.as_bytes()[4] => "XEN_IO_PROTO_ABI_NATIVE[4]",
    );
}
