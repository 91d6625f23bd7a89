//! The xenstore wire format: the 16-byte `xsd_sockmsg` header, message types,
//! payload limits and frame encoding, shared by the store core, the socket
//! and ring transports and the clients.
//!
//! Header fields are `uint32_t` in host byte order (`xs_wire.h`).
//! TEMPORARY: the numbers below duplicate `xs_wire.h` until `xen-abi`'s
//! `xs_wire` module lands; they will then be re-exported from there.

use alloc::vec::Vec;

/// Size of the message header (`struct xsd_sockmsg`).
pub const HEADER_LEN: usize = 16;
/// `XENSTORE_PAYLOAD_MAX`: largest payload in either direction.
pub const PAYLOAD_MAX: usize = 4096;
/// `XENSTORE_ABS_PATH_MAX`.
pub const ABS_PATH_MAX: usize = 3072;
/// `XENSTORE_REL_PATH_MAX`.
pub const REL_PATH_MAX: usize = 2048;

/// Message types (`enum xsd_sockmsg_type`).
#[allow(missing_docs)]
pub mod msg {
    pub const CONTROL: u32 = 0;
    pub const DIRECTORY: u32 = 1;
    pub const READ: u32 = 2;
    pub const GET_PERMS: u32 = 3;
    pub const WATCH: u32 = 4;
    pub const UNWATCH: u32 = 5;
    pub const TRANSACTION_START: u32 = 6;
    pub const TRANSACTION_END: u32 = 7;
    pub const INTRODUCE: u32 = 8;
    pub const RELEASE: u32 = 9;
    pub const GET_DOMAIN_PATH: u32 = 10;
    pub const WRITE: u32 = 11;
    pub const MKDIR: u32 = 12;
    pub const RM: u32 = 13;
    pub const SET_PERMS: u32 = 14;
    pub const WATCH_EVENT: u32 = 15;
    pub const ERROR: u32 = 16;
    pub const IS_DOMAIN_INTRODUCED: u32 = 17;
    pub const RESUME: u32 = 18;
    pub const SET_TARGET: u32 = 19;
    pub const RESTRICT: u32 = 20;
    pub const RESET_WATCHES: u32 = 21;
    pub const DIRECTORY_PART: u32 = 22;
    pub const GET_FEATURE: u32 = 23;
    pub const SET_FEATURE: u32 = 24;
    pub const GET_QUOTA: u32 = 25;
    pub const SET_QUOTA: u32 = 26;
    pub const INVALID: u32 = 0xffff;
}

/// The message header (`struct xsd_sockmsg`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// Message type (`msg::*`).
    pub ty: u32,
    /// Request id, echoed in the reply.
    pub req_id: u32,
    /// Transaction id, 0 for none.
    pub tx_id: u32,
    /// Payload length in bytes.
    pub len: u32,
}

/// Why a header was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// `len` is over [`PAYLOAD_MAX`]: upstream kills the connection.
    #[error("payload length {0} exceeds XENSTORE_PAYLOAD_MAX")]
    TooLong(u32),
}

impl Header {
    /// Decodes a header from its 16 bytes (host byte order) and checks `len`.
    pub fn decode(b: &[u8; HEADER_LEN]) -> Result<Header, FrameError> {
        let f = |i: usize| u32::from_ne_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let h = Header {
            ty: f(0),
            req_id: f(4),
            tx_id: f(8),
            len: f(12),
        };
        if h.len as usize > PAYLOAD_MAX {
            return Err(FrameError::TooLong(h.len));
        }
        Ok(h)
    }

    /// Encodes the header into 16 bytes.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[0..4].copy_from_slice(&self.ty.to_ne_bytes());
        b[4..8].copy_from_slice(&self.req_id.to_ne_bytes());
        b[8..12].copy_from_slice(&self.tx_id.to_ne_bytes());
        b[12..16].copy_from_slice(&self.len.to_ne_bytes());
        b
    }
}

/// Encodes one whole frame (header then payload) into a new buffer.
///
/// The caller guarantees `payload.len() <= PAYLOAD_MAX`; longer payloads are
/// a bug in the caller and are truncated rather than sent malformed.
pub fn encode_frame(ty: u32, req_id: u32, tx_id: u32, payload: &[u8]) -> Vec<u8> {
    let payload = &payload[..payload.len().min(PAYLOAD_MAX)];
    let mut v = Vec::with_capacity(HEADER_LEN + payload.len());
    let h = Header {
        ty,
        req_id,
        tx_id,
        len: payload.len() as u32,
    };
    v.extend_from_slice(&h.encode());
    v.extend_from_slice(payload);
    v
}

/// Incremental decoder of a byte stream into frames, for stream transports
/// (a socket, a ring). Memory is bounded by one header plus one payload.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    hdr: [u8; HEADER_LEN],
    hdr_used: usize,
    header: Option<Header>,
    payload: Vec<u8>,
}

/// One decoded frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The header; `len` equals `payload.len()`.
    pub header: Header,
    /// The payload bytes.
    pub payload: Vec<u8>,
}

impl FrameDecoder {
    /// A decoder at the start of a frame.
    pub fn new() -> Self {
        Self::default()
    }

    /// Consumes bytes from `input`, returning how many were used and the frame
    /// completed by them, if any. Call again with the rest of the input.
    pub fn push(&mut self, input: &[u8]) -> Result<(usize, Option<Frame>), FrameError> {
        let mut used = 0;
        if self.header.is_none() {
            let take = (HEADER_LEN - self.hdr_used).min(input.len());
            self.hdr[self.hdr_used..self.hdr_used + take].copy_from_slice(&input[..take]);
            self.hdr_used += take;
            used += take;
            if self.hdr_used < HEADER_LEN {
                return Ok((used, None));
            }
            let h = Header::decode(&self.hdr)?;
            self.header = Some(h);
            self.payload = Vec::with_capacity(h.len as usize);
        }
        let h = self.header.expect("header decoded above");
        let want = h.len as usize - self.payload.len();
        let take = want.min(input.len() - used);
        self.payload.extend_from_slice(&input[used..used + take]);
        used += take;
        if self.payload.len() == h.len as usize {
            self.header = None;
            self.hdr_used = 0;
            let payload = core::mem::take(&mut self.payload);
            return Ok((used, Some(Frame { header: h, payload })));
        }
        Ok((used, None))
    }

    /// Whether the decoder sits between frames (nothing partial buffered).
    pub fn is_idle(&self) -> bool {
        self.header.is_none() && self.hdr_used == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip_and_limit() {
        let h = Header {
            ty: msg::WRITE,
            req_id: 7,
            tx_id: 3,
            len: 4096,
        };
        assert_eq!(Header::decode(&h.encode()), Ok(h));
        let bad = Header { len: 4097, ..h };
        assert_eq!(
            Header::decode(&bad.encode()),
            Err(FrameError::TooLong(4097))
        );
        let neg = Header { len: u32::MAX, ..h };
        assert!(Header::decode(&neg.encode()).is_err());
    }

    #[test]
    fn decoder_handles_byte_at_a_time() {
        let mut stream = encode_frame(msg::READ, 1, 0, b"/a\0");
        stream.extend(encode_frame(msg::WRITE, 2, 0, b""));
        let mut d = FrameDecoder::new();
        let mut frames = alloc::vec::Vec::new();
        for b in &stream {
            let (n, f) = d.push(core::slice::from_ref(b)).unwrap();
            assert_eq!(n, 1);
            frames.extend(f);
        }
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].payload, b"/a\0");
        assert_eq!(frames[1].header.ty, msg::WRITE);
        assert!(d.is_idle());
    }
}
