//! The hypervisor's command line, in Xen's syntax.
//!
//! GRUB passes what follows the image path on the `multiboot2` line, e.g.
//! `console=com1,vga com1=115200,8n1 dom0_mem=512M loglvl=all noreboot`.
//! Options are separated by spaces; `name=value`, bare booleans (`noreboot`),
//! and `no-<name>` negations are accepted as Xen accepts them. Unknown or
//! malformed options are collected as warnings, never fatal: a typo on the
//! boot line must not stop a host from booting.

/// Serial parity setting of `com1=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parity {
    /// `n`
    None,
    /// `o`
    Odd,
    /// `e`
    Even,
}

/// `com1=<baud>[,DPS]` (data bits, parity, stop bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ComConfig {
    /// Baud rate; `None` means "auto" (leave the firmware's setting).
    pub baud: Option<u32>,
    /// Data bits, 5–8.
    pub data_bits: u8,
    /// Parity.
    pub parity: Parity,
    /// Stop bits, 1 or 2.
    pub stop_bits: u8,
}

impl Default for ComConfig {
    fn default() -> Self {
        Self {
            baud: Some(115_200),
            data_bits: 8,
            parity: Parity::None,
            stop_bits: 1,
        }
    }
}

/// Which consoles Xen writes to (`console=`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Consoles {
    /// `com1`
    pub com1: bool,
    /// `com2`
    pub com2: bool,
    /// `vga`
    pub vga: bool,
}

/// Log levels of `loglvl=` / `guest_loglvl=` (Xen's names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// `none`
    None,
    /// `error`
    Error,
    /// `warning`
    Warning,
    /// `info`
    Info,
    /// `debug`
    Debug,
    /// `all`
    All,
}

/// `dom0_mem=[min:<sz>,][max:<sz>,][<sz>]`, sizes in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dom0Mem {
    /// The initial allocation (`<sz>`).
    pub amount: Option<u64>,
    /// `min:` lower bound.
    pub min: Option<u64>,
    /// `max:` upper bound.
    pub max: Option<u64>,
}

/// Scheduler selected by `sched=`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scheduler {
    /// `credit` (the only one this hypervisor has).
    #[default]
    Credit,
}

/// Why an option was not applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Warning<'a> {
    /// The option name is not one this hypervisor knows.
    Unknown(&'a str),
    /// The option is known but its value is not understood; the default
    /// stays in force.
    BadValue {
        /// Option name.
        name: &'a str,
        /// The value given.
        value: &'a str,
    },
}

/// Most options a command line may warn about; further ones are counted.
pub const MAX_WARNINGS: usize = 16;

/// The parsed command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options<'a> {
    /// `console=` (default `com1`).
    pub console: Consoles,
    /// `com1=` line settings.
    pub com1: ComConfig,
    /// `dom0_mem=`.
    pub dom0_mem: Dom0Mem,
    /// `dom0_max_vcpus=` (`None`: all pCPUs).
    pub dom0_max_vcpus: Option<u32>,
    /// `loglvl=` (default `warning`, as Xen's release builds).
    pub loglvl: LogLevel,
    /// `guest_loglvl=` (default `all`, so guests' `console_io` output
    /// reaches the serial log as on a debug build of Xen).
    pub guest_loglvl: LogLevel,
    /// `noreboot`: on a crash of the hypervisor, stay halted.
    pub noreboot: bool,
    /// `sched=`.
    pub sched: Scheduler,
    /// `maxcpus=` (`None`: all CPUs the firmware lists).
    pub maxcpus: Option<u32>,
    /// `dom0=pvh` is the only dom0 mode; recorded for the log.
    pub dom0_pvh: bool,
    warnings: [Option<Warning<'a>>; MAX_WARNINGS],
    dropped_warnings: usize,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Self {
            console: Consoles {
                com1: true,
                ..Consoles::default()
            },
            com1: ComConfig::default(),
            dom0_mem: Dom0Mem::default(),
            dom0_max_vcpus: None,
            loglvl: LogLevel::Warning,
            guest_loglvl: LogLevel::All,
            noreboot: false,
            sched: Scheduler::Credit,
            maxcpus: None,
            dom0_pvh: true,
            warnings: [None; MAX_WARNINGS],
            dropped_warnings: 0,
        }
    }
}

impl<'a> Options<'a> {
    /// Parses a command line. Never fails: problems become [`Warning`]s.
    pub fn parse(line: &'a str) -> Self {
        let mut o = Self::default();
        for word in line.split_ascii_whitespace() {
            o.apply(word);
        }
        o
    }

    /// The warnings, in command-line order.
    pub fn warnings(&self) -> impl Iterator<Item = Warning<'a>> + '_ {
        self.warnings.iter().flatten().copied()
    }

    /// Warnings beyond [`MAX_WARNINGS`] that were counted but not kept.
    pub fn dropped_warnings(&self) -> usize {
        self.dropped_warnings
    }

    fn warn(&mut self, w: Warning<'a>) {
        match self.warnings.iter_mut().find(|s| s.is_none()) {
            Some(slot) => *slot = Some(w),
            None => self.dropped_warnings += 1,
        }
    }

    fn apply(&mut self, word: &'a str) {
        let (name, value) = match word.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (word, None),
        };
        // Xen treats '-' and '_' in option names alike.
        let mut buf = [0u8; 32];
        let Some(key) = normalise(name, &mut buf) else {
            self.warn(Warning::Unknown(name));
            return;
        };
        let ok = match (key, value) {
            ("console", Some(v)) => parse_consoles(v).map(|c| self.console = c),
            ("com1", Some(v)) => parse_com(v).map(|c| self.com1 = c),
            ("dom0_mem", Some(v)) => parse_dom0_mem(v).map(|m| self.dom0_mem = m),
            ("dom0_max_vcpus", Some(v)) => parse_max_vcpus(v).map(|n| self.dom0_max_vcpus = n),
            ("loglvl", Some(v)) => parse_loglvl(v).map(|l| self.loglvl = l),
            ("guest_loglvl", Some(v)) => parse_loglvl(v).map(|l| self.guest_loglvl = l),
            ("noreboot", v) => parse_bool(v).map(|b| self.noreboot = b),
            ("no-noreboot", None) => parse_bool(Some("0")).map(|b| self.noreboot = b),
            ("sched", Some("credit")) => Some(Scheduler::Credit).map(|s| self.sched = s),
            ("sched", Some(_)) => None,
            ("maxcpus", Some(v)) => parse_u32(v).map(|n| self.maxcpus = Some(n)),
            ("dom0", Some(v)) => parse_dom0(v).map(|p| self.dom0_pvh = p),
            _ => {
                self.warn(Warning::Unknown(name));
                return;
            }
        };
        if ok.is_none() {
            self.warn(Warning::BadValue {
                name,
                value: value.unwrap_or(""),
            });
        }
    }
}

/// Lower-cases nothing (Xen's names are case-sensitive) but maps `-` to `_`
/// except in a leading `no-`.
fn normalise<'b>(name: &str, buf: &'b mut [u8; 32]) -> Option<&'b str> {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() > buf.len() {
        return None;
    }
    let keep_prefix = name.starts_with("no-");
    for (i, &b) in bytes.iter().enumerate() {
        buf[i] = if b == b'-' && !(keep_prefix && i == 2) {
            b'_'
        } else {
            b
        };
    }
    core::str::from_utf8(&buf[..bytes.len()]).ok()
}

fn parse_bool(v: Option<&str>) -> Option<bool> {
    match v {
        None | Some("1" | "yes" | "on" | "true" | "enable") => Some(true),
        Some("0" | "no" | "off" | "false" | "disable") => Some(false),
        _ => None,
    }
}

fn parse_u32(v: &str) -> Option<u32> {
    v.parse().ok()
}

fn parse_max_vcpus(v: &str) -> Option<Option<u32>> {
    // Xen also accepts `<min>-<max>`; the upper bound is what limits dom0.
    let n = match v.split_once('-') {
        Some((lo, hi)) => {
            let (lo, hi) = (parse_u32(lo)?, parse_u32(hi)?);
            (lo <= hi).then_some(hi)?
        }
        None => parse_u32(v)?,
    };
    (n > 0).then_some(Some(n))
}

fn parse_consoles(v: &str) -> Option<Consoles> {
    let mut c = Consoles::default();
    for part in v.split(',') {
        match part {
            "com1" => c.com1 = true,
            "com2" => c.com2 = true,
            "vga" => c.vga = true,
            "none" => {}
            _ => return None,
        }
    }
    Some(c)
}

fn parse_com(v: &str) -> Option<ComConfig> {
    let mut c = ComConfig::default();
    let mut parts = v.split(',');
    match parts.next()? {
        "auto" => c.baud = None,
        b => {
            let baud = parse_u32(b)?;
            if baud == 0 || baud > 115_200 * 8 {
                return None;
            }
            c.baud = Some(baud);
        }
    }
    if let Some(dps) = parts.next() {
        let d = dps.as_bytes();
        if d.len() != 3 {
            return None;
        }
        c.data_bits = match d[0] {
            b'5'..=b'8' => d[0] - b'0',
            _ => return None,
        };
        c.parity = match d[1] {
            b'n' => Parity::None,
            b'o' => Parity::Odd,
            b'e' => Parity::Even,
            _ => return None,
        };
        c.stop_bits = match d[2] {
            b'1' | b'2' => d[2] - b'0',
            _ => return None,
        };
    }
    // I/O base, IRQ and PCI location may follow; they are not used here.
    Some(c)
}

/// A size with Xen's suffixes: `B`, `K`, `M`, `G`, `T` (default `K`).
pub fn parse_size(v: &str) -> Option<u64> {
    let digits = v.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let n: u64 = v[..digits].parse().ok()?;
    let shift = match &v[digits..] {
        "b" | "B" => 0,
        "" | "k" | "K" => 10,
        "m" | "M" => 20,
        "g" | "G" => 30,
        "t" | "T" => 40,
        _ => return None,
    };
    n.checked_mul(1u64 << shift)
}

fn parse_dom0_mem(v: &str) -> Option<Dom0Mem> {
    let mut m = Dom0Mem::default();
    for part in v.split(',') {
        if let Some(s) = part.strip_prefix("min:") {
            m.min = Some(parse_size(s)?);
        } else if let Some(s) = part.strip_prefix("max:") {
            m.max = Some(parse_size(s)?);
        } else {
            m.amount = Some(parse_size(part)?);
        }
    }
    if let (Some(lo), Some(hi)) = (m.min, m.max) {
        if lo > hi {
            return None;
        }
    }
    Some(m)
}

fn parse_loglvl(v: &str) -> Option<LogLevel> {
    // Xen accepts `<lvl>` or `<lvl>/<rate-limited lvl>`; the first governs.
    let lvl = v.split('/').next()?;
    Some(match lvl {
        "none" => LogLevel::None,
        "error" => LogLevel::Error,
        "warning" => LogLevel::Warning,
        "info" => LogLevel::Info,
        "debug" => LogLevel::Debug,
        "all" => LogLevel::All,
        _ => return None,
    })
}

fn parse_dom0(v: &str) -> Option<bool> {
    let mut pvh = None;
    for part in v.split(',') {
        match part {
            "pvh" => pvh = Some(true),
            // A PV dom0 needs the PV MMU this hypervisor does not have.
            "pv" => return None,
            _ => {}
        }
    }
    Some(pvh.unwrap_or(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_manuals_boot_line() {
        let o = Options::parse(
            "console=com1,vga com1=115200,8n1 dom0_mem=512M loglvl=all guest_loglvl=all noreboot sched=credit maxcpus=2 dom0_max_vcpus=1",
        );
        assert_eq!(
            o.console,
            Consoles {
                com1: true,
                com2: false,
                vga: true
            }
        );
        assert_eq!(o.com1.baud, Some(115_200));
        assert_eq!(o.dom0_mem.amount, Some(512 << 20));
        assert_eq!(o.loglvl, LogLevel::All);
        assert!(o.noreboot);
        assert_eq!(o.maxcpus, Some(2));
        assert_eq!(o.dom0_max_vcpus, Some(1));
        assert_eq!(o.warnings().count(), 0);
    }

    #[test]
    fn unknown_and_malformed_options_warn_and_keep_defaults() {
        let o = Options::parse("frobnicate=3 com1=fast dom0_mem=12Q loglvl=loud sched=rtds x");
        let w: std::vec::Vec<_> = o.warnings().collect();
        assert_eq!(
            w,
            [
                Warning::Unknown("frobnicate"),
                Warning::BadValue {
                    name: "com1",
                    value: "fast"
                },
                Warning::BadValue {
                    name: "dom0_mem",
                    value: "12Q"
                },
                Warning::BadValue {
                    name: "loglvl",
                    value: "loud"
                },
                Warning::BadValue {
                    name: "sched",
                    value: "rtds"
                },
                Warning::Unknown("x"),
            ]
        );
        assert_eq!(o.com1, ComConfig::default());
        assert_eq!(o.loglvl, LogLevel::Warning);
    }

    #[test]
    fn sizes_and_dom0_mem_forms() {
        assert_eq!(parse_size("4096"), Some(4096 << 10));
        assert_eq!(parse_size("1G"), Some(1 << 30));
        assert_eq!(parse_size("99999999999T"), None);
        assert_eq!(parse_size("M"), None);
        let o = Options::parse("dom0_mem=min:128M,max:1G,512M");
        assert_eq!(
            o.dom0_mem,
            Dom0Mem {
                amount: Some(512 << 20),
                min: Some(128 << 20),
                max: Some(1 << 30)
            }
        );
        let o = Options::parse("dom0_mem=min:2G,max:1G");
        assert_eq!(o.warnings().count(), 1);
    }

    #[test]
    fn dashes_booleans_and_ranges() {
        let o = Options::parse("dom0-max-vcpus=1-4 noreboot=0 com1=9600,7e2 dom0=pvh,verbose");
        assert_eq!(o.dom0_max_vcpus, Some(4));
        assert!(!o.noreboot);
        assert_eq!(
            o.com1,
            ComConfig {
                baud: Some(9600),
                data_bits: 7,
                parity: Parity::Even,
                stop_bits: 2
            }
        );
        assert!(o.dom0_pvh);
        assert_eq!(o.warnings().count(), 0);
        let o = Options::parse("dom0=pv dom0_max_vcpus=0 dom0_max_vcpus=4-1");
        assert_eq!(o.warnings().count(), 3);
    }

    #[test]
    fn warnings_are_bounded() {
        let mut line = std::string::String::new();
        for i in 0..40 {
            line.push_str(&std::format!("bogus{i} "));
        }
        let o = Options::parse(&line);
        assert_eq!(o.warnings().count(), MAX_WARNINGS);
        assert_eq!(o.dropped_warnings(), 40 - MAX_WARNINGS);
    }

    proptest::proptest! {
        #[test]
        fn any_line_parses_without_panic(line in ".{0,300}") {
            let o = Options::parse(&line);
            proptest::prop_assert!(o.warnings().count() <= MAX_WARNINGS);
        }
    }
}
