//! `baseline MODEL --n N --threads T`: runs one hand-written Stateright
//! baseline to completion and prints one JSON line: model, n, threads,
//! states (distinct), generated, time_s (the checker run alone), states_per_s
//! and whether the properties hold. Exit code 1 when a property fails.

use clap::{Parser, Subcommand};
use dsmc_baselines::{Run, twophase};

#[derive(Parser)]
#[command(about = "Hand-written Stateright baselines for dsmc's specs")]
struct Args {
    #[command(subcommand)]
    model: ModelArg,
}

#[derive(Subcommand)]
enum ModelArg {
    /// TwoPhase.tla with N resource managers; mirrors specs/2pc.ds -D N=<n>.
    Twophase {
        /// Resource managers.
        #[arg(long, default_value_t = 3)]
        n: usize,
        /// Checker threads.
        #[arg(long, default_value_t = 1)]
        threads: usize,
    },
    // Paxos goes here once specs/paxos.ds exists: `Paxos { n, threads }`.
}

fn main() -> std::process::ExitCode {
    let (model, n, threads, run) = match Args::parse().model {
        ModelArg::Twophase { n, threads } => ("twophase", n, threads, twophase::check(n, threads)),
    };
    println!("{}", json(model, n, threads, &run));
    if run.properties_hold {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}

fn json(model: &str, n: usize, threads: usize, run: &Run) -> serde_json::Value {
    let time_s = run.elapsed.as_secs_f64();
    serde_json::json!({
        "model": model,
        "n": n,
        "threads": threads,
        "states": run.states,
        "generated": run.generated,
        "time_s": time_s,
        "states_per_s": run.states as f64 / time_s,
        "properties_hold": run.properties_hold,
    })
}
