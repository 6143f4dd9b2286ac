//! Mutated specs (as `front_mutate`) that pass the front end and lowering
//! are explored: at most 10,000 states, one thread.
#![no_main]

use libfuzzer_sys::{fuzz_crossover, fuzz_mutator, fuzz_target};

fuzz_target!(|data: &[u8]| {
    let source = String::from_utf8_lossy(data);
    if let Some(model) = dsmc_fuzz::front_and_lower(&source) {
        dsmc_fuzz::explore_bounded(&model, &source);
    }
});

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    dsmc_fuzz::mutate(data, size, max_size, seed)
});

fuzz_crossover!(|data1: &[u8], data2: &[u8], out: &mut [u8], seed: u32| {
    dsmc_fuzz::crossover(data1, data2, out, seed)
});
