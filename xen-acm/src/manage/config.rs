//! Domain configuration files (`xm create` configs) as far as ACM needs
//! them: the domain name, memory and vCPUs for listings, the disks whose
//! labels are checked, and the `access_control` line that carries the
//! domain's label:
//!
//! ```text
//! access_control = ['policy=mytest,label=A-Bank']
//! ```
//!
//! The file is Python; this reader understands `key = value` assignments
//! whose values are strings, numbers, bare words or lists of those, which is
//! what xm configs contain. Editing keeps every other byte of the file.

use std::format;
use std::ops::Range;
use std::string::{String, ToString};
use std::vec::Vec;

/// A parsed value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A quoted string.
    Str(String),
    /// A number or bare word, as written.
    Word(String),
    /// A list.
    List(Vec<Value>),
}

/// One `key = value` with its byte range in the text.
#[derive(Clone, Debug)]
struct Assignment {
    key: String,
    value: Value,
    span: Range<usize>,
}

/// A domain configuration file.
#[derive(Clone, Debug)]
pub struct DomainConfig {
    text: String,
    items: Vec<Assignment>,
}

struct Reader<'a> {
    s: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn skip(&mut self) {
        while let Some(&c) = self.s.get(self.i) {
            if c == b'#' {
                while self.s.get(self.i).is_some_and(|&c| c != b'\n') {
                    self.i += 1;
                }
            } else if c.is_ascii_whitespace() || c == b'\\' || c == b';' {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    fn word(&mut self) -> Option<String> {
        let start = self.i;
        while self
            .s
            .get(self.i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || b"_.-+/".contains(c))
        {
            self.i += 1;
        }
        (self.i > start).then(|| String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        self.skip();
        match *self.s.get(self.i)? {
            q @ (b'\'' | b'"') => {
                self.i += 1;
                let mut out = Vec::new();
                loop {
                    match *self.s.get(self.i)? {
                        b'\\' => {
                            out.push(*self.s.get(self.i + 1)?);
                            self.i += 2;
                        }
                        c if c == q => {
                            self.i += 1;
                            break;
                        }
                        c => {
                            out.push(c);
                            self.i += 1;
                        }
                    }
                }
                Some(Value::Str(String::from_utf8_lossy(&out).into_owned()))
            }
            b'[' if depth < 8 => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.skip();
                    match self.s.get(self.i)? {
                        b']' => {
                            self.i += 1;
                            break;
                        }
                        b',' => self.i += 1,
                        _ => items.push(self.value(depth + 1)?),
                    }
                }
                Some(Value::List(items))
            }
            _ => self.word().map(Value::Word),
        }
    }
}

fn parse_items(text: &str) -> Vec<Assignment> {
    let mut r = Reader {
        s: text.as_bytes(),
        i: 0,
    };
    let mut items = Vec::new();
    loop {
        r.skip();
        let start = r.i;
        let Some(key) = r.word() else { break };
        r.skip();
        if r.s.get(r.i) != Some(&b'=') {
            break;
        }
        r.i += 1;
        let Some(value) = r.value(0) else { break };
        items.push(Assignment {
            key,
            value,
            span: start..r.i,
        });
    }
    items
}

impl DomainConfig {
    /// Reads a configuration (assignments the reader cannot follow end it).
    pub fn parse(text: &str) -> Self {
        DomainConfig {
            text: text.to_string(),
            items: parse_items(text),
        }
    }

    /// The current file text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The value assigned to `key` (the last assignment wins, as in Python).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.items
            .iter()
            .rev()
            .find(|a| a.key == key)
            .map(|a| &a.value)
    }

    fn get_str(&self, key: &str) -> Option<String> {
        match self.get(key)? {
            Value::Str(s) | Value::Word(s) => Some(s.clone()),
            Value::List(_) => None,
        }
    }

    /// `name`.
    pub fn name(&self) -> Option<String> {
        self.get_str("name")
    }

    /// `memory` in MiB.
    pub fn memory(&self) -> Option<u64> {
        self.get_str("memory")?.parse().ok()
    }

    /// `vcpus`.
    pub fn vcpus(&self) -> Option<u32> {
        self.get_str("vcpus")?.parse().ok()
    }

    /// The resources of `disk = [...]`: the part of each entry before the
    /// first comma (`file:/img,sda1,w` → `file:/img`).
    pub fn disks(&self) -> Vec<String> {
        match self.get("disk") {
            Some(Value::List(v)) => v
                .iter()
                .filter_map(|d| match d {
                    Value::Str(s) => s.split(',').next().map(|r| r.trim().to_string()),
                    _ => None,
                })
                .filter(|r| !r.is_empty())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// `(policy, label)` from `access_control = ['policy=…,label=…']`.
    pub fn access_control(&self) -> Option<(String, String)> {
        let Value::List(v) = self.get("access_control")? else {
            return None;
        };
        let Value::Str(s) = v.first()? else {
            return None;
        };
        let (mut policy, mut label) = (None, None);
        for part in s.split(',') {
            match part.trim().split_once('=') {
                Some(("policy", p)) => policy = Some(p.trim().to_string()),
                Some(("label", l)) => label = Some(l.trim().to_string()),
                _ => {}
            }
        }
        Some((policy?, label?))
    }

    /// Removes every `access_control` assignment; true if there was one.
    pub fn remove_access_control(&mut self) -> bool {
        let spans: Vec<Range<usize>> = self
            .items
            .iter()
            .filter(|a| a.key == "access_control")
            .map(|a| a.span.clone())
            .collect();
        for span in spans.iter().rev() {
            let mut end = span.end;
            if self.text.as_bytes().get(end) == Some(&b'\n') {
                end += 1;
            }
            self.text.replace_range(span.start..end, "");
        }
        self.items = parse_items(&self.text);
        !spans.is_empty()
    }

    /// Sets the label line, replacing any earlier one.
    pub fn set_access_control(&mut self, policy: &str, label: &str) {
        self.remove_access_control();
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.text.push('\n');
        }
        self.text.push_str(&format!(
            "access_control = ['policy={policy},label={label}']\n"
        ));
        self.items = parse_items(&self.text);
    }
}

/// Builds a minimal configuration (used by tests and examples).
pub fn simple_config(name: &str, memory: u64, disks: &[&str]) -> DomainConfig {
    let list: Vec<String> = disks
        .iter()
        .enumerate()
        .map(|(i, d)| format!("'{d},sda{},w'", i + 1))
        .collect();
    let lines = [
        format!("name = \"{name}\""),
        format!("memory = {memory}"),
        format!("disk = [{}]", list.join(", ")),
    ];
    DomainConfig::parse(&(lines.join("\n") + "\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOMAIN1: &str = "kernel= \"/boot/vmlinuz-2.6.18.8-xen\" memory = 128 name = \"domain1\" vif = [''] dhcp = \"dhcp\" disk = ['file:/home/xen/dom_fc5/fedora.fc5.img,sda1,w', \\\n 'file:/home/xen/dom_fc5/fedora.fc5.swap,sda2,w'] root = \"/dev/sda1 ro xencons=tty\"";

    #[test]
    fn reads_the_manuals_domain1() {
        let c = DomainConfig::parse(DOMAIN1);
        assert_eq!(c.name().as_deref(), Some("domain1"));
        assert_eq!(c.memory(), Some(128));
        assert_eq!(
            c.disks(),
            [
                "file:/home/xen/dom_fc5/fedora.fc5.img",
                "file:/home/xen/dom_fc5/fedora.fc5.swap"
            ]
        );
        assert_eq!(c.access_control(), None);
    }

    #[test]
    fn label_line_is_added_replaced_and_removed() {
        let mut c = DomainConfig::parse("# dom\nname = 'd'\nmemory = 64\n");
        c.set_access_control("mytest", "A-Bank");
        assert!(c
            .text()
            .ends_with("access_control = ['policy=mytest,label=A-Bank']\n"));
        assert_eq!(
            c.access_control(),
            Some(("mytest".to_string(), "A-Bank".to_string()))
        );
        c.set_access_control("mytest", "B-Bank");
        assert_eq!(c.text().matches("access_control").count(), 1);
        assert_eq!(c.access_control().unwrap().1, "B-Bank");
        assert!(c.remove_access_control());
        assert_eq!(c.text(), "# dom\nname = 'd'\nmemory = 64\n");
        assert!(!c.remove_access_control());
        assert_eq!(c.name().as_deref(), Some("d"));
    }
}
