//! `baseline MODEL [--CONSTANT VALUE ...] --threads T`: runs one hand-written
//! Stateright baseline to completion and prints one JSON line: model, the
//! spec constants it ran with, threads, states (distinct), generated,
//! time_s (the checker run alone), states_per_s, whether the `always`
//! properties hold and which `sometimes` properties were reached. Exit code
//! 1 when an `always` property fails.
//!
//! The options are named after the constants of the spec the baseline
//! mirrors: `baseline twophase --n 7` is `specs/2pc.ds -D N=7`, `baseline
//! twophase-blocking --n 7` is `specs/2pc_blocking.ds -D N=7`, `baseline
//! paxos --b 3` is `specs/paxos.ds -D B=3`, `baseline paxos-turing
//! --max-ballot 2` is `tests/tlc/paxos_turing_tiny.ds -D MaxBallot=2`.

use clap::{Parser, Subcommand};
use dsmc_baselines::{Run, paxos, paxos_turing, twophase};

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
    /// TwoPhase.tla with N resource managers and a TM that may crash once;
    /// mirrors specs/2pc_blocking.ds -D N=<n>.
    TwophaseBlocking {
        /// Resource managers.
        #[arg(long, default_value_t = 3)]
        n: usize,
        /// Checker threads.
        #[arg(long, default_value_t = 1)]
        threads: usize,
    },
    /// Single-decree Paxos; mirrors specs/paxos.ds --no-symmetry with the
    /// same constants.
    Paxos {
        /// Proposers.
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..))]
        p: u8,
        /// Acceptors.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=16))]
        n: u8,
        /// Learners.
        #[arg(long, default_value_t = 1)]
        l: usize,
        /// Ballots: 1..=B.
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..))]
        b: u8,
        /// Checker threads.
        #[arg(long, default_value_t = 1)]
        threads: usize,
    },
    /// Lamport's Paxos.tla (PaxosHowToWinATuringAward); mirrors
    /// tests/tlc/paxos_turing_tiny.ds with the same constants.
    PaxosTuring {
        /// Acceptors (NA).
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=16))]
        na: u8,
        /// Values (NV).
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..))]
        nv: u8,
        /// Quorums: every set of QSize acceptors.
        #[arg(long, default_value_t = 2)]
        qsize: usize,
        /// Ballots: 0..=MaxBallot.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(i8).range(0..=100))]
        max_ballot: i8,
        /// Checker threads.
        #[arg(long, default_value_t = 1)]
        threads: usize,
    },
}

fn main() -> std::process::ExitCode {
    let (model, constants, threads, run) = match Args::parse().model {
        ModelArg::Twophase { n, threads } => (
            "twophase",
            serde_json::json!({ "N": n }),
            threads,
            twophase::check(n, threads),
        ),
        ModelArg::TwophaseBlocking { n, threads } => (
            "twophase-blocking",
            serde_json::json!({ "N": n }),
            threads,
            twophase::check_blocking(n, threads),
        ),
        ModelArg::Paxos {
            p,
            n,
            l,
            b,
            threads,
        } => (
            "paxos",
            serde_json::json!({ "P": p, "N": n, "L": l, "B": b }),
            threads,
            paxos::check(paxos::Paxos::new(p.into(), n.into(), l, b), threads),
        ),
        ModelArg::PaxosTuring {
            na,
            nv,
            qsize,
            max_ballot,
            threads,
        } => (
            "paxos-turing",
            serde_json::json!({ "NA": na, "NV": nv, "QSize": qsize, "MaxBallot": max_ballot }),
            threads,
            paxos_turing::check(
                paxos_turing::Paxos::new(na.into(), nv, qsize, max_ballot),
                threads,
            ),
        ),
    };
    println!("{}", json(model, constants, threads, &run));
    if run.properties_hold {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}

fn json(model: &str, constants: serde_json::Value, threads: usize, run: &Run) -> serde_json::Value {
    let time_s = run.elapsed.as_secs_f64();
    serde_json::json!({
        "model": model,
        "constants": constants,
        "threads": threads,
        "states": run.states,
        "generated": run.generated,
        "time_s": time_s,
        "states_per_s": run.states as f64 / time_s,
        "properties_hold": run.properties_hold,
        "reached": run.reached,
    })
}
