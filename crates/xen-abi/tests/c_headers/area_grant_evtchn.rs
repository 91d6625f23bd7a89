//! C cross-check entries for grant tables (`grant_table.h`) and event
//! channels (`event_channel.h`, with the `VIRQ_*` numbers of `xen.h`).

use crate::harness::Check;

pub fn register(check: &mut Check) {
    grant_table(check);
    event_channel(check);
}

fn grant_table(check: &mut Check) {
    use xen_abi::grant_table::*;

    c_struct!(check, GrantHandle, "grant_handle_t" {});
    c_struct!(check, GrantStatus, "grant_status_t" {});
    c_struct!(check, GrantEntryV1, "struct grant_entry_v1" { flags = "flags", domid = "domid", frame = "frame" });
    c_struct!(check, GrantEntryHeader, "struct grant_entry_header" { flags = "flags", domid = "domid" });
    c_struct!(check, GrantEntryV2, "union grant_entry_v2" {
        hdr = "hdr", hdr.flags = "hdr.flags", hdr.domid = "hdr.domid", body = "full_page.pad0",
    });
    c_struct!(check, GrantEntryV2FullPage, "__typeof__(((union grant_entry_v2 *)0)->full_page)" {
        hdr = "hdr", pad0 = "pad0", frame = "frame",
    });
    c_struct!(check, GrantEntryV2SubPage, "__typeof__(((union grant_entry_v2 *)0)->sub_page)" {
        hdr = "hdr", page_off = "page_off", length = "length", frame = "frame",
    });
    c_struct!(check, GrantEntryV2Transitive, "__typeof__(((union grant_entry_v2 *)0)->transitive)" {
        hdr = "hdr", trans_domid = "trans_domid", pad0 = "pad0", gref = "gref",
    });
    c_struct!(check, GnttabMapGrantRef, "struct gnttab_map_grant_ref" {
        host_addr = "host_addr", flags = "flags", r#ref = "ref", dom = "dom", status = "status",
        handle = "handle", dev_bus_addr = "dev_bus_addr",
    });
    c_struct!(check, GnttabUnmapGrantRef, "struct gnttab_unmap_grant_ref" {
        host_addr = "host_addr", dev_bus_addr = "dev_bus_addr", handle = "handle", status = "status",
    });
    c_struct!(check, GnttabSetupTable, "struct gnttab_setup_table" {
        dom = "dom", nr_frames = "nr_frames", status = "status", frame_list = "frame_list",
    });
    c_struct!(check, GnttabDumpTable, "struct gnttab_dump_table" { dom = "dom", status = "status" });
    c_struct!(check, GnttabTransfer, "struct gnttab_transfer" {
        mfn = "mfn", domid = "domid", r#ref = "ref", status = "status",
    });
    c_struct!(check, GnttabCopyPtr, "struct gnttab_copy_ptr" {
        u = "u", u = "u.ref", u = "u.gmfn", domid = "domid", offset = "offset",
    });
    c_struct!(check, GnttabCopy, "struct gnttab_copy" {
        source = "source", source.u = "source.u", source.domid = "source.domid", source.offset = "source.offset",
        dest = "dest", dest.u = "dest.u", dest.domid = "dest.domid", dest.offset = "dest.offset",
        len = "len", flags = "flags", status = "status",
    });
    c_struct!(check, GnttabQuerySize, "struct gnttab_query_size" {
        dom = "dom", nr_frames = "nr_frames", max_nr_frames = "max_nr_frames", status = "status",
    });
    c_struct!(check, GnttabUnmapAndReplace, "struct gnttab_unmap_and_replace" {
        host_addr = "host_addr", new_addr = "new_addr", handle = "handle", status = "status",
    });
    c_struct!(check, GnttabSetVersion, "struct gnttab_set_version" { version = "version" });
    c_struct!(check, GnttabGetStatusFrames, "struct gnttab_get_status_frames" {
        nr_frames = "nr_frames", dom = "dom", status = "status", frame_list = "frame_list",
    });
    c_struct!(check, GnttabGetVersion, "struct gnttab_get_version" { dom = "dom", pad = "pad", version = "version" });
    c_struct!(check, GnttabSwapGrantRef, "struct gnttab_swap_grant_ref" {
        ref_a = "ref_a", ref_b = "ref_b", status = "status",
    });
    c_struct!(check, GnttabCacheFlush, "struct gnttab_cache_flush" {
        a = "a", a = "a.dev_bus_addr", a = "a.ref", offset = "offset", length = "length", op = "op",
    });

    c_const!(check,
        GNTTAB_NR_RESERVED_ENTRIES => "GNTTAB_NR_RESERVED_ENTRIES",
        GNTTAB_RESERVED_CONSOLE => "GNTTAB_RESERVED_CONSOLE",
        GNTTAB_RESERVED_XENSTORE => "GNTTAB_RESERVED_XENSTORE",
        GTF_INVALID => "GTF_invalid",
        GTF_PERMIT_ACCESS => "GTF_permit_access",
        GTF_ACCEPT_TRANSFER => "GTF_accept_transfer",
        GTF_TRANSITIVE => "GTF_transitive",
        GTF_TYPE_MASK => "GTF_type_mask",
        _GTF_READONLY => "_GTF_readonly",
        GTF_READONLY => "GTF_readonly",
        _GTF_READING => "_GTF_reading",
        GTF_READING => "GTF_reading",
        _GTF_WRITING => "_GTF_writing",
        GTF_WRITING => "GTF_writing",
        _GTF_PWT => "_GTF_PWT",
        GTF_PWT => "GTF_PWT",
        _GTF_PCD => "_GTF_PCD",
        GTF_PCD => "GTF_PCD",
        _GTF_PAT => "_GTF_PAT",
        GTF_PAT => "GTF_PAT",
        _GTF_SUB_PAGE => "_GTF_sub_page",
        GTF_SUB_PAGE => "GTF_sub_page",
        _GTF_TRANSFER_COMMITTED => "_GTF_transfer_committed",
        GTF_TRANSFER_COMMITTED => "GTF_transfer_committed",
        _GTF_TRANSFER_COMPLETED => "_GTF_transfer_completed",
        GTF_TRANSFER_COMPLETED => "GTF_transfer_completed",
        GtfFlags::all().bits() => "(GTF_type_mask|GTF_readonly|GTF_reading|GTF_writing|GTF_PWT|GTF_PCD|GTF_PAT|GTF_sub_page)",
        GNTTABOP_MAP_GRANT_REF => "GNTTABOP_map_grant_ref",
        GNTTABOP_UNMAP_GRANT_REF => "GNTTABOP_unmap_grant_ref",
        GNTTABOP_SETUP_TABLE => "GNTTABOP_setup_table",
        GNTTABOP_DUMP_TABLE => "GNTTABOP_dump_table",
        GNTTABOP_TRANSFER => "GNTTABOP_transfer",
        GNTTABOP_COPY => "GNTTABOP_copy",
        GNTTABOP_QUERY_SIZE => "GNTTABOP_query_size",
        GNTTABOP_UNMAP_AND_REPLACE => "GNTTABOP_unmap_and_replace",
        GNTTABOP_SET_VERSION => "GNTTABOP_set_version",
        GNTTABOP_GET_STATUS_FRAMES => "GNTTABOP_get_status_frames",
        GNTTABOP_GET_VERSION => "GNTTABOP_get_version",
        GNTTABOP_SWAP_GRANT_REF => "GNTTABOP_swap_grant_ref",
        GNTTABOP_CACHE_FLUSH => "GNTTABOP_cache_flush",
        _GNTMAP_DEVICE_MAP => "_GNTMAP_device_map",
        GNTMAP_DEVICE_MAP => "GNTMAP_device_map",
        _GNTMAP_HOST_MAP => "_GNTMAP_host_map",
        GNTMAP_HOST_MAP => "GNTMAP_host_map",
        _GNTMAP_READONLY => "_GNTMAP_readonly",
        GNTMAP_READONLY => "GNTMAP_readonly",
        _GNTMAP_APPLICATION_MAP => "_GNTMAP_application_map",
        GNTMAP_APPLICATION_MAP => "GNTMAP_application_map",
        _GNTMAP_CONTAINS_PTE => "_GNTMAP_contains_pte",
        GNTMAP_CONTAINS_PTE => "GNTMAP_contains_pte",
        _GNTMAP_GUEST_AVAIL0 => "_GNTMAP_guest_avail0",
        GNTMAP_GUEST_AVAIL_MASK => "GNTMAP_guest_avail_mask",
        _GNTCOPY_SOURCE_GREF => "_GNTCOPY_source_gref",
        GNTCOPY_SOURCE_GREF => "GNTCOPY_source_gref",
        _GNTCOPY_DEST_GREF => "_GNTCOPY_dest_gref",
        GNTCOPY_DEST_GREF => "GNTCOPY_dest_gref",
        GNTTAB_CACHE_CLEAN => "GNTTAB_CACHE_CLEAN",
        GNTTAB_CACHE_INVAL => "GNTTAB_CACHE_INVAL",
        GNTTAB_CACHE_SOURCE_GREF => "GNTTAB_CACHE_SOURCE_GREF",
        GNTST_OKAY => "GNTST_okay",
        GNTST_GENERAL_ERROR => "GNTST_general_error",
        GNTST_BAD_DOMAIN => "GNTST_bad_domain",
        GNTST_BAD_GNTREF => "GNTST_bad_gntref",
        GNTST_BAD_HANDLE => "GNTST_bad_handle",
        GNTST_BAD_VIRT_ADDR => "GNTST_bad_virt_addr",
        GNTST_BAD_DEV_ADDR => "GNTST_bad_dev_addr",
        GNTST_NO_DEVICE_SPACE => "GNTST_no_device_space",
        GNTST_PERMISSION_DENIED => "GNTST_permission_denied",
        GNTST_BAD_PAGE => "GNTST_bad_page",
        GNTST_BAD_COPY_ARG => "GNTST_bad_copy_arg",
        GNTST_ADDRESS_TOO_BIG => "GNTST_address_too_big",
        GNTST_EAGAIN => "GNTST_eagain",
        GNTST_NO_SPACE => "GNTST_no_space",
        // The status enum covers exactly the codes Xen has messages for.
        GrantOpStatus::ALL.len() => "(sizeof((const char *[])GNTTABOP_error_msgs) / sizeof(const char *))",
        GRANT_FRAME_SIZE => "(1 << XEN_PAGE_SHIFT)",
        // Entries per frame, from the C types.
        GRANT_ENTRIES_PER_FRAME_V1 => "(4096 / sizeof(grant_entry_v1_t))",
        GRANT_ENTRIES_PER_FRAME_V2 => "(4096 / sizeof(grant_entry_v2_t))",
        GRANT_STATUS_PER_FRAME => "(4096 / sizeof(grant_status_t))",
    );
}

fn event_channel(check: &mut Check) {
    use xen_abi::event_channel::*;

    c_struct!(check, EventWord, "event_word_t" {});
    c_struct!(check, EvtchnAllocUnbound, "struct evtchn_alloc_unbound" {
        dom = "dom", remote_dom = "remote_dom", port = "port",
    });
    c_struct!(check, EvtchnBindInterdomain, "struct evtchn_bind_interdomain" {
        remote_dom = "remote_dom", remote_port = "remote_port", local_port = "local_port",
    });
    c_struct!(check, EvtchnBindVirq, "struct evtchn_bind_virq" { virq = "virq", vcpu = "vcpu", port = "port" });
    c_struct!(check, EvtchnBindPirq, "struct evtchn_bind_pirq" { pirq = "pirq", flags = "flags", port = "port" });
    c_struct!(check, EvtchnBindIpi, "struct evtchn_bind_ipi" { vcpu = "vcpu", port = "port" });
    c_struct!(check, EvtchnClose, "struct evtchn_close" { port = "port" });
    c_struct!(check, EvtchnSend, "struct evtchn_send" { port = "port" });
    c_struct!(check, EvtchnStatus, "struct evtchn_status" {
        dom = "dom", port = "port", status = "status", vcpu = "vcpu", u = "u",
        u = "u.unbound.dom", u = "u.interdomain.dom", u = "u.pirq", u = "u.virq",
    });
    c_struct!(check, [u8; 8], "__typeof__(((struct evtchn_status *)0)->u)" {});
    c_const!(check, 4 => "offsetof(struct evtchn_status, u.interdomain.port) - offsetof(struct evtchn_status, u)");
    c_struct!(check, EvtchnBindVcpu, "struct evtchn_bind_vcpu" { port = "port", vcpu = "vcpu" });
    c_struct!(check, EvtchnUnmask, "struct evtchn_unmask" { port = "port" });
    c_struct!(check, EvtchnReset, "struct evtchn_reset" { dom = "dom" });
    c_struct!(check, EvtchnInitControl, "struct evtchn_init_control" {
        control_gfn = "control_gfn", offset = "offset", vcpu = "vcpu", link_bits = "link_bits", _pad = "_pad",
    });
    c_struct!(check, EvtchnExpandArray, "struct evtchn_expand_array" { array_gfn = "array_gfn" });
    c_struct!(check, EvtchnSetPriority, "struct evtchn_set_priority" { port = "port", priority = "priority" });
    c_struct!(check, EvtchnOp, "struct evtchn_op" {
        cmd = "cmd", u = "u", u = "u.alloc_unbound", u = "u.bind_interdomain", u = "u.bind_virq",
        u = "u.bind_pirq", u = "u.bind_ipi", u = "u.close", u = "u.send", u = "u.status",
        u = "u.bind_vcpu", u = "u.unmask",
    });
    c_struct!(check, EvtchnFifoControlBlock, "struct evtchn_fifo_control_block" {
        ready = "ready", _rsvd = "_rsvd", head = "head",
    });

    c_const!(check,
        EVTCHNOP_BIND_INTERDOMAIN => "EVTCHNOP_bind_interdomain",
        EVTCHNOP_BIND_VIRQ => "EVTCHNOP_bind_virq",
        EVTCHNOP_BIND_PIRQ => "EVTCHNOP_bind_pirq",
        EVTCHNOP_CLOSE => "EVTCHNOP_close",
        EVTCHNOP_SEND => "EVTCHNOP_send",
        EVTCHNOP_STATUS => "EVTCHNOP_status",
        EVTCHNOP_ALLOC_UNBOUND => "EVTCHNOP_alloc_unbound",
        EVTCHNOP_BIND_IPI => "EVTCHNOP_bind_ipi",
        EVTCHNOP_BIND_VCPU => "EVTCHNOP_bind_vcpu",
        EVTCHNOP_UNMASK => "EVTCHNOP_unmask",
        EVTCHNOP_RESET => "EVTCHNOP_reset",
        EVTCHNOP_INIT_CONTROL => "EVTCHNOP_init_control",
        EVTCHNOP_EXPAND_ARRAY => "EVTCHNOP_expand_array",
        EVTCHNOP_SET_PRIORITY => "EVTCHNOP_set_priority",
        BIND_PIRQ__WILL_SHARE => "BIND_PIRQ__WILL_SHARE",
        EVTCHNSTAT_CLOSED => "EVTCHNSTAT_closed",
        EVTCHNSTAT_UNBOUND => "EVTCHNSTAT_unbound",
        EVTCHNSTAT_INTERDOMAIN => "EVTCHNSTAT_interdomain",
        EVTCHNSTAT_PIRQ => "EVTCHNSTAT_pirq",
        EVTCHNSTAT_VIRQ => "EVTCHNSTAT_virq",
        EVTCHNSTAT_IPI => "EVTCHNSTAT_ipi",
        EVTCHN_OP_PAYLOAD_SIZE => "sizeof(((struct evtchn_op *)0)->u)",
        EVTCHN_2L_NR_CHANNELS => "EVTCHN_2L_NR_CHANNELS",
        EVTCHN_FIFO_PRIORITY_MAX => "EVTCHN_FIFO_PRIORITY_MAX",
        EVTCHN_FIFO_PRIORITY_DEFAULT => "EVTCHN_FIFO_PRIORITY_DEFAULT",
        EVTCHN_FIFO_PRIORITY_MIN => "EVTCHN_FIFO_PRIORITY_MIN",
        EVTCHN_FIFO_MAX_QUEUES => "EVTCHN_FIFO_MAX_QUEUES",
        EVTCHN_FIFO_PENDING => "EVTCHN_FIFO_PENDING",
        EVTCHN_FIFO_MASKED => "EVTCHN_FIFO_MASKED",
        EVTCHN_FIFO_LINKED => "EVTCHN_FIFO_LINKED",
        EVTCHN_FIFO_BUSY => "EVTCHN_FIFO_BUSY",
        EVTCHN_FIFO_LINK_BITS => "EVTCHN_FIFO_LINK_BITS",
        EVTCHN_FIFO_LINK_MASK => "EVTCHN_FIFO_LINK_MASK",
        EVTCHN_FIFO_NR_CHANNELS => "EVTCHN_FIFO_NR_CHANNELS",
        FifoEventWord::PENDING.bits() => "(1u << EVTCHN_FIFO_PENDING)",
        FifoEventWord::MASKED.bits() => "(1u << EVTCHN_FIFO_MASKED)",
        FifoEventWord::LINKED.bits() => "(1u << EVTCHN_FIFO_LINKED)",
        FifoEventWord::BUSY.bits() => "(1u << EVTCHN_FIFO_BUSY)",
        FifoEventWord::LINK.bits() => "EVTCHN_FIFO_LINK_MASK",
        EVTCHN_FIFO_EVENT_WORDS_PER_PAGE => "(4096 / sizeof(event_word_t))",
        VIRQ_TIMER => "VIRQ_TIMER",
        VIRQ_DEBUG => "VIRQ_DEBUG",
        VIRQ_CONSOLE => "VIRQ_CONSOLE",
        VIRQ_DOM_EXC => "VIRQ_DOM_EXC",
        VIRQ_TBUF => "VIRQ_TBUF",
        VIRQ_DEBUGGER => "VIRQ_DEBUGGER",
        VIRQ_XENOPROF => "VIRQ_XENOPROF",
        VIRQ_CON_RING => "VIRQ_CON_RING",
        VIRQ_PCPU_STATE => "VIRQ_PCPU_STATE",
        VIRQ_MEM_EVENT => "VIRQ_MEM_EVENT",
        VIRQ_ARGO => "VIRQ_ARGO",
        VIRQ_ENOMEM => "VIRQ_ENOMEM",
        VIRQ_XENPMU => "VIRQ_XENPMU",
        VIRQ_ARCH_0 => "VIRQ_ARCH_0",
        VIRQ_ARCH_1 => "VIRQ_ARCH_1",
        VIRQ_ARCH_2 => "VIRQ_ARCH_2",
        VIRQ_ARCH_3 => "VIRQ_ARCH_3",
        VIRQ_ARCH_4 => "VIRQ_ARCH_4",
        VIRQ_ARCH_5 => "VIRQ_ARCH_5",
        VIRQ_ARCH_6 => "VIRQ_ARCH_6",
        VIRQ_ARCH_7 => "VIRQ_ARCH_7",
        NR_VIRQS => "NR_VIRQS",
        VIRQ_MCA => "VIRQ_MCA",
    );
    for v in Virq::ALL {
        check.add_const(
            &format!("VIRQ_{}", virq_c_suffix(v)),
            i128::from(v.number()),
        );
    }
}

/// The C macro suffix of a VIRQ, to check the enum against the macros.
fn virq_c_suffix(v: xen_abi::event_channel::Virq) -> String {
    use xen_abi::event_channel::Virq::*;
    match v {
        Timer => "TIMER".into(),
        Debug => "DEBUG".into(),
        Console => "CONSOLE".into(),
        DomExc => "DOM_EXC".into(),
        Tbuf => "TBUF".into(),
        Debugger => "DEBUGGER".into(),
        Xenoprof => "XENOPROF".into(),
        ConRing => "CON_RING".into(),
        PcpuState => "PCPU_STATE".into(),
        MemEvent => "MEM_EVENT".into(),
        Argo => "ARGO".into(),
        Enomem => "ENOMEM".into(),
        Xenpmu => "XENPMU".into(),
        other => format!("ARCH_{}", other.number() - 16),
    }
}
