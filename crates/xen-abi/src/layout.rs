//! Test-only helper asserting a type's size and field offsets.

/// Asserts `size_of::<$ty>() == $size` and, for each listed field (a path
/// such as `u.evtchn_pending` is allowed), `offset_of!($ty, field) == offset`.
///
/// ```ignore
/// assert_layout!(VcpuTimeInfo, 32, { version: 0, tsc_timestamp: 8, system_time: 16 });
/// ```
#[cfg(test)]
macro_rules! assert_layout {
    ($ty:ty, $size:expr, { $($field:ident $(. $sub:ident)* : $off:expr),* $(,)? }) => {{
        assert_eq!(
            ::core::mem::size_of::<$ty>(),
            $size,
            "size of {}",
            stringify!($ty)
        );
        $(
            assert_eq!(
                ::core::mem::offset_of!($ty, $field $(. $sub)*),
                $off,
                "offset of {}.{}",
                stringify!($ty),
                stringify!($field $(. $sub)*)
            );
        )*
    }};
}
