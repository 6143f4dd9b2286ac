//! `dsmc check --checkpoint DIR [--checkpoint-every DURATION]` and
//! `--resume DIR`: where checkpoints go, how they are written (whole or
//! not at all: a temporary file renamed over the last one) and what is said
//! about them.
//!
//! The explorer decides when a checkpoint can be taken (at the start of a
//! batch) and streams it; this module owns the file. A resumed check goes
//! on writing checkpoints into the directory it resumed from, unless
//! `--checkpoint` names another.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use dsmc::diagnostic::Diagnostic;
use dsmc::explore::checkpoint::{Checkpointing, Identity};

use super::atomic;
use super::inputs::Input;
use super::report::{self, SpecText};
use crate::{CheckArgs, MessageFormat};

/// The file of a checkpoint directory.
pub const FILE: &str = "checkpoint.dsmc";

/// Between checkpoints, unless `--checkpoint-every` says otherwise.
pub const DEFAULT_EVERY: Duration = Duration::from_secs(10 * 60);

/// The directory checkpoints are written to, if any.
pub fn directory(args: &CheckArgs) -> Option<&Path> {
    args.checkpoint.as_deref().or(args.resume.as_deref())
}

/// The checkpoint file in `dir`.
pub fn file(dir: &Path) -> PathBuf {
    dir.join(FILE)
}

/// Why checkpoints cannot be written or resumed from in this run: a
/// diagnostic about the directory given, or `None`.
pub fn refuse(args: &CheckArgs, inputs: &[Input]) -> Option<(PathBuf, Diagnostic)> {
    let dir = directory(args)?;
    let flag = if args.checkpoint.is_some() {
        "--checkpoint"
    } else {
        "--resume"
    };
    if inputs.len() != 1 {
        return Some((
            dir.to_path_buf(),
            Diagnostic::error(
                "dsmc::cli::checkpoint_one_spec",
                format!(
                    "`{flag}` takes one spec, and this run checks {}",
                    inputs.len()
                ),
            )
            .help("check the specs one at a time, each with a checkpoint directory of its own"),
        ));
    }
    if let Some(resume) = &args.resume
        && !file(resume).is_file()
    {
        return Some((
            resume.clone(),
            Diagnostic::error(
                "dsmc::cli::no_checkpoint",
                format!("`{}` holds no checkpoint (`{FILE}`)", resume.display()),
            )
            .help("give the directory a run with `--checkpoint DIR` wrote into"),
        ));
    }
    if dir.exists() && !dir.is_dir() {
        return Some((
            dir.to_path_buf(),
            Diagnostic::error(
                "dsmc::cli::cannot_write",
                format!("`{flag} {}` is not a directory", dir.display()),
            )
            .help("checkpoints go into a directory of their own; give a new or existing directory"),
        ));
    }
    None
}

/// What this run did with checkpoints, to tell the user at the end.
#[derive(Default)]
pub struct Written {
    /// Checkpoints written, and failed writes.
    saved: AtomicU64,
    failed: AtomicU64,
}

impl Written {
    /// Says on stderr where the last checkpoint is and how to resume from
    /// it, after a check that stopped before its end.
    pub fn tell(&self, dir: &Path, spec: &Path, format: MessageFormat) {
        let saved = self.saved.load(Ordering::Relaxed);
        if saved == 0 || format == MessageFormat::Json {
            return;
        }
        report::eprint_line(&format!(
            "checkpoint in `{}`; go on with `dsmc check {} --resume {}`",
            file(dir).display(),
            spec.display(),
            dir.display()
        ));
    }
}

/// Checkpoints for a check: written into `dir` every `every`, and when a
/// limit stops the search. A write that fails is reported on stderr (in
/// `format`) and the check goes on; the last checkpoint written stays.
pub fn checkpointing(
    dir: &Path,
    every: Duration,
    format: MessageFormat,
    written: Arc<Written>,
) -> Checkpointing {
    let dir = dir.to_path_buf();
    let save = move |write: &mut dyn FnMut(&mut dyn std::io::Write) -> std::io::Result<()>| {
        let path = file(&dir);
        let result = std::fs::create_dir_all(&dir)
            .map_err(atomic::WriteError::Io)
            .and_then(|()| atomic::write_with(&path, write));
        match result {
            Ok(()) => {
                written.saved.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(e) => {
                written.failed.fetch_add(1, Ordering::Relaxed);
                let mut diagnostic =
                    e.to_diagnostic("dsmc::cli::checkpoint_failed", "the checkpoint", &path);
                diagnostic.severity = dsmc::diagnostic::Severity::Warning;
                let spec = SpecText {
                    name: path.display().to_string(),
                    source: "".into(),
                };
                report::print_diagnostics(&spec, &[diagnostic], format);
                false
            }
        }
    };
    Checkpointing {
        every,
        identity: Identity::default(),
        save: Arc::new(save),
        on_stop: true,
    }
}
