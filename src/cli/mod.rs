//! The parts of the `dsmc` binary (not of the library): one module per
//! subcommand, and [`report`] for everything that reaches the terminal.

pub mod check;
pub mod fmt;
pub mod report;

/// What a command concluded about all of its files.
///
/// The variants are ordered by how much they matter, so the outcome of
/// several files is the greatest one: a spec with errors outweighs a failed
/// property, which outweighs a missing verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Everything as expected.
    Ok,
    /// Something stopped the check before a verdict.
    NoVerdict,
    /// A property is not as expected, or a file is not formatted.
    NotAsExpected,
    /// A spec has errors, a file cannot be read or written.
    SpecErrors,
}

impl Outcome {
    /// The process exit code; `--help` lists them (`EXIT_CODES` in main.rs).
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Ok => 0,
            Outcome::NotAsExpected => 1,
            Outcome::SpecErrors => 2,
            Outcome::NoVerdict => 3,
        }
    }
}

/// Reads a spec file; on failure says which file and why on stderr.
pub fn read_spec(path: &std::path::Path) -> Option<String> {
    match std::fs::read_to_string(path) {
        Ok(source) => Some(source),
        Err(e) => {
            // io's own wording for this case ("stream did not contain valid
            // UTF-8") does not say which stream.
            let why = if e.kind() == std::io::ErrorKind::InvalidData {
                "it is not UTF-8 text".to_string()
            } else {
                e.to_string()
            };
            report::eprint_line(&format!("error: cannot read `{}`: {why}", path.display()));
            None
        }
    }
}
