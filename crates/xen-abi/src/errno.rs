//! Xen's error numbers (`errno.h`, `enum xen_errno`).
//!
//! Hypercalls return `-XEN_Exxx` on failure. The values match Linux's
//! errno numbers on x86, but a Xen kernel must not assume that for other
//! guests' operating systems. `XEN_EINTR` and `XEN_ERESTART` are visible
//! only inside the hypervisor (`__XEN__`): a restartable call is turned
//! into a continuation and never returns them to a guest.

/// `XEN_EPERM` (`errno.h`): Operation not permitted.
pub const XEN_EPERM: i32 = 1;
/// `XEN_ENOENT` (`errno.h`): No such file or directory.
pub const XEN_ENOENT: i32 = 2;
/// `XEN_ESRCH` (`errno.h`): No such process (e.g. no such domain).
pub const XEN_ESRCH: i32 = 3;
/// `XEN_EINTR` (`errno.h`, Xen-internal): Interrupted call; Xen-internal, never returned to guests.
pub const XEN_EINTR: i32 = 4;
/// `XEN_EIO` (`errno.h`): I/O error.
pub const XEN_EIO: i32 = 5;
/// `XEN_ENXIO` (`errno.h`): No such device or address.
pub const XEN_ENXIO: i32 = 6;
/// `XEN_E2BIG` (`errno.h`): Argument list too long.
pub const XEN_E2BIG: i32 = 7;
/// `XEN_ENOEXEC` (`errno.h`): Exec format error.
pub const XEN_ENOEXEC: i32 = 8;
/// `XEN_EBADF` (`errno.h`): Bad file number.
pub const XEN_EBADF: i32 = 9;
/// `XEN_ECHILD` (`errno.h`): No child processes.
pub const XEN_ECHILD: i32 = 10;
/// `XEN_EAGAIN` (`errno.h`): Try again.
pub const XEN_EAGAIN: i32 = 11;
/// `XEN_EWOULDBLOCK` (`errno.h`): alias of [`XEN_EAGAIN`].
pub const XEN_EWOULDBLOCK: i32 = XEN_EAGAIN;
/// `XEN_ENOMEM` (`errno.h`): Out of memory.
pub const XEN_ENOMEM: i32 = 12;
/// `XEN_EACCES` (`errno.h`): Permission denied.
pub const XEN_EACCES: i32 = 13;
/// `XEN_EFAULT` (`errno.h`): Bad address.
pub const XEN_EFAULT: i32 = 14;
/// `XEN_EBUSY` (`errno.h`): Device or resource busy.
pub const XEN_EBUSY: i32 = 16;
/// `XEN_EEXIST` (`errno.h`): Already exists.
pub const XEN_EEXIST: i32 = 17;
/// `XEN_EXDEV` (`errno.h`): Cross-device link.
pub const XEN_EXDEV: i32 = 18;
/// `XEN_ENODEV` (`errno.h`): No such device.
pub const XEN_ENODEV: i32 = 19;
/// `XEN_ENOTDIR` (`errno.h`): Not a directory.
pub const XEN_ENOTDIR: i32 = 20;
/// `XEN_EISDIR` (`errno.h`): Is a directory.
pub const XEN_EISDIR: i32 = 21;
/// `XEN_EINVAL` (`errno.h`): Invalid argument.
pub const XEN_EINVAL: i32 = 22;
/// `XEN_ENFILE` (`errno.h`): File table overflow.
pub const XEN_ENFILE: i32 = 23;
/// `XEN_EMFILE` (`errno.h`): Too many open files.
pub const XEN_EMFILE: i32 = 24;
/// `XEN_ENOSPC` (`errno.h`): No space left.
pub const XEN_ENOSPC: i32 = 28;
/// `XEN_EROFS` (`errno.h`): Read-only file system.
pub const XEN_EROFS: i32 = 30;
/// `XEN_EMLINK` (`errno.h`): Too many links.
pub const XEN_EMLINK: i32 = 31;
/// `XEN_EDOM` (`errno.h`): Argument out of domain.
pub const XEN_EDOM: i32 = 33;
/// `XEN_ERANGE` (`errno.h`): Result out of range.
pub const XEN_ERANGE: i32 = 34;
/// `XEN_EDEADLK` (`errno.h`): Resource deadlock would occur.
pub const XEN_EDEADLK: i32 = 35;
/// `XEN_EDEADLOCK` (`errno.h`): alias of [`XEN_EDEADLK`].
pub const XEN_EDEADLOCK: i32 = XEN_EDEADLK;
/// `XEN_ENAMETOOLONG` (`errno.h`): Name too long.
pub const XEN_ENAMETOOLONG: i32 = 36;
/// `XEN_ENOLCK` (`errno.h`): No record locks available.
pub const XEN_ENOLCK: i32 = 37;
/// `XEN_ENOSYS` (`errno.h`): Function not implemented.
pub const XEN_ENOSYS: i32 = 38;
/// `XEN_ENOTEMPTY` (`errno.h`): Not empty.
pub const XEN_ENOTEMPTY: i32 = 39;
/// `XEN_ENODATA` (`errno.h`): No data available.
pub const XEN_ENODATA: i32 = 61;
/// `XEN_ETIME` (`errno.h`): Timer expired.
pub const XEN_ETIME: i32 = 62;
/// `XEN_EBADMSG` (`errno.h`): Not a data message.
pub const XEN_EBADMSG: i32 = 74;
/// `XEN_EOVERFLOW` (`errno.h`): Value too large.
pub const XEN_EOVERFLOW: i32 = 75;
/// `XEN_EILSEQ` (`errno.h`): Illegal byte sequence.
pub const XEN_EILSEQ: i32 = 84;
/// `XEN_ERESTART` (`errno.h`, Xen-internal): Call should be restarted; Xen-internal, never returned to guests.
pub const XEN_ERESTART: i32 = 85;
/// `XEN_ENOTSOCK` (`errno.h`): Socket operation on non-socket.
pub const XEN_ENOTSOCK: i32 = 88;
/// `XEN_EMSGSIZE` (`errno.h`): Message too large.
pub const XEN_EMSGSIZE: i32 = 90;
/// `XEN_EOPNOTSUPP` (`errno.h`): Operation not supported.
pub const XEN_EOPNOTSUPP: i32 = 95;
/// `XEN_EADDRINUSE` (`errno.h`): Address already in use.
pub const XEN_EADDRINUSE: i32 = 98;
/// `XEN_EADDRNOTAVAIL` (`errno.h`): Cannot assign requested address.
pub const XEN_EADDRNOTAVAIL: i32 = 99;
/// `XEN_ENOBUFS` (`errno.h`): No buffer space available.
pub const XEN_ENOBUFS: i32 = 105;
/// `XEN_EISCONN` (`errno.h`): Already connected.
pub const XEN_EISCONN: i32 = 106;
/// `XEN_ENOTCONN` (`errno.h`): Not connected.
pub const XEN_ENOTCONN: i32 = 107;
/// `XEN_ETIMEDOUT` (`errno.h`): Timed out.
pub const XEN_ETIMEDOUT: i32 = 110;
/// `XEN_ECONNREFUSED` (`errno.h`): Connection refused.
pub const XEN_ECONNREFUSED: i32 = 111;

/// `enum xen_errno` (`errno.h`): a Xen error number, positive as in the C
/// enum. The hypercall return value is [`Errno::as_neg`].
///
/// Aliases (`EWOULDBLOCK`, `EDEADLOCK`) are associated constants.
#[allow(clippy::upper_case_acronyms)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(i32)]
pub enum Errno {
    /// `XEN_EPERM`: Operation not permitted.
    EPERM = XEN_EPERM,
    /// `XEN_ENOENT`: No such file or directory.
    ENOENT = XEN_ENOENT,
    /// `XEN_ESRCH`: No such process (e.g. no such domain).
    ESRCH = XEN_ESRCH,
    /// `XEN_EINTR`: Interrupted call; Xen-internal, never returned to guests.
    EINTR = XEN_EINTR,
    /// `XEN_EIO`: I/O error.
    EIO = XEN_EIO,
    /// `XEN_ENXIO`: No such device or address.
    ENXIO = XEN_ENXIO,
    /// `XEN_E2BIG`: Argument list too long.
    E2BIG = XEN_E2BIG,
    /// `XEN_ENOEXEC`: Exec format error.
    ENOEXEC = XEN_ENOEXEC,
    /// `XEN_EBADF`: Bad file number.
    EBADF = XEN_EBADF,
    /// `XEN_ECHILD`: No child processes.
    ECHILD = XEN_ECHILD,
    /// `XEN_EAGAIN`: Try again.
    EAGAIN = XEN_EAGAIN,
    /// `XEN_ENOMEM`: Out of memory.
    ENOMEM = XEN_ENOMEM,
    /// `XEN_EACCES`: Permission denied.
    EACCES = XEN_EACCES,
    /// `XEN_EFAULT`: Bad address.
    EFAULT = XEN_EFAULT,
    /// `XEN_EBUSY`: Device or resource busy.
    EBUSY = XEN_EBUSY,
    /// `XEN_EEXIST`: Already exists.
    EEXIST = XEN_EEXIST,
    /// `XEN_EXDEV`: Cross-device link.
    EXDEV = XEN_EXDEV,
    /// `XEN_ENODEV`: No such device.
    ENODEV = XEN_ENODEV,
    /// `XEN_ENOTDIR`: Not a directory.
    ENOTDIR = XEN_ENOTDIR,
    /// `XEN_EISDIR`: Is a directory.
    EISDIR = XEN_EISDIR,
    /// `XEN_EINVAL`: Invalid argument.
    EINVAL = XEN_EINVAL,
    /// `XEN_ENFILE`: File table overflow.
    ENFILE = XEN_ENFILE,
    /// `XEN_EMFILE`: Too many open files.
    EMFILE = XEN_EMFILE,
    /// `XEN_ENOSPC`: No space left.
    ENOSPC = XEN_ENOSPC,
    /// `XEN_EROFS`: Read-only file system.
    EROFS = XEN_EROFS,
    /// `XEN_EMLINK`: Too many links.
    EMLINK = XEN_EMLINK,
    /// `XEN_EDOM`: Argument out of domain.
    EDOM = XEN_EDOM,
    /// `XEN_ERANGE`: Result out of range.
    ERANGE = XEN_ERANGE,
    /// `XEN_EDEADLK`: Resource deadlock would occur.
    EDEADLK = XEN_EDEADLK,
    /// `XEN_ENAMETOOLONG`: Name too long.
    ENAMETOOLONG = XEN_ENAMETOOLONG,
    /// `XEN_ENOLCK`: No record locks available.
    ENOLCK = XEN_ENOLCK,
    /// `XEN_ENOSYS`: Function not implemented.
    ENOSYS = XEN_ENOSYS,
    /// `XEN_ENOTEMPTY`: Not empty.
    ENOTEMPTY = XEN_ENOTEMPTY,
    /// `XEN_ENODATA`: No data available.
    ENODATA = XEN_ENODATA,
    /// `XEN_ETIME`: Timer expired.
    ETIME = XEN_ETIME,
    /// `XEN_EBADMSG`: Not a data message.
    EBADMSG = XEN_EBADMSG,
    /// `XEN_EOVERFLOW`: Value too large.
    EOVERFLOW = XEN_EOVERFLOW,
    /// `XEN_EILSEQ`: Illegal byte sequence.
    EILSEQ = XEN_EILSEQ,
    /// `XEN_ERESTART`: Call should be restarted; Xen-internal, never returned to guests.
    ERESTART = XEN_ERESTART,
    /// `XEN_ENOTSOCK`: Socket operation on non-socket.
    ENOTSOCK = XEN_ENOTSOCK,
    /// `XEN_EMSGSIZE`: Message too large.
    EMSGSIZE = XEN_EMSGSIZE,
    /// `XEN_EOPNOTSUPP`: Operation not supported.
    EOPNOTSUPP = XEN_EOPNOTSUPP,
    /// `XEN_EADDRINUSE`: Address already in use.
    EADDRINUSE = XEN_EADDRINUSE,
    /// `XEN_EADDRNOTAVAIL`: Cannot assign requested address.
    EADDRNOTAVAIL = XEN_EADDRNOTAVAIL,
    /// `XEN_ENOBUFS`: No buffer space available.
    ENOBUFS = XEN_ENOBUFS,
    /// `XEN_EISCONN`: Already connected.
    EISCONN = XEN_EISCONN,
    /// `XEN_ENOTCONN`: Not connected.
    ENOTCONN = XEN_ENOTCONN,
    /// `XEN_ETIMEDOUT`: Timed out.
    ETIMEDOUT = XEN_ETIMEDOUT,
    /// `XEN_ECONNREFUSED`: Connection refused.
    ECONNREFUSED = XEN_ECONNREFUSED,
}

impl Errno {
    /// `XEN_EWOULDBLOCK`: the same number as [`Errno::EAGAIN`].
    pub const EWOULDBLOCK: Errno = Errno::EAGAIN;
    /// `XEN_EDEADLOCK`: the same number as [`Errno::EDEADLK`].
    pub const EDEADLOCK: Errno = Errno::EDEADLK;

    /// Every error number, in numeric order.
    pub const ALL: &'static [Errno] = &[
        Errno::EPERM,
        Errno::ENOENT,
        Errno::ESRCH,
        Errno::EINTR,
        Errno::EIO,
        Errno::ENXIO,
        Errno::E2BIG,
        Errno::ENOEXEC,
        Errno::EBADF,
        Errno::ECHILD,
        Errno::EAGAIN,
        Errno::ENOMEM,
        Errno::EACCES,
        Errno::EFAULT,
        Errno::EBUSY,
        Errno::EEXIST,
        Errno::EXDEV,
        Errno::ENODEV,
        Errno::ENOTDIR,
        Errno::EISDIR,
        Errno::EINVAL,
        Errno::ENFILE,
        Errno::EMFILE,
        Errno::ENOSPC,
        Errno::EROFS,
        Errno::EMLINK,
        Errno::EDOM,
        Errno::ERANGE,
        Errno::EDEADLK,
        Errno::ENAMETOOLONG,
        Errno::ENOLCK,
        Errno::ENOSYS,
        Errno::ENOTEMPTY,
        Errno::ENODATA,
        Errno::ETIME,
        Errno::EBADMSG,
        Errno::EOVERFLOW,
        Errno::EILSEQ,
        Errno::ERESTART,
        Errno::ENOTSOCK,
        Errno::EMSGSIZE,
        Errno::EOPNOTSUPP,
        Errno::EADDRINUSE,
        Errno::EADDRNOTAVAIL,
        Errno::ENOBUFS,
        Errno::EISCONN,
        Errno::ENOTCONN,
        Errno::ETIMEDOUT,
        Errno::ECONNREFUSED,
    ];

    /// The positive error number.
    pub const fn as_i32(self) -> i32 {
        self as i32
    }

    /// The value a failing hypercall returns: the negated number.
    pub const fn as_neg(self) -> i64 {
        -(self as i64)
    }

    /// The error with positive number `n`, if Xen defines it.
    pub const fn from_i32(n: i32) -> Option<Self> {
        match n {
            XEN_EPERM => Some(Errno::EPERM),
            XEN_ENOENT => Some(Errno::ENOENT),
            XEN_ESRCH => Some(Errno::ESRCH),
            XEN_EINTR => Some(Errno::EINTR),
            XEN_EIO => Some(Errno::EIO),
            XEN_ENXIO => Some(Errno::ENXIO),
            XEN_E2BIG => Some(Errno::E2BIG),
            XEN_ENOEXEC => Some(Errno::ENOEXEC),
            XEN_EBADF => Some(Errno::EBADF),
            XEN_ECHILD => Some(Errno::ECHILD),
            XEN_EAGAIN => Some(Errno::EAGAIN),
            XEN_ENOMEM => Some(Errno::ENOMEM),
            XEN_EACCES => Some(Errno::EACCES),
            XEN_EFAULT => Some(Errno::EFAULT),
            XEN_EBUSY => Some(Errno::EBUSY),
            XEN_EEXIST => Some(Errno::EEXIST),
            XEN_EXDEV => Some(Errno::EXDEV),
            XEN_ENODEV => Some(Errno::ENODEV),
            XEN_ENOTDIR => Some(Errno::ENOTDIR),
            XEN_EISDIR => Some(Errno::EISDIR),
            XEN_EINVAL => Some(Errno::EINVAL),
            XEN_ENFILE => Some(Errno::ENFILE),
            XEN_EMFILE => Some(Errno::EMFILE),
            XEN_ENOSPC => Some(Errno::ENOSPC),
            XEN_EROFS => Some(Errno::EROFS),
            XEN_EMLINK => Some(Errno::EMLINK),
            XEN_EDOM => Some(Errno::EDOM),
            XEN_ERANGE => Some(Errno::ERANGE),
            XEN_EDEADLK => Some(Errno::EDEADLK),
            XEN_ENAMETOOLONG => Some(Errno::ENAMETOOLONG),
            XEN_ENOLCK => Some(Errno::ENOLCK),
            XEN_ENOSYS => Some(Errno::ENOSYS),
            XEN_ENOTEMPTY => Some(Errno::ENOTEMPTY),
            XEN_ENODATA => Some(Errno::ENODATA),
            XEN_ETIME => Some(Errno::ETIME),
            XEN_EBADMSG => Some(Errno::EBADMSG),
            XEN_EOVERFLOW => Some(Errno::EOVERFLOW),
            XEN_EILSEQ => Some(Errno::EILSEQ),
            XEN_ERESTART => Some(Errno::ERESTART),
            XEN_ENOTSOCK => Some(Errno::ENOTSOCK),
            XEN_EMSGSIZE => Some(Errno::EMSGSIZE),
            XEN_EOPNOTSUPP => Some(Errno::EOPNOTSUPP),
            XEN_EADDRINUSE => Some(Errno::EADDRINUSE),
            XEN_EADDRNOTAVAIL => Some(Errno::EADDRNOTAVAIL),
            XEN_ENOBUFS => Some(Errno::ENOBUFS),
            XEN_EISCONN => Some(Errno::EISCONN),
            XEN_ENOTCONN => Some(Errno::ENOTCONN),
            XEN_ETIMEDOUT => Some(Errno::ETIMEDOUT),
            XEN_ECONNREFUSED => Some(Errno::ECONNREFUSED),
            _ => None,
        }
    }

    /// Decodes a hypercall return value: `Some` if `ret` is a negated
    /// Xen error number, `None` for success values and unknown negatives.
    pub const fn from_ret(ret: i64) -> Option<Self> {
        if ret < 0 && ret >= -(i32::MAX as i64) {
            Self::from_i32(-ret as i32)
        } else {
            None
        }
    }

    /// The short name without the `XEN_` prefix, e.g. `"EINVAL"`.
    pub const fn name(self) -> &'static str {
        match self {
            Errno::EPERM => "EPERM",
            Errno::ENOENT => "ENOENT",
            Errno::ESRCH => "ESRCH",
            Errno::EINTR => "EINTR",
            Errno::EIO => "EIO",
            Errno::ENXIO => "ENXIO",
            Errno::E2BIG => "E2BIG",
            Errno::ENOEXEC => "ENOEXEC",
            Errno::EBADF => "EBADF",
            Errno::ECHILD => "ECHILD",
            Errno::EAGAIN => "EAGAIN",
            Errno::ENOMEM => "ENOMEM",
            Errno::EACCES => "EACCES",
            Errno::EFAULT => "EFAULT",
            Errno::EBUSY => "EBUSY",
            Errno::EEXIST => "EEXIST",
            Errno::EXDEV => "EXDEV",
            Errno::ENODEV => "ENODEV",
            Errno::ENOTDIR => "ENOTDIR",
            Errno::EISDIR => "EISDIR",
            Errno::EINVAL => "EINVAL",
            Errno::ENFILE => "ENFILE",
            Errno::EMFILE => "EMFILE",
            Errno::ENOSPC => "ENOSPC",
            Errno::EROFS => "EROFS",
            Errno::EMLINK => "EMLINK",
            Errno::EDOM => "EDOM",
            Errno::ERANGE => "ERANGE",
            Errno::EDEADLK => "EDEADLK",
            Errno::ENAMETOOLONG => "ENAMETOOLONG",
            Errno::ENOLCK => "ENOLCK",
            Errno::ENOSYS => "ENOSYS",
            Errno::ENOTEMPTY => "ENOTEMPTY",
            Errno::ENODATA => "ENODATA",
            Errno::ETIME => "ETIME",
            Errno::EBADMSG => "EBADMSG",
            Errno::EOVERFLOW => "EOVERFLOW",
            Errno::EILSEQ => "EILSEQ",
            Errno::ERESTART => "ERESTART",
            Errno::ENOTSOCK => "ENOTSOCK",
            Errno::EMSGSIZE => "EMSGSIZE",
            Errno::EOPNOTSUPP => "EOPNOTSUPP",
            Errno::EADDRINUSE => "EADDRINUSE",
            Errno::EADDRNOTAVAIL => "EADDRNOTAVAIL",
            Errno::ENOBUFS => "ENOBUFS",
            Errno::EISCONN => "EISCONN",
            Errno::ENOTCONN => "ENOTCONN",
            Errno::ETIMEDOUT => "ETIMEDOUT",
            Errno::ECONNREFUSED => "ECONNREFUSED",
        }
    }

    /// Whether this number is internal to Xen and never reaches a guest.
    pub const fn is_internal(self) -> bool {
        matches!(self, Errno::EINTR | Errno::ERESTART)
    }
}

/// Error of `Errno::try_from`: the number is not a Xen errno.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownErrno(pub i32);

impl TryFrom<i32> for Errno {
    type Error = UnknownErrno;

    /// Converts a positive error number.
    fn try_from(n: i32) -> Result<Self, Self::Error> {
        Errno::from_i32(n).ok_or(UnknownErrno(n))
    }
}

impl From<Errno> for i32 {
    fn from(e: Errno) -> i32 {
        e as i32
    }
}

impl core::fmt::Display for Errno {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert_eq!(Errno::ALL.len(), 49);
        assert!(Errno::ALL.windows(2).all(|w| w[0] < w[1]));
        for &e in Errno::ALL {
            assert_eq!(Errno::try_from(e.as_i32()), Ok(e));
            assert_eq!(Errno::from_ret(e.as_neg()), Some(e));
            assert_eq!(i32::from(e), e as i32);
        }
        assert_eq!(Errno::try_from(15), Err(UnknownErrno(15)));
        assert_eq!(Errno::try_from(-22), Err(UnknownErrno(-22)));
        assert_eq!(Errno::EINVAL.as_neg(), -22);
        assert_eq!(Errno::from_ret(-38), Some(Errno::ENOSYS));
        assert_eq!(Errno::from_ret(0), None);
        assert_eq!(Errno::from_ret(5), None);
        assert_eq!(Errno::from_ret(-1000), None);
        assert_eq!(Errno::from_ret(i64::MIN), None);
        assert_eq!(Errno::EWOULDBLOCK, Errno::EAGAIN);
        assert_eq!(Errno::EDEADLOCK as i32, XEN_EDEADLOCK);
        assert_eq!(Errno::ECONNREFUSED.name(), "ECONNREFUSED");
        assert!(Errno::ERESTART.is_internal());
        assert!(!Errno::EPERM.is_internal());
    }
}
