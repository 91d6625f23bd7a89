//! Payload argument parsing with C xenstored's exact rules.

use alloc::vec::Vec;

/// Up to `n` NUL-terminated strings from the start of `p` (`get_strings()`:
/// extra strings are ignored, an unterminated tail is not a string).
pub fn get_strings(p: &[u8], n: usize) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = p;
    while out.len() < n {
        match rest.iter().position(|&c| c == 0) {
            Some(i) => {
                out.push(&rest[..i]);
                rest = &rest[i + 1..];
            }
            None => break,
        }
    }
    out
}

/// The single argument of `p` (`onearg()`): exactly one NUL, at the end.
pub fn onearg(p: &[u8]) -> Option<&[u8]> {
    match p.iter().position(|&c| c == 0) {
        Some(i) if i + 1 == p.len() => Some(&p[..i]),
        _ => None,
    }
}

/// Number of NUL bytes (`xs_count_strings()`).
pub fn count_nuls(p: &[u8]) -> usize {
    p.iter().filter(|&&c| c == 0).count()
}

/// All NUL-terminated strings of `p`.
pub fn all_strings(p: &[u8]) -> Vec<&[u8]> {
    get_strings(p, usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_rules() {
        assert_eq!(get_strings(b"a\0b\0c", 5), [&b"a"[..], b"b"]);
        assert_eq!(get_strings(b"a\0b\0", 1), [&b"a"[..]]);
        assert_eq!(onearg(b"a\0"), Some(&b"a"[..]));
        assert_eq!(onearg(b"a\0b\0"), None);
        assert_eq!(onearg(b"a"), None);
        assert_eq!(onearg(b""), None);
        assert_eq!(count_nuls(b"\0a\0"), 2);
    }
}
