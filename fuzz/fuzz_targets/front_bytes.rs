//! The front end (parse, resolve, type-check, lower; `dsmc fmt`; rendered
//! diagnostics) on arbitrary bytes, read as UTF-8 with replacement
//! characters as `dsmc check` would refuse them anyway.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let source = String::from_utf8_lossy(data);
    dsmc_fuzz::front_and_lower(&source);
});
