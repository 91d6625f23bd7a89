//! The PVH entry of a Rust guest kernel.
//!
//! Xen (or xen-hv) enters at the `XEN_ELFNOTE_PHYS32_ENTRY` address in
//! 32-bit protected mode, paging off, `ebx` = the `hvm_start_info`
//! address. This code identity-maps the first 4 GiB with 2 MiB pages,
//! enters long mode and calls the kernel's
//! `extern "C" fn xen_guest_main(start_info: u64) -> !` on a 64 KiB stack.
//! Link with `guest.ld` (see [`LINKER_SCRIPT`](crate::LINKER_SCRIPT)).

core::arch::global_asm!(
    r#"
    .section .note.Xen, "a", @note
    .balign 4
    .long 4
    .long 8
    .long 18
    .asciz "Xen"
    .balign 4
    .quad xen_guest_pvh_start
    .balign 4

    .section .text.entry, "ax"
    .code32
    .global xen_guest_pvh_start
xen_guest_pvh_start:
    cli
    cld
    mov esp, offset xen_guest_stack_top
    push ebx
    mov edi, offset xen_guest_tables
    xor eax, eax
    mov ecx, 6 * 1024
    rep stosd
    mov eax, offset xen_guest_tables + 0x1000
    or eax, 3
    mov [xen_guest_tables], eax
    mov eax, offset xen_guest_tables + 0x2000
    or eax, 3
    mov [xen_guest_tables + 0x1000], eax
    add eax, 0x1000
    mov [xen_guest_tables + 0x1008], eax
    add eax, 0x1000
    mov [xen_guest_tables + 0x1010], eax
    add eax, 0x1000
    mov [xen_guest_tables + 0x1018], eax
    mov edi, offset xen_guest_tables + 0x2000
    mov eax, 0x83
    mov ecx, 2048
1:
    mov [edi], eax
    add eax, 0x200000
    add edi, 8
    dec ecx
    jnz 1b
    mov eax, offset xen_guest_tables
    mov cr3, eax
    mov eax, cr4
    or eax, 0x20
    mov cr4, eax
    mov ecx, 0xc0000080
    rdmsr
    or eax, 0x100
    wrmsr
    mov eax, cr0
    or eax, 0x80000001
    mov cr0, eax
    lgdt [xen_guest_gdtr]
    mov eax, offset xen_guest_long_mode
    push 0x08
    push eax
    retf

    .code64
xen_guest_long_mode:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov edi, [rsp]
    mov rsp, offset xen_guest_stack_top
    xor ebp, ebp
    call xen_guest_main
2:
    hlt
    jmp 2b

    .section .rodata.entry, "a"
    .balign 16
xen_guest_gdt:
    .quad 0
    .quad 0x00af9a000000ffff
    .quad 0x00cf92000000ffff
xen_guest_gdtr:
    .short 23
    .long xen_guest_gdt

    .section .bss.entry, "aw", @nobits
    .balign 4096
xen_guest_tables:
    .skip 6 * 4096
xen_guest_stack:
    .skip 64 * 1024
xen_guest_stack_top:
    "#
);
