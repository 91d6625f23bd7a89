//! XenBus device states (`io/xenbus.h`), as frontends and backends publish
//! them in their xenstore `state` nodes.

/// `enum xenbus_state` (`io/xenbus.h`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u32)]
pub enum XenbusState {
    /// `XenbusStateUnknown`: no state published yet.
    Unknown = 0,
    /// `XenbusStateInitialising`: setting up.
    Initialising = 1,
    /// `XenbusStateInitWait`: early setup done, waiting for the peer or hotplug.
    InitWait = 2,
    /// `XenbusStateInitialised`: waiting for the peer to connect.
    Initialised = 3,
    /// `XenbusStateConnected`: normal operation.
    Connected = 4,
    /// `XenbusStateClosing`: the device is being shut down.
    Closing = 5,
    /// `XenbusStateClosed`: disconnected.
    Closed = 6,
    /// `XenbusStateReconfiguring`: renegotiating (e.g. after resume).
    Reconfiguring = 7,
    /// `XenbusStateReconfigured`: renegotiation done.
    Reconfigured = 8,
}

impl XenbusState {
    /// Every state in numeric order.
    pub const ALL: [Self; 9] = [
        Self::Unknown,
        Self::Initialising,
        Self::InitWait,
        Self::Initialised,
        Self::Connected,
        Self::Closing,
        Self::Closed,
        Self::Reconfiguring,
        Self::Reconfigured,
    ];

    /// The name Linux prints for this state.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Unknown => "Unknown",
            Self::Initialising => "Initialising",
            Self::InitWait => "InitWait",
            Self::Initialised => "Initialised",
            Self::Connected => "Connected",
            Self::Closing => "Closing",
            Self::Closed => "Closed",
            Self::Reconfiguring => "Reconfiguring",
            Self::Reconfigured => "Reconfigured",
        }
    }
}

impl TryFrom<u32> for XenbusState {
    type Error = u32;

    fn try_from(v: u32) -> Result<Self, u32> {
        Self::ALL.get(v as usize).copied().ok_or(v)
    }
}

/// Displays the decimal number xenstore stores (`"4"` for Connected).
impl core::fmt::Display for XenbusState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", *self as u32)
    }
}

/// Parses the decimal number stored in a `state` node (surrounding
/// whitespace allowed, as xenstore values written by shells carry none but
/// tools may add a newline).
impl core::str::FromStr for XenbusState {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        let n: u32 = s.trim().parse().map_err(|_| ())?;
        Self::try_from(n).map_err(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_text() {
        for s in XenbusState::ALL {
            assert_eq!(XenbusState::try_from(s as u32), Ok(s));
            let mut buf = [0u8; 4];
            let text = {
                use core::fmt::Write;
                struct W<'a>(&'a mut [u8], usize);
                impl Write for W<'_> {
                    fn write_str(&mut self, s: &str) -> core::fmt::Result {
                        self.0[self.1..self.1 + s.len()].copy_from_slice(s.as_bytes());
                        self.1 += s.len();
                        Ok(())
                    }
                }
                let mut w = W(&mut buf, 0);
                write!(w, "{s}").unwrap();
                let n = w.1;
                core::str::from_utf8(&buf[..n])
                    .unwrap()
                    .parse::<XenbusState>()
            };
            assert_eq!(text, Ok(s));
        }
        assert_eq!(XenbusState::try_from(9), Err(9));
        assert_eq!("4\n".parse::<XenbusState>(), Ok(XenbusState::Connected));
        assert_eq!("x".parse::<XenbusState>(), Err(()));
        assert_eq!(XenbusState::InitWait.name(), "InitWait");
    }
}
