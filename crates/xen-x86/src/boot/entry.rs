//! The 32-bit entry points and the switch to long mode.
//!
//! Two loaders can start the hypervisor, both in 32-bit protected mode with
//! paging off:
//! - GRUB, through the multiboot2 header (`eax` = 0x36d76289, `ebx` = the
//!   boot information), entering at the ELF entry `_start`;
//! - a PVH loader such as QEMU's `-kernel`, through the
//!   `XEN_ELFNOTE_PHYS32_ENTRY` note (`ebx` = `hvm_start_info`), entering at
//!   `pvh_start`.
//!
//! Both paths build identity page tables for the first 4 GiB (2 MiB pages),
//! enable long mode, load a minimal GDT and call the binary's
//! `xen_hv_start(kind, info)` on the boot stack, where `kind` is the
//! multiboot2 magic or [`PVH_MARKER`](super::PVH_MARKER). The image must be
//! linked below 1 GiB at its load address (static relocation model); the
//! binary's linker script keeps `.multiboot2` first and the `.note.Xen`
//! note.

core::arch::global_asm!(
    r#"
    .section .multiboot2, "a"
    .balign 8
mb2_header:
    .long 0xe85250d6
    .long 0
    .long mb2_header_end - mb2_header
    .long 0x100000000 - 0xe85250d6 - (mb2_header_end - mb2_header)
    .short 0
    .short 0
    .long 8
mb2_header_end:

    .section .note.Xen, "a", @note
    .balign 4
    .long 4
    .long 8
    .long 18
    .asciz "Xen"
    .balign 4
    .quad pvh_start
    .balign 4

    .section .text.boot, "ax"
    .code32
    .global _start
_start:
    mov edi, eax
    mov esi, ebx
    jmp 2f

    .global pvh_start
pvh_start:
    mov edi, 0x336ec578
    mov esi, ebx

2:
    cli
    cld
    mov esp, offset xen_boot_stack_top
    push esi
    push edi

    mov edi, offset xen_boot_tables
    xor eax, eax
    mov ecx, 6 * 1024
    rep stosd

    mov eax, offset xen_boot_tables + 0x1000
    or eax, 3
    mov [xen_boot_tables], eax

    mov eax, offset xen_boot_tables + 0x2000
    or eax, 3
    mov [xen_boot_tables + 0x1000], eax
    add eax, 0x1000
    mov [xen_boot_tables + 0x1008], eax
    add eax, 0x1000
    mov [xen_boot_tables + 0x1010], eax
    add eax, 0x1000
    mov [xen_boot_tables + 0x1018], eax

    mov edi, offset xen_boot_tables + 0x2000
    mov eax, 0x83
    mov ecx, 2048
3:
    mov [edi], eax
    add eax, 0x200000
    add edi, 8
    dec ecx
    jnz 3b

    mov eax, offset xen_boot_tables
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

    lgdt [xen_boot_gdtr]
    mov eax, offset xen_boot_long_mode
    push 0x08
    push eax
    retf

    .code64
xen_boot_long_mode:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    mov edi, [rsp]
    mov esi, [rsp + 4]
    mov rsp, offset xen_boot_stack_top
    xor ebp, ebp
    call xen_hv_start
5:
    cli
    hlt
    jmp 5b

    .section .rodata.boot, "a"
    .balign 16
xen_boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff
    .quad 0x00cf92000000ffff
xen_boot_gdtr:
    .short 23
    .long xen_boot_gdt

    .section .bss.boot, "aw", @nobits
    .balign 4096
    .global xen_boot_tables
xen_boot_tables:
    .skip 6 * 4096
    .global xen_boot_stack
xen_boot_stack:
    .skip 64 * 1024
    .global xen_boot_stack_top
xen_boot_stack_top:
    "#
);
