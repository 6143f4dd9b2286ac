//! One spec through every engine.
