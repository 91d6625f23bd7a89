#![allow(unused_macros)]
//! The machinery behind the C header cross-check: collect items, generate C, compare.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

/// Registers a struct: its Rust type, its C type name and the fields to compare,
/// each as `rust_field(.sub)* = "c_field(.sub)*"`.
macro_rules! c_struct {
    ($check:expr, $rty:ty, $cname:literal { $($rf:ident $(. $rsub:ident)* = $cf:literal),* $(,)? }) => {
        $check.add_struct(
            $cname,
            ::core::mem::size_of::<$rty>(),
            &[$(($cf, ::core::mem::offset_of!($rty, $rf $(. $rsub)*))),*],
        )
    };
}

/// Registers constants: `rust_value => "C_MACRO"`, compared as integers.
macro_rules! c_const {
    ($check:expr, $($rv:expr => $cname:literal),* $(,)?) => {
        $( $check.add_const($cname, ($rv) as i128); )*
    };
}

/// The collected expectations.
#[derive(Default)]
pub struct Check {
    /// Expected output lines of the C program, in order.
    expected: Vec<String>,
    /// C statements printing those lines.
    body: String,
}

impl Check {
    /// Expects `sizeof(c_type) == size` and each field's offset.
    pub fn add_struct(&mut self, c_type: &str, size: usize, fields: &[(&str, usize)]) {
        self.expected.push(format!("sizeof {c_type} = {size}"));
        writeln!(
            self.body,
            "  printf(\"sizeof %s = %zu\\n\", \"{c_type}\", sizeof({c_type}));"
        )
        .unwrap();
        for (field, off) in fields {
            self.expected
                .push(format!("offsetof {c_type}.{field} = {off}"));
            writeln!(
                self.body,
                "  printf(\"offsetof %s.%s = %zu\\n\", \"{c_type}\", \"{field}\", offsetof({c_type}, {field}));"
            )
            .unwrap();
        }
    }

    /// Expects the C macro or enumerator `name` to equal `value`.
    pub fn add_const(&mut self, name: &str, value: i128) {
        self.expected.push(format!("value {name} = {value}"));
        writeln!(
            self.body,
            "  printf(\"value %s = %lld\\n\", \"{name}\", (long long)({name}));"
        )
        .unwrap();
    }

    fn program(&self) -> String {
        let mut c = String::from(
            "#define __XEN_TOOLS__ 1\n#include <stdio.h>\n#include <stdint.h>\n#include <stddef.h>\n#include <string.h>\n#include <errno.h>\n#include <sys/ioctl.h>\n",
        );
        for h in HEADERS {
            writeln!(c, "#include <xen/{h}>").unwrap();
        }
        c.push_str("int main(void) {\n");
        c.push_str(&self.body);
        c.push_str("  return 0;\n}\n");
        c
    }

    /// Compiles and runs the C program and compares its output.
    pub fn run(&self) {
        let required = std::env::var("XEN_ABI_REQUIRE_C_HEADERS").is_ok_and(|v| v == "1");
        let have_headers = std::path::Path::new("/usr/include/xen/xen.h").exists();
        let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
        let have_cc = Command::new(&cc).arg("--version").output().is_ok();
        if !have_headers || !have_cc {
            let why = format!(
                "skipping the C header cross-check: {}",
                if have_headers {
                    "no C compiler"
                } else {
                    "Xen headers (libxen-dev) not installed"
                }
            );
            assert!(!required, "{why}, but XEN_ABI_REQUIRE_C_HEADERS=1");
            eprintln!("{why}");
            return;
        }

        let dir = scratch_dir();
        let src = dir.join("check.c");
        let exe = dir.join("check");
        std::fs::write(&src, self.program()).unwrap();
        let out = Command::new(&cc)
            .arg("-o")
            .arg(&exe)
            .arg(&src)
            .output()
            .expect("running the C compiler");
        assert!(
            out.status.success(),
            "the C cross-check program did not compile (a C name in tests/c_headers is wrong?):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let run = Command::new(&exe)
            .output()
            .expect("running the C cross-check");
        assert!(run.status.success());
        let actual = String::from_utf8(run.stdout).unwrap();
        let actual: Vec<&str> = actual.lines().collect();
        assert_eq!(
            actual.len(),
            self.expected.len(),
            "C program printed an unexpected number of lines"
        );

        let mismatches: Vec<String> = self
            .expected
            .iter()
            .zip(&actual)
            .filter(|(rust, c)| rust.as_str() != **c)
            .map(|(rust, c)| format!("  Rust: {rust}\n  C:    {c}"))
            .collect();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            mismatches.is_empty(),
            "{} of {} items differ from Xen's C headers:\n{}",
            mismatches.len(),
            self.expected.len(),
            mismatches.join("\n")
        );
        eprintln!(
            "{} layout and constant items match Xen's C headers",
            self.expected.len()
        );
    }
}

/// Headers included by the generated program, relative to `/usr/include/xen`.
const HEADERS: &[&str] = &[
    "xen.h",
    "arch-x86/xen-mca.h",
    "callback.h",
    "errno.h",
    "elfnote.h",
    "arch-x86/cpuid.h",
    "arch-x86/hvm/start_info.h",
    "hvm/params.h",
    "hvm/hvm_op.h",
    "sched.h",
    "vcpu.h",
    "memory.h",
    "version.h",
    "grant_table.h",
    "event_channel.h",
    "domctl.h",
    "sysctl.h",
    "io/ring.h",
    "io/xs_wire.h",
    "io/blkif.h",
    "io/netif.h",
    "io/console.h",
    "io/xenbus.h",
    "io/protocols.h",
    "sys/evtchn.h",
    "sys/gntdev.h",
    "sys/privcmd.h",
];

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xen-abi-c-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
