//! Random well-typed specs, and their shrinking.
