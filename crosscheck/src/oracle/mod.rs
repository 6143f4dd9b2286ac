//! The independent oracle.
