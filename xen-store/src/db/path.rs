//! Node paths: validation, canonicalisation of relative paths, parents and
//! children.
//!
//! Rules (`is_valid_nodename()` and `canonicalize()` of C xenstored, and
//! `docs/misc/xenstore.txt`): a canonical path starts with `/`, has no `//`,
//! no trailing `/` except the root itself, and only the characters
//! `A-Z a-z 0-9 - / _ @`. Its length is limited on the canonical form: the
//! part after `/local/domain/<N>/` (or the whole path elsewhere) may be at
//! most the caller's `path-max` quota long, and the whole path at most
//! `XENSTORE_ABS_PATH_MAX` (checking after prefixing is the XSA-323 fix).
//! A path not starting with `/` or `@` is relative to the caller's
//! `/local/domain/<domid>`.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;

use super::error::XsError;
use crate::wire::ABS_PATH_MAX;

/// A validated absolute path, with how much of it was an implicit prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CanonPath {
    /// The absolute path.
    pub abs: Arc<str>,
    /// For a path given relative, the length of the implicit
    /// `/local/domain/<domid>` prefix (without its trailing `/`).
    pub rel_prefix: Option<usize>,
}

/// The implicit base of relative paths for `domid`.
pub fn domain_path(domid: u32) -> String {
    format!("/local/domain/{domid}")
}

fn valid_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'/' | b'_' | b'@')
}

/// Length of the `/local/domain/<N>/` prefix C xenstored exempts from the
/// `path-max` check (`sscanf("/local/domain/%5u/%n")`), or 0.
fn local_offset(p: &[u8]) -> usize {
    const PFX: &[u8] = b"/local/domain/";
    let Some(rest) = p.strip_prefix(PFX) else {
        return 0;
    };
    let digits = rest
        .iter()
        .take(5)
        .take_while(|c| c.is_ascii_digit())
        .count();
    if digits == 0 || rest.get(digits) != Some(&b'/') {
        return 0;
    }
    PFX.len() + digits + 1
}

/// Checks an absolute path against the syntax rules and length limits.
pub fn is_valid_abs(p: &[u8], path_max: usize) -> bool {
    if p.first() != Some(&b'/') {
        return false;
    }
    if p.len() > 1 && p.ends_with(b"/") {
        return false;
    }
    if p.windows(2).any(|w| w == b"//") {
        return false;
    }
    if p.len() > ABS_PATH_MAX || (path_max != 0 && p.len() > local_offset(p) + path_max) {
        return false;
    }
    p.iter().all(|&c| valid_char(c))
}

/// Canonicalises a path argument (without its NUL) of a caller whose implicit
/// base is `/local/domain/<domid>`. Special `@` paths are refused here; the
/// few requests that accept them check for them first.
pub fn canonicalize(raw: &[u8], domid: u32, path_max: usize) -> Result<CanonPath, XsError> {
    if raw.first() == Some(&b'/') {
        if !is_valid_abs(raw, path_max) {
            return Err(XsError::Inval);
        }
        // Valid paths are ASCII.
        let s = core::str::from_utf8(raw).map_err(|_| XsError::Inval)?;
        return Ok(CanonPath {
            abs: Arc::from(s),
            rel_prefix: None,
        });
    }
    if raw.is_empty() || raw.first() == Some(&b'@') || !raw.iter().all(|&c| valid_char(c)) {
        return Err(XsError::Inval);
    }
    let base = domain_path(domid);
    let rel = core::str::from_utf8(raw).map_err(|_| XsError::Inval)?;
    let abs = format!("{base}/{rel}");
    if !is_valid_abs(abs.as_bytes(), path_max) {
        return Err(XsError::Inval);
    }
    Ok(CanonPath {
        abs: Arc::from(abs),
        rel_prefix: Some(base.len()),
    })
}

/// The parent of a canonical path (`/` for top-level nodes and for `/`).
pub fn parent(p: &str) -> &str {
    match p.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &p[..i],
    }
}

/// The last component of a canonical path other than `/`.
pub fn basename(p: &str) -> &str {
    match p.rfind('/') {
        Some(i) => &p[i + 1..],
        None => p,
    }
}

/// The path of child `name` of `parent`.
pub fn child(parent: &str, name: &str) -> String {
    if parent == "/" {
        format!("/{name}")
    } else {
        format!("{parent}/{name}")
    }
}

/// Whether `child` is `parent` or lies below it (`is_child()` in C: `/` is
/// the parent of everything).
pub fn is_child(child: &str, parent: &str) -> bool {
    if parent == "/" {
        return true;
    }
    match child.strip_prefix(parent) {
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

/// Iterates over `p` and each of its ancestors, ending with `/`.
pub fn self_and_ancestors(p: &str) -> impl Iterator<Item = &str> {
    let mut cur = Some(p);
    core::iter::from_fn(move || {
        let c = cur?;
        cur = if c == "/" { None } else { Some(parent(c)) };
        Some(c)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn syntax() {
        assert!(is_valid_abs(b"/", 2048));
        assert!(is_valid_abs(b"/a/b-c_d@e/09", 2048));
        for bad in [
            &b""[..],
            b"a",
            b"/a/",
            b"//",
            b"/a//b",
            b"/a b",
            b"/a\xff",
            b"/a.b",
        ] {
            assert!(!is_valid_abs(bad, 2048), "{bad:?}");
        }
    }

    #[test]
    fn length_limit_is_on_the_relative_part() {
        let long = "x".repeat(2048);
        assert!(is_valid_abs(
            format!("/local/domain/7/{long}").as_bytes(),
            2048
        ));
        assert!(!is_valid_abs(
            format!("/local/domain/7/{long}y").as_bytes(),
            2048
        ));
        assert!(!is_valid_abs(format!("/{long}").as_bytes(), 2048));
        assert!(is_valid_abs(format!("/{}", &long[1..]).as_bytes(), 2048));
        // The absolute maximum holds whatever the quota.
        assert!(!is_valid_abs(
            format!("/{}", "y".repeat(3072)).as_bytes(),
            0
        ));
        // XSA-481: "/local/domain/" itself is just a path.
        assert!(!is_valid_abs(b"/local/domain/", 2048));
        assert!(is_valid_abs(b"/local/domain", 2048));
    }

    #[test]
    fn relative_paths() {
        let c = canonicalize(b"device/vif", 5, 2048).unwrap();
        assert_eq!(&*c.abs, "/local/domain/5/device/vif");
        assert_eq!(c.rel_prefix, Some("/local/domain/5".len()));
        assert_eq!(canonicalize(b"@x", 5, 2048), Err(XsError::Inval));
        assert_eq!(canonicalize(b"", 5, 2048), Err(XsError::Inval));
        assert_eq!(canonicalize(b"a/", 5, 2048), Err(XsError::Inval));
    }

    #[test]
    fn tree_helpers() {
        assert_eq!(parent("/a/b"), "/a");
        assert_eq!(parent("/a"), "/");
        assert_eq!(parent("/"), "/");
        assert_eq!(basename("/a/b"), "b");
        assert_eq!(child("/", "a"), "/a");
        assert_eq!(child("/a", "b"), "/a/b");
        assert!(is_child("/a/b", "/a"));
        assert!(is_child("/a", "/a"));
        assert!(!is_child("/ab", "/a"));
        assert!(is_child("/x", "/"));
        let v: Vec<_> = self_and_ancestors("/a/b/c").collect();
        assert_eq!(v, ["/a/b/c", "/a/b", "/a", "/"]);
    }
}
