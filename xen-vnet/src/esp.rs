//! ESP (RFC 4303) for secure vnets.
//!
//! | level  | transform                                   | IV  | ICV |
//! |--------|---------------------------------------------|-----|-----|
//! | `auth` | NULL encryption + HMAC-SHA1-96 (RFC 2404)    | 0   | 12  |
//! | `conf` | AES-128-CBC (RFC 3602) + HMAC-SHA1-96        | 16  | 12  |
//! | `gcm`  | AES-128-GCM (RFC 4106), 4-byte salt from key | 8   | 16  |
//!
//! Packet: `SPI | seq | IV | {payload | pad 1,2,3… | pad len | next hdr} | ICV`.
//! The braces are encrypted (`conf`, `gcm`); the HMAC covers SPI through the
//! ciphertext; GCM authenticates SPI and seq as AAD (no ESN).
//!
//! Unlike the original (hard-coded keys, AES accidentally in ECB mode, no
//! replay check, `memcmp` on the ICV) keys come from configuration, CBC IVs
//! are `AES_K(per-boot nonce ‖ seq)` (NIST SP 800-38A appendix C), GCM IVs
//! are a per-boot random 64-bit base plus the sequence number (unique per
//! sender, as RFC 4106 requires, even with a key shared by many hosts), the
//! ICV compare is constant-time and receivers keep a 64-packet anti-replay
//! window per sender (RFC 4303 §3.4.3). Sequence numbers start at 1 and a
//! sender stops at 2^32 − 1 instead of cycling.
//!
//! The module does no I/O: [`Outbound::seal`] and [`Inbound::open`] work
//! on byte slices, so every check is unit-tested with plain bytes.
#![forbid(unsafe_code)]

use aes::cipher::{BlockDecryptMut, BlockEncrypt, BlockEncryptMut, InnerIvInit, KeyInit};
use aes::Aes128;
use aes_gcm::aead::AeadInPlace;
use aes_gcm::Aes128Gcm;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// Length of SPI + sequence number.
pub const ESP_HDR_LEN: usize = 8;

type HmacSha1 = Hmac<Sha1>;

/// Keys of one security association, by level.
#[derive(Clone, PartialEq, Eq)]
pub enum SaKeys {
    /// `auth`: HMAC-SHA1-96 with this key (RFC 2404 wants 20 bytes).
    Auth {
        /// HMAC key.
        auth_key: Vec<u8>,
    },
    /// `conf`: AES-128-CBC with `enc_key` + HMAC-SHA1-96 with `auth_key`.
    Conf {
        /// AES-128 key.
        enc_key: [u8; 16],
        /// HMAC key.
        auth_key: Vec<u8>,
    },
    /// `gcm`: AES-128-GCM, 16-byte ICV; the 20-byte key material is the AES
    /// key followed by the 4-byte salt (RFC 4106 §8.1, as `ip xfrm`'s
    /// `rfc4106(gcm(aes))` takes it).
    Gcm {
        /// AES-128 key.
        key: [u8; 16],
        /// Salt, the nonce's first 4 bytes.
        salt: [u8; 4],
    },
}

impl std::fmt::Debug for SaKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print keys.
        f.write_str(match self {
            SaKeys::Auth { .. } => "SaKeys::Auth(..)",
            SaKeys::Conf { .. } => "SaKeys::Conf(..)",
            SaKeys::Gcm { .. } => "SaKeys::Gcm(..)",
        })
    }
}

// One per SA, long-lived: the size difference costs nothing.
#[allow(clippy::large_enum_variant)]
enum Transform {
    Auth { mac: HmacSha1 },
    Conf { aes: Aes128, mac: HmacSha1 },
    Gcm { aead: Box<Aes128Gcm>, salt: [u8; 4] },
}

/// A security association: SPI, keys and the keyed transform.
pub struct Sa {
    spi: u32,
    keys: SaKeys,
    t: Transform,
}

impl std::fmt::Debug for Sa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sa {{ spi: {:#x}, keys: {:?} }}", self.spi, self.keys)
    }
}

/// Why a packet was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EspError {
    /// Shorter than header + IV + trailer + ICV, or ciphertext not a
    /// multiple of the block size.
    #[error("truncated or misaligned ESP packet")]
    Truncated,
    /// No SA for this SPI.
    #[error("unknown SPI {0:#x}")]
    UnknownSpi(u32),
    /// Sequence number already seen or left of the window.
    #[error("replayed or too old sequence number {0}")]
    Replayed(u32),
    /// ICV mismatch: tampered or wrong key.
    #[error("ICV check failed (tampered packet or wrong key)")]
    Tampered,
    /// Authenticated but the trailer is malformed.
    #[error("bad ESP padding")]
    BadPadding,
    /// The sender reached 2^32 − 1 packets; a new SA is needed.
    #[error("sequence numbers exhausted; rekey needed")]
    SeqExhausted,
}

impl Sa {
    /// Builds an SA. `spi` 0–255 are reserved by RFC 4303 and refused.
    pub fn new(spi: u32, keys: SaKeys) -> Option<Self> {
        if spi < 256 {
            return None;
        }
        let t = match &keys {
            SaKeys::Auth { auth_key } => Transform::Auth {
                mac: <HmacSha1 as Mac>::new_from_slice(auth_key).ok()?,
            },
            SaKeys::Conf { enc_key, auth_key } => Transform::Conf {
                aes: Aes128::new(enc_key.into()),
                mac: <HmacSha1 as Mac>::new_from_slice(auth_key).ok()?,
            },
            SaKeys::Gcm { key, salt } => Transform::Gcm {
                aead: Box::new(Aes128Gcm::new(key.into())),
                salt: *salt,
            },
        };
        Some(Sa { spi, keys, t })
    }

    /// The SPI.
    pub fn spi(&self) -> u32 {
        self.spi
    }

    /// The keys.
    pub fn keys(&self) -> &SaKeys {
        &self.keys
    }

    fn iv_len(&self) -> usize {
        match self.t {
            Transform::Auth { .. } => 0,
            Transform::Conf { .. } => 16,
            Transform::Gcm { .. } => 8,
        }
    }

    fn icv_len(&self) -> usize {
        match self.t {
            Transform::Gcm { .. } => 16,
            _ => 12,
        }
    }

    fn align(&self) -> usize {
        match self.t {
            Transform::Conf { .. } => 16,
            _ => 4,
        }
    }

    /// Bytes ESP adds to a payload of `len` bytes.
    pub fn overhead(&self, len: usize) -> usize {
        let padded = (len + 2).div_ceil(self.align()) * self.align();
        ESP_HDR_LEN + self.iv_len() + (padded - len) + self.icv_len()
    }

    /// The SPI of an ESP packet, if it has one.
    pub fn peek_spi(packet: &[u8]) -> Option<u32> {
        packet
            .get(..4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// Sending state of one SA: sequence counter and IV nonce.
#[derive(Debug)]
pub struct Outbound {
    seq: u32,
    iv_base: u64,
}

impl Outbound {
    /// A fresh sender; `iv_base` must be random per boot (see module docs).
    pub fn new(iv_base: u64) -> Self {
        Outbound { seq: 0, iv_base }
    }

    /// A fresh sender with a random IV base from the OS.
    pub fn new_random() -> Self {
        let mut b = [0u8; 8];
        // Without OS randomness we cannot make safe IVs; there is no sane fallback.
        getrandom::fill(&mut b).expect("OS random source unavailable");
        Self::new(u64::from_le_bytes(b))
    }

    /// The last sequence number used.
    pub fn seq(&self) -> u32 {
        self.seq
    }

    /// Continues after sequence number `last` (a restarted sender must not
    /// reuse numbers its peers' replay windows have seen).
    pub fn set_seq(&mut self, last: u32) {
        self.seq = last;
    }

    /// Appends the ESP packet carrying `payload` (whose protocol is
    /// `next_header`) to `out`.
    pub fn seal(
        &mut self,
        sa: &Sa,
        next_header: u8,
        payload: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), EspError> {
        if self.seq == u32::MAX {
            return Err(EspError::SeqExhausted);
        }
        self.seq += 1;
        let seq = self.seq;
        let start = out.len();
        out.reserve(payload.len() + sa.overhead(payload.len()));
        out.extend_from_slice(&sa.spi.to_be_bytes());
        out.extend_from_slice(&seq.to_be_bytes());
        let iv_at = out.len();
        match &sa.t {
            Transform::Auth { .. } => {}
            Transform::Conf { aes, .. } => {
                let mut block = [0u8; 16];
                block[..8].copy_from_slice(&self.iv_base.to_be_bytes());
                block[12..].copy_from_slice(&seq.to_be_bytes());
                let mut b = block.into();
                aes.encrypt_block(&mut b);
                out.extend_from_slice(&b);
            }
            Transform::Gcm { .. } => {
                out.extend_from_slice(&self.iv_base.wrapping_add(u64::from(seq)).to_be_bytes());
            }
        }
        let body_at = out.len();
        out.extend_from_slice(payload);
        let padded = (payload.len() + 2).div_ceil(sa.align()) * sa.align();
        let pad = padded - payload.len() - 2;
        out.extend((1..=pad as u8).take(pad));
        out.push(pad as u8);
        out.push(next_header);
        match &sa.t {
            Transform::Auth { mac } => {
                let icv = hmac96(mac, &out[start..]);
                out.extend_from_slice(&icv);
            }
            Transform::Conf { aes, mac } => {
                let mut iv = [0u8; 16];
                iv.copy_from_slice(&out[iv_at..body_at]);
                let mut enc = cbc::Encryptor::<Aes128>::inner_iv_init(aes.clone(), &iv.into());
                for chunk in out[body_at..].chunks_exact_mut(16) {
                    enc.encrypt_block_mut(chunk.into());
                }
                let icv = hmac96(mac, &out[start..]);
                out.extend_from_slice(&icv);
            }
            Transform::Gcm { aead, salt } => {
                let nonce = gcm_nonce(salt, &out[iv_at..body_at]);
                let mut aad = [0u8; 8];
                aad.copy_from_slice(&out[start..start + 8]);
                let tag = aead
                    .encrypt_in_place_detached(&nonce.into(), &aad, &mut out[body_at..])
                    .map_err(|_| EspError::Truncated)?;
                out.extend_from_slice(&tag);
            }
        }
        Ok(())
    }
}

fn gcm_nonce(salt: &[u8; 4], iv: &[u8]) -> [u8; 12] {
    let mut n = [0u8; 12];
    n[..4].copy_from_slice(salt);
    n[4..].copy_from_slice(iv);
    n
}

fn hmac96(mac: &HmacSha1, data: &[u8]) -> [u8; 12] {
    let mut m = mac.clone();
    m.update(data);
    let full = m.finalize().into_bytes();
    let mut icv = [0u8; 12];
    icv.copy_from_slice(&full[..12]);
    icv
}

/// The 64-packet anti-replay window of RFC 4303 §3.4.3.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReplayWindow {
    top: u32,
    bits: u64,
}

impl ReplayWindow {
    /// Window size in packets.
    pub const SIZE: u32 = 64;

    /// Whether `seq` could be new (checked before the ICV).
    pub fn check(&self, seq: u32) -> bool {
        if seq == 0 {
            return false;
        }
        if seq > self.top {
            return true;
        }
        let off = self.top - seq;
        off < Self::SIZE && self.bits & (1u64 << off) == 0
    }

    /// Records `seq` (after the ICV verified). Returns false if it was not new.
    pub fn update(&mut self, seq: u32) -> bool {
        if !self.check(seq) {
            return false;
        }
        if seq > self.top {
            let shift = seq - self.top;
            self.bits = if shift >= Self::SIZE {
                0
            } else {
                self.bits << shift
            };
            self.bits |= 1;
            self.top = seq;
        } else {
            self.bits |= 1u64 << (self.top - seq);
        }
        true
    }

    /// The highest sequence number accepted.
    pub fn top(&self) -> u32 {
        self.top
    }
}

/// Receiving state of one SA from one sender.
#[derive(Debug, Default)]
pub struct Inbound {
    window: ReplayWindow,
}

impl Inbound {
    /// A fresh receiver.
    pub fn new() -> Self {
        Self::default()
    }

    /// The replay window.
    pub fn window(&self) -> &ReplayWindow {
        &self.window
    }

    /// Checks and decrypts `packet` (starting at the SPI) into `out`
    /// (cleared first); returns the next-header value. On error nothing is
    /// recorded in the replay window.
    pub fn open(&mut self, sa: &Sa, packet: &[u8], out: &mut Vec<u8>) -> Result<u8, EspError> {
        out.clear();
        let (iv_len, icv_len) = (sa.iv_len(), sa.icv_len());
        if packet.len() < ESP_HDR_LEN + iv_len + 2 + icv_len {
            return Err(EspError::Truncated);
        }
        let spi = u32::from_be_bytes([packet[0], packet[1], packet[2], packet[3]]);
        if spi != sa.spi {
            return Err(EspError::UnknownSpi(spi));
        }
        let seq = u32::from_be_bytes([packet[4], packet[5], packet[6], packet[7]]);
        let body_at = ESP_HDR_LEN + iv_len;
        let icv_at = packet.len() - icv_len;
        let body = &packet[body_at..icv_at];
        if body.len() % sa.align() != 0 {
            return Err(EspError::Truncated);
        }
        if !self.window.check(seq) {
            return Err(EspError::Replayed(seq));
        }
        let icv = &packet[icv_at..];
        match &sa.t {
            Transform::Auth { mac } => {
                verify96(mac, &packet[..icv_at], icv)?;
                out.extend_from_slice(body);
            }
            Transform::Conf { aes, mac } => {
                verify96(mac, &packet[..icv_at], icv)?;
                out.extend_from_slice(body);
                let mut iv = [0u8; 16];
                iv.copy_from_slice(&packet[ESP_HDR_LEN..body_at]);
                let mut dec = cbc::Decryptor::<Aes128>::inner_iv_init(aes.clone(), &iv.into());
                for chunk in out.chunks_exact_mut(16) {
                    dec.decrypt_block_mut(chunk.into());
                }
            }
            Transform::Gcm { aead, salt } => {
                let nonce = gcm_nonce(salt, &packet[ESP_HDR_LEN..body_at]);
                out.extend_from_slice(body);
                let tag = aes_gcm::Tag::from_slice(icv);
                if aead
                    .decrypt_in_place_detached(&nonce.into(), &packet[..ESP_HDR_LEN], out, tag)
                    .is_err()
                {
                    out.clear();
                    return Err(EspError::Tampered);
                }
            }
        }
        // Trailer: pad bytes 1, 2, 3, …, pad length, next header.
        let n = out.len();
        let next_header = out[n - 1];
        let pad = usize::from(out[n - 2]);
        if pad + 2 > n
            || !out[n - 2 - pad..n - 2]
                .iter()
                .enumerate()
                .all(|(i, &b)| usize::from(b) == i + 1)
        {
            out.clear();
            return Err(EspError::BadPadding);
        }
        out.truncate(n - 2 - pad);
        self.window.update(seq);
        Ok(next_header)
    }
}

fn verify96(mac: &HmacSha1, data: &[u8], icv: &[u8]) -> Result<(), EspError> {
    let want = hmac96(mac, data);
    if bool::from(want.ct_eq(icv)) {
        Ok(())
    } else {
        Err(EspError::Tampered)
    }
}

/// Drop counters, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EspStats {
    /// Accepted packets.
    pub ok: u64,
    /// Dropped: truncated or misaligned.
    pub truncated: u64,
    /// Dropped: ICV mismatch.
    pub tampered: u64,
    /// Dropped: replayed or too old.
    pub replayed: u64,
    /// Dropped: unknown SPI.
    pub unknown_spi: u64,
    /// Dropped: bad padding.
    pub bad_padding: u64,
}

impl EspStats {
    /// Counts one result.
    pub fn record<T>(&mut self, r: &Result<T, EspError>) {
        match r {
            Ok(_) => self.ok += 1,
            Err(EspError::Truncated) => self.truncated += 1,
            Err(EspError::Tampered) => self.tampered += 1,
            Err(EspError::Replayed(_)) => self.replayed += 1,
            Err(EspError::UnknownSpi(_)) => self.unknown_spi += 1,
            Err(EspError::BadPadding) => self.bad_padding += 1,
            Err(EspError::SeqExhausted) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn all_sas() -> Vec<Sa> {
        vec![
            Sa::new(
                0x1001,
                SaKeys::Auth {
                    auth_key: vec![0x11; 20],
                },
            )
            .unwrap(),
            Sa::new(
                0x1002,
                SaKeys::Conf {
                    enc_key: [0x22; 16],
                    auth_key: vec![0x33; 20],
                },
            )
            .unwrap(),
            Sa::new(
                0x1003,
                SaKeys::Gcm {
                    key: [0x44; 16],
                    salt: [1, 2, 3, 4],
                },
            )
            .unwrap(),
        ]
    }

    #[test]
    fn roundtrip_every_level_every_length() {
        for sa in all_sas() {
            let mut tx = Outbound::new(7);
            let mut rx = Inbound::new();
            for len in 0..100 {
                let payload: Vec<u8> = (0..len as u8).collect();
                let mut pkt = Vec::new();
                tx.seal(&sa, 17, &payload, &mut pkt).unwrap();
                assert_eq!(pkt.len(), payload.len() + sa.overhead(payload.len()));
                assert_eq!(Sa::peek_spi(&pkt), Some(sa.spi()));
                assert_eq!(&pkt[4..8], &(len as u32 + 1).to_be_bytes());
                let mut out = Vec::new();
                assert_eq!(rx.open(&sa, &pkt, &mut out), Ok(17), "{sa:?} len {len}");
                assert_eq!(out, payload);
            }
        }
    }

    #[test]
    fn confidentiality_levels_hide_the_payload() {
        let sas = all_sas();
        let secret = b"attack at dawn, attack at dawn!!";
        for (sa, visible) in sas.iter().zip([true, false, false]) {
            let mut pkt = Vec::new();
            Outbound::new(1).seal(sa, 17, secret, &mut pkt).unwrap();
            let found = pkt.windows(secret.len()).any(|w| w == secret);
            assert_eq!(found, visible, "{sa:?}");
        }
    }

    #[test]
    fn tampered_truncated_replayed_unknown_spi() {
        for sa in all_sas() {
            let mut tx = Outbound::new(99);
            let mut rx = Inbound::new();
            let mut stats = EspStats::default();
            let mut pkt = Vec::new();
            tx.seal(&sa, 17, b"hello vnet", &mut pkt).unwrap();
            let mut out = Vec::new();
            // Every single bit flip after the SPI is caught.
            for i in 4..pkt.len() {
                for bit in 0..8 {
                    let mut t = pkt.clone();
                    t[i] ^= 1 << bit;
                    let r = rx.open(&sa, &t, &mut out);
                    stats.record(&r);
                    assert!(r.is_err(), "{sa:?}: flip at {i}/{bit} accepted");
                }
            }
            assert_eq!(stats.ok, 0);
            assert!(stats.tampered > 0);
            // Truncation at every length.
            for n in 0..pkt.len() {
                let r = rx.open(&sa, &pkt[..n], &mut out);
                stats.record(&r);
                assert!(r.is_err());
            }
            assert!(stats.truncated > 0);
            let mut spi = pkt.clone();
            spi[0] ^= 0x80;
            let r = rx.open(&sa, &spi, &mut out);
            stats.record(&r);
            assert!(matches!(r, Err(EspError::UnknownSpi(_))));
            assert_eq!(stats.unknown_spi, 1);
            // The genuine packet still goes through (nothing was recorded)…
            assert_eq!(rx.open(&sa, &pkt, &mut out), Ok(17));
            assert_eq!(out, b"hello vnet");
            // …once.
            let before = stats.replayed;
            let r = rx.open(&sa, &pkt, &mut out);
            stats.record(&r);
            assert_eq!(r, Err(EspError::Replayed(1)));
            assert_eq!(stats.replayed, before + 1);
        }
    }

    #[test]
    fn wrong_key_is_tampered() {
        let a = Sa::new(
            0x500,
            SaKeys::Gcm {
                key: [1; 16],
                salt: [0; 4],
            },
        )
        .unwrap();
        let b = Sa::new(
            0x500,
            SaKeys::Gcm {
                key: [2; 16],
                salt: [0; 4],
            },
        )
        .unwrap();
        let mut pkt = Vec::new();
        Outbound::new(0).seal(&a, 17, b"x", &mut pkt).unwrap();
        assert_eq!(
            Inbound::new().open(&b, &pkt, &mut Vec::new()),
            Err(EspError::Tampered)
        );
    }

    #[test]
    fn replay_window_semantics() {
        let mut w = ReplayWindow::default();
        assert!(!w.check(0));
        assert!(w.update(1));
        assert!(!w.update(1));
        assert!(w.update(100));
        assert!(!w.check(36), "100 - 36 = 64 is outside the window");
        assert!(w.check(37));
        assert!(w.update(37));
        assert!(!w.update(37));
        assert!(w.update(99));
        assert!(w.update(200));
        assert!(!w.check(100));
        assert!(w.check(150));
        assert_eq!(w.top(), 200);
        // Out-of-order within the window is fine.
        let mut w = ReplayWindow::default();
        for s in [5, 3, 4, 1, 2, 69, 6, 7] {
            assert!(w.update(s), "{s}");
        }
        assert!(!w.update(6));
    }

    #[test]
    fn sender_stops_before_wrapping() {
        let sa = &all_sas()[0];
        let mut tx = Outbound {
            seq: u32::MAX - 1,
            iv_base: 0,
        };
        let mut v = Vec::new();
        tx.seal(sa, 17, b"", &mut v).unwrap();
        assert_eq!(tx.seal(sa, 17, b"", &mut v), Err(EspError::SeqExhausted));
    }

    #[test]
    fn gcm_ivs_unique_and_cbc_ivs_differ() {
        for sa in &all_sas()[1..] {
            let mut tx = Outbound::new(u64::MAX - 1);
            let mut ivs = std::collections::HashSet::new();
            for _ in 0..1000 {
                let mut p = Vec::new();
                tx.seal(sa, 17, b"abc", &mut p).unwrap();
                assert!(ivs.insert(p[8..8 + sa.iv_len()].to_vec()));
            }
        }
    }

    #[test]
    fn reserved_spi_and_bad_key_refused() {
        assert!(Sa::new(
            255,
            SaKeys::Auth {
                auth_key: vec![1; 20]
            }
        )
        .is_none());
        assert!(Sa::new(
            256,
            SaKeys::Auth {
                auth_key: vec![1; 20]
            }
        )
        .is_some());
    }
}
