//! Arbitrary bytes as a stream of xenstore frames (what a socket or a ring
//! hands the daemon). The decoder must refuse or accept without panicking;
//! every decoded frame must re-encode to exactly the bytes it was decoded
//! from; feeding the stream in arbitrary pieces must give the same frames
//! and the same error as feeding it whole; a header accepted by
//! `Header::decode` re-encodes to itself.
//!
//! Input layout: the first byte picks the piece size for the second pass
//! (1..=64 bytes, or everything at once for 0), the rest is the stream.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xen_store::wire::{
    encode_frame, Frame, FrameDecoder, FrameError, Header, HEADER_LEN, PAYLOAD_MAX,
};

/// Decodes `stream` in pieces of `piece` bytes (all at once for 0); returns
/// the frames and the error that ended decoding, if any.
fn decode(stream: &[u8], piece: usize) -> (Vec<Frame>, Option<FrameError>) {
    let mut d = FrameDecoder::new();
    let mut frames = Vec::new();
    let piece = if piece == 0 {
        stream.len().max(1)
    } else {
        piece
    };
    for chunk in stream.chunks(piece) {
        let mut off = 0;
        while off < chunk.len() {
            match d.push(&chunk[off..]) {
                Ok((used, f)) => {
                    // Progress is guaranteed: no input is left unconsumed
                    // without a frame being completed.
                    assert!(used > 0 || f.is_some(), "decoder made no progress");
                    assert!(used <= chunk.len() - off);
                    off += used;
                    frames.extend(f);
                }
                Err(e) => return (frames, Some(e)),
            }
        }
    }
    (frames, None)
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, stream)) = data.split_first() else {
        return;
    };
    let (frames, err) = decode(stream, 0);
    // Re-encoding the frames gives back the prefix of the stream they were
    // decoded from.
    let mut off = 0;
    for f in &frames {
        assert_eq!(f.header.len as usize, f.payload.len());
        assert!(f.payload.len() <= PAYLOAD_MAX);
        let h = f.header;
        let bytes = encode_frame(h.ty, h.req_id, h.tx_id, &f.payload);
        assert_eq!(&stream[off..off + bytes.len()], &bytes[..]);
        assert_eq!(h.encode(), stream[off..off + HEADER_LEN]);
        off += bytes.len();
    }
    // What is left is a partial frame or the refused header.
    match err {
        Some(FrameError::TooLong(len)) => {
            let hdr: &[u8; HEADER_LEN] = stream[off..off + HEADER_LEN].try_into().unwrap();
            assert_eq!(Header::decode(hdr), Err(FrameError::TooLong(len)));
            assert!(len as usize > PAYLOAD_MAX);
        }
        None => {
            let rest = &stream[off..];
            if rest.len() >= HEADER_LEN {
                let hdr: &[u8; HEADER_LEN] = rest[..HEADER_LEN].try_into().unwrap();
                let h = Header::decode(hdr).expect("accepted by the stream decoder");
                assert!(
                    rest.len() < HEADER_LEN + h.len as usize,
                    "a whole frame was left"
                );
            }
        }
    }
    // Any piece size gives the same result.
    let piece = usize::from(sel % 65);
    assert_eq!(decode(stream, piece), (frames, err));
    // Header round trip on the first 16 bytes, whatever they are.
    if let Some(hdr) = stream.get(..HEADER_LEN) {
        let hdr: &[u8; HEADER_LEN] = hdr.try_into().unwrap();
        if let Ok(h) = Header::decode(hdr) {
            assert_eq!(&h.encode(), hdr);
        }
    }
});
