//! The XenBus state machine: which state changes each end may make.
//!
//! The states themselves are xen-abi's [`XenbusState`]. The tables below are
//! the transitions Linux's frontends (blkfront, netfront, pcifront) and
//! backends (blkback, netback, pciback) actually make, so an endpoint of this
//! crate refuses to publish anything a Linux peer would not expect:
//!
//! * frontend: `Initialising → Initialised → Connected` (netfront skips
//!   `Initialised`), `Connected → Reconfiguring → Connected` (pcifront),
//!   anything live `→ Closing → Closed` or straight `→ Closed`
//!   (`xenbus_frontend_closed`), and `Closed → Initialising / Initialised /
//!   Connected` when a backend that went away comes back (blkfront
//!   reconnects from `Closed` on the backend's `InitWait`).
//! * backend: `Initialising → InitWait → Connected`, `Connected →
//!   Reconfiguring → Reconfigured → Connected` (pciback), anything live
//!   `→ Closing → Closed` or `→ Closed`, and `Closed → InitWait` when the
//!   frontend starts over (blkback's `frontend_changed` on `Initialising`).
//!
//! Staying in the same state is always allowed (a no-op, as
//! `xenbus_switch_state` makes it). `Unknown` is never a target.

use xen_abi::io::xenbus::XenbusState;

/// Which end of a split device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The guest side (`/local/domain/<d>/device/...`).
    Frontend,
    /// The driver-domain side (`/local/domain/<b>/backend/...`).
    Backend,
}

/// Whether `role` may go from `from` to `to`.
pub fn is_legal(role: Role, from: XenbusState, to: XenbusState) -> bool {
    use XenbusState::*;
    if from == to {
        return true;
    }
    if to == Unknown {
        return false;
    }
    // Closing down is legal from every live state.
    let live = !matches!(from, Closed | Unknown);
    if live && matches!(to, Closing | Closed) {
        return !(from == Closing && to == Closing);
    }
    match role {
        Role::Frontend => matches!(
            (from, to),
            (Unknown, Initialising)
                | (Initialising, Initialised | Connected)
                | (Initialised, Connected)
                | (Connected, Reconfiguring)
                | (Reconfiguring, Reconfigured | Connected)
                | (Reconfigured, Connected)
                | (Closed, Initialising | Initialised | Connected)
        ),
        Role::Backend => matches!(
            (from, to),
            (Unknown, Initialising)
                | (Initialising, InitWait)
                | (InitWait, Connected)
                | (Connected, Reconfiguring)
                | (Reconfiguring, Reconfigured)
                | (Reconfigured, Connected)
                | (Closed, Initialising | InitWait)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use XenbusState::*;

    #[test]
    fn linux_paths_are_legal() {
        let fe = [
            Initialising,
            Initialised,
            Connected,
            Closing,
            Closed,
            Initialised,
        ];
        for w in fe.windows(2) {
            assert!(is_legal(Role::Frontend, w[0], w[1]), "{w:?}");
        }
        let be = [
            Initialising,
            InitWait,
            Connected,
            Reconfiguring,
            Reconfigured,
            Connected,
            Closed,
            InitWait,
        ];
        for w in be.windows(2) {
            assert!(is_legal(Role::Backend, w[0], w[1]), "{w:?}");
        }
    }

    #[test]
    fn wrong_side_and_backwards_moves_are_refused() {
        assert!(!is_legal(Role::Frontend, Initialising, InitWait));
        assert!(!is_legal(Role::Backend, Initialising, Initialised));
        assert!(!is_legal(Role::Backend, Connected, InitWait));
        assert!(!is_legal(Role::Frontend, Closing, Connected));
        assert!(!is_legal(Role::Backend, Closed, Closing));
        for r in [Role::Frontend, Role::Backend] {
            for s in XenbusState::ALL {
                assert!(is_legal(r, s, s));
                assert_eq!(is_legal(r, s, Unknown), s == Unknown);
            }
        }
    }
}
