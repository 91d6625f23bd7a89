//! (ops: soon)
