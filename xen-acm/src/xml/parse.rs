//! Structural parsing: XML text → [`PolicyDoc`], following the element order
//! of the policy schema. Semantic checks live in `validate`.

use std::string::{String, ToString};
use std::vec::Vec;

use roxmltree::{Document, Node, ParsingOptions};

use super::{
    ConflictSet, ErrorKind, FromPolicy, Label, PolicyDoc, PolicyError, PolicyHeader, Pos, Spanned,
    ACM_NAMESPACE,
};
use crate::types::PolicyVersion;

type Result<T> = core::result::Result<T, PolicyError>;

struct Parser<'a, 'i> {
    doc: &'a Document<'i>,
    /// Byte offset of the start of every line, for line:column positions in
    /// O(log n) per node (roxmltree's `text_pos_at` rescans the text from
    /// the start, which made large policies quadratic).
    lines: Vec<usize>,
    /// Whether the text is ASCII (columns are then byte distances).
    ascii: bool,
    /// The last position computed, `(offset, line index, column - 1)`:
    /// nodes are visited in document order, so the next column is usually
    /// counted from there rather than from the start of a long line.
    last: core::cell::Cell<(usize, usize, usize)>,
}

/// The element children of one node, consumed in schema order.
struct Kids<'a, 'i> {
    parent: String,
    parent_pos: Pos,
    items: Vec<Node<'a, 'i>>,
    next: usize,
}

impl<'a, 'i> Kids<'a, 'i> {
    fn peek(&self, name: &str) -> bool {
        self.items
            .get(self.next)
            .is_some_and(|n| n.tag_name().name() == name)
    }

    fn take(&mut self, name: &str) -> Option<Node<'a, 'i>> {
        if self.peek(name) {
            self.next += 1;
            Some(self.items[self.next - 1])
        } else {
            None
        }
    }

    fn take_all(&mut self, name: &str) -> Vec<Node<'a, 'i>> {
        let mut v = Vec::new();
        while let Some(n) = self.take(name) {
            v.push(n);
        }
        v
    }
}

impl<'a, 'i> Parser<'a, 'i> {
    fn new(doc: &'a Document<'i>, text: &str) -> Self {
        let lines = core::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Parser {
            doc,
            lines,
            ascii: text.is_ascii(),
            last: core::cell::Cell::new((0, 0, 0)),
        }
    }

    fn pos(&self, offset: usize) -> Pos {
        let text = self.doc.input_text();
        let offset = offset.min(text.len());
        // `lines[0] == 0`, so there is always a line at or before `offset`.
        let line = self.lines.partition_point(|&start| start <= offset) - 1;
        let start = self.lines[line];
        let col = if self.ascii {
            offset - start
        } else {
            let (l_off, l_line, l_col) = self.last.get();
            let (from, base) = if l_line == line && l_off <= offset {
                (l_off, l_col)
            } else {
                (start, 0)
            };
            base + text.get(from..offset).map_or(0, |s| s.chars().count())
        };
        self.last.set((offset, line, col));
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Pos::new(clamp(line + 1), clamp(col + 1))
    }

    fn node_pos(&self, n: Node<'_, '_>) -> Pos {
        self.pos(n.range().start)
    }

    fn kids(&self, node: Node<'a, 'i>) -> Result<Kids<'a, 'i>> {
        let parent = node.tag_name().name().to_string();
        let mut items = Vec::new();
        for c in node.children() {
            if c.is_element() {
                if let Some(ns) = c.tag_name().namespace() {
                    if ns != ACM_NAMESPACE {
                        return Err(PolicyError::new(
                            self.node_pos(c),
                            ErrorKind::WrongNamespace {
                                element: c.tag_name().name().to_string(),
                                namespace: ns.to_string(),
                            },
                        ));
                    }
                }
                items.push(c);
            } else if c.is_text() {
                let t = c.text().unwrap_or("").trim();
                if !t.is_empty() {
                    return Err(PolicyError::new(
                        self.node_pos(c),
                        ErrorKind::UnexpectedText {
                            parent: parent.clone(),
                            text: t.to_string(),
                        },
                    ));
                }
            }
        }
        Ok(Kids {
            parent,
            parent_pos: self.node_pos(node),
            items,
            next: 0,
        })
    }

    fn expect(&self, kids: &mut Kids<'a, 'i>, name: &str) -> Result<Node<'a, 'i>> {
        if let Some(n) = kids.take(name) {
            return Ok(n);
        }
        match kids.items.get(kids.next) {
            Some(other) => Err(self.unexpected(*other, &kids.parent, name)),
            None => Err(PolicyError::new(
                kids.parent_pos,
                ErrorKind::MissingElement {
                    parent: kids.parent.clone(),
                    expected: name.to_string(),
                },
            )),
        }
    }

    fn unexpected(&self, n: Node<'_, '_>, parent: &str, expected: &str) -> PolicyError {
        PolicyError::new(
            self.node_pos(n),
            ErrorKind::UnexpectedElement {
                found: n.tag_name().name().to_string(),
                parent: parent.to_string(),
                expected: expected.to_string(),
            },
        )
    }

    fn finish(&self, kids: &Kids<'a, 'i>, expected: &str) -> Result<()> {
        match kids.items.get(kids.next) {
            Some(n) => Err(self.unexpected(*n, &kids.parent, expected)),
            None => Ok(()),
        }
    }

    /// Trimmed text content of a leaf element; `None` if it has none.
    fn text(&self, n: Node<'a, 'i>) -> Result<Option<Spanned<String>>> {
        let mut out = String::new();
        for c in n.children() {
            if c.is_element() {
                return Err(self.unexpected(c, n.tag_name().name(), "text"));
            }
            if c.is_text() {
                out.push_str(c.text().unwrap_or(""));
            }
        }
        let t = out.trim();
        Ok((!t.is_empty()).then(|| Spanned::new(t.to_string(), self.node_pos(n))))
    }

    fn required_text(&self, n: Node<'a, 'i>) -> Result<Spanned<String>> {
        self.text(n)?.ok_or_else(|| {
            PolicyError::new(
                self.node_pos(n),
                ErrorKind::Empty(n.tag_name().name().to_string()),
            )
        })
    }

    fn version(&self, n: Node<'a, 'i>) -> Result<Spanned<PolicyVersion>> {
        let t = self.required_text(n)?;
        match PolicyVersion::parse(&t.value) {
            Some(v) => Ok(Spanned::new(v, t.pos)),
            None => Err(PolicyError::new(
                t.pos,
                ErrorKind::MalformedVersion {
                    element: n.tag_name().name().to_string(),
                    text: t.value,
                },
            )),
        }
    }

    fn optional_text(&self, kids: &mut Kids<'a, 'i>, name: &str) -> Result<Option<String>> {
        match kids.take(name) {
            Some(n) => Ok(self.text(n)?.map(|s| s.value)),
            None => Ok(None),
        }
    }

    fn header(&self, n: Node<'a, 'i>) -> Result<PolicyHeader> {
        let mut k = self.kids(n)?;
        let name = self.required_text(self.expect(&mut k, "PolicyName")?)?;
        let url = self.optional_text(&mut k, "PolicyUrl")?;
        let reference = self.optional_text(&mut k, "Reference")?;
        let date = self.optional_text(&mut k, "Date")?;
        let namespace_url = self.optional_text(&mut k, "NameSpaceUrl")?;
        let version = self.version(self.expect(&mut k, "Version")?)?;
        let from_policy = match k.take("FromPolicy") {
            Some(f) => {
                let mut fk = self.kids(f)?;
                let fname = self.required_text(self.expect(&mut fk, "PolicyName")?)?;
                let fversion = self.version(self.expect(&mut fk, "Version")?)?;
                self.finish(&fk, "end of <FromPolicy>")?;
                Some(FromPolicy {
                    name: fname,
                    version: fversion,
                    pos: self.node_pos(f),
                })
            }
            None => None,
        };
        self.finish(&k, "end of <PolicyHeader>")?;
        Ok(PolicyHeader {
            name,
            url,
            reference,
            date,
            namespace_url,
            version,
            from_policy,
        })
    }

    /// `Type+` children of a type list; empty `<Type/>` elements are
    /// skipped only when `allow_empty` (Xen's DEFAULT policy has one).
    fn types(&self, n: Node<'a, 'i>, allow_empty: bool) -> Result<Vec<Spanned<String>>> {
        let mut k = self.kids(n)?;
        let mut out = Vec::new();
        for t in k.take_all("Type") {
            match self.text(t)? {
                Some(s) => out.push(s),
                None if allow_empty => {}
                None => {
                    return Err(PolicyError::new(
                        self.node_pos(t),
                        ErrorKind::Empty("Type".into()),
                    ))
                }
            }
        }
        if k.items.is_empty() {
            return Err(PolicyError::new(
                self.node_pos(n),
                ErrorKind::MissingElement {
                    parent: k.parent.clone(),
                    expected: "Type".into(),
                },
            ));
        }
        self.finish(&k, "<Type>")?;
        Ok(out)
    }

    fn priority(&self, n: Node<'a, 'i>) -> Result<()> {
        if let Some(a) = n.attribute_node("priority") {
            if a.value() != "PrimaryPolicyComponent" {
                return Err(PolicyError::new(
                    self.pos(a.range().start),
                    ErrorKind::BadAttribute {
                        element: n.tag_name().name().to_string(),
                        attribute: "priority".into(),
                        value: a.value().to_string(),
                    },
                ));
            }
        }
        Ok(())
    }

    fn label(&self, n: Node<'a, 'i>, vm: bool) -> Result<Label> {
        let mut k = self.kids(n)?;
        let name_node = self.expect(&mut k, "Name")?;
        let name = self.required_text(name_node)?;
        let from = name_node
            .attribute_node("from")
            .map(|a| Spanned::new(a.value().trim().to_string(), self.pos(a.range().start)));
        let mut ste = Vec::new();
        for t in k.take_all("SimpleTypeEnforcementTypes") {
            ste.extend(self.types(t, true)?);
        }
        let mut chwall = Vec::new();
        if vm {
            for t in k.take_all("ChineseWallTypes") {
                chwall.extend(self.types(t, true)?);
            }
        }
        let expected = if vm {
            "<SimpleTypeEnforcementTypes> or <ChineseWallTypes>"
        } else {
            "<SimpleTypeEnforcementTypes>"
        };
        self.finish(&k, expected)?;
        Ok(Label {
            name,
            from,
            ste,
            chwall,
        })
    }

    fn document(&self) -> Result<PolicyDoc> {
        let root = self.doc.root_element();
        if root.tag_name().name() != "SecurityPolicyDefinition" {
            return Err(PolicyError::new(
                self.node_pos(root),
                ErrorKind::UnexpectedElement {
                    found: root.tag_name().name().to_string(),
                    parent: "document".into(),
                    expected: "<SecurityPolicyDefinition>".into(),
                },
            ));
        }
        if let Some(ns) = root.tag_name().namespace() {
            if ns != ACM_NAMESPACE {
                return Err(PolicyError::new(
                    self.node_pos(root),
                    ErrorKind::WrongNamespace {
                        element: "SecurityPolicyDefinition".into(),
                        namespace: ns.to_string(),
                    },
                ));
            }
        }
        let mut k = self.kids(root)?;
        let header = self.header(self.expect(&mut k, "PolicyHeader")?)?;
        let mut ste_types = Vec::new();
        if let Some(s) = k.take("SimpleTypeEnforcement") {
            self.priority(s)?;
            let mut sk = self.kids(s)?;
            ste_types = self.types(self.expect(&mut sk, "SimpleTypeEnforcementTypes")?, false)?;
            self.finish(&sk, "end of <SimpleTypeEnforcement>")?;
        }
        let mut chwall_types = Vec::new();
        let mut conflict_sets = Vec::new();
        if let Some(c) = k.take("ChineseWall") {
            self.priority(c)?;
            let mut ck = self.kids(c)?;
            chwall_types = self.types(self.expect(&mut ck, "ChineseWallTypes")?, false)?;
            if let Some(sets) = ck.take("ConflictSets") {
                let mut sk = self.kids(sets)?;
                let list = sk.take_all("Conflict");
                if list.is_empty() {
                    self.expect(&mut sk, "Conflict")?;
                }
                self.finish(&sk, "<Conflict>")?;
                for set in list {
                    let name = match set.attribute_node("name") {
                        Some(a) if !a.value().trim().is_empty() => {
                            Spanned::new(a.value().trim().to_string(), self.pos(a.range().start))
                        }
                        _ => {
                            return Err(PolicyError::new(
                                self.node_pos(set),
                                ErrorKind::MissingAttribute {
                                    element: "Conflict".into(),
                                    attribute: "name".into(),
                                },
                            ))
                        }
                    };
                    conflict_sets.push(ConflictSet {
                        name,
                        types: self.types(set, false)?,
                    });
                }
            }
            self.finish(&ck, "end of <ChineseWall>")?;
        }
        let tmpl = self.expect(&mut k, "SecurityLabelTemplate")?;
        self.finish(&k, "end of <SecurityPolicyDefinition>")?;

        let mut tk = self.kids(tmpl)?;
        let mut bootstrap = None;
        let mut vm_labels = Vec::new();
        if let Some(s) = tk.take("SubjectLabels") {
            bootstrap = match s.attribute_node("bootstrap") {
                Some(a) => Some(Spanned::new(
                    a.value().trim().to_string(),
                    self.pos(a.range().start),
                )),
                None => {
                    return Err(PolicyError::new(
                        self.node_pos(s),
                        ErrorKind::MissingAttribute {
                            element: "SubjectLabels".into(),
                            attribute: "bootstrap".into(),
                        },
                    ))
                }
            };
            let mut sk = self.kids(s)?;
            let list = sk.take_all("VirtualMachineLabel");
            if list.is_empty() {
                self.expect(&mut sk, "VirtualMachineLabel")?;
            }
            self.finish(&sk, "<VirtualMachineLabel>")?;
            for l in list {
                vm_labels.push(self.label(l, true)?);
            }
        }
        let mut res_labels = Vec::new();
        if let Some(o) = tk.take("ObjectLabels") {
            let mut ok = self.kids(o)?;
            let list = ok.take_all("ResourceLabel");
            if list.is_empty() {
                self.expect(&mut ok, "ResourceLabel")?;
            }
            self.finish(&ok, "<ResourceLabel>")?;
            for l in list {
                res_labels.push(self.label(l, false)?);
            }
        }
        self.finish(&tk, "<SubjectLabels> or <ObjectLabels>")?;

        Ok(PolicyDoc {
            header,
            ste_types,
            chwall_types,
            conflict_sets,
            bootstrap,
            vm_labels,
            res_labels,
        })
    }
}

/// Parses the structure of a policy without semantic validation.
pub fn parse_document(text: &str) -> core::result::Result<PolicyDoc, PolicyError> {
    let opts = ParsingOptions {
        allow_dtd: false,
        nodes_limit: 1 << 22,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(text, opts).map_err(|e| {
        let p = e.pos();
        PolicyError::new(Pos::new(p.row, p.col), ErrorKind::Xml(e.to_string()))
    })?;
    Parser::new(&doc, text).document()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line index gives the same line:column as roxmltree's own
    /// (quadratic) `text_pos_at`, multi-byte characters and CRLF included.
    #[test]
    fn line_index_matches_roxmltree_positions() {
        let text =
            "<?xml version=\"1.0\"?>\r\n<a>\n  <b x=\"é\">ü</b><c/>\n\n\t<d>日本</d>\r\n</a>\n";
        let doc = Document::parse(text).unwrap();
        let p = Parser::new(&doc, text);
        let mut offsets: Vec<usize> = doc
            .descendants()
            .flat_map(|n| [n.range().start, n.range().end])
            .collect();
        // Document order, then backwards (the memo must not be trusted
        // behind itself), then one long line without newlines.
        let mut checked = 0;
        for _ in 0..2 {
            for &offset in &offsets {
                let want = doc.text_pos_at(offset);
                assert_eq!(
                    p.pos(offset),
                    Pos::new(want.row, want.col),
                    "offset {offset}"
                );
                checked += 1;
            }
            offsets.reverse();
        }
        assert!(checked > 20);
        let one_line = text.replace(['\n', '\r'], " ");
        let doc = Document::parse(&one_line).unwrap();
        let p = Parser::new(&doc, &one_line);
        for n in doc.descendants() {
            let want = doc.text_pos_at(n.range().start);
            assert_eq!(p.pos(n.range().start), Pos::new(want.row, want.col));
        }
    }
}
