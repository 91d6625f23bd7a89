//! The error replies of the protocol, by their Xen names.
//!
//! Xen sends errors as strings (`E<NAME>\0`) taken from the fixed table
//! `xsd_errors[]` of `xs_wire.h`. [`XsError`] has exactly those variants, in
//! that order, so every failure of the store maps to a name a libxenstore
//! client understands.

/// A XenStore error, sent to the client as `E<NAME>\0` in an `ERROR` reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum XsError {
    /// Invalid argument: malformed payload, bad path or permission string.
    #[error("EINVAL: invalid argument")]
    Inval,
    /// Permission denied, or a privileged operation from an unprivileged caller.
    #[error("EACCES: permission denied")]
    Acces,
    /// Already exists (a watch with the same path and token).
    #[error("EEXIST: already exists")]
    Exist,
    /// Is a directory (unused by this implementation, kept for the table).
    #[error("EISDIR: is a directory")]
    IsDir,
    /// No such node, transaction, watch or domain.
    #[error("ENOENT: no such entry")]
    NoEnt,
    /// Out of memory, or a commit of a transaction that had failed internally.
    #[error("ENOMEM: out of memory")]
    NoMem,
    /// A quota was exceeded.
    #[error("ENOSPC: quota exceeded")]
    NoSpc,
    /// Internal input/output error.
    #[error("EIO: input/output error")]
    Io,
    /// Directory not empty (unused by this implementation, kept for the table).
    #[error("ENOTEMPTY: not empty")]
    NotEmpty,
    /// Unknown or unsupported message type.
    #[error("ENOSYS: not supported")]
    NoSys,
    /// Read-only (unused by this implementation, kept for the table).
    #[error("EROFS: read-only")]
    RoFs,
    /// Busy: a nested transaction start, or a feature change after INTRODUCE.
    #[error("EBUSY: busy")]
    Busy,
    /// A transaction conflicted with a concurrent commit: retry it.
    #[error("EAGAIN: transaction conflict, try again")]
    Again,
    /// Already connected (unused by this implementation, kept for the table).
    #[error("EISCONN: already connected")]
    IsConn,
    /// Reply too big for one message, or watch quota exceeded.
    #[error("E2BIG: too big")]
    TooBig,
    /// Operation not permitted: an unprivileged owner change.
    #[error("EPERM: not permitted")]
    Perm,
}

impl XsError {
    /// Every error, in the order of `xsd_errors[]`.
    pub const ALL: [XsError; 16] = [
        XsError::Inval,
        XsError::Acces,
        XsError::Exist,
        XsError::IsDir,
        XsError::NoEnt,
        XsError::NoMem,
        XsError::NoSpc,
        XsError::Io,
        XsError::NotEmpty,
        XsError::NoSys,
        XsError::RoFs,
        XsError::Busy,
        XsError::Again,
        XsError::IsConn,
        XsError::TooBig,
        XsError::Perm,
    ];

    /// The name sent on the wire, without the terminating NUL (`"ENOENT"`).
    pub const fn name(self) -> &'static str {
        match self {
            XsError::Inval => "EINVAL",
            XsError::Acces => "EACCES",
            XsError::Exist => "EEXIST",
            XsError::IsDir => "EISDIR",
            XsError::NoEnt => "ENOENT",
            XsError::NoMem => "ENOMEM",
            XsError::NoSpc => "ENOSPC",
            XsError::Io => "EIO",
            XsError::NotEmpty => "ENOTEMPTY",
            XsError::NoSys => "ENOSYS",
            XsError::RoFs => "EROFS",
            XsError::Busy => "EBUSY",
            XsError::Again => "EAGAIN",
            XsError::IsConn => "EISCONN",
            XsError::TooBig => "E2BIG",
            XsError::Perm => "EPERM",
        }
    }

    /// Linux errno value of this error (what libxenstore sets `errno` to).
    pub const fn errno(self) -> i32 {
        match self {
            XsError::Inval => 22,
            XsError::Acces => 13,
            XsError::Exist => 17,
            XsError::IsDir => 21,
            XsError::NoEnt => 2,
            XsError::NoMem => 12,
            XsError::NoSpc => 28,
            XsError::Io => 5,
            XsError::NotEmpty => 39,
            XsError::NoSys => 38,
            XsError::RoFs => 30,
            XsError::Busy => 16,
            XsError::Again => 11,
            XsError::IsConn => 106,
            XsError::TooBig => 7,
            XsError::Perm => 1,
        }
    }

    /// Parses an error payload (`"ENOENT"` with or without its NUL). Unknown
    /// names map to `EINVAL`, as libxenstore's `get_error()` does.
    pub fn from_name(name: &[u8]) -> XsError {
        let name = name.strip_suffix(b"\0").unwrap_or(name);
        XsError::ALL
            .iter()
            .copied()
            .find(|e| e.name().as_bytes() == name)
            .unwrap_or(XsError::Inval)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for e in XsError::ALL {
            assert_eq!(XsError::from_name(e.name().as_bytes()), e);
            let mut with_nul = alloc::vec::Vec::from(e.name().as_bytes());
            with_nul.push(0);
            assert_eq!(XsError::from_name(&with_nul), e);
        }
        assert_eq!(XsError::from_name(b"EQUOTA"), XsError::Inval);
    }
}
