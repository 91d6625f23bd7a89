//! Node permissions: the `n/r/w/b<domid>` strings, and who may do what.
//!
//! A permission list is never empty. Its first entry names the owner, who
//! always has full access; the first entry's letter is also the access of
//! every domain without an entry of its own. The privileged domain, and a
//! domain whose SET_TARGET target owns the node, have full access too.
//!
//! Entries may be *stale*: they name a domain that was released after the
//! permissions were set, or a domid that can never be a domain. Stale entries
//! are kept (GET_PERMS still shows them, as C xenstored does) but ignored, so
//! a new domain reusing the domid inherits nothing (XSA-322, XSA-417). The
//! check compares the domain's creation generation with the generation at
//! which the permission list was written.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt::Write;

use super::error::XsError;

/// Read access.
pub const READ: u8 = 1;
/// Write access.
pub const WRITE: u8 = 2;
/// Both.
pub const BOTH: u8 = READ | WRITE;
/// Ownership: may change the permissions (owner, privileged, target).
pub const OWNER: u8 = 8;
/// Everything.
pub const FULL: u8 = READ | WRITE | OWNER;

/// One permission entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Perm {
    /// The domain (as parsed: `strtol` base 0, stored as 32 bits like C).
    pub domid: u32,
    /// [`READ`], [`WRITE`], both or none.
    pub access: u8,
}

impl Perm {
    /// Builds an entry.
    pub const fn new(domid: u32, access: u8) -> Perm {
        Perm { domid, access }
    }

    fn letter(self) -> char {
        match self.access & BOTH {
            READ => 'r',
            WRITE => 'w',
            BOTH => 'b',
            _ => 'n',
        }
    }
}

/// A permission list with the generation at which it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PermSet {
    /// The entries, owner first; never empty.
    pub entries: Arc<[Perm]>,
    /// Store generation when this list was set (for stale-entry detection).
    pub gen: u64,
}

impl PermSet {
    /// A list owned by `owner` with default access `access` (e.g. `n0`).
    pub fn owned_by(owner: u32, access: u8, gen: u64) -> PermSet {
        PermSet {
            entries: Arc::from([Perm::new(owner, access)]),
            gen,
        }
    }

    /// The owner's domid.
    pub fn owner(&self) -> u32 {
        self.entries[0].domid
    }

    /// The `GET_PERMS` reply payload: one NUL-terminated string per entry.
    pub fn to_wire(&self) -> Vec<u8> {
        let mut s = String::new();
        for p in self.entries.iter() {
            // C prints the id with "%i".
            let _ = write!(s, "{}{}\0", p.letter(), p.domid as i32);
        }
        s.into_bytes()
    }
}

/// What the permission check needs to know about the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The caller's domid.
    pub domid: u32,
    /// Whether it is privileged (dom0 or the configured privileged domain).
    pub privileged: bool,
    /// Its SET_TARGET target, if any.
    pub target: Option<u32>,
}

impl Caller {
    /// The store itself (domain teardown, setup): privileged domain 0.
    pub const STORE: Caller = Caller {
        domid: 0,
        privileged: true,
        target: None,
    };
}

/// The access `caller` has under `perms` ([`FULL`] for owners). `alive(domid)` returns the
/// creation generation of a live domain, `None` for no such domain.
pub fn access_for(caller: &Caller, perms: &PermSet, alive: impl Fn(u32) -> Option<u64>) -> u8 {
    let owner = perms.entries[0].domid;
    if caller.privileged || owner == caller.domid || caller.target == Some(owner) {
        return FULL;
    }
    for p in perms.entries.iter().skip(1) {
        let valid = alive(p.domid).is_some_and(|g| g <= perms.gen);
        if valid && (p.domid == caller.domid || caller.target == Some(p.domid)) {
            return p.access & BOTH;
        }
    }
    perms.entries[0].access & BOTH
}

/// Parses `strtol(s, &end, 0)` the way C does, for a whole string: optional
/// leading blanks and sign, `0x` hex, `0` octal, decimal; the result wraps to
/// 32 bits like the C assignment to `unsigned int`.
fn parse_domid(s: &[u8]) -> Option<u32> {
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let (radix, start) = if s[i..].starts_with(b"0x") || s[i..].starts_with(b"0X") {
        if s.get(i + 2).is_some_and(|c| c.is_ascii_hexdigit()) {
            (16, i + 2)
        } else {
            // "0x" with no digits parses as "0" followed by junk.
            return None;
        }
    } else if s.get(i) == Some(&b'0') {
        (8, i)
    } else {
        (10, i)
    };
    let digits = &s[start..];
    if digits.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for &c in digits {
        let d = (c as char).to_digit(radix)? as u64;
        // strtol saturates at LONG_MAX; anything that large wraps to junk in
        // C too, so saturating is as good as any answer.
        v = v.saturating_mul(radix as u64).saturating_add(d);
    }
    let v = if neg { v.wrapping_neg() } else { v };
    Some(v as u32)
}

/// Parses permission strings (`xs_strings_to_perms()`): each of `strings`
/// is one entry without its NUL.
pub fn parse_perms<'a>(strings: impl Iterator<Item = &'a [u8]>) -> Result<Vec<Perm>, XsError> {
    let mut out = Vec::new();
    for s in strings {
        let access = match s.first() {
            Some(b'r') => READ,
            Some(b'w') => WRITE,
            Some(b'b') => BOTH,
            Some(b'n') => 0,
            _ => return Err(XsError::Inval),
        };
        let domid = parse_domid(&s[1..]).ok_or(XsError::Inval)?;
        out.push(Perm::new(domid, access));
    }
    if out.is_empty() {
        return Err(XsError::Inval);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(s: &[&str]) -> PermSet {
        let v = parse_perms(s.iter().map(|x| x.as_bytes())).unwrap();
        PermSet {
            entries: Arc::from(v),
            gen: 10,
        }
    }

    fn caller(domid: u32) -> Caller {
        Caller {
            domid,
            privileged: domid == 0,
            target: None,
        }
    }

    #[test]
    fn parse_and_format() {
        let p = set(&["n5", "r0x10", "b010", "w-1"]);
        assert_eq!(p.entries[1], Perm::new(16, READ));
        assert_eq!(p.entries[2], Perm::new(8, BOTH));
        assert_eq!(p.entries[3].domid, u32::MAX);
        assert_eq!(p.to_wire(), b"n5\0r16\0b8\0w-1\0");
        for bad in ["x1", "r", "r1z", "", "r0x"] {
            assert!(parse_perms([bad.as_bytes()].into_iter()).is_err(), "{bad}");
        }
    }

    #[test]
    fn owner_default_and_entries() {
        let alive = |_d: u32| Some(1);
        let p = set(&["r5", "w6", "n7"]);
        assert_eq!(access_for(&caller(5), &p, alive), FULL);
        assert_eq!(access_for(&caller(6), &p, alive), WRITE);
        assert_eq!(access_for(&caller(7), &p, alive), 0);
        assert_eq!(access_for(&caller(8), &p, alive), READ);
        assert_eq!(access_for(&caller(0), &p, alive), FULL);
        let t = Caller {
            domid: 9,
            privileged: false,
            target: Some(5),
        };
        assert_eq!(access_for(&t, &p, alive), FULL);
    }

    #[test]
    fn stale_entries_are_ignored() {
        let p = set(&["n5", "b6"]);
        // Domain 6 recreated after the permissions were written (gen 10).
        assert_eq!(
            access_for(&caller(6), &p, |d| Some(if d == 6 { 11 } else { 1 })),
            0
        );
        // Domain 6 gone.
        assert_eq!(access_for(&caller(6), &p, |d| (d != 6).then_some(1)), 0);
        assert_eq!(access_for(&caller(6), &p, |_| Some(10)), BOTH);
    }
}
