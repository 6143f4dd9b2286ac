//! The front end on specs mutated with their structure in mind: tokens and
//! lines of the repository's specs deleted, duplicated, swapped, replaced
//! and spliced between specs (`dsmc_fuzz::mutate`), so that most mutants
//! parse and many type-check. Seed it with every `.ds` file (fuzz/seed.sh).
#![no_main]

use libfuzzer_sys::{fuzz_crossover, fuzz_mutator, fuzz_target};

fuzz_target!(|data: &[u8]| {
    let source = String::from_utf8_lossy(data);
    dsmc_fuzz::front_and_lower(&source);
});

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    dsmc_fuzz::mutate(data, size, max_size, seed)
});

fuzz_crossover!(|data1: &[u8], data2: &[u8], out: &mut [u8], seed: u32| {
    dsmc_fuzz::crossover(data1, data2, out, seed)
});
