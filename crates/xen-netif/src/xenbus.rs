//! Feature negotiation over xenstore: the keys netback and netfront
//! exchange, written and read through xen-bus's [`XenStore`] trait.
//!
//! Backend directory, at probe: `feature-sg`, `feature-gso-tcpv4`,
//! `feature-gso-tcpv6`, `feature-rx-copy = 1`, `feature-rx-flip = 0`,
//! `feature-split-event-channels`, `multi-queue-max-queues`, and the
//! device's `mac` and `handle`.
//!
//! Frontend directory: `tx-ring-ref`, `rx-ring-ref` and `event-channel`
//! (or `event-channel-tx` + `event-channel-rx`) at the top for one queue,
//! or `multi-queue-num-queues = N` and the same keys under `queue-0` …
//! `queue-<N-1>`; then `request-rx-copy`, `feature-rx-notify`,
//! `feature-sg`, `feature-gso-tcpv4`, `feature-gso-tcpv6`,
//! `feature-no-csum-offload`.
//!
//! The backend refuses, as Linux's netback does
//! (`read_xenbus_vif_flags`), a frontend that does not write
//! `request-rx-copy = 1`: [`NegotiationError::NoRxCopy`], reported with
//! `EOPNOTSUPP` (xen-bus then writes the `error` node and goes
//! `Closing`). It also refuses more queues than it offered, split event
//! channels it did not offer, and any malformed number. A missing
//! `feature-rx-notify` is recorded, not refused.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use xen_bus::store::read_str;
use xen_bus::{DriverError, StoreError, Tx, XenStore};

use crate::mac::Mac;

/// `EOPNOTSUPP`, as netback reports a frontend without rx-copy.
pub const EOPNOTSUPP: i32 = 95;
/// `EINVAL`.
pub const EINVAL: i32 = 22;

/// A key was missing, malformed, or asks for what is not offered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NegotiationError {
    /// The store failed.
    #[error("xenstore: {0}")]
    Store(#[from] StoreError),
    /// A required key is absent or not a valid value.
    #[error("bad or missing key {0}")]
    BadKey(String),
    /// The frontend did not write `request-rx-copy = 1`.
    #[error("frontend does not request rx-copy (page flipping is not supported)")]
    NoRxCopy,
    /// More queues than `multi-queue-max-queues`.
    #[error("frontend asks for {asked} queues, at most {max} offered")]
    TooManyQueues {
        /// `multi-queue-num-queues`.
        asked: u32,
        /// What the backend offered.
        max: u32,
    },
    /// Split event channels used without being offered.
    #[error("split event channels not offered")]
    SplitNotOffered,
}

impl NegotiationError {
    /// The error as a xen-bus driver failure (`EOPNOTSUPP` for a
    /// frontend without rx-copy, `EINVAL` otherwise).
    pub fn to_driver_error(&self) -> DriverError {
        DriverError {
            errno: if *self == NegotiationError::NoRxCopy {
                EOPNOTSUPP
            } else {
                EINVAL
            },
            message: format!("{self}"),
        }
    }
}

/// What the backend offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackendFeatures {
    /// `feature-sg`.
    pub sg: bool,
    /// `feature-gso-tcpv4`.
    pub gso_tcpv4: bool,
    /// `feature-gso-tcpv6`.
    pub gso_tcpv6: bool,
    /// `feature-rx-copy` (always written as 1 by this backend).
    pub rx_copy: bool,
    /// `feature-split-event-channels`.
    pub split_event_channels: bool,
    /// `multi-queue-max-queues`.
    pub max_queues: u32,
    /// `mac`: the guest's address.
    pub mac: Mac,
    /// `handle`: the device number.
    pub handle: u32,
}

/// The event channel(s) of one queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventChannels {
    /// One port for both rings (`event-channel`).
    Shared(u32),
    /// `event-channel-tx` and `event-channel-rx`.
    Split {
        /// The TX ring's port.
        tx: u32,
        /// The RX ring's port.
        rx: u32,
    },
}

/// One queue's ring and event-channel keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueKeys {
    /// `tx-ring-ref`.
    pub tx_ring_ref: u32,
    /// `rx-ring-ref`.
    pub rx_ring_ref: u32,
    /// `event-channel` or the split pair.
    pub event_channels: EventChannels,
}

/// What the frontend publishes before going `Initialised`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrontendKeys {
    /// One entry per queue.
    pub queues: Vec<QueueKeys>,
    /// `request-rx-copy`.
    pub rx_copy: bool,
    /// `feature-rx-notify`.
    pub rx_notify: bool,
    /// `feature-sg`.
    pub sg: bool,
    /// `feature-gso-tcpv4`.
    pub gso_tcpv4: bool,
    /// `feature-gso-tcpv6`.
    pub gso_tcpv6: bool,
    /// `feature-no-csum-offload`.
    pub no_csum_offload: bool,
}

use xen_bus::store::{flag, need, read_flag, read_num as num, write_key as w, KeyError};

impl From<KeyError> for NegotiationError {
    fn from(e: KeyError) -> Self {
        match e {
            KeyError::Store(e) => NegotiationError::Store(e),
            KeyError::BadKey(k) => NegotiationError::BadKey(k),
        }
    }
}

impl BackendFeatures {
    /// Backend probe: writes the feature keys under `dir` in `tx`.
    pub fn write<S: XenStore + ?Sized>(
        &self,
        s: &mut S,
        tx: Tx,
        dir: &str,
    ) -> Result<(), StoreError> {
        w(s, tx, dir, "feature-sg", flag(self.sg))?;
        w(s, tx, dir, "feature-gso-tcpv4", flag(self.gso_tcpv4))?;
        w(s, tx, dir, "feature-gso-tcpv6", flag(self.gso_tcpv6))?;
        w(s, tx, dir, "feature-rx-copy", flag(self.rx_copy))?;
        w(s, tx, dir, "feature-rx-flip", "0")?;
        w(
            s,
            tx,
            dir,
            "feature-split-event-channels",
            flag(self.split_event_channels),
        )?;
        w(
            s,
            tx,
            dir,
            "multi-queue-max-queues",
            &format!("{}", self.max_queues),
        )?;
        w(s, tx, dir, "mac", &format!("{}", self.mac))?;
        w(s, tx, dir, "handle", &format!("{}", self.handle))
    }

    /// Frontend: reads what the backend offers (absent features: not
    /// offered; `mac` required).
    pub fn read<S: XenStore + ?Sized>(s: &mut S, dir: &str) -> Result<Self, NegotiationError> {
        let mac = read_str(s, Tx::NONE, &format!("{dir}/mac"))?
            .and_then(|m| m.parse().ok())
            .ok_or_else(|| NegotiationError::BadKey(format!("{dir}/mac")))?;
        Ok(BackendFeatures {
            sg: read_flag(s, dir, "feature-sg")?,
            gso_tcpv4: read_flag(s, dir, "feature-gso-tcpv4")?,
            gso_tcpv6: read_flag(s, dir, "feature-gso-tcpv6")?,
            rx_copy: read_flag(s, dir, "feature-rx-copy")?,
            split_event_channels: read_flag(s, dir, "feature-split-event-channels")?,
            max_queues: num(s, dir, "multi-queue-max-queues")?.unwrap_or(1),
            mac,
            handle: num(s, dir, "handle")?.unwrap_or(0),
        })
    }
}

impl QueueKeys {
    fn write<S: XenStore + ?Sized>(&self, s: &mut S, tx: Tx, dir: &str) -> Result<(), StoreError> {
        w(s, tx, dir, "tx-ring-ref", &format!("{}", self.tx_ring_ref))?;
        w(s, tx, dir, "rx-ring-ref", &format!("{}", self.rx_ring_ref))?;
        match self.event_channels {
            EventChannels::Shared(p) => w(s, tx, dir, "event-channel", &format!("{p}")),
            EventChannels::Split { tx: t, rx: r } => {
                w(s, tx, dir, "event-channel-tx", &format!("{t}"))?;
                w(s, tx, dir, "event-channel-rx", &format!("{r}"))
            }
        }
    }

    fn read<S: XenStore + ?Sized>(
        s: &mut S,
        dir: &str,
        split_offered: bool,
    ) -> Result<Self, NegotiationError> {
        let tx_ring_ref = need(num(s, dir, "tx-ring-ref")?, dir, "tx-ring-ref")?;
        let rx_ring_ref = need(num(s, dir, "rx-ring-ref")?, dir, "rx-ring-ref")?;
        let event_channels = match num::<S, u32>(s, dir, "event-channel-tx")? {
            Some(t) => {
                if !split_offered {
                    return Err(NegotiationError::SplitNotOffered);
                }
                let r = need(num(s, dir, "event-channel-rx")?, dir, "event-channel-rx")?;
                EventChannels::Split { tx: t, rx: r }
            }
            None => {
                EventChannels::Shared(need(num(s, dir, "event-channel")?, dir, "event-channel")?)
            }
        };
        Ok(QueueKeys {
            tx_ring_ref,
            rx_ring_ref,
            event_channels,
        })
    }
}

impl FrontendKeys {
    /// Frontend setup: writes the queue and feature keys under `dir` in `tx`.
    pub fn write<S: XenStore + ?Sized>(
        &self,
        s: &mut S,
        tx: Tx,
        dir: &str,
    ) -> Result<(), StoreError> {
        if self.queues.len() == 1 {
            self.queues[0].write(s, tx, dir)?;
        } else {
            w(
                s,
                tx,
                dir,
                "multi-queue-num-queues",
                &format!("{}", self.queues.len()),
            )?;
            for (i, q) in self.queues.iter().enumerate() {
                q.write(s, tx, &format!("{dir}/queue-{i}"))?;
            }
        }
        w(s, tx, dir, "request-rx-copy", flag(self.rx_copy))?;
        w(s, tx, dir, "feature-rx-notify", flag(self.rx_notify))?;
        w(s, tx, dir, "feature-sg", flag(self.sg))?;
        w(s, tx, dir, "feature-gso-tcpv4", flag(self.gso_tcpv4))?;
        w(s, tx, dir, "feature-gso-tcpv6", flag(self.gso_tcpv6))?;
        w(
            s,
            tx,
            dir,
            "feature-no-csum-offload",
            flag(self.no_csum_offload),
        )
    }

    /// Backend connect: reads and validates what the frontend wrote
    /// against what `offered`.
    pub fn read<S: XenStore + ?Sized>(
        s: &mut S,
        dir: &str,
        offered: &BackendFeatures,
    ) -> Result<Self, NegotiationError> {
        if !read_flag(s, dir, "request-rx-copy")? {
            return Err(NegotiationError::NoRxCopy);
        }
        let n: Option<u32> = num(s, dir, "multi-queue-num-queues")?;
        let queues = match n {
            None => alloc::vec![QueueKeys::read(s, dir, offered.split_event_channels)?],
            Some(0) => {
                return Err(NegotiationError::BadKey(format!(
                    "{dir}/multi-queue-num-queues"
                )))
            }
            Some(n) if n > offered.max_queues => {
                return Err(NegotiationError::TooManyQueues {
                    asked: n,
                    max: offered.max_queues,
                })
            }
            Some(n) => (0..n)
                .map(|i| {
                    QueueKeys::read(s, &format!("{dir}/queue-{i}"), offered.split_event_channels)
                })
                .collect::<Result<_, _>>()?,
        };
        Ok(FrontendKeys {
            queues,
            rx_copy: true,
            rx_notify: read_flag(s, dir, "feature-rx-notify")?,
            sg: read_flag(s, dir, "feature-sg")?,
            gso_tcpv4: read_flag(s, dir, "feature-gso-tcpv4")?,
            gso_tcpv6: read_flag(s, dir, "feature-gso-tcpv6")?,
            no_csum_offload: read_flag(s, dir, "feature-no-csum-offload")?,
        })
    }

    /// The RX settings of a backend queue serving this frontend: SG and
    /// GSO only as far as both ends offered them.
    pub fn queue_config(&self, offered: &BackendFeatures) -> crate::backend::QueueConfig {
        crate::backend::QueueConfig {
            rx_sg: self.sg && offered.sg,
            rx_gso_tcpv4: self.gso_tcpv4 && offered.gso_tcpv4,
            rx_gso_tcpv6: self.gso_tcpv6 && offered.gso_tcpv6,
            ..Default::default()
        }
    }
}
