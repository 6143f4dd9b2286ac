//! The parts of the `dsmc` binary (not of the library): one module per
//! subcommand, [`report`] for everything that reaches the terminal, the
//! parts of `dsmc check` for CI: [`inputs`] (files, directories, patterns),
//! [`summary`], [`junit`], [`sarif`] and [`lock`] (`dsmc.lock`), [`lsp`],
//! the language server, and [`atomic`], which writes every file the binary
//! writes.

pub mod atomic;
pub mod check;
pub mod checkpoint;
pub mod distributed;
pub mod explore;
pub mod fmt;
pub mod inputs;
pub mod junit;
pub mod limits;
pub mod lock;
pub mod lsp;
pub mod progress;
pub mod report;
pub mod run;
pub mod sarif;
pub mod simulate;
pub mod summary;

pub use dsmc::check::Status;

/// Reads a spec file; on failure, a diagnostic that says which file and why.
pub fn read_spec(path: &std::path::Path) -> Result<String, dsmc::diagnostic::Diagnostic> {
    read_spec_within(path, None)
}

/// The largest spec dsmc reads: far above any real spec (a thousand lines
/// are some 40 KB), and what keeps `dsmc check /dev/zero` or a mistaken
/// argument from filling the memory.
pub const MAX_SPEC_BYTES: u64 = 32 << 20;

/// About what the front end and the compiled model take per byte of spec
/// (measured: 240 on a spec of 20,000 invariants).
pub const FRONT_END_BYTES_PER_BYTE: u64 = 256;

/// [`read_spec`] under a memory budget (the bytes a check may use): a spec
/// whose front end would take more is refused before it is read whole.
pub fn read_spec_within(
    path: &std::path::Path,
    budget: Option<u64>,
) -> Result<String, dsmc::diagnostic::Diagnostic> {
    use std::io::Read;
    let cannot = |why: String| {
        dsmc::diagnostic::Diagnostic::error(
            "dsmc::cli::cannot_read",
            format!("cannot read `{}`: {why}", path.display()),
        )
    };
    let limit = match budget {
        Some(bytes) => MAX_SPEC_BYTES.min(bytes / FRONT_END_BYTES_PER_BYTE),
        None => MAX_SPEC_BYTES,
    };
    let file = std::fs::File::open(path).map_err(|e| cannot(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| cannot(e.to_string()))?;
    if bytes.len() as u64 > limit {
        let mib = |b: u64| format!("{:.1} MiB", b as f64 / (1 << 20) as f64);
        let help = if limit < MAX_SPEC_BYTES {
            format!(
                "under this memory limit dsmc reads specs up to {} (its front end takes about \
                 {FRONT_END_BYTES_PER_BYTE} bytes of memory per byte of spec): give it more \
                 (--max-memory), or split a generated spec into several",
                mib(limit)
            )
        } else {
            format!(
                "is this the spec you meant? dsmc reads specs up to {}: split a generated spec \
                 into several",
                mib(MAX_SPEC_BYTES)
            )
        };
        return Err(dsmc::diagnostic::Diagnostic::error(
            "dsmc::cli::spec_too_large",
            format!("`{}` is larger than {}", path.display(), mib(limit)),
        )
        .help(help));
    }
    // io's own wording for text that is not UTF-8 ("stream did not contain
    // valid UTF-8") does not say which stream.
    String::from_utf8(bytes).map_err(|_| cannot("it is not UTF-8 text".to_string()))
}

/// Reads one spec and compiles it ([`dsmc::check::compile`]) for the
/// commands that need only the model (`explore`, `simulate`), printing any
/// diagnostics as people read them. `Err` is the outcome to exit with.
pub fn compile_spec(
    path: &std::path::Path,
    defines: &[dsmc::front::Override],
) -> Result<(report::SpecText, dsmc::model::Model), Status> {
    use crate::MessageFormat;
    let name = path.display().to_string();
    let source = match read_spec(path) {
        Ok(source) => source,
        Err(diagnostic) => {
            let spec = report::SpecText {
                name,
                source: "".into(),
            };
            report::print_diagnostics(&spec, &[diagnostic], MessageFormat::Human);
            return Err(Status::SpecErrors);
        }
    };
    let spec = report::SpecText {
        name,
        source: std::sync::Arc::from(source),
    };
    match dsmc::check::compile(&spec.source, defines, dsmc::check::Warnings::Allow) {
        Ok(compiled) => {
            report::print_diagnostics(&spec, &compiled.warnings, MessageFormat::Human);
            Ok((spec, compiled.model))
        }
        Err(diagnostics) => {
            report::print_diagnostics(&spec, &diagnostics, MessageFormat::Human);
            Err(Status::SpecErrors)
        }
    }
}
