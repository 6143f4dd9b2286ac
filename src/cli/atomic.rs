//! Replacing a file so that it holds either its old contents or the new,
//! never a part: the one way the binary writes the files it is asked to
//! write (the lockfile, `dsmc fmt`, `--report`).
//!
//! The new contents go to a temporary file in the target's own directory
//! (a rename does not cross file systems), which is flushed to disk
//! (`sync_all`) and then renamed over the target; a failure at any step
//! removes the temporary file and leaves the target as it was. The
//! temporary file's name holds the process id and a counter, and it is
//! created exclusively, so that writers running at once never share one.
//! The target keeps its permissions.
//!
//! Symbolic links: a link to an existing file is followed, and the file it
//! names is replaced (the link stays a link); a link whose target does not
//! exist (or cannot be followed) is refused, [`WriteError::DanglingLink`],
//! rather than creating a file wherever it points. A target that exists
//! and is not a regular file (`/dev/null`, a pipe, a terminal), and any path
//! under `/dev/`, cannot be replaced and is written directly.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use dsmc::diagnostic::Diagnostic;

/// Numbers the temporary files of this process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Why a file could not be written.
#[derive(Debug)]
pub enum WriteError {
    /// `link` is a symbolic link whose target does not exist or cannot be
    /// followed; `target` is what it points to, when it can be read.
    DanglingLink {
        link: PathBuf,
        target: Option<PathBuf>,
        error: io::Error,
    },
    /// A step of the write failed.
    Io(io::Error),
}

impl WriteError {
    /// The diagnostic for a failed write of `path`: `dsmc::cli::dangling_link`
    /// for a link to nothing, `io_code` (e.g. `dsmc::cli::cannot_write`)
    /// for everything else. `what` names the file in words ("the report").
    pub fn to_diagnostic(&self, io_code: &'static str, what: &str, path: &Path) -> Diagnostic {
        match self {
            WriteError::DanglingLink {
                link,
                target,
                error,
            } => {
                let points_to = match target {
                    Some(target) => format!(" to `{}`", target.display()),
                    None => String::new(),
                };
                let why = if error.kind() == io::ErrorKind::NotFound {
                    "which does not exist".to_string()
                } else {
                    format!("which cannot be followed: {error}")
                };
                Diagnostic::error(
                    "dsmc::cli::dangling_link",
                    format!(
                        "cannot write {what} `{}`: `{}` is a symbolic link{points_to}, {why}",
                        path.display(),
                        link.display()
                    ),
                )
                .help(
                    "dsmc does not create files through a dangling link: create the file it \
                     points to, or remove the link",
                )
            }
            WriteError::Io(e) => Diagnostic::error(
                io_code,
                format!("cannot write {what} `{}`: {e}", path.display()),
            ),
        }
    }
}

impl From<io::Error> for WriteError {
    fn from(e: io::Error) -> WriteError {
        WriteError::Io(e)
    }
}

/// Where a write of a path lands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A regular file, or none yet: replaced by a rename. Symbolic links
    /// are resolved.
    Replace(PathBuf),
    /// A device, a pipe or another special file: written in place.
    Direct(PathBuf),
}

/// Where writing `path` would land; refuses a dangling symbolic link.
pub fn target(path: &Path) -> Result<Target, WriteError> {
    if path.starts_with("/dev") {
        return Ok(Target::Direct(path.to_path_buf()));
    }
    let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    match fs::metadata(path) {
        Ok(meta) if !meta.is_file() && !meta.is_dir() => Ok(Target::Direct(path.to_path_buf())),
        // A directory: the rename fails, and says so.
        Ok(meta) if meta.is_dir() => Ok(Target::Replace(path.to_path_buf())),
        Ok(_) if is_link => match fs::canonicalize(path) {
            Ok(resolved) => Ok(Target::Replace(resolved)),
            // The link resolves to a file that has no path of its own (a
            // `/proc` magic link): write it as it is.
            Err(_) => Ok(Target::Direct(path.to_path_buf())),
        },
        Ok(_) => Ok(Target::Replace(path.to_path_buf())),
        Err(error) if is_link => Err(WriteError::DanglingLink {
            link: path.to_path_buf(),
            target: fs::read_link(path).ok(),
            error,
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Target::Replace(path.to_path_buf())),
        Err(e) => Err(WriteError::Io(e)),
    }
}

/// Replaces the file at `path` with `contents` (see the module's doc).
pub fn write(path: &Path, contents: &[u8]) -> Result<(), WriteError> {
    write_with(path, &mut |file| file.write_all(contents))
}

/// Replaces the file at `path` with what `contents` writes into the
/// writer it is given: [`write`] for contents made as they are written
/// (a checkpoint of gigabytes is never held whole in memory).
pub fn write_with(
    path: &Path,
    contents: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
) -> Result<(), WriteError> {
    match target(path)? {
        Target::Direct(path) => {
            let mut file = OpenOptions::new().write(true).truncate(true).open(&path)?;
            contents(&mut file)?;
            file.flush()?;
            Ok(())
        }
        Target::Replace(path) => replace(&path, contents).map_err(WriteError::Io),
    }
}

/// Writes `contents` to a temporary file beside `path` and renames it over
/// `path`; on failure removes the temporary file.
fn replace(
    path: &Path,
    contents: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    // The target's permissions, when it exists; a new file gets the
    // default ones (0o666 less the umask), as `File::create` gives.
    let permissions = fs::metadata(path).ok().map(|m| m.permissions());
    let (temp_path, mut file) = create_temp(dir)?;
    let result = (|| {
        contents(&mut file)?;
        if let Some(permissions) = permissions {
            file.set_permissions(permissions)?;
        }
        file.sync_all()?;
        drop(file);
        fs::rename(&temp_path, path)
    })();
    match result {
        Ok(()) => {
            sync_dir(dir);
            Ok(())
        }
        Err(e) => {
            let _ = fs::remove_file(&temp_path);
            Err(e)
        }
    }
}

/// Creates a new temporary file in `dir`: `.dsmc-PID-N.tmp`, a name no
/// other writer uses (created exclusively; a name taken, by a process of
/// the same id in another PID namespace, is skipped).
fn create_temp(dir: &Path) -> io::Result<(PathBuf, File)> {
    let pid = std::process::id();
    let mut tries = 0;
    loop {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp_path = dir.join(format!(".dsmc-{pid}-{n}.tmp"));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp_path)
        {
            Ok(file) => return Ok((temp_path, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && tries < 100 => tries += 1,
            Err(e) => return Err(e),
        }
    }
}

/// Flushes the directory entry of a rename to disk, so that the new file is
/// there after a crash. Best effort: not every system opens directories.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// A path that names the same file as `path` whenever the two would be
/// written to the same place: the canonical path of an existing file, or
/// of a new file's directory joined with its name (through a dangling
/// link, where the link points). For comparing an output path with the
/// inputs.
pub fn identity(path: &Path) -> PathBuf {
    identity_within(path, 40)
}

/// [`identity`], following at most `links` dangling links (a loop of them
/// ends).
fn identity_within(path: &Path, links: u32) -> PathBuf {
    if let Ok(canonical) = fs::canonicalize(path) {
        return canonical;
    }
    if links > 0
        && let Ok(link) = fs::read_link(path)
    {
        let dir = path.parent().unwrap_or(Path::new(""));
        return identity_within(&dir.join(link), links - 1);
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (absolute.parent(), absolute.file_name()) {
        (Some(dir), Some(name)) => match fs::canonicalize(dir) {
            Ok(dir) => dir.join(name),
            Err(_) => absolute.clone(),
        },
        _ => absolute,
    }
}
