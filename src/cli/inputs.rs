//! Which specs `dsmc check` was asked for.
//!
//! An argument is a file, a directory (every `.ds` file below it, hidden
//! entries skipped, sorted) or a glob pattern (`specs/*.ds`,
//! `'specs/**/*.ds'`). dsmc expands patterns itself, so a quoted pattern
//! works the same in every shell and in CI files. Each spec is checked once:
//! paths are deduplicated by their canonical form, the first mention wins.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

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

/// The most spec files one argument (a directory or a pattern) may name.
/// A pattern such as `'/**/*.ds'` can reach every file of the machine; past
/// this many the argument is refused (`dsmc::cli::too_many_files`) rather
/// than collected without end.
pub const MAX_FILES_PER_ARGUMENT: usize = 100_000;

/// Whether an argument is meant as a pattern: it does not name an existing
/// file and has a glob metacharacter.
fn is_pattern(arg: &Path) -> bool {
    !arg.exists() && arg.to_str().is_some_and(|s| s.contains(['*', '?', '[']))
}

fn expand_one(arg: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    if arg.is_dir() {
        let mut found = Found::new(arg);
        walk(arg, &mut found)?;
        let mut found = found.paths;
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

/// The files an argument has named so far, up to
/// [`MAX_FILES_PER_ARGUMENT`].
struct Found<'a> {
    arg: &'a Path,
    paths: Vec<PathBuf>,
    /// [`MAX_FILES_PER_ARGUMENT`], smaller in tests.
    limit: usize,
}

impl<'a> Found<'a> {
    fn new(arg: &'a Path) -> Found<'a> {
        Found {
            arg,
            paths: Vec::new(),
            limit: MAX_FILES_PER_ARGUMENT,
        }
    }

    fn push(&mut self, path: PathBuf) -> Result<(), Diagnostic> {
        if self.paths.len() >= self.limit {
            return Err(Diagnostic::error(
                "dsmc::cli::too_many_files",
                format!(
                    "`{}` names more than {} files",
                    self.arg.display(),
                    self.limit
                ),
            )
            .help("name a smaller directory, or a narrower pattern"));
        }
        self.paths.push(path);
        Ok(())
    }
}

/// Every `.ds` file below `dir`. Hidden files and directories are skipped,
/// as the shell's `*` does; symbolic links to directories are not followed,
/// so a link cycle cannot make the walk endless.
fn walk(dir: &Path, found: &mut Found) -> Result<(), Diagnostic> {
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
            found.push(path)?;
        }
    }
    Ok(())
}

/// How `*` and `?` match: within one path component, never a leading `.`.
const MATCH: glob::MatchOptions = glob::MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: true,
};

/// One path component of a pattern after its literal start.
enum Part {
    /// A name without metacharacters (or `..`): taken as it is, without
    /// reading the directory; a symbolic link is followed.
    Literal(std::ffi::OsString),
    /// A component with `*`, `?` or `[...]`: matched against the names of a
    /// directory's entries.
    Wild(glob::Pattern),
    /// `**`: this directory and every directory below it, links to
    /// directories not followed.
    Recursive,
}

/// The files a glob pattern matches, sorted. `*` and `?` do not cross `/`
/// and do not match a leading `.`; `**` matches any number of directories.
/// Directories the pattern matches are skipped: a pattern names files.
///
/// The walk is dsmc's own, with the `glob` crate's `Pattern` matching one
/// component at a time: the crate's `glob()` follows symbolic links to
/// directories under `**`, so a link cycle (`a/loop -> ..`) made it endless,
/// its memory growing without bound. Here `**` descends only into real
/// directories, as bash's `globstar` does; a link named literally or
/// matched by `*` is followed, which the pattern's length bounds.
fn expand_pattern(arg: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    let pattern = arg.to_string_lossy();
    let bad_pattern = |e: glob::PatternError| {
        Diagnostic::error(
            "dsmc::cli::bad_pattern",
            format!(
                "`{pattern}` is not a valid pattern: {} (at character {})",
                e.msg,
                e.pos + 1
            ),
        )
        .help("`*` matches within a directory, `**` across directories, `[abc]` one of the characters")
    };
    // The whole pattern is parsed first, for its errors' positions.
    glob::Pattern::new(&pattern).map_err(bad_pattern)?;
    let mut base = PathBuf::new();
    let mut parts = Vec::new();
    for component in arg.components() {
        let Component::Normal(name) = component else {
            // A leading `./` is left out of the names, as the shell does.
            if component == Component::CurDir {
                continue;
            }
            if parts.is_empty() {
                base.push(component);
            } else {
                // `..` after a wildcard; `.` never comes after the start.
                parts.push(Part::Literal(component.as_os_str().to_os_string()));
            }
            continue;
        };
        let text = name.to_string_lossy();
        if text == "**" {
            parts.push(Part::Recursive);
        } else if text.contains(['*', '?', '[']) {
            parts.push(Part::Wild(glob::Pattern::new(&text).map_err(|e| {
                bad_pattern(glob::PatternError {
                    pos: pattern.find(&*text).unwrap_or(0) + e.pos,
                    msg: e.msg,
                })
            })?));
        } else if parts.is_empty() {
            base.push(name);
        } else {
            parts.push(Part::Literal(name.to_os_string()));
        }
    }
    let mut found = Found::new(arg);
    step(&base, &parts, &mut found)?;
    let mut found = found.paths;
    found.sort();
    found.dedup();
    if found.is_empty() {
        return Err(Diagnostic::error(
            "dsmc::cli::no_match",
            format!("`{pattern}` matches no file"),
        )
        .help("check the pattern; dsmc expands it relative to the current directory"));
    }
    Ok(found)
}

/// Matches `parts` below `dir` (the empty path: the current directory).
fn step(dir: &Path, parts: &[Part], found: &mut Found) -> Result<(), Diagnostic> {
    let Some((part, rest)) = parts.split_first() else {
        // The whole pattern matched `dir`: a file is a spec, a directory
        // is skipped. `is_file` follows a link: a linked spec is a spec.
        if dir.is_file() {
            found.push(dir.to_path_buf())?;
        }
        return Ok(());
    };
    match part {
        Part::Literal(name) => {
            let next = dir.join(name);
            if rest.is_empty() || next.is_dir() {
                step(&next, rest, found)?;
            }
        }
        Part::Wild(pattern) => {
            for (name, path, _) in entries(dir)? {
                if pattern.matches_with(&name, MATCH) && (rest.is_empty() || path.is_dir()) {
                    step(&path, rest, found)?;
                }
            }
        }
        Part::Recursive => {
            // `**/**` is `**`.
            let after = rest
                .iter()
                .position(|p| !matches!(p, Part::Recursive))
                .map_or(&[][..], |at| &rest[at..]);
            // A pattern that ends with `**` matches directories only.
            if after.is_empty() {
                return Ok(());
            }
            step(dir, after, found)?;
            for (name, path, real_dir) in entries(dir)? {
                if real_dir && !name.starts_with('.') {
                    step(&path, parts, found)?;
                }
            }
        }
    }
    Ok(())
}

/// The entries of `dir` whose names are text: each name, path, and whether
/// it is a directory itself (not a link to one). A directory that is not
/// there, or not a directory, has none; one that cannot be read is an
/// error, as a pattern that silently skipped it would name fewer specs.
fn entries(dir: &Path) -> Result<Vec<(String, PathBuf, bool)>, Diagnostic> {
    let listed = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let cannot_read = |e: std::io::Error| {
        Diagnostic::error(
            "dsmc::cli::cannot_read",
            format!("cannot read directory `{}`: {e}", listed.display()),
        )
    };
    let read = match std::fs::read_dir(listed) {
        Ok(read) => read,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(Vec::new());
        }
        Err(e) => return Err(cannot_read(e)),
    };
    let mut out = Vec::new();
    for entry in read {
        let entry = entry.map_err(cannot_read)?;
        // Names that are not UTF-8 cannot be matched by a text pattern.
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let real_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        out.push((name.clone(), dir.join(&name), real_dir));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_argument_that_names_too_many_files_is_refused() {
        let dir = std::env::temp_dir().join(format!("dsmc-inputs-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).expect("a scratch directory");
        for name in ["a.ds", "b.ds", "sub/c.ds"] {
            std::fs::write(dir.join(name), "").expect("a file");
        }
        let pattern = dir.join("**/*.ds");
        let parts = [
            Part::Recursive,
            Part::Wild(glob::Pattern::new("*.ds").unwrap()),
        ];
        let mut found = Found::new(&pattern);
        found.limit = 3;
        step(&dir, &parts, &mut found).expect("three files are within the limit");
        let mut found = Found::new(&pattern);
        found.limit = 2;
        let refused = step(&dir, &parts, &mut found).expect_err("three files are too many");
        assert_eq!(refused.code, "dsmc::cli::too_many_files");
        let mut found = Found::new(&dir);
        found.limit = 2;
        assert!(walk(&dir, &mut found).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
