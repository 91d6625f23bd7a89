use alloc::string::String;
use alloc::vec;

use super::*;
use crate::binary::{ChwallBlock, SteBlock};
use crate::matrix::TypeMatrix;
use crate::types::{PolicyCode, PolicyVersion};

const SM: u16 = 1;
const A: u16 = 2;
const B: u16 = 3;
const C: u16 = 4;
const RES_A: u16 = 5;

/// Types 0 = SM, 1 = A, 2 = B, 3 = C (CHWALL and STE alike); conflict set
/// {A, B}; VM rows 1 = SM (STE: all), 2 = A, 3 = B, 4 = C; resource row 5 = A.
fn policy(version: u32) -> BinaryPolicy {
    let mut cw = TypeMatrix::new(5, 4);
    cw.set(SM as usize, 0, true);
    cw.set(A as usize, 1, true);
    cw.set(B as usize, 2, true);
    cw.set(C as usize, 3, true);
    let mut sets = TypeMatrix::new(1, 4);
    sets.set(0, 1, true);
    sets.set(0, 2, true);
    let mut ste = TypeMatrix::new(6, 4);
    for t in 0..4 {
        ste.set(SM as usize, t, true);
    }
    ste.set(A as usize, 1, true);
    ste.set(B as usize, 2, true);
    ste.set(C as usize, 3, true);
    ste.set(RES_A as usize, 1, true);
    BinaryPolicy {
        name: String::from("t"),
        version: PolicyVersion::new(1, version),
        xml_hash: None,
        primary: PolicyCode::ChineseWall,
        secondary: PolicyCode::SimpleTypeEnforcement,
        chwall: Some(ChwallBlock {
            ssids: cw,
            conflict_sets: sets,
        }),
        ste: Some(SteBlock { ssids: ste }),
    }
}

fn vm(i: u16) -> Ssidref {
    Ssidref::vm_label(i)
}

fn engine() -> Engine {
    Engine::boot(policy(0), vm(SM)).unwrap()
}

#[test]
fn conflict_set_refuses_both_directions() {
    let mut e = engine();
    e.domain_create(DomId(1), vm(A)).unwrap();
    assert_eq!(
        e.domain_create(DomId(2), vm(B)),
        Err(AcmError::ChineseWallConflict { type_index: 2 })
    );
    e.domain_create(DomId(3), vm(C)).unwrap();
    e.domain_destroy(DomId(1)).unwrap();
    e.domain_create(DomId(2), vm(B)).unwrap();
    assert!(matches!(
        e.domain_create(DomId(4), vm(A)),
        Err(AcmError::ChineseWallConflict { .. })
    ));
    assert_eq!(e.chwall_state().running, [1, 0, 1, 1]);
    assert_eq!(e.chwall_state().aggregate, [0, 1, 0, 0]);
}

#[test]
fn save_restore_and_migration_move_refcounts() {
    let mut e = engine();
    e.domain_create(DomId(1), vm(A)).unwrap();
    let saved = e.domain_save(DomId(1)).unwrap();
    e.domain_create(DomId(2), vm(B)).unwrap();
    assert!(e.domain_restore(DomId(1), saved).is_err(), "B now runs");
    e.domain_migrate_out(DomId(2)).unwrap();
    e.domain_restore(DomId(1), saved).unwrap();
    assert!(e.domain_migrate_in(DomId(7), vm(B)).is_err());
    e.domain_destroy(DomId(1)).unwrap();
    e.domain_migrate_in(DomId(7), vm(B)).unwrap();
    assert_eq!(
        e.domain_destroy(DomId(1)),
        Err(AcmError::UnknownDomain(DomId(1)))
    );
    assert_eq!(
        e.domain_create(DomId(7), vm(B)),
        Err(AcmError::DomainExists(DomId(7)))
    );
}

#[test]
fn ste_sharing_and_resources() {
    let e = engine();
    assert_eq!(e.may_share(vm(A), vm(A)), Decision::Permitted);
    assert_eq!(e.may_share(vm(A), vm(B)), Decision::Denied);
    assert_eq!(e.may_share(vm(SM), vm(B)), Decision::Permitted);
    assert_eq!(e.may_share(vm(A), vm(B)), Decision::Denied, "cached answer");
    let res_a = Ssidref::from_parts(0, RES_A);
    assert_eq!(e.may_access_resource(vm(A), res_a), Decision::Permitted);
    assert_eq!(e.may_access_resource(vm(B), res_a), Decision::Denied);
    assert_eq!(
        e.may_access_resource(vm(A), Ssidref::NULL),
        Decision::Denied,
        "row 0 carries no type here"
    );
    assert_eq!(
        e.may_share(vm(A), Ssidref::from_parts(0, 999)),
        Decision::Denied
    );
}

#[test]
fn hooks_and_established_sharing() {
    let mut e = engine();
    e.domain_create(DomId(1), vm(A)).unwrap();
    e.domain_create(DomId(2), vm(C)).unwrap();
    assert!(e.may_bind_evtchn(DomId(1), DOM0));
    assert!(!e.may_bind_evtchn(DomId(1), DomId(2)));
    assert!(!e.may_map_grant(DomId(1), DomId(9)), "unknown domain");
    assert!(PermitAll.may_map_grant(DomId(1), DomId(9)));
    e.establish(SharingKind::EventChannel, DomId(1), DOM0)
        .unwrap();
    assert_eq!(
        e.establish(SharingKind::GrantMapping, DomId(1), DomId(2)),
        Err(AcmError::SharingDenied(DomId(1), DomId(2)))
    );
    assert_eq!(e.sharing().count(), 1);
    e.domain_destroy(DomId(1)).unwrap();
    assert_eq!(e.sharing().count(), 0, "destroy drops sharing");
}

#[test]
fn dom0_label_bounds_what_runs() {
    let mut e = engine();
    e.domain_create(DomId(1), vm(A)).unwrap();
    e.relabel_domain(DOM0, vm(A)).unwrap();
    assert_eq!(
        e.domain_create(DomId(2), vm(C)),
        Err(AcmError::NotAuthorized(vm(C)))
    );
    e.relabel_domain(DOM0, vm(SM)).unwrap();
    e.domain_create(DomId(2), vm(C)).unwrap();
    let err = e.relabel_domain(DOM0, vm(A)).unwrap_err();
    assert_eq!(
        err,
        AcmError::Refused(vec![Violation::NotAuthorized { domid: DomId(2) }])
    );
    assert_eq!(e.ssidref_of(DOM0), Some(vm(SM)), "refusal changes nothing");
}

#[test]
fn policy_change_is_atomic() {
    let mut e = engine();
    e.domain_create(DomId(1), vm(A)).unwrap();
    e.establish(SharingKind::EventChannel, DomId(1), DOM0)
        .unwrap();
    let before = e.chwall_state().clone();

    // Deleting A's index while domain 1 runs is refused.
    let del = SsidrefUpdate {
        deletions: vec![A],
        changes: vec![],
    };
    let err = e.change_policy(policy(1), &del).unwrap_err();
    assert_eq!(
        err,
        AcmError::Refused(vec![Violation::SsidrefInUse {
            ssidref: A,
            domid: DomId(1)
        }])
    );

    // Moving domain 1 to B's row is fine for the Chinese Wall but the
    // established channel to Domain-0 still shares a type: accepted.
    let mv = SsidrefUpdate {
        deletions: vec![],
        changes: vec![(A, B)],
    };
    e.change_policy(policy(1), &mv).unwrap();
    assert_eq!(e.ssidref_of(DomId(1)), Some(vm(B)));
    assert_eq!(e.policy().version, PolicyVersion::new(1, 1));
    assert_ne!(e.chwall_state(), &before);

    // A policy without STE types for Domain-0 breaks the channel: refused.
    let mut p = policy(2);
    let ste = &mut p.ste.as_mut().unwrap().ssids;
    for t in 0..4 {
        ste.set(SM as usize, t, false);
    }
    let err = e.change_policy(p, &SsidrefUpdate::default()).unwrap_err();
    assert!(matches!(err, AcmError::Refused(ref v) if v.iter().any(|x| x.code() == 0x100)));
    assert_eq!(
        e.policy().version,
        PolicyVersion::new(1, 1),
        "old policy kept"
    );
}

#[test]
fn policy_change_replays_chinese_wall() {
    let mut e = engine();
    e.domain_create(DomId(1), vm(A)).unwrap();
    e.domain_create(DomId(2), vm(C)).unwrap();
    // New policy puts C into the conflict set with A.
    let mut p = policy(1);
    p.chwall.as_mut().unwrap().conflict_sets.set(0, 3, true);
    let err = e.change_policy(p, &SsidrefUpdate::default()).unwrap_err();
    assert!(matches!(err, AcmError::Refused(ref v) if v[0].code() == 0x103));
    // Combination must not change.
    let mut p = policy(1);
    p.secondary = PolicyCode::Null;
    p.ste = None;
    assert!(matches!(
        e.change_policy(p, &SsidrefUpdate::default()),
        Err(AcmError::PolicyCombination { .. })
    ));
}

#[test]
fn boot_checks_dom0_range() {
    assert_eq!(
        Engine::boot(policy(0), vm(40)).unwrap_err(),
        AcmError::SsidrefOutOfRange(vm(40))
    );
    let e = engine();
    assert_eq!(e.chwall_state().running, [1, 0, 0, 0]);
}
