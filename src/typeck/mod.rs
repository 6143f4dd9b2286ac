//! Type checking (being written).
