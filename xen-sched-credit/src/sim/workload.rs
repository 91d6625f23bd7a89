//! Workload files: what the simulated machine runs.
//!
//! A workload is a plain text file, one directive per line; `#` starts a
//! comment. Times take a unit: `ns`, `us`, `ms` or `s` (decimals allowed,
//! e.g. `2.5ms`). pCPU lists use the `xl vcpu-pin` syntax (`0-3,^2,6`,
//! `all`).
//!
//! ```text
//! pcpus 4                 # pCPUs 0..4 (required)
//! duration 10s            # simulated time (default 10s)
//! measure-from 1s         # ignore the warm-up for shares and latencies
//! seed 42                 # RNG seed for I/O jitter (default 1)
//! sample 100ms            # plot resolution (default 100ms)
//! tslice 30ms             # sched_credit_tslice_ms
//! ratelimit 1000us        # sched_ratelimit_us (0 disables)
//! migration-delay 0us     # vcpu_migration_delay
//! acct-offset 0ms         # phase of the accounting timer vs the ticks
//! timer-slop 0us          # decision timers fire up to this much late
//!
//! # A domain: every vCPU gets the same load and affinity unless a vcpu
//! # line overrides it.
//! domain web vcpus=2 weight=512 cap=0 load=hog
//! domain db  vcpus=1 load=io:200us:5ms:20   # run 200µs, sleep 5ms ±20%
//! domain batch vcpus=2 online=1 load=hog pin=0 soft=1
//! vcpu batch.1 load=idle                    # never runs
//!
//! # Toolstack commands at a given time, in xl/xm syntax.
//! at 2s sched-credit -d web -w 256 -c 50
//! at 3s vcpu-pin web 0 1-3
//! at 3s vcpu-pin web all all 2        # hard all, soft 2
//! at 4s vcpu-set batch 2
//! at 5s pcpu-remove 3
//! at 6s pcpu-add 3
//! at 7s pause db
//! at 8s unpause db
//! ```
//!
//! Loads: `hog` is always runnable; `io:<burst>:<think>[:<jitter%>]` runs
//! for `burst` of CPU time, then blocks for `think` (both varied by the
//! jitter); `idle` never wakes.

use std::fmt;
use std::str::FromStr;

use crate::{CpuMask, SchedParams};

/// What a vCPU does with the CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Load {
    /// Always runnable.
    Hog,
    /// Alternates CPU bursts and sleeps.
    Io {
        /// CPU time per burst, ns.
        burst_ns: u64,
        /// Sleep between bursts, ns.
        think_ns: u64,
        /// Random variation of both, percent.
        jitter_pct: u32,
    },
    /// Never runs.
    Idle,
}

impl Load {
    /// Long-run fraction of one pCPU this load would use if never delayed.
    pub fn demand(&self) -> f64 {
        match *self {
            Load::Hog => 1.0,
            Load::Io {
                burst_ns, think_ns, ..
            } => burst_ns as f64 / (burst_ns + think_ns).max(1) as f64,
            Load::Idle => 0.0,
        }
    }
}

/// One vCPU's setup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VcpuSpec {
    /// Its load.
    pub load: Load,
    /// Hard affinity (`None` = all pCPUs).
    pub hard: Option<CpuMask>,
    /// Soft affinity (`None` = all pCPUs).
    pub soft: Option<CpuMask>,
}

/// One domain's setup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainSpec {
    /// Name used by commands and reports.
    pub name: String,
    /// Domain id (default: 1, 2, … in file order).
    pub id: u16,
    /// vCPUs online at start.
    pub online: u32,
    /// Weight.
    pub weight: u32,
    /// Cap (percent of one pCPU, 0 = none).
    pub cap: u32,
    /// Per-vCPU setup; its length is the domain's maximum vCPU count.
    pub vcpus: Vec<VcpuSpec>,
}

/// A toolstack command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `sched-credit -d <dom> [-w W] [-c C]`.
    SchedCredit {
        /// Domain name.
        dom: String,
        /// New weight.
        weight: Option<u32>,
        /// New cap.
        cap: Option<u32>,
    },
    /// `vcpu-pin <dom> <vcpu|all> <hard> [<soft>]`.
    VcpuPin {
        /// Domain name.
        dom: String,
        /// vCPU number, `None` = all.
        vcpu: Option<u32>,
        /// Hard affinity.
        hard: CpuMask,
        /// Soft affinity.
        soft: Option<CpuMask>,
    },
    /// `vcpu-set <dom> <n>`.
    VcpuSet {
        /// Domain name.
        dom: String,
        /// vCPUs online.
        online: u32,
    },
    /// `pcpu-add <p>`.
    PcpuAdd(u32),
    /// `pcpu-remove <p>`.
    PcpuRemove(u32),
    /// `pause <dom>`.
    Pause(String),
    /// `unpause <dom>`.
    Unpause(String),
}

/// A command and when it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimedCommand {
    /// When, ns.
    pub at_ns: u64,
    /// What.
    pub cmd: Command,
}

/// A whole workload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workload {
    /// pCPUs `0..pcpus` at start.
    pub pcpus: u32,
    /// Simulated time, ns.
    pub duration_ns: u64,
    /// Shares are measured from here, ns.
    pub measure_from_ns: u64,
    /// RNG seed.
    pub seed: u64,
    /// Sampling period of the share plot, ns.
    pub sample_ns: u64,
    /// Scheduler parameters.
    pub params: SchedParams,
    /// Delay of the accounting timer's phase relative to the tick grid.
    pub acct_offset_ns: u64,
    /// Each decision timer fires up to this much late (uniformly random),
    /// like real timer and IPI latency; 0 = exact.
    pub timer_slop_ns: u64,
    /// Domains.
    pub domains: Vec<DomainSpec>,
    /// Commands, in time order.
    pub commands: Vec<TimedCommand>,
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            pcpus: 1,
            duration_ns: 10_000_000_000,
            measure_from_ns: 0,
            seed: 1,
            sample_ns: 100_000_000,
            params: SchedParams::default(),
            timer_slop_ns: 0,
            acct_offset_ns: 0,
            domains: Vec::new(),
            commands: Vec::new(),
        }
    }
}

/// A workload file error, with its line number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub msg: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.msg)
    }
}

impl std::error::Error for ParseError {}

/// Parses a duration such as `30ms`, `2.5s` or `100us`.
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| c.is_ascii_alphabetic())
        .ok_or_else(|| format!("duration '{s}' needs a unit (ns, us, ms, s)"))?;
    let (num, unit) = s.split_at(split);
    let mult = match unit {
        "ns" => 1.0,
        "us" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        _ => return Err(format!("unknown time unit '{unit}'")),
    };
    let v: f64 = num.parse().map_err(|_| format!("bad number '{num}'"))?;
    if !(v >= 0.0 && v.is_finite()) {
        return Err(format!("bad duration '{s}'"));
    }
    Ok((v * mult).round() as u64)
}

fn parse_load(s: &str) -> Result<Load, String> {
    match s {
        "hog" => Ok(Load::Hog),
        "idle" => Ok(Load::Idle),
        _ => {
            let rest = s.strip_prefix("io:").ok_or_else(|| {
                format!("unknown load '{s}' (hog, idle, io:<burst>:<think>[:<jitter%>])")
            })?;
            let parts: Vec<&str> = rest.split(':').collect();
            if parts.len() < 2 || parts.len() > 3 {
                return Err(format!("bad io load '{s}'"));
            }
            let burst_ns = parse_duration(parts[0])?;
            let think_ns = parse_duration(parts[1])?;
            let jitter_pct = match parts.get(2) {
                Some(j) => j.parse().map_err(|_| format!("bad jitter '{j}'"))?,
                None => 0,
            };
            if burst_ns == 0 {
                return Err("io burst must be positive".into());
            }
            Ok(Load::Io {
                burst_ns,
                think_ns,
                jitter_pct,
            })
        }
    }
}

fn parse_mask(s: &str) -> Result<CpuMask, String> {
    CpuMask::from_str(s).map_err(|e| e.to_string())
}

fn kv(tok: &str) -> Result<(&str, &str), String> {
    tok.split_once('=')
        .ok_or_else(|| format!("expected key=value, got '{tok}'"))
}

fn num<T: FromStr>(s: &str, what: &str) -> Result<T, String> {
    s.parse().map_err(|_| format!("bad {what} '{s}'"))
}

impl Workload {
    /// Parses a workload file's text.
    pub fn parse(text: &str) -> Result<Workload, ParseError> {
        let mut wl = Workload::default();
        let mut saw_pcpus = false;
        for (n, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let err = |msg: String| ParseError { line: n + 1, msg };
            let toks: Vec<&str> = line.split_whitespace().collect();
            let arg = |i: usize| -> Result<&str, ParseError> {
                toks.get(i)
                    .copied()
                    .ok_or_else(|| err(format!("'{}' needs an argument", toks[0])))
            };
            match toks[0] {
                "pcpus" => {
                    wl.pcpus = num(arg(1)?, "pcpu count").map_err(err)?;
                    saw_pcpus = true;
                }
                "duration" => wl.duration_ns = parse_duration(arg(1)?).map_err(err)?,
                "measure-from" => wl.measure_from_ns = parse_duration(arg(1)?).map_err(err)?,
                "seed" => wl.seed = num(arg(1)?, "seed").map_err(err)?,
                "sample" => wl.sample_ns = parse_duration(arg(1)?).map_err(err)?.max(1),
                "tslice" => {
                    wl.params.tslice_ms = (parse_duration(arg(1)?).map_err(err)? / 1_000_000) as u32
                }
                "ratelimit" => {
                    wl.params.ratelimit_us = (parse_duration(arg(1)?).map_err(err)? / 1000) as u32
                }
                "acct-offset" => wl.acct_offset_ns = parse_duration(arg(1)?).map_err(err)?,
                "timer-slop" => wl.timer_slop_ns = parse_duration(arg(1)?).map_err(err)?,
                "migration-delay" => {
                    wl.params.migration_delay_us =
                        (parse_duration(arg(1)?).map_err(err)? / 1000) as u32
                }
                "domain" => {
                    let d = Self::parse_domain(&toks, wl.domains.len()).map_err(err)?;
                    if wl.domains.iter().any(|x| x.name == d.name) {
                        return Err(err(format!("domain '{}' defined twice", d.name)));
                    }
                    wl.domains.push(d);
                }
                "vcpu" => Self::parse_vcpu(&toks, &mut wl.domains).map_err(err)?,
                "at" => {
                    let at_ns = parse_duration(arg(1)?).map_err(err)?;
                    let cmd = Self::parse_command(&toks[2..]).map_err(err)?;
                    wl.commands.push(TimedCommand { at_ns, cmd });
                }
                other => return Err(err(format!("unknown directive '{other}'"))),
            }
        }
        if !saw_pcpus || wl.pcpus == 0 {
            return Err(ParseError {
                line: 0,
                msg: "the workload must say 'pcpus <n>' with n > 0".into(),
            });
        }
        wl.params.validate().map_err(|e| ParseError {
            line: 0,
            msg: e.to_string(),
        })?;
        wl.commands.sort_by_key(|c| c.at_ns);
        Ok(wl)
    }

    fn parse_domain(toks: &[&str], index: usize) -> Result<DomainSpec, String> {
        let name = toks.get(1).ok_or("domain needs a name")?.to_string();
        let mut id = (index + 1) as u16;
        let mut vcpus = 1u32;
        let mut online = None;
        let mut weight = u32::from(crate::params::DEFAULT_WEIGHT);
        let mut cap = 0;
        let mut spec = VcpuSpec {
            load: Load::Hog,
            hard: None,
            soft: None,
        };
        for t in &toks[2..] {
            let (k, v) = kv(t)?;
            match k {
                "id" => id = num(v, "id")?,
                "vcpus" => vcpus = num(v, "vcpu count")?,
                "online" => online = Some(num(v, "online count")?),
                "weight" => weight = num(v, "weight")?,
                "cap" => cap = num(v, "cap")?,
                "load" => spec.load = parse_load(v)?,
                "pin" => spec.hard = Some(parse_mask(v)?),
                "soft" => spec.soft = Some(parse_mask(v)?),
                _ => return Err(format!("unknown domain option '{k}'")),
            }
        }
        if vcpus == 0 {
            return Err("a domain needs at least one vcpu".into());
        }
        Ok(DomainSpec {
            name,
            id,
            online: online.unwrap_or(vcpus).min(vcpus),
            weight,
            cap,
            vcpus: vec![spec; vcpus as usize],
        })
    }

    fn parse_vcpu(toks: &[&str], doms: &mut [DomainSpec]) -> Result<(), String> {
        let target = toks.get(1).ok_or("vcpu needs <domain>.<n>")?;
        let (dn, vn) = target
            .rsplit_once('.')
            .ok_or_else(|| format!("expected <domain>.<n>, got '{target}'"))?;
        let vn: usize = num(vn, "vcpu number")?;
        let d = doms
            .iter_mut()
            .find(|d| d.name == dn)
            .ok_or_else(|| format!("unknown domain '{dn}'"))?;
        let spec = d
            .vcpus
            .get_mut(vn)
            .ok_or_else(|| format!("domain '{dn}' has no vcpu {vn}"))?;
        for t in &toks[2..] {
            let (k, v) = kv(t)?;
            match k {
                "load" => spec.load = parse_load(v)?,
                "pin" => spec.hard = Some(parse_mask(v)?),
                "soft" => spec.soft = Some(parse_mask(v)?),
                _ => return Err(format!("unknown vcpu option '{k}'")),
            }
        }
        Ok(())
    }

    fn parse_command(t: &[&str]) -> Result<Command, String> {
        let name = t.first().ok_or("'at' needs a command")?;
        let get = |i: usize| {
            t.get(i)
                .copied()
                .ok_or_else(|| format!("{name}: missing argument"))
        };
        Ok(match *name {
            "sched-credit" => {
                let (mut dom, mut weight, mut cap) = (None, None, None);
                let mut i = 1;
                while i < t.len() {
                    let v = get(i + 1)?;
                    match t[i] {
                        "-d" => dom = Some(v.to_string()),
                        "-w" => weight = Some(num(v, "weight")?),
                        "-c" => cap = Some(num(v, "cap")?),
                        o => return Err(format!("sched-credit: unknown option '{o}'")),
                    }
                    i += 2;
                }
                Command::SchedCredit {
                    dom: dom.ok_or("sched-credit: -d <domain> is required")?,
                    weight,
                    cap,
                }
            }
            "vcpu-pin" => Command::VcpuPin {
                dom: get(1)?.to_string(),
                vcpu: match get(2)? {
                    "all" => None,
                    v => Some(num(v, "vcpu")?),
                },
                hard: parse_mask(get(3)?)?,
                soft: t.get(4).map(|s| parse_mask(s)).transpose()?,
            },
            "vcpu-set" => Command::VcpuSet {
                dom: get(1)?.to_string(),
                online: num(get(2)?, "vcpu count")?,
            },
            "pcpu-add" => Command::PcpuAdd(num(get(1)?, "pcpu")?),
            "pcpu-remove" => Command::PcpuRemove(num(get(1)?, "pcpu")?),
            "pause" => Command::Pause(get(1)?.to_string()),
            "unpause" => Command::Unpause(get(1)?.to_string()),
            o => return Err(format!("unknown command '{o}'")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30ms"), Ok(30_000_000));
        assert_eq!(parse_duration("2.5s"), Ok(2_500_000_000));
        assert_eq!(parse_duration("100us"), Ok(100_000));
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("10h").is_err());
    }

    #[test]
    fn full_example_parses() {
        let wl = Workload::parse(
            "pcpus 4\nduration 2s\nratelimit 500us\n\
             domain web vcpus=2 weight=512 load=hog # comment\n\
             domain db load=io:200us:5ms:20\n\
             domain batch vcpus=2 online=1 pin=0 soft=1\n\
             vcpu batch.1 load=idle\n\
             at 1s sched-credit -d web -w 256 -c 50\n\
             at 0.5s vcpu-pin web all 1-3 2\n\
             at 1.5s vcpu-set batch 2\nat 1s pcpu-remove 3\n",
        )
        .unwrap();
        assert_eq!(wl.pcpus, 4);
        assert_eq!(wl.params.ratelimit_us, 500);
        assert_eq!(wl.domains.len(), 3);
        assert_eq!(wl.domains[0].weight, 512);
        assert_eq!(
            wl.domains[1].vcpus[0].load,
            Load::Io {
                burst_ns: 200_000,
                think_ns: 5_000_000,
                jitter_pct: 20
            }
        );
        assert_eq!(wl.domains[2].online, 1);
        assert_eq!(wl.domains[2].vcpus[1].load, Load::Idle);
        assert_eq!(wl.domains[2].vcpus[0].hard.unwrap().to_string(), "0");
        assert_eq!(wl.commands[0].at_ns, 500_000_000);
        assert!(matches!(
            wl.commands[0].cmd,
            Command::VcpuPin { vcpu: None, .. }
        ));
        assert_eq!(
            wl.commands[1].cmd,
            Command::SchedCredit {
                dom: "web".into(),
                weight: Some(256),
                cap: Some(50)
            }
        );
    }

    #[test]
    fn errors_carry_line_numbers() {
        let e = Workload::parse("pcpus 2\ndomain a load=fast\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.msg.contains("unknown load"));
        assert!(Workload::parse("domain a\n").is_err());
        let e = Workload::parse("pcpus 1\nratelimit 50us\n").unwrap_err();
        assert!(e.msg.contains("Ratelimit out of range"));
    }
}
