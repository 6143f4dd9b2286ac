//! The state-space lockfile, `dsmc.lock`.
//!
//! `dsmc check --lock` records, for each spec and set of `-D` overrides, what
//! the exhaustive search established: distinct states, transitions, depth,
//! the constants, each property's verdict, the deadlock verdict and whether a
//! step failed at run time. A later run with `--lock` compares and fails
//! (exit 1) on any difference, so a change of a spec's state space is a
//! reviewed diff and never an accident. `--update-lock` writes the new
//! numbers instead. The file is TOML, sorted, with one `[[spec]]` table per
//! entry; entries of specs a run does not check are kept as they are, and
//! two entries for one spec and set of overrides are an error
//! (`dsmc::lock::duplicate`).
//!
//! Several jobs may update one lockfile at once: [`Lock::write`] merges
//! this run's entries into the file as it is under an exclusive file lock,
//! not as it was when the run started, and replaces it atomically.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};

use dsmc::diagnostic::Diagnostic;
use dsmc::explore::Exploration;
use dsmc::front::Override;
use dsmc::model::Model;
use dsmc::report::{thousands, verdict_word};
use dsmc::syntax::ast::Span;
use serde::{Deserialize, Serialize};

use super::atomic::{self, Target, WriteError};
use super::report::SpecText;

/// The format version this dsmc reads and writes.
const VERSION: u32 = 1;

/// The comment at the top of every lockfile dsmc writes.
const HEADER: &str = "\
# The state space of each spec, as `dsmc check --lock` found it: distinct
# states, transitions, depth and verdicts per spec and set of `-D` overrides.
# `dsmc check --lock` fails when they change; `dsmc check --update-lock`
# rewrites the entries of the specs it checks. Do not edit by hand.

";

/// The file as a whole, as written.
#[derive(Debug, Default, Serialize)]
struct LockFile {
    version: u32,
    #[serde(rename = "spec")]
    specs: Vec<Entry>,
}

/// The file as a whole, as read: each entry with where it is, so that a
/// duplicate can be pointed at.
#[derive(Debug, Deserialize)]
struct LockFileRead {
    version: u32,
    #[serde(default, rename = "spec")]
    specs: Vec<toml::Spanned<Entry>>,
}

/// What one exhaustive search established about one spec under one set of
/// overrides.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The spec's path relative to the lockfile's directory, with `/`.
    pub path: String,
    /// The `-D` overrides, normalized: `NAME=VALUE`, sorted by name, the
    /// last one given for a name, spaces in the value collapsed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub defines: Vec<String>,
    pub states: u64,
    pub transitions: u64,
    pub depth: u32,
    /// `holds`, `violated` or `unchecked` (`allow deadlock`).
    pub deadlock: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub runtime_error: bool,
    /// Every constant's value, after the overrides.
    #[serde(default)]
    pub constants: BTreeMap<String, toml::Value>,
    /// Property name → verdict (`holds`, `violated`, `unchecked`, `not selected`).
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
}

impl Entry {
    /// How the entry is named in messages: `specs/2pc.ds -D N=4`.
    pub fn label(&self) -> String {
        let mut label = self.path.clone();
        for define in &self.defines {
            label.push_str(" -D ");
            label.push_str(define);
        }
        label
    }

    fn key(&self) -> (&str, &[String]) {
        (&self.path, &self.defines)
    }
}

/// How a checked spec compares with the lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// Not compared, and why: the spec has errors or the search stopped
    /// early, so there is nothing established to compare.
    Skipped(&'static str),
    /// As recorded.
    Same,
    /// The lock has no entry for this spec and these overrides.
    Missing,
    /// What changed, one line each (`states 288 → 301`).
    Changed(Vec<String>),
}

impl Comparison {
    /// Whether this is drift: a failure unless the lock is being updated.
    pub fn is_drift(&self) -> bool {
        matches!(self, Comparison::Missing | Comparison::Changed(_))
    }

    /// One word for JSON and the summary.
    pub fn word(&self) -> &'static str {
        match self {
            Comparison::Skipped(_) => "not compared",
            Comparison::Same => "same",
            Comparison::Missing => "missing",
            Comparison::Changed(_) => "changed",
        }
    }

    /// The lines that explain it, without the entry's label.
    pub fn lines(&self) -> Vec<String> {
        match self {
            Comparison::Skipped(why) => vec![format!("not compared: {why}")],
            Comparison::Same => Vec::new(),
            Comparison::Missing => vec!["not in the lock".to_string()],
            Comparison::Changed(lines) => lines.clone(),
        }
    }
}

/// A lockfile being compared with (and perhaps updated by) one run.
pub struct Lock {
    /// The path as given.
    pub path: PathBuf,
    /// The directory spec paths are relative to.
    dir: PathBuf,
    /// Whether the file existed (and was not empty) when the run started.
    pub existed: bool,
    /// The entries as the run started: what this run compares with.
    entries: Vec<Entry>,
    /// This run's entries, to be written under `--update-lock`.
    recorded: Vec<Entry>,
}

/// A lockfile that cannot be used or written: the file (for the report's
/// source) and what is wrong.
pub struct LockError {
    pub file: SpecText,
    pub diagnostic: Diagnostic,
}

impl LockError {
    /// An error about the file `name` with no text to point into.
    fn without_source(name: &str, diagnostic: Diagnostic) -> Box<LockError> {
        Box::new(LockError {
            file: SpecText {
                name: name.to_string(),
                source: "".into(),
            },
            diagnostic,
        })
    }
}

impl Lock {
    /// Reads the lockfile; a missing or empty file is an empty lock.
    pub fn load(path: &Path) -> Result<Lock, Box<LockError>> {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let dir = std::fs::canonicalize(dir)
            .or_else(|_| std::path::absolute(dir))
            .unwrap_or_else(|_| dir.to_path_buf());
        let name = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(cannot_read(&name, &e)),
        };
        Ok(Lock {
            path: path.to_path_buf(),
            dir,
            existed: !text.trim().is_empty(),
            entries: parse(&name, &text)?,
            recorded: Vec::new(),
        })
    }

    /// The entry a complete exploration gives for `spec` under `overrides`.
    pub fn entry(
        &self,
        spec: &Path,
        overrides: &[Override],
        model: &Model,
        exploration: &Exploration,
    ) -> Entry {
        let constants = model
            .spec
            .consts
            .iter()
            .map(|c| {
                let value = match c.value {
                    dsmc::typed::ConstValue::Int(n) => toml::Value::Integer(n),
                    dsmc::typed::ConstValue::Bool(b) => toml::Value::Boolean(b),
                };
                (c.name.clone(), value)
            })
            .collect();
        let properties = model
            .spec
            .properties
            .iter()
            .zip(&exploration.verdicts)
            .map(|(p, v)| (p.name.clone(), verdict_word(v).to_string()))
            .collect();
        Entry {
            path: self.spec_key(spec),
            defines: normalize(overrides),
            states: exploration.states,
            transitions: exploration.transitions,
            depth: exploration.depth,
            deadlock: verdict_word(&exploration.deadlock).to_string(),
            runtime_error: exploration.runtime_error.is_some(),
            constants,
            properties,
        }
    }

    /// How `entry` compares with what the lock recorded.
    pub fn compare(&self, entry: &Entry) -> Comparison {
        match self.entries.iter().find(|e| e.key() == entry.key()) {
            None => Comparison::Missing,
            Some(old) if old == entry => Comparison::Same,
            Some(old) => Comparison::Changed(changes(old, entry)),
        }
    }

    /// Keeps `entry` to be written by [`Lock::write`], in place of the one
    /// for the same spec and overrides.
    pub fn record(&mut self, entry: Entry) {
        merge(&mut self.recorded, entry);
    }

    /// Writes this run's entries into the lockfile and says whether its
    /// text changed.
    ///
    /// Other jobs may update the same lockfile at the same time, each with
    /// entries of its own, so the update is a read-merge-write under an
    /// exclusive advisory lock on the file (`File::lock`, `flock` on Unix):
    /// the file is read again under the lock, as it is now and not as it
    /// was when the run started, this run's entries replace theirs or are
    /// added, and the result replaces the file atomically (`atomic::write`)
    /// before the lock is released. A job that waited for the lock on a
    /// file that another job has since replaced finds that the path names
    /// another file and takes the lock again on that one.
    ///
    /// A missing lockfile is created empty to be locked; a failed write
    /// removes it again, and leaves an existing one as it was.
    pub fn write(&self) -> Result<bool, Box<LockError>> {
        let name = self.path.display().to_string();
        let cannot_write = |e: WriteError| {
            LockError::without_source(
                &name,
                e.to_diagnostic("dsmc::lock::cannot_write", "the lockfile", &self.path),
            )
        };
        let target = match atomic::target(&self.path).map_err(cannot_write)? {
            Target::Replace(path) | Target::Direct(path) => path,
        };
        let held = lock_file(&target).map_err(|e| cannot_write(WriteError::Io(e)))?;
        let mut entries = parse(&name, &held.text)?;
        for entry in &self.recorded {
            merge(&mut entries, entry.clone());
        }
        entries.sort_by(|a, b| a.key().cmp(&b.key()));
        let body = toml::to_string(&LockFile {
            version: VERSION,
            specs: entries,
        });
        let text = match body {
            Ok(body) => format!("{HEADER}{body}"),
            Err(e) => {
                return Err(LockError::without_source(
                    &name,
                    Diagnostic::error(
                        "dsmc::lock::cannot_write",
                        format!("cannot write `{name}`: {e}"),
                    ),
                ));
            }
        };
        if held.text == text {
            return Ok(false);
        }
        if let Err(e) = atomic::write(&target, text.as_bytes()) {
            if held.created {
                // Still ours: every writer replaces the file only under
                // the lock, which this job holds.
                let _ = std::fs::remove_file(&target);
            }
            return Err(cannot_write(e));
        }
        // The lock is released when `held.file` is closed, after the
        // rename.
        drop(held);
        Ok(true)
    }

    /// The spec's path relative to the lock's directory, with `/`, so that
    /// the lock reads the same on every machine and in every checkout.
    fn spec_key(&self, spec: &Path) -> String {
        let canonical = std::fs::canonicalize(spec)
            .or_else(|_| std::path::absolute(spec))
            .unwrap_or_else(|_| spec.to_path_buf());
        relative_path(&canonical, &self.dir)
    }
}

/// The lockfile, read and locked for an update.
struct Held {
    /// The open file, locked exclusively until it is closed.
    #[allow(dead_code, reason = "held for its lock")]
    file: File,
    /// Its text when the lock was taken.
    text: String,
    /// Whether this job created it (empty) to lock it.
    created: bool,
}

/// Opens the lockfile at `path` (creating it empty if it does not exist),
/// takes an exclusive lock on it, waiting for other jobs, and reads it.
fn lock_file(path: &Path) -> std::io::Result<Held> {
    // Each try after the first follows another job's replacing the file:
    // the number of tries is bounded only against a file system that never
    // shows the path as the file just opened.
    for _ in 0..10_000 {
        let (mut file, created) = match OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
        {
            Ok(file) => (file, true),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                match OpenOptions::new().read(true).write(true).open(path) {
                    Ok(file) => (file, false),
                    // Removed since: by a job whose write failed.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e),
                }
            }
            Err(e) => return Err(e),
        };
        file.lock()?;
        // While this job waited, another may have renamed a new lockfile
        // over the one it opened (or removed it): then the lock it holds is
        // on a file nobody reads any more.
        if !names_file(path, &file) {
            continue;
        }
        let mut text = String::new();
        file.read_to_string(&mut text)?;
        return Ok(Held {
            file,
            text,
            created,
        });
    }
    Err(std::io::Error::other(
        "the lockfile was replaced 10,000 times while dsmc waited to lock it",
    ))
}

/// Whether `path` names the open `file` (the same device and inode).
#[cfg(unix)]
fn names_file(path: &Path, file: &File) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(path), file.metadata()) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Whether `path` names the open `file`: elsewhere a file that is open
/// cannot be renamed over, so it is.
#[cfg(not(unix))]
fn names_file(path: &Path, _file: &File) -> bool {
    path.exists()
}

/// Puts `entry` into `entries`, in place of the one with the same key.
fn merge(entries: &mut Vec<Entry>, entry: Entry) {
    match entries.iter_mut().find(|e| e.key() == entry.key()) {
        Some(old) => *old = entry,
        None => entries.push(entry),
    }
}

/// The error for a lockfile that exists but cannot be read.
fn cannot_read(name: &str, e: &std::io::Error) -> Box<LockError> {
    let why = if e.kind() == std::io::ErrorKind::InvalidData {
        "it is not UTF-8 text".to_string()
    } else {
        e.to_string()
    };
    LockError::without_source(
        name,
        Diagnostic::error(
            "dsmc::cli::cannot_read",
            format!("cannot read `{name}`: {why}"),
        ),
    )
}

/// The entries of the lockfile `name` whose text is `text`; an empty (or
/// blank) text is a lock with no entries.
fn parse(name: &str, text: &str) -> Result<Vec<Entry>, Box<LockError>> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let invalid = |diagnostic: Diagnostic| {
        Box::new(LockError {
            file: SpecText {
                name: name.to_string(),
                source: text.into(),
            },
            diagnostic,
        })
    };
    let file: LockFileRead = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        invalid(
            Diagnostic::error(
                "dsmc::lock::invalid",
                format!("`{name}` is not a dsmc lockfile: {}", e.message().trim()),
            )
            .primary(Span::new(span.start, span.end), "here")
            .help("delete it and run `dsmc check --update-lock` to write it anew"),
        )
    })?;
    if file.version != VERSION {
        return Err(invalid(
            Diagnostic::error(
                "dsmc::lock::version",
                format!(
                    "`{name}` has format version {}, and this dsmc reads version {VERSION}",
                    file.version
                ),
            )
            .help("use the dsmc that wrote it, or run `dsmc check --update-lock` to rewrite it"),
        ));
    }
    // Two entries for one spec and set of overrides: which one a check
    // compares with would be an accident of order.
    let mut first: BTreeMap<(&str, &[String]), Span> = BTreeMap::new();
    for spanned in &file.specs {
        let span = Span::new(spanned.span().start, spanned.span().end);
        let entry = spanned.get_ref();
        if let Some(earlier) = first.get(&entry.key()) {
            return Err(invalid(
                Diagnostic::error(
                    "dsmc::lock::duplicate",
                    format!("`{name}` has two entries for `{}`", entry.label()),
                )
                .primary(span, "the second entry")
                .secondary(*earlier, "the first entry")
                .help("delete one of them, or delete both and run `dsmc check --update-lock`"),
            ));
        }
        first.insert(entry.key(), span);
    }
    Ok(file
        .specs
        .into_iter()
        .map(toml::Spanned::into_inner)
        .collect())
}

/// `path` relative to the directory `base`, both absolute, with `/` and
/// `..` where `path` is not below `base`.
fn relative_path(path: &Path, base: &Path) -> String {
    let path: Vec<_> = path.components().collect();
    let base: Vec<_> = base.components().collect();
    let common = path.iter().zip(&base).take_while(|(a, b)| a == b).count();
    // Nothing in common (another drive): the path as it is.
    if common == 0 {
        return path
            .iter()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
    }
    let ups = std::iter::repeat_n("..".to_string(), base.len() - common);
    let downs = path[common..]
        .iter()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    ups.chain(downs).collect::<Vec<_>>().join("/")
}

/// The overrides as the lock keys them: the last value given for each name,
/// sorted by name, runs of white space in the value made one space.
pub fn normalize(overrides: &[Override]) -> Vec<String> {
    let mut last: BTreeMap<&str, &str> = BTreeMap::new();
    for o in overrides {
        last.insert(&o.name, &o.value);
    }
    last.into_iter()
        .map(|(name, value)| {
            let value: Vec<&str> = value.split_whitespace().collect();
            format!("{name}={}", value.join(" "))
        })
        .collect()
}

/// What changed from `old` to `new`, one line each, in a fixed order.
fn changes(old: &Entry, new: &Entry) -> Vec<String> {
    let mut out = Vec::new();
    let mut count = |what: &str, a: u64, b: u64| {
        if a != b {
            out.push(format!("{what} {} → {}", thousands(a), thousands(b)));
        }
    };
    count("states", old.states, new.states);
    count("transitions", old.transitions, new.transitions);
    count("depth", old.depth.into(), new.depth.into());
    let none = "(none)".to_string();
    let names = |a: &BTreeMap<String, String>, b: &BTreeMap<String, String>| {
        let mut names: Vec<String> = a.keys().chain(b.keys()).cloned().collect();
        names.sort();
        names.dedup();
        names
    };
    let old_constants: BTreeMap<String, String> = old
        .constants
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect();
    let new_constants: BTreeMap<String, String> = new
        .constants
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect();
    for name in names(&old_constants, &new_constants) {
        let (a, b) = (old_constants.get(&name), new_constants.get(&name));
        if a != b {
            out.push(format!(
                "constant {name}: {} → {}",
                a.unwrap_or(&none),
                b.unwrap_or(&none)
            ));
        }
    }
    for name in names(&old.properties, &new.properties) {
        let (a, b) = (old.properties.get(&name), new.properties.get(&name));
        if a != b {
            out.push(format!(
                "property {name}: {} → {}",
                a.unwrap_or(&none),
                b.unwrap_or(&none)
            ));
        }
    }
    if old.deadlock != new.deadlock {
        out.push(format!("deadlock: {} → {}", old.deadlock, new.deadlock));
    }
    if old.runtime_error != new.runtime_error {
        let word = |found: bool| if found { "found" } else { "none" };
        out.push(format!(
            "runtime error: {} → {}",
            word(old.runtime_error),
            word(new.runtime_error)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(name: &str, value: &str) -> Override {
        Override {
            name: name.into(),
            value: value.into(),
        }
    }

    #[test]
    fn spec_paths_are_relative_to_the_lock() {
        let key = |path: &str, base: &str| relative_path(Path::new(path), Path::new(base));
        assert_eq!(key("/repo/specs/2pc.ds", "/repo"), "specs/2pc.ds");
        assert_eq!(key("/repo/specs/2pc.ds", "/repo/ci"), "../specs/2pc.ds");
        assert_eq!(key("/other/a.ds", "/repo/ci"), "../../other/a.ds");
    }

    #[test]
    fn overrides_are_normalized() {
        let overrides = [o("N", "3"), o("B", "x  +\t1"), o("N", "4")];
        assert_eq!(normalize(&overrides), ["B=x + 1", "N=4"]);
        assert!(normalize(&[]).is_empty());
    }

    #[test]
    fn changes_are_listed_in_order() {
        let old = Entry {
            path: "a.ds".into(),
            defines: vec![],
            states: 288,
            transitions: 1146,
            depth: 11,
            deadlock: "holds".into(),
            runtime_error: false,
            constants: [("N".to_string(), toml::Value::Integer(3))].into(),
            properties: [("p".to_string(), "holds".to_string())].into(),
        };
        let mut new = old.clone();
        new.states = 1568;
        new.constants.insert("N".into(), toml::Value::Integer(4));
        new.properties.insert("p".into(), "violated".into());
        new.properties.insert("q".into(), "holds".into());
        new.runtime_error = true;
        assert_eq!(
            changes(&old, &new),
            [
                "states 288 → 1,568",
                "constant N: 3 → 4",
                "property p: holds → violated",
                "property q: (none) → holds",
                "runtime error: none → found",
            ]
        );
    }
}
