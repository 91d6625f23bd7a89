//! Serialising a [`BinaryPolicy`] to the big-endian Xen layout.

use alloc::vec::Vec;

use super::{BinaryPolicy, ChwallBlock, SteBlock, CHWALL_HEADER_LEN, STE_HEADER_LEN};
use crate::matrix::TypeMatrix;
use crate::types::{
    PolicyCode, ACM_CHWALL_VERSION, ACM_MAGIC, ACM_POLICY_VERSION, ACM_POLICY_VERSION_V4,
    ACM_STE_VERSION,
};

fn put32(out: &mut Vec<u8>, v: usize) {
    out.extend_from_slice(&(v as u32).to_be_bytes());
}

fn pad8(out: &mut Vec<u8>) {
    while out.len() % 8 != 0 {
        out.push(0);
    }
}

fn put_matrix(out: &mut Vec<u8>, m: &TypeMatrix) {
    // Zero-fill the whole matrix, then write the low byte of each set cell
    // (big-endian 0x0001): matrices are sparse, so this beats cell-by-cell.
    let base = out.len();
    out.resize(base + 2 * m.rows() * m.types(), 0);
    for r in 0..m.rows() {
        let row_base = base + 2 * r * m.types();
        for t in m.row_types(r) {
            out[row_base + 2 * t + 1] = 1;
        }
    }
}

fn chwall_block(c: &ChwallBlock) -> Vec<u8> {
    let types = c.ssids.types();
    let mut out = Vec::new();
    let conflict_offset = CHWALL_HEADER_LEN + 2 * types * c.ssids.rows();
    for v in [
        ACM_CHWALL_VERSION as usize,
        PolicyCode::ChineseWall.code() as usize,
        types,
        c.ssids.rows(),
        c.conflict_sets.rows(),
        CHWALL_HEADER_LEN,
        conflict_offset,
        0, // running_types_offset: state, not policy
        0, // conflict_aggregate_offset: likewise
    ] {
        put32(&mut out, v);
    }
    put_matrix(&mut out, &c.ssids);
    put_matrix(&mut out, &c.conflict_sets);
    pad8(&mut out);
    out
}

fn ste_block(s: &SteBlock) -> Vec<u8> {
    let mut out = Vec::new();
    for v in [
        ACM_STE_VERSION as usize,
        PolicyCode::SimpleTypeEnforcement.code() as usize,
        s.ssids.types(),
        s.ssids.rows(),
        STE_HEADER_LEN,
    ] {
        put32(&mut out, v);
    }
    put_matrix(&mut out, &s.ssids);
    pad8(&mut out);
    out
}

fn block_for(p: &BinaryPolicy, code: PolicyCode) -> Vec<u8> {
    match code {
        PolicyCode::ChineseWall => p.chwall.as_ref().map(chwall_block).unwrap_or_default(),
        PolicyCode::SimpleTypeEnforcement => p.ste.as_ref().map(ste_block).unwrap_or_default(),
        PolicyCode::Null | PolicyCode::Undefined => Vec::new(),
    }
}

/// Serialises `p`: header, policy reference, primary block, secondary block.
///
/// Writes format v3 (Xen 3.2) unless `p.xml_hash` is set, then v4.
pub fn encode(p: &BinaryPolicy) -> Vec<u8> {
    let header_len = if p.xml_hash.is_some() {
        super::HEADER_LEN_V4
    } else {
        super::HEADER_LEN_V3
    };
    let mut reference = Vec::new();
    put32(&mut reference, p.name.len() + 1);
    reference.extend_from_slice(p.name.as_bytes());
    reference.push(0);
    pad8(&mut reference);

    let primary = block_for(p, p.primary);
    let secondary = block_for(p, p.secondary);
    let primary_offset = header_len + reference.len();
    let secondary_offset = primary_offset + primary.len();
    let total = secondary_offset + secondary.len();

    let mut out = Vec::with_capacity(total);
    put32(&mut out, ACM_MAGIC as usize);
    let version = if p.xml_hash.is_some() {
        ACM_POLICY_VERSION_V4
    } else {
        ACM_POLICY_VERSION
    };
    put32(&mut out, version as usize);
    put32(&mut out, total);
    put32(&mut out, header_len);
    put32(&mut out, p.primary.code() as usize);
    put32(&mut out, primary_offset);
    put32(&mut out, p.secondary.code() as usize);
    put32(&mut out, secondary_offset);
    put32(&mut out, p.version.major as usize);
    put32(&mut out, p.version.minor as usize);
    if let Some(hash) = &p.xml_hash {
        out.extend_from_slice(hash);
    }
    out.extend_from_slice(&reference);
    out.extend_from_slice(&primary);
    out.extend_from_slice(&secondary);
    out
}
