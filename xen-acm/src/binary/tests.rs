use alloc::string::String;
use alloc::vec::Vec;

use super::*;
use crate::types::ACM_MAGIC;

fn sample() -> BinaryPolicy {
    let mut ssids = TypeMatrix::new(3, 2);
    ssids.set(1, 0, true);
    ssids.set(2, 1, true);
    let mut sets = TypeMatrix::new(1, 2);
    sets.set(0, 0, true);
    sets.set(0, 1, true);
    let mut ste = TypeMatrix::new(4, 2);
    ste.set(1, 0, true);
    ste.set(1, 1, true);
    ste.set(3, 1, true);
    BinaryPolicy {
        name: String::from("mytest"),
        version: PolicyVersion::new(1, 2),
        xml_hash: None,
        primary: PolicyCode::ChineseWall,
        secondary: PolicyCode::SimpleTypeEnforcement,
        chwall: Some(ChwallBlock {
            ssids,
            conflict_sets: sets,
        }),
        ste: Some(SteBlock { ssids: ste }),
    }
}

fn be(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

#[test]
fn layout_matches_xen_3_2() {
    let b = sample().to_bytes();
    assert_eq!(b.len(), 152);
    assert_eq!(be(&b, 0), ACM_MAGIC);
    assert_eq!(be(&b, 4), 3);
    assert_eq!(be(&b, 8), 152);
    assert_eq!(be(&b, 12), 40, "reference right after the header");
    assert_eq!((be(&b, 16), be(&b, 20)), (1, 56));
    assert_eq!((be(&b, 24), be(&b, 28)), (2, 112));
    assert_eq!((be(&b, 32), be(&b, 36)), (1, 2));
    assert_eq!(be(&b, 40), 7, "name length includes the NUL");
    assert_eq!(&b[44..51], b"mytest\0");
    assert_eq!(&b[51..56], &[0; 5]);
    // Chinese Wall header.
    let c = 56;
    let words: Vec<u32> = (0..9).map(|i| be(&b, c + 4 * i)).collect();
    assert_eq!(words, [1, 1, 2, 3, 1, 36, 48, 0, 0]);
    // ssidref 1 carries type 0: cells (1,0)=1 (1,1)=0.
    assert_eq!(&b[c + 36 + 4..c + 36 + 8], &[0, 1, 0, 0]);
    // STE header.
    let s = 112;
    let words: Vec<u32> = (0..5).map(|i| be(&b, s + 4 * i)).collect();
    assert_eq!(words, [1, 2, 2, 4, 20]);
}

#[test]
fn round_trip_v3_and_v4() {
    let p = sample();
    assert_eq!(decode(&p.to_bytes()).unwrap(), p);
    let mut v4 = sample();
    v4.xml_hash = Some([7; 20]);
    let bytes = v4.to_bytes();
    assert_eq!(be(&bytes, 4), 4);
    assert_eq!(be(&bytes, 12), 60);
    assert_eq!(decode(&bytes).unwrap(), v4);
}

#[test]
fn nonzero_cells_read_as_set() {
    let mut b = sample().to_bytes();
    // (1,0) of the chwall matrix holds 1; make it 0x0100 instead.
    b[56 + 36 + 4] = 1;
    b[56 + 36 + 5] = 0;
    let p = decode(&b).unwrap();
    assert!(p.chwall.unwrap().ssids.get(1, 0));
}

#[test]
fn rejects_damage() {
    let good = sample().to_bytes();
    assert!(matches!(
        decode(&good[..20]),
        Err(BinaryError::Truncated { .. })
    ));
    let mut b = good.clone();
    b[3] ^= 1;
    assert!(matches!(decode(&b), Err(BinaryError::BadMagic(_))));
    let mut b = good.clone();
    b[7] = 9;
    assert_eq!(decode(&b), Err(BinaryError::UnsupportedVersion(9)));
    assert!(matches!(
        decode(&good[..good.len() - 8]),
        Err(BinaryError::LengthMismatch { .. })
    ));
    let mut b = good.clone();
    b[31] = 200; // secondary offset past the end
    assert!(matches!(decode(&b), Err(BinaryError::BadOffset { .. })));
    let mut b = good.clone();
    b[27] = 1; // secondary = CHWALL = primary
    assert!(matches!(decode(&b), Err(BinaryError::BadPolicyCode { .. })));
    let mut b = good.clone();
    b[56 + 3] = 2; // chwall block version 2
    assert!(matches!(decode(&b), Err(BinaryError::BlockVersion { .. })));
    let mut b = good.clone();
    b[112 + 12..112 + 16].copy_from_slice(&1000u32.to_be_bytes()); // STE rows
    assert!(matches!(decode(&b), Err(BinaryError::BadBlock { .. })));
    let mut b = good;
    b[40..44].copy_from_slice(&100u32.to_be_bytes()); // name longer than section
    assert!(matches!(decode(&b), Err(BinaryError::Truncated { .. })));
}

#[test]
fn huge_dimensions_do_not_allocate() {
    let mut b = sample().to_bytes();
    let c = 56;
    b[c + 8..c + 12].copy_from_slice(&0u32.to_be_bytes()); // 0 types
    b[c + 16..c + 20].copy_from_slice(&u32::MAX.to_be_bytes()); // 4G sets
    assert!(matches!(decode(&b), Err(BinaryError::BadBlock { .. })));
}
