//! Parsing and checking a binary policy. Hostile input yields a
//! [`BinaryError`], never a panic or an allocation larger than a small
//! multiple of the input.

use alloc::string::String;

use super::{
    BinaryError, BinaryPolicy, ChwallBlock, SteBlock, CHWALL_HEADER_LEN, HEADER_LEN_V3,
    HEADER_LEN_V4, MAX_SSIDREFS, STE_HEADER_LEN,
};
use crate::matrix::TypeMatrix;
use crate::types::{
    PolicyCode, PolicyVersion, ACM_CHWALL_VERSION, ACM_MAGIC, ACM_POLICY_VERSION,
    ACM_POLICY_VERSION_V4, ACM_STE_VERSION,
};

/// A bounds-checked big-endian reader over one section of the buffer.
struct Section<'a> {
    bytes: &'a [u8],
    what: &'static str,
}

impl<'a> Section<'a> {
    fn need(&self, at: usize, len: usize) -> Result<&'a [u8], BinaryError> {
        let end = at.checked_add(len);
        match end {
            Some(end) if end <= self.bytes.len() => Ok(&self.bytes[at..end]),
            _ => Err(BinaryError::Truncated {
                what: self.what,
                at,
                need: len,
                have: self.bytes.len(),
            }),
        }
    }

    fn u32(&self, at: usize) -> Result<u32, BinaryError> {
        let b = self.need(at, 4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

fn read_matrix(
    sec: &Section<'_>,
    block: &'static str,
    offset: u32,
    rows: u32,
    types: u32,
) -> Result<TypeMatrix, BinaryError> {
    let (rows, types) = (rows as usize, types as usize);
    if rows > MAX_SSIDREFS || types > MAX_SSIDREFS {
        return Err(BinaryError::BadBlock {
            block,
            reason: "more than 65536 rows or types",
        });
    }
    let cells = rows
        .checked_mul(types)
        .and_then(|c| c.checked_mul(2))
        .ok_or(BinaryError::BadBlock {
            block,
            reason: "matrix size overflows",
        })?;
    let data = sec
        .need(offset as usize, cells)
        .map_err(|_| BinaryError::BadBlock {
            block,
            reason: "matrix extends past the end of the block",
        })?;
    let mut m = TypeMatrix::new(rows, types);
    for (i, cell) in data.chunks_exact(2).enumerate() {
        if cell != [0, 0] {
            m.set(i / types, i % types, true);
        }
    }
    Ok(m)
}

fn decode_chwall(bytes: &[u8]) -> Result<ChwallBlock, BinaryError> {
    let sec = Section {
        bytes,
        what: "CHWALL block header",
    };
    sec.need(0, CHWALL_HEADER_LEN)?;
    let version = sec.u32(0)?;
    if version != ACM_CHWALL_VERSION {
        return Err(BinaryError::BlockVersion {
            block: "CHWALL",
            version,
        });
    }
    let code = sec.u32(4)?;
    if code != PolicyCode::ChineseWall.code() {
        return Err(BinaryError::BadPolicyCode {
            field: "CHWALL block policy_code",
            code,
        });
    }
    let types = sec.u32(8)?;
    let ssidrefs = sec.u32(12)?;
    let sets = sec.u32(16)?;
    let ssid_offset = sec.u32(20)?;
    let sets_offset = sec.u32(24)?;
    let ssids = read_matrix(&sec, "CHWALL", ssid_offset, ssidrefs, types)?;
    let conflict_sets = read_matrix(&sec, "CHWALL", sets_offset, sets, types)?;
    Ok(ChwallBlock {
        ssids,
        conflict_sets,
    })
}

fn decode_ste(bytes: &[u8]) -> Result<SteBlock, BinaryError> {
    let sec = Section {
        bytes,
        what: "STE block header",
    };
    sec.need(0, STE_HEADER_LEN)?;
    let version = sec.u32(0)?;
    if version != ACM_STE_VERSION {
        return Err(BinaryError::BlockVersion {
            block: "STE",
            version,
        });
    }
    let code = sec.u32(4)?;
    if code != PolicyCode::SimpleTypeEnforcement.code() {
        return Err(BinaryError::BadPolicyCode {
            field: "STE block policy_code",
            code,
        });
    }
    let types = sec.u32(8)?;
    let ssidrefs = sec.u32(12)?;
    let offset = sec.u32(16)?;
    Ok(SteBlock {
        ssids: read_matrix(&sec, "STE", offset, ssidrefs, types)?,
    })
}

fn decode_reference(bytes: &[u8]) -> Result<String, BinaryError> {
    let sec = Section {
        bytes,
        what: "policy reference",
    };
    let len = sec.u32(0)? as usize;
    if len == 0 {
        return Err(BinaryError::BadReference("empty name"));
    }
    let raw = sec.need(4, len)?;
    let (name, nul) = raw.split_at(len - 1);
    if nul != [0] || name.contains(&0) {
        return Err(BinaryError::BadReference("name is not NUL-terminated"));
    }
    core::str::from_utf8(name)
        .map(String::from)
        .map_err(|_| BinaryError::BadReference("name is not UTF-8"))
}

fn code(field: &'static str, value: u32) -> Result<PolicyCode, BinaryError> {
    match PolicyCode::from_code(value) {
        Some(c) if c != PolicyCode::Undefined => Ok(c),
        _ => Err(BinaryError::BadPolicyCode { field, code: value }),
    }
}

/// Parses a binary policy, checking magic, version, length, every offset,
/// policy codes and block dimensions.
pub fn decode(bytes: &[u8]) -> Result<BinaryPolicy, BinaryError> {
    let sec = Section {
        bytes,
        what: "policy header",
    };
    sec.need(0, HEADER_LEN_V3)?;
    let magic = sec.u32(0)?;
    if magic != ACM_MAGIC {
        return Err(BinaryError::BadMagic(magic));
    }
    let version = sec.u32(4)?;
    let header_len = match version {
        ACM_POLICY_VERSION => HEADER_LEN_V3,
        ACM_POLICY_VERSION_V4 => HEADER_LEN_V4,
        v => return Err(BinaryError::UnsupportedVersion(v)),
    };
    sec.need(0, header_len)?;
    let len = sec.u32(8)?;
    if len as usize != bytes.len() {
        return Err(BinaryError::LengthMismatch {
            header: len,
            actual: bytes.len(),
        });
    }
    let ref_off = sec.u32(12)?;
    let primary = code("primary_policy_code", sec.u32(16)?)?;
    let prim_off = sec.u32(20)?;
    let secondary = code("secondary_policy_code", sec.u32(24)?)?;
    let sec_off = sec.u32(28)?;
    let xml_version = PolicyVersion::new(sec.u32(32)?, sec.u32(36)?);
    let xml_hash = if header_len == HEADER_LEN_V4 {
        let mut h = [0u8; 20];
        h.copy_from_slice(sec.need(40, 20)?);
        Some(h)
    } else {
        None
    };

    if (ref_off as usize) < header_len || ref_off > prim_off {
        return Err(BinaryError::BadOffset {
            field: "policy_reference_offset",
            value: ref_off,
        });
    }
    if prim_off > sec_off {
        return Err(BinaryError::BadOffset {
            field: "primary_buffer_offset",
            value: prim_off,
        });
    }
    if sec_off > len {
        return Err(BinaryError::BadOffset {
            field: "secondary_buffer_offset",
            value: sec_off,
        });
    }
    let dup = primary == secondary && primary != PolicyCode::Null;
    if dup || (primary == PolicyCode::Null && secondary != PolicyCode::Null) {
        return Err(BinaryError::BadPolicyCode {
            field: "secondary_policy_code",
            code: secondary.code(),
        });
    }

    let name = decode_reference(&bytes[ref_off as usize..prim_off as usize])?;
    let blocks = [
        (primary, &bytes[prim_off as usize..sec_off as usize]),
        (secondary, &bytes[sec_off as usize..]),
    ];
    let mut chwall = None;
    let mut ste = None;
    for (c, block) in blocks {
        match c {
            PolicyCode::ChineseWall => chwall = Some(decode_chwall(block)?),
            PolicyCode::SimpleTypeEnforcement => ste = Some(decode_ste(block)?),
            PolicyCode::Null | PolicyCode::Undefined => {}
        }
    }
    Ok(BinaryPolicy {
        name,
        version: xml_version,
        xml_hash,
        primary,
        secondary,
        chwall,
        ste,
    })
}
