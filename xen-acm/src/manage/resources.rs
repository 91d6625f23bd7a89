//! The resource-label store and its file, in the format of Xen's
//! `/var/lib/xend/security/policies/resource_labels`: a Python assignment
//! of a dict literal, as `dictio.dict_write` produced it:
//!
//! ```text
//! resources = {
//!     'file:/home/xen/dom_fc5/fedora.fc5.img': ('ACM', 'mytest', 'A-Bank'),
//! }
//! ```
//!
//! Values are 3-tuples `(policytype, policy, label)`; the 2-tuples
//! `(policy, label)` of Xen 3.1 are read as `ACM` labels.

use std::collections::BTreeMap;
use std::string::{String, ToString};
use std::vec::Vec;
use std::{format, vec};

use super::label::SecLabel;

/// Why a resource-label file or resource name was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResourceError {
    /// The file does not have the expected shape.
    #[error("resource_labels {line}:{col}: {msg}")]
    Syntax {
        /// Line, from 1.
        line: u32,
        /// Column, from 1.
        col: u32,
        /// What was expected.
        msg: String,
    },
    /// A resource name is not `type:path` with an absolute path.
    #[error("Invalid resource '{0}'")]
    BadName(String),
}

/// Canonical form of a resource name, as `unify_resname` made it (without
/// touching the file system): `phy:` names get `/dev/` prepended when
/// relative; `file:`, `tap:<sub>:` and `phy:` paths must be absolute;
/// `vlan:` names are kept as they are.
pub fn canonical_resource(name: &str) -> Result<String, ResourceError> {
    let bad = || ResourceError::BadName(name.to_string());
    let (typ, rest) = name.trim().split_once(':').ok_or_else(bad)?;
    let (typ, path) = match typ {
        "tap" => {
            let (sub, path) = rest.split_once(':').ok_or_else(bad)?;
            (format!("tap:{sub}"), path.to_string())
        }
        "phy" if !rest.starts_with('/') => (typ.to_string(), format!("/dev/{rest}")),
        _ => (typ.to_string(), rest.to_string()),
    };
    if typ != "vlan" && !path.starts_with('/') {
        return Err(bad());
    }
    if path.is_empty() || typ.is_empty() {
        return Err(bad());
    }
    Ok(format!("{typ}:{path}"))
}

/// Resource name → label.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResourceLabels {
    map: BTreeMap<String, SecLabel>,
}

impl ResourceLabels {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The label of a (canonical) resource.
    pub fn get(&self, resource: &str) -> Option<&SecLabel> {
        self.map.get(resource)
    }

    /// Labels a resource (replacing any label).
    pub fn set(&mut self, resource: String, label: SecLabel) {
        self.map.insert(resource, label);
    }

    /// Removes a resource's label; returns it.
    pub fn remove(&mut self, resource: &str) -> Option<SecLabel> {
        self.map.remove(resource)
    }

    /// All labelled resources, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &SecLabel)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Mutable access to every label.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut SecLabel> {
        self.map.values_mut()
    }

    /// Number of labelled resources.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when no resource is labelled.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The file text.
    pub fn to_file(&self) -> String {
        let mut s = String::from("resources = {\n");
        for (k, v) in &self.map {
            s.push_str(&format!(
                "    {}: ({}, {}, {}),\n",
                quote(k),
                quote(&v.policy_type),
                quote(&v.policy),
                quote(&v.label)
            ));
        }
        s.push_str("}\n");
        s
    }

    /// Reads the file text.
    pub fn parse(text: &str) -> Result<Self, ResourceError> {
        let mut p = Lexer::new(text);
        let mut map = BTreeMap::new();
        p.skip();
        if p.at_end() {
            return Ok(ResourceLabels { map });
        }
        p.expect_word("resources")?;
        p.expect(b'=')?;
        p.expect(b'{')?;
        loop {
            p.skip();
            if p.eat(b'}') {
                break;
            }
            let key = p.string()?;
            p.expect(b':')?;
            p.expect(b'(')?;
            let mut parts = vec![p.string()?];
            while {
                p.skip();
                p.eat(b',')
            } {
                p.skip();
                if p.peek() == Some(b')') {
                    break;
                }
                parts.push(p.string()?);
            }
            p.expect(b')')?;
            let label = match parts.as_slice() {
                [t, pol, l] => SecLabel {
                    policy_type: t.clone(),
                    policy: pol.clone(),
                    label: l.clone(),
                },
                [pol, l] => SecLabel::acm(pol, l),
                _ => return Err(p.error("a 2- or 3-tuple of strings")),
            };
            map.insert(key, label);
            p.skip();
            if !p.eat(b',') {
                p.expect(b'}')?;
                break;
            }
        }
        p.skip();
        if !p.at_end() {
            return Err(p.error("end of file"));
        }
        Ok(ResourceLabels { map })
    }
}

fn quote(s: &str) -> String {
    let mut q = String::from("'");
    for c in s.chars() {
        match c {
            '\\' => q.push_str("\\\\"),
            '\'' => q.push_str("\\'"),
            '\n' => q.push_str("\\n"),
            c => q.push(c),
        }
    }
    q.push('\'');
    q
}

/// A tiny lexer for the subset of Python literals the file uses.
struct Lexer<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str) -> Self {
        Lexer {
            s: text.as_bytes(),
            i: 0,
        }
    }

    fn error(&self, expected: &str) -> ResourceError {
        let before = &self.s[..self.i.min(self.s.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
        let col = (before.len()
            - before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1)) as u32
            + 1;
        ResourceError::Syntax {
            line,
            col,
            msg: format!("expected {expected}"),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn at_end(&self) -> bool {
        self.i >= self.s.len()
    }

    fn skip(&mut self) {
        while let Some(c) = self.peek() {
            if c == b'#' {
                while self.peek().is_some_and(|c| c != b'\n') {
                    self.i += 1;
                }
            } else if c.is_ascii_whitespace() || c == b'\\' {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), ResourceError> {
        self.skip();
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.error(&format!("'{}'", c as char)))
        }
    }

    fn expect_word(&mut self, w: &str) -> Result<(), ResourceError> {
        self.skip();
        if self.s[self.i..].starts_with(w.as_bytes()) {
            self.i += w.len();
            Ok(())
        } else {
            Err(self.error(&format!("'{w}'")))
        }
    }

    fn string(&mut self) -> Result<String, ResourceError> {
        self.skip();
        let quote = match self.peek() {
            Some(q @ (b'\'' | b'"')) => q,
            _ => return Err(self.error("a quoted string")),
        };
        self.i += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            match self.peek() {
                None | Some(b'\n') => return Err(self.error("the closing quote")),
                Some(b'\\') => {
                    self.i += 1;
                    match self.peek() {
                        Some(b'n') => out.push(b'\n'),
                        Some(b't') => out.push(b'\t'),
                        Some(c) => out.push(c),
                        None => return Err(self.error("an escaped character")),
                    }
                    self.i += 1;
                }
                Some(c) if c == quote => {
                    self.i += 1;
                    break;
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
        String::from_utf8(out).map_err(|_| self.error("UTF-8 text"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_round_trip_and_xen_3_1_tuples() {
        let mut r = ResourceLabels::new();
        r.set(
            "file:/home/xen/dom_fc5/fedora.fc5.img".into(),
            SecLabel::acm("mytest", "A-Bank"),
        );
        r.set(
            "phy:/dev/o'dd".into(),
            SecLabel::acm("p", "x").invalidated(),
        );
        let text = r.to_file();
        assert!(text.starts_with("resources = {\n    'file:/home/xen/dom_fc5/fedora.fc5.img': ('ACM', 'mytest', 'A-Bank'),\n"));
        assert_eq!(ResourceLabels::parse(&text).unwrap(), r);

        let old = "# written by Xen 3.1\nresources = {\n  \"phy:/dev/sda1\" : ( 'mytest' , 'A-Bank' ) ,\n}\n";
        let r = ResourceLabels::parse(old).unwrap();
        assert_eq!(
            r.get("phy:/dev/sda1"),
            Some(&SecLabel::acm("mytest", "A-Bank"))
        );
        assert!(ResourceLabels::parse("").unwrap().is_empty());
    }

    #[test]
    fn file_errors_have_positions() {
        let e = ResourceLabels::parse("resources = {\n  'a': ('x'\n}").unwrap_err();
        assert!(
            matches!(
                e,
                ResourceError::Syntax {
                    line: 3,
                    col: 1,
                    ..
                }
            ),
            "{e}"
        );
        assert!(ResourceLabels::parse("resources = {'a': ('1','2','3','4')}").is_err());
        assert!(ResourceLabels::parse("resources = {} junk").is_err());
    }

    #[test]
    fn canonical_names() {
        assert_eq!(canonical_resource("phy:hda1").unwrap(), "phy:/dev/hda1");
        assert_eq!(
            canonical_resource("tap:qcow:/x.qcow").unwrap(),
            "tap:qcow:/x.qcow"
        );
        assert_eq!(canonical_resource("vlan:42").unwrap(), "vlan:42");
        assert!(canonical_resource("file:relative.img").is_err());
        assert!(canonical_resource("nocolon").is_err());
        assert!(canonical_resource("tap:/x").is_err());
    }
}
