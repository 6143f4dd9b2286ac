//! The state-space lockfile, `dsmc.lock`.
//!
//! `dsmc check --lock` records, for each spec and set of `-D` overrides, what
//! the exhaustive search established: distinct states, transitions, depth,
//! the constants, each property's verdict, the deadlock verdict and whether a
//! step failed at run time. A later run with `--lock` compares and fails
//! (exit 1) on any difference, so a change of a spec's state space is a
//! reviewed diff and never an accident. `--update-lock` writes the new
//! numbers instead. The file is TOML, sorted, with one `[[spec]]` table per
//! entry; entries of specs a run does not check are kept as they are.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dsmc::diagnostic::Diagnostic;
use dsmc::explore::Exploration;
use dsmc::front::Override;
use dsmc::model::Model;
use dsmc::report::{thousands, verdict_word};
use serde::{Deserialize, Serialize};

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

/// The file as a whole.
#[derive(Debug, Default, Serialize, Deserialize)]
struct LockFile {
    version: u32,
    #[serde(default, rename = "spec")]
    specs: Vec<Entry>,
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
    /// Whether the file existed when the run started.
    pub existed: bool,
    entries: Vec<Entry>,
}

/// A lockfile that cannot be used: the file (for the report's source) and
/// what is wrong.
pub struct LoadError {
    pub file: SpecText,
    pub diagnostic: Diagnostic,
}

impl Lock {
    /// Reads the lockfile; a missing file is an empty lock.
    pub fn load(path: &Path) -> Result<Lock, Box<LoadError>> {
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
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Lock {
                    path: path.to_path_buf(),
                    dir,
                    existed: false,
                    entries: Vec::new(),
                });
            }
            Err(e) => {
                return Err(Box::new(LoadError {
                    file: SpecText {
                        name: name.clone(),
                        source: "".into(),
                    },
                    diagnostic: Diagnostic::error(
                        "dsmc::cli::cannot_read",
                        format!("cannot read `{name}`: {e}"),
                    ),
                }));
            }
        };
        let invalid = |diagnostic: Diagnostic| {
            Box::new(LoadError {
                file: SpecText {
                    name: name.clone(),
                    source: text.as_str().into(),
                },
                diagnostic,
            })
        };
        let file: LockFile = toml::from_str(&text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            invalid(
                Diagnostic::error(
                    "dsmc::lock::invalid",
                    format!("`{name}` is not a dsmc lockfile: {}", e.message().trim()),
                )
                .primary(dsmc::syntax::ast::Span::new(span.start, span.end), "here")
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
                .help(
                    "use the dsmc that wrote it, or run `dsmc check --update-lock` to rewrite it",
                ),
            ));
        }
        Ok(Lock {
            path: path.to_path_buf(),
            dir,
            existed: true,
            entries: file.specs,
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

    /// Puts `entry` in the lock, in place of the one for the same spec and
    /// overrides.
    pub fn record(&mut self, entry: Entry) {
        match self.entries.iter_mut().find(|e| e.key() == entry.key()) {
            Some(old) => *old = entry,
            None => self.entries.push(entry),
        }
    }

    /// Writes the lock, sorted, if its text changed; says whether it did.
    pub fn write(&mut self) -> Result<bool, Diagnostic> {
        self.entries.sort_by(|a, b| a.key().cmp(&b.key()));
        let file = LockFile {
            version: VERSION,
            specs: std::mem::take(&mut self.entries),
        };
        let body = toml::to_string(&file);
        self.entries = file.specs;
        let name = self.path.display();
        let text = match body {
            Ok(body) => format!("{HEADER}{body}"),
            Err(e) => {
                return Err(Diagnostic::error(
                    "dsmc::lock::cannot_write",
                    format!("cannot write `{name}`: {e}"),
                ));
            }
        };
        if std::fs::read_to_string(&self.path).is_ok_and(|old| old == text) {
            return Ok(false);
        }
        std::fs::write(&self.path, text).map_err(|e| {
            Diagnostic::error(
                "dsmc::lock::cannot_write",
                format!("cannot write `{name}`: {e}"),
            )
        })?;
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
