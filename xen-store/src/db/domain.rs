//! Domains as the store knows them, and their quotas.
//!
//! A domain entry exists for every domain that was introduced, and for every
//! domid named in a permission list (C xenstored allocates those too, once
//! the hypervisor confirms the domain exists; without a hypervisor view this
//! store assumes every regular domid does). The entry's `generation` is the
//! store generation at which it was created: permission entries written
//! before it are stale (XSA-322). An entry disappears when its domain is
//! released; a later domain with the same domid starts afresh, with zeroed
//! accounting (XSA-483).

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::error::XsError;

/// `DOMID_FIRST_RESERVED`: ids from here up never name a domain.
pub const DOMID_FIRST_RESERVED: u32 = 0x7FF0;
/// `DOMID_SELF`.
pub const DOMID_SELF: u32 = 0x7FF0;

/// Per-domain limits. A value of 0 disables that check. They apply to
/// unprivileged domains only, as in C xenstored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quotas {
    /// Nodes a domain may own (`nodes`, default 1000).
    pub nodes: u32,
    /// Bytes of one node: header, permissions, value, children (`node-size`, 2048).
    pub node_size: u32,
    /// Watches per domain (`watches`, 128).
    pub watches: u32,
    /// Open transactions per domain (`transactions`, 10).
    pub transactions: u32,
    /// Distinct nodes one transaction may touch (`transaction-nodes`, 1024).
    pub transaction_nodes: u32,
    /// Permission entries per node (`node-permissions`, 5).
    pub node_permissions: u32,
    /// Replies waiting to be read before the store stops reading requests
    /// (`outstanding`, 20).
    pub outstanding: u32,
    /// Length of a path below `/local/domain/<N>/` (`path-max`, 2048).
    pub path_max: u32,
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas {
            nodes: 1000,
            node_size: 2048,
            watches: 128,
            transactions: 10,
            transaction_nodes: 1024,
            node_permissions: 5,
            outstanding: 20,
            path_max: 2048,
        }
    }
}

impl Quotas {
    /// Quota names, as GET_QUOTA lists them.
    pub const NAMES: [&'static str; 8] = [
        "nodes",
        "watches",
        "outstanding",
        "transactions",
        "transaction-nodes",
        "node-permissions",
        "path-max",
        "node-size",
    ];

    /// The value of a quota by name.
    pub fn get(&self, name: &str) -> Result<u32, XsError> {
        Ok(match name {
            "nodes" => self.nodes,
            "watches" => self.watches,
            "outstanding" => self.outstanding,
            "transactions" => self.transactions,
            "transaction-nodes" => self.transaction_nodes,
            "node-permissions" | "permissions" => self.node_permissions,
            "path-max" => self.path_max,
            "node-size" => self.node_size,
            _ => return Err(XsError::Inval),
        })
    }

    /// Sets a quota by name.
    pub fn set(&mut self, name: &str, v: u32) -> Result<(), XsError> {
        let slot = match name {
            "nodes" => &mut self.nodes,
            "watches" => &mut self.watches,
            "outstanding" => &mut self.outstanding,
            "transactions" => &mut self.transactions,
            "transaction-nodes" => &mut self.transaction_nodes,
            "node-permissions" | "permissions" => &mut self.node_permissions,
            "path-max" => &mut self.path_max,
            "node-size" => &mut self.node_size,
            _ => return Err(XsError::Inval),
        };
        *slot = v;
        Ok(())
    }

    /// GET_QUOTA without arguments: the names separated by blanks.
    pub fn names_list() -> String {
        Quotas::NAMES.join(" ")
    }

    /// Whether `used` has reached limit `q` (0 = unlimited).
    pub fn reached(q: u32, used: i64) -> bool {
        q != 0 && used >= q as i64
    }
}

/// What the store knows about one domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Domain {
    /// The domid.
    pub domid: u32,
    /// Store generation when this entry was created.
    pub generation: u64,
    /// Whether INTRODUCE was done (and no RELEASE since).
    pub introduced: bool,
    /// Nodes owned by the domain.
    pub nodes: i64,
    /// SET_TARGET: the domain this one acts for.
    pub target: Option<u32>,
    /// Ring feature bits set by SET_FEATURE (or the default).
    pub features: u32,
    /// This domain's quotas (copied from the global ones at creation).
    pub quotas: Quotas,
    /// The connection serving it, once introduced.
    pub conn: Option<u64>,
    /// INTRODUCE arguments: ring frame and event channel port.
    pub ring: Option<(u64, u32)>,
}

/// The table of domains.
#[derive(Clone, Debug, Default)]
pub struct Domains {
    map: BTreeMap<u32, Domain>,
}

impl Domains {
    /// The entry of `domid`.
    pub fn get(&self, domid: u32) -> Option<&Domain> {
        self.map.get(&domid)
    }

    /// The entry of `domid`, mutably.
    pub fn get_mut(&mut self, domid: u32) -> Option<&mut Domain> {
        self.map.get_mut(&domid)
    }

    /// Returns the entry of `domid`, creating it at generation `gen`.
    pub fn get_or_create(
        &mut self,
        domid: u32,
        gen: u64,
        quotas: Quotas,
        features: u32,
    ) -> &mut Domain {
        self.map.entry(domid).or_insert_with(|| Domain {
            domid,
            generation: gen,
            introduced: false,
            nodes: 0,
            target: None,
            features,
            quotas,
            conn: None,
            ring: None,
        })
    }

    /// Removes the entry of `domid`.
    pub fn remove(&mut self, domid: u32) -> Option<Domain> {
        self.map.remove(&domid)
    }

    /// The creation generation of a live domain (for permission checks).
    pub fn alive(&self, domid: u32) -> Option<u64> {
        self.map.get(&domid).map(|d| d.generation)
    }

    /// Nodes owned by `domid`.
    pub fn nodes(&self, domid: u32) -> i64 {
        self.map.get(&domid).map_or(0, |d| d.nodes)
    }

    /// Adds `delta` to the node count of `domid` (creating nothing).
    pub fn add_nodes(&mut self, domid: u32, delta: i64) {
        if let Some(d) = self.map.get_mut(&domid) {
            d.nodes = (d.nodes + delta).max(0);
        }
    }

    /// All entries, by domid.
    pub fn iter(&self) -> impl Iterator<Item = &Domain> {
        self.map.values()
    }

    /// The domids of all entries.
    pub fn ids(&self) -> Vec<u32> {
        self.map.keys().copied().collect()
    }
}

/// Parses a decimal argument the way C's `atoi()` does: leading blanks, an
/// optional sign, then digits up to the first non-digit; garbage gives 0.
/// The result is what C gets after assigning to `unsigned int`.
pub fn atoi(s: &[u8]) -> u32 {
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let mut v: i64 = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        v = (v * 10 + (s[i] - b'0') as i64).min(i64::from(i32::MAX) + 1);
        i += 1;
    }
    let v = if neg { -v } else { v };
    v as i32 as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atoi_like_c() {
        assert_eq!(atoi(b"12"), 12);
        assert_eq!(atoi(b" 7x"), 7);
        assert_eq!(atoi(b"abc"), 0);
        assert_eq!(atoi(b"-1"), u32::MAX);
        assert_eq!(atoi(b""), 0);
    }

    #[test]
    fn quota_names() {
        let mut q = Quotas::default();
        for n in Quotas::NAMES {
            q.set(n, 3).unwrap();
            assert_eq!(q.get(n), Ok(3));
        }
        assert_eq!(q.get("memory"), Err(XsError::Inval));
        assert!(Quotas::reached(2, 2));
        assert!(!Quotas::reached(0, 1_000_000));
    }
}
