//! Compile.
