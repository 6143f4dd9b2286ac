//! Which specs `dsmc check` was asked for.
//!
//! An argument is a file, a directory (every `.ds` file below it, hidden
//! entries skipped, sorted) or a glob pattern (`specs/*.ds`,
//! `'specs/**/*.ds'`). dsmc expands patterns itself, so a quoted pattern
//! works the same in every shell and in CI files. Each spec is checked once:
//! paths are deduplicated by their canonical form, the first mention wins.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use dsmc::diagnostic::Diagnostic;

/// One thing to check: a spec file, or an argument that named none.
pub enum Input {
    /// A file to check (it may still turn out unreadable).
    Spec(PathBuf),
    /// An argument that gave no spec: a pattern that matches nothing, a
    /// directory without specs, a bad pattern. `name` is the argument.
    Problem {
        name: String,
        diagnostic: Diagnostic,
    },
}

/// Expands the arguments into specs, in argument order; each directory's or
/// pattern's files sorted; each spec once.
pub fn expand(args: &[PathBuf]) -> Vec<Input> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for arg in args {
        let found = match expand_one(arg) {
            Ok(paths) => paths,
            Err(diagnostic) => {
                out.push(Input::Problem {
                    name: arg.display().to_string(),
                    diagnostic,
                });
                continue;
            }
        };
        for path in found {
            // A file that does not exist has no canonical form; it is kept
            // under its own name and reported when it is read.
            let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            if seen.insert(key) {
                out.push(Input::Spec(path));
            }
        }
    }
    out
}

/// Whether an argument is meant as a pattern: it does not name an existing
/// file and has a glob metacharacter.
fn is_pattern(arg: &Path) -> bool {
    !arg.exists() && arg.to_str().is_some_and(|s| s.contains(['*', '?', '[']))
}

fn expand_one(arg: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    if arg.is_dir() {
        let mut found = Vec::new();
        walk(arg, &mut found)?;
        found.sort();
        if found.is_empty() {
            return Err(Diagnostic::error(
                "dsmc::cli::no_specs",
                format!("directory `{}` has no `.ds` file", arg.display()),
            )
            .help("name the spec files, or a directory that has some"));
        }
        return Ok(found);
    }
    if is_pattern(arg) {
        return expand_pattern(arg);
    }
    Ok(vec![arg.to_path_buf()])
}

/// Every `.ds` file below `dir`. Hidden files and directories are skipped,
/// as the shell's `*` does; symbolic links to directories are not followed,
/// so a link cycle cannot make the walk endless.
fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), Diagnostic> {
    let cannot_read = |e: std::io::Error| {
        Diagnostic::error(
            "dsmc::cli::cannot_read",
            format!("cannot read directory `{}`: {e}", dir.display()),
        )
    };
    for entry in std::fs::read_dir(dir).map_err(cannot_read)? {
        let entry = entry.map_err(cannot_read)?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let file_type = entry.file_type().map_err(cannot_read)?;
        if file_type.is_dir() {
            walk(&path, found)?;
        } else if path.extension().is_some_and(|e| e == "ds") && path.is_file() {
            found.push(path);
        }
    }
    Ok(())
}

/// The files a glob pattern matches, sorted. `*` and `?` do not cross `/`
/// and do not match a leading `.`; `**` matches any number of directories.
/// Directories the pattern matches are skipped: a pattern names files.
fn expand_pattern(arg: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    let pattern = arg.to_string_lossy();
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    };
    let paths = glob::glob_with(&pattern, options).map_err(|e| {
        Diagnostic::error(
            "dsmc::cli::bad_pattern",
            format!(
                "`{pattern}` is not a valid pattern: {} (at character {})",
                e.msg,
                e.pos + 1
            ),
        )
        .help("`*` matches within a directory, `**` across directories, `[abc]` one of the characters")
    })?;
    let mut found = Vec::new();
    for path in paths {
        let path = path.map_err(|e| {
            Diagnostic::error(
                "dsmc::cli::cannot_read",
                format!("cannot read `{}`: {}", e.path().display(), e.error()),
            )
        })?;
        if path.is_file() {
            found.push(path);
        }
    }
    found.sort();
    if found.is_empty() {
        return Err(Diagnostic::error(
            "dsmc::cli::no_match",
            format!("`{pattern}` matches no file"),
        )
        .help("check the pattern; dsmc expands it relative to the current directory"));
    }
    Ok(found)
}
