//! S-expressions as xend and the vnet tools used them (SXP).
//!
//! The grammar follows xend's `sxp.py` and libxutil's `sxpr_parser.c`:
//!
//! * a value is an **atom** or a parenthesised **list** of values;
//! * atoms are runs of characters other than white space, `(`, `)`, `#`
//!   and quotes (`aa:00:00:01:02:03`, `0:0:0:0:0:0:0:61`, `vnet.add` are
//!   single atoms);
//! * a **quoted string** is delimited by `"` or `'` and understands the
//!   escapes `\\`, `\"`, `\'`, `\n`, `\t`, `\r`, `\0` and `\xHH`; after
//!   parsing it is an atom like any other (xend made no distinction);
//! * `#` starts a comment running to the end of the line.
//!
//! [`parse`] reads exactly one value, [`parse_all`] any number; errors carry
//! the 1-based line and column and the byte offset. [`Sxp`]'s `Display`
//! prints a value that parses back to itself (quoting atoms only when
//! needed), so `parse(x.to_string()) == x` for every value.
#![forbid(unsafe_code)]

use std::fmt;

/// One SXP value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Sxp {
    /// An atom or a (former) quoted string.
    Atom(String),
    /// A list, usually `(name child…)`.
    List(Vec<Sxp>),
}

/// Where in the input something happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    /// Byte offset from the start of the input.
    pub offset: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// What went wrong while parsing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseErrorKind {
    /// The input ended inside a list.
    #[error("unexpected end of input: list opened at {0} is not closed")]
    UnclosedList(Pos),
    /// The input ended inside a quoted string.
    #[error("unexpected end of input: string opened at {0} is not closed")]
    UnclosedString(Pos),
    /// A `)` without a matching `(`.
    #[error("unexpected ')'")]
    UnexpectedClose,
    /// No value at all where one was required.
    #[error("expected a value, found end of input")]
    Empty,
    /// More input after the single value [`parse`] wanted.
    #[error("trailing input after the value")]
    Trailing,
    /// An unknown or malformed `\` escape in a string.
    #[error("invalid escape sequence in string")]
    BadEscape,
    /// Nesting deeper than [`MAX_DEPTH`].
    #[error("lists nested deeper than {MAX_DEPTH}")]
    TooDeep,
}

/// A parse error with its position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sxp {pos}: {kind}")]
pub struct ParseError {
    /// Where.
    pub pos: Pos,
    /// What.
    pub kind: ParseErrorKind,
}

/// Lists nested deeper than this are refused (keeps the parser's stack
/// bounded on hostile input).
pub const MAX_DEPTH: usize = 256;

struct Parser<'a> {
    src: &'a str,
    off: usize,
    line: usize,
    col: usize,
}

fn is_atom_char(c: char) -> bool {
    !(c.is_whitespace() || matches!(c, '(' | ')' | '#' | '"' | '\''))
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Self {
        Parser {
            src,
            off: 0,
            line: 1,
            col: 1,
        }
    }

    fn pos(&self) -> Pos {
        Pos {
            offset: self.off,
            line: self.line,
            column: self.col,
        }
    }

    fn peek(&self) -> Option<char> {
        self.src[self.off..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.off += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn err(&self, pos: Pos, kind: ParseErrorKind) -> ParseError {
        ParseError { pos, kind }
    }

    /// Skips white space and comments.
    fn skip(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                self.bump();
            } else if c == '#' {
                while let Some(c) = self.bump() {
                    if c == '\n' {
                        break;
                    }
                }
            } else {
                break;
            }
        }
    }

    /// Parses one value; `None` at end of input.
    fn value(&mut self) -> Result<Option<Sxp>, ParseError> {
        // An explicit stack instead of recursion.
        let mut stack: Vec<(Pos, Vec<Sxp>)> = Vec::new();
        loop {
            self.skip();
            let pos = self.pos();
            let item = match self.peek() {
                None => {
                    return match stack.pop() {
                        Some((open, _)) => Err(self.err(pos, ParseErrorKind::UnclosedList(open))),
                        None => Ok(None),
                    }
                }
                Some('(') => {
                    self.bump();
                    if stack.len() >= MAX_DEPTH {
                        return Err(self.err(pos, ParseErrorKind::TooDeep));
                    }
                    stack.push((pos, Vec::new()));
                    continue;
                }
                Some(')') => {
                    self.bump();
                    match stack.pop() {
                        Some((_, items)) => Sxp::List(items),
                        None => return Err(self.err(pos, ParseErrorKind::UnexpectedClose)),
                    }
                }
                Some(q @ ('"' | '\'')) => {
                    self.bump();
                    Sxp::Atom(self.string(q, pos)?)
                }
                Some(_) => {
                    let start = self.off;
                    while self.peek().is_some_and(is_atom_char) {
                        self.bump();
                    }
                    Sxp::Atom(self.src[start..self.off].to_owned())
                }
            };
            match stack.last_mut() {
                Some((_, items)) => items.push(item),
                None => return Ok(Some(item)),
            }
        }
    }

    fn string(&mut self, quote: char, open: Pos) -> Result<String, ParseError> {
        let mut out = String::new();
        loop {
            let pos = self.pos();
            let Some(c) = self.bump() else {
                return Err(self.err(pos, ParseErrorKind::UnclosedString(open)));
            };
            if c == quote {
                return Ok(out);
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            let e = match self.bump() {
                None => return Err(self.err(pos, ParseErrorKind::UnclosedString(open))),
                Some(e) => e,
            };
            match e {
                '\\' | '"' | '\'' => out.push(e),
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                '0' => out.push('\0'),
                'x' => {
                    let mut v = 0u32;
                    for _ in 0..2 {
                        let d = self
                            .bump()
                            .and_then(|d| d.to_digit(16))
                            .ok_or_else(|| self.err(pos, ParseErrorKind::BadEscape))?;
                        v = v * 16 + d;
                    }
                    // \xHH names a character (U+0000..U+00FF), as in Python 3.
                    out.push(
                        char::from_u32(v)
                            .ok_or_else(|| self.err(pos, ParseErrorKind::BadEscape))?,
                    );
                }
                _ => return Err(self.err(pos, ParseErrorKind::BadEscape)),
            }
        }
    }
}

/// Parses exactly one value (comments and white space around it allowed).
pub fn parse(src: &str) -> Result<Sxp, ParseError> {
    let mut p = Parser::new(src);
    let v = p
        .value()?
        .ok_or_else(|| p.err(p.pos(), ParseErrorKind::Empty))?;
    p.skip();
    if p.peek().is_some() {
        return Err(p.err(p.pos(), ParseErrorKind::Trailing));
    }
    Ok(v)
}

/// Parses every value in the input.
pub fn parse_all(src: &str) -> Result<Vec<Sxp>, ParseError> {
    let mut p = Parser::new(src);
    let mut out = Vec::new();
    while let Some(v) = p.value()? {
        out.push(v);
    }
    Ok(out)
}

impl Sxp {
    /// An atom.
    pub fn atom(s: impl Into<String>) -> Self {
        Sxp::Atom(s.into())
    }

    /// `(name value)`.
    pub fn pair(name: &str, value: impl Into<String>) -> Self {
        Sxp::List(vec![Sxp::atom(name), Sxp::atom(value)])
    }

    /// The atom's text, if an atom.
    pub fn as_atom(&self) -> Option<&str> {
        match self {
            Sxp::Atom(s) => Some(s),
            Sxp::List(_) => None,
        }
    }

    /// The element name: the atom itself, or the first atom of a list.
    pub fn name(&self) -> Option<&str> {
        match self {
            Sxp::Atom(s) => Some(s),
            Sxp::List(v) => v.first().and_then(Sxp::as_atom),
        }
    }

    /// Children of a list that are themselves non-empty lists, optionally
    /// only those named `elt`.
    pub fn children<'s, 'e>(
        &'s self,
        elt: Option<&'e str>,
    ) -> impl Iterator<Item = &'s Sxp> + use<'s, 'e> {
        let items: &[Sxp] = match self {
            Sxp::List(v) => v.get(1..).unwrap_or(&[]),
            Sxp::Atom(_) => &[],
        };
        items.iter().filter(move |c| match c {
            Sxp::List(v) if !v.is_empty() => elt.is_none_or(|e| c.name() == Some(e)),
            _ => false,
        })
    }

    /// The first child list named `elt`.
    pub fn child(&self, elt: &str) -> Option<&Sxp> {
        self.children(Some(elt)).next()
    }

    /// The second element of the first child named `elt`: `(elt value)`.
    pub fn child_value(&self, elt: &str) -> Option<&Sxp> {
        match self.child(elt)? {
            Sxp::List(v) => v.get(1),
            Sxp::Atom(_) => None,
        }
    }
}

fn needs_quotes(s: &str) -> bool {
    s.is_empty() || !s.chars().all(|c| is_atom_char(c) && !c.is_control())
}

fn write_quoted(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in s.chars() {
        match c {
            '\\' => f.write_str("\\\\")?,
            '"' => f.write_str("\\\"")?,
            '\n' => f.write_str("\\n")?,
            '\t' => f.write_str("\\t")?,
            '\r' => f.write_str("\\r")?,
            c if (c as u32) < 0x100 && c.is_control() => write!(f, "\\x{:02x}", c as u32)?,
            c => write!(f, "{c}")?,
        }
    }
    f.write_str("\"")
}

impl fmt::Display for Sxp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sxp::Atom(s) if needs_quotes(s) => write_quoted(f, s),
            Sxp::Atom(s) => f.write_str(s),
            Sxp::List(items) => {
                f.write_str("(")?;
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    x.fmt(f)?;
                }
                f.write_str(")")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn manual_example() {
        let v = parse("(vnet (id 97) (bridge vnet97) (vnetif vnif97) (security none))").unwrap();
        assert_eq!(v.name(), Some("vnet"));
        assert_eq!(
            v.child_value("bridge").and_then(Sxp::as_atom),
            Some("vnet97")
        );
        assert_eq!(v.children(None).count(), 4);
        assert_eq!(
            v.to_string(),
            "(vnet (id 97) (bridge vnet97) (vnetif vnif97) (security none))"
        );
    }

    #[test]
    fn strings_comments_escapes() {
        let v = parse("# a comment\n( a 'b c' \"d\\\"e\\n\\x41\" ) # trailing\n").unwrap();
        assert_eq!(
            v,
            Sxp::List(vec![Sxp::atom("a"), Sxp::atom("b c"), Sxp::atom("d\"e\nA")])
        );
        assert_eq!(v.to_string(), "(a \"b c\" \"d\\\"e\\nA\")");
        assert_eq!(parse_all("a (b) c").unwrap().len(), 3);
        assert_eq!(parse("\"\"").unwrap(), Sxp::atom(""));
    }

    #[test]
    fn error_positions() {
        let e = parse("(a\n  (b c)").unwrap_err();
        assert_eq!(
            e.kind,
            ParseErrorKind::UnclosedList(Pos {
                offset: 0,
                line: 1,
                column: 1
            })
        );
        let e = parse("(a)\n )").unwrap_err();
        assert_eq!(
            (e.pos.line, e.pos.column, e.kind),
            (2, 2, ParseErrorKind::Trailing)
        );
        let e = parse(")").unwrap_err();
        assert_eq!(e.kind, ParseErrorKind::UnexpectedClose);
        let e = parse("(a \"xy").unwrap_err();
        assert!(matches!(
            e.kind,
            ParseErrorKind::UnclosedString(Pos { column: 4, .. })
        ));
        let e = parse("\"\\q\"").unwrap_err();
        assert_eq!(e.kind, ParseErrorKind::BadEscape);
        assert_eq!(parse("  # only\n").unwrap_err().kind, ParseErrorKind::Empty);
        assert_eq!(e.to_string(), "sxp 1:2: invalid escape sequence in string");
        let deep = "(".repeat(MAX_DEPTH + 1);
        assert_eq!(parse(&deep).unwrap_err().kind, ParseErrorKind::TooDeep);
    }

    fn arb_sxp() -> impl Strategy<Value = Sxp> {
        let leaf = prop_oneof![
            "[a-z0-9:._-]{1,8}".prop_map(Sxp::Atom),
            any::<String>().prop_map(Sxp::Atom),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop::collection::vec(inner, 0..6).prop_map(Sxp::List)
        })
    }

    proptest! {
        #[test]
        fn print_parse_roundtrip(v in arb_sxp()) {
            let text = v.to_string();
            prop_assert_eq!(parse(&text).unwrap(), v);
        }

        #[test]
        fn parse_is_total(s in any::<String>()) {
            let _ = parse_all(&s);
        }
    }
}
