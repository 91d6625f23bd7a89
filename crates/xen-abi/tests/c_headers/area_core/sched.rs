//! C cross-check entries for `xen_abi::sched` (`sched.h`).

use crate::harness::Check;

pub fn register(check: &mut Check) {
    c_struct!(check, xen_abi::sched::SchedShutdown, "struct sched_shutdown" { reason = "reason" });
    c_struct!(check, xen_abi::sched::SchedPoll, "struct sched_poll" { ports = "ports", nr_ports = "nr_ports", timeout = "timeout" });
    c_struct!(check, xen_abi::sched::SchedRemoteShutdown, "struct sched_remote_shutdown" { domain_id = "domain_id", reason = "reason" });
    c_struct!(check, xen_abi::sched::SchedWatchdog, "struct sched_watchdog" { id = "id", timeout = "timeout" });
    c_struct!(check, xen_abi::sched::SchedPinOverride, "struct sched_pin_override" { pcpu = "pcpu" });
    c_const!(check,
        xen_abi::sched::SCHEDOP_YIELD => "SCHEDOP_yield",
        xen_abi::sched::SCHEDOP_BLOCK => "SCHEDOP_block",
        xen_abi::sched::SCHEDOP_SHUTDOWN => "SCHEDOP_shutdown",
        xen_abi::sched::SCHEDOP_POLL => "SCHEDOP_poll",
        xen_abi::sched::SCHEDOP_REMOTE_SHUTDOWN => "SCHEDOP_remote_shutdown",
        xen_abi::sched::SCHEDOP_SHUTDOWN_CODE => "SCHEDOP_shutdown_code",
        xen_abi::sched::SCHEDOP_WATCHDOG => "SCHEDOP_watchdog",
        xen_abi::sched::SCHEDOP_PIN_OVERRIDE => "SCHEDOP_pin_override",
        xen_abi::sched::SHUTDOWN_POWEROFF => "SHUTDOWN_poweroff",
        xen_abi::sched::SHUTDOWN_REBOOT => "SHUTDOWN_reboot",
        xen_abi::sched::SHUTDOWN_SUSPEND => "SHUTDOWN_suspend",
        xen_abi::sched::SHUTDOWN_CRASH => "SHUTDOWN_crash",
        xen_abi::sched::SHUTDOWN_WATCHDOG => "SHUTDOWN_watchdog",
        xen_abi::sched::SHUTDOWN_SOFT_RESET => "SHUTDOWN_soft_reset",
        xen_abi::sched::SHUTDOWN_MAX => "SHUTDOWN_MAX",
    );
}
