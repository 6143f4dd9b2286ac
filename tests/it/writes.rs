//! Every file the binary writes is written safely (issue 23): the lockfile
//! under `--update-lock` (read-merge-write under a file lock, so jobs
//! running at once lose no entry; duplicates refused; dangling links
//! refused), `dsmc fmt` and `--report` (a temporary file renamed into
//! place, the target's permissions kept; a report never overwrites an
//! input). A failed write leaves the old file as it was: the failure is
//! made real with a file-size limit (`ulimit -f`, which binds root too),
//! under which writing the new contents fails with `EFBIG`.

use crate::run::{dsmc_command_in, dsmc_in, root, scratch_dir, stderr, stdout};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

/// Runs dsmc under a file-size limit of one block (512 or 1,024 bytes,
/// as the shell counts), with SIGXFSZ ignored so that a write past the
/// limit fails with `EFBIG` instead of killing the process (an ignored
/// signal stays ignored across `exec`).
fn dsmc_with_tiny_file_limit(dir: &Path, args: &[&str]) -> Output {
    let mut script = format!(
        "trap '' XFSZ; ulimit -f 1; exec '{}'",
        env!("CARGO_BIN_EXE_dsmc")
    );
    for arg in args {
        script.push_str(&format!(" '{arg}'"));
    }
    Command::new("sh")
        .args(["-c", &script])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("sh runs")
}

/// Stderr with miette's line wrapping undone: words separated by single
/// spaces, the continuation bars dropped.
fn stderr_words(output: &Output) -> String {
    stderr(output)
        .split_whitespace()
        .filter(|word| *word != "│")
        .collect::<Vec<_>>()
        .join(" ")
}

fn copy_spec(from: &str, to: &Path) {
    std::fs::copy(root().join(from), to).expect("can copy the spec");
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The temporary files dsmc left in `dir` (there should be none).
fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("can list the directory")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".tmp"))
        .collect()
}

/// Small specs whose checks pass, each explored in a few milliseconds.
const SMALL_SPECS: [&str; 4] = [
    "specs/2pc.ds",
    "specs/ping_pong.ds",
    "specs/2pc_eager_commit.ds",
    "specs/two_generals.ds",
];

// ------------------------------------------------------------- the lock

/// Four jobs update one lockfile at once, each with a spec of its own, for
/// several rounds: every entry is there at the end. Before the lockfile
/// was updated under a file lock, each job wrote back what it read at its
/// start plus its own entry, and all but the last writer's entries of a
/// round were lost almost every time.
#[test]
fn concurrent_updates_lose_no_entry() {
    let dir = scratch_dir("writes", "concurrent_updates");
    let rounds = 8;
    let mut expected = Vec::new();
    for round in 0..rounds {
        // The first round creates the lock: the jobs also race to create it.
        let jobs: Vec<_> = SMALL_SPECS
            .iter()
            .enumerate()
            .map(|(j, spec)| {
                let name = format!("round{round}_job{j}.ds");
                copy_spec(spec, &dir.join(&name));
                expected.push(name.clone());
                dsmc_command_in(&dir, &["check", "--update-lock", &name])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("the dsmc binary starts")
            })
            .collect();
        for job in jobs {
            let output = job.wait_with_output().expect("the job ends");
            assert_eq!(
                output.status.code(),
                Some(0),
                "round {round}: {}{}",
                stdout(&output),
                stderr(&output)
            );
            assert!(stdout(&output).contains("dsmc.lock: updated (0 changed, 1 added"));
        }
        let lock = read(&dir.join("dsmc.lock"));
        for name in &expected {
            assert!(
                lock.contains(&format!("path = \"{name}\"")),
                "round {round}: `{name}` was lost:\n{lock}"
            );
        }
        assert_eq!(lock.matches("[[spec]]").count(), expected.len(), "{lock}");
    }
    assert_eq!(temp_files(&dir), Vec::<String>::new());
    // The lock reads back whole: every spec as recorded.
    let output = dsmc_in(&dir, &["check", "--lock", "."]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(
        stdout(&output).contains(&format!("dsmc.lock: {} as recorded", rounds * 4)),
        "{}",
        stdout(&output)
    );
}

/// Two entries for one spec and set of overrides: which one a check would
/// compare with is an accident of order, so the lock is refused, pointing
/// at both, and `--update-lock` leaves it alone.
#[test]
fn duplicate_entries_are_an_error() {
    let dir = scratch_dir("writes", "duplicate_entries");
    copy_spec("specs/2pc.ds", &dir.join("2pc.ds"));
    let output = dsmc_in(&dir, &["check", "--update-lock", "2pc.ds"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let lock = read(&dir.join("dsmc.lock"));
    let entry = &lock[lock.find("[[spec]]").expect("an entry")..];
    // The same spec under other overrides is another entry, not a duplicate.
    let other = entry.replace(
        "path = \"2pc.ds\"",
        "path = \"2pc.ds\"\ndefines = [\"N=4\"]",
    );
    let doubled = format!("{lock}\n{other}\n{entry}");
    std::fs::write(dir.join("dsmc.lock"), &doubled).expect("can write the lock");
    for args in [
        &["check", "--lock", "2pc.ds"][..],
        &["check", "--update-lock", "2pc.ds"],
    ] {
        let output = dsmc_in(&dir, args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let err = stderr_words(&output);
        assert!(err.contains("dsmc::lock::duplicate"), "{err}");
        assert!(
            err.contains("× `dsmc.lock` has two entries for `2pc.ds`"),
            "{err}"
        );
        assert!(err.contains("the first entry"), "{err}");
        assert!(err.contains("the second entry"), "{err}");
        assert!(err.contains("[dsmc.lock:"), "{err}");
        assert!(stdout(&output).is_empty(), "nothing is checked");
        assert_eq!(read(&dir.join("dsmc.lock")), doubled);
    }
    let output = dsmc_in(
        &dir,
        &["check", "--lock", "--message-format", "json", "2pc.ds"],
    );
    let json: serde_json::Value =
        serde_json::from_str(stdout(&output).trim()).expect("one JSON diagnostic");
    assert_eq!(json["code"], "dsmc::lock::duplicate");
    assert_eq!(json["labels"].as_array().map(Vec::len), Some(2));
}

/// A lock path that is a symbolic link to a file is written through: the
/// file it names gets the new entries and the link stays a link. A link
/// to nothing is refused before any spec is checked, and nothing is
/// created where it points.
#[test]
fn a_dangling_link_is_not_written_through() {
    let dir = scratch_dir("writes", "dangling_link");
    copy_spec("specs/2pc.ds", &dir.join("2pc.ds"));
    std::os::unix::fs::symlink("missing/real.lock", dir.join("dangling.lock"))
        .expect("can make a link");
    let output = dsmc_in(
        &dir,
        &["check", "--lock=dangling.lock", "--update-lock", "2pc.ds"],
    );
    assert_eq!(output.status.code(), Some(2));
    let err = stderr_words(&output);
    assert!(err.contains("dsmc::cli::dangling_link"), "{err}");
    assert!(
        err.contains(
            "`dangling.lock` is a symbolic link to `missing/real.lock`, which does not exist"
        ),
        "{err}"
    );
    assert!(stdout(&output).is_empty(), "refused before checking");
    assert!(!dir.join("missing").exists());
    // Comparing with a lock that is not there is still only drift.
    let output = dsmc_in(&dir, &["check", "--lock=dangling.lock", "2pc.ds"]);
    assert_eq!(output.status.code(), Some(1));
    // The report too.
    let output = dsmc_in(&dir, &["check", "--report", "dangling.lock", "2pc.ds"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("dsmc::cli::dangling_link"));
    assert!(!dir.join("missing").exists());

    // A link to an existing lock: the lock is updated, the link kept.
    std::fs::create_dir(dir.join("ci")).expect("can create ci/");
    let output = dsmc_in(
        &dir,
        &["check", "--lock=ci/real.lock", "--update-lock", "2pc.ds"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    std::os::unix::fs::symlink("ci/real.lock", dir.join("live.lock")).expect("can make a link");
    let output = dsmc_in(
        &dir,
        &[
            "check",
            "--lock=live.lock",
            "--update-lock",
            "-D",
            "N=2",
            "2pc.ds",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let link = std::fs::symlink_metadata(dir.join("live.lock")).expect("the link");
    assert!(link.file_type().is_symlink());
    let lock = read(&dir.join("ci/real.lock"));
    assert!(lock.contains("defines = [\"N=2\"]"), "{lock}");
    assert_eq!(lock.matches("[[spec]]").count(), 2, "{lock}");
    assert_eq!(temp_files(&dir.join("ci")), Vec::<String>::new());
}

/// A lockfile whose new text cannot be written (the file-size limit stops
/// the temporary file) stays as it was, byte for byte; no temporary file
/// is left; the run fails with exit 2 and never says "updated". A lock
/// that did not exist is not left behind half-made (nor empty).
#[test]
fn a_failed_lock_write_keeps_the_old_lock() {
    let dir = scratch_dir("writes", "failed_lock_write");
    for (i, spec) in SMALL_SPECS.iter().enumerate() {
        copy_spec(spec, &dir.join(format!("s{i}.ds")));
    }
    let output = dsmc_in(&dir, &["check", "--update-lock", "s0.ds", "s1.ds", "s3.ds"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let old = read(&dir.join("dsmc.lock"));
    // The new text is larger than the limit, whichever the shell's block.
    assert!(old.len() > 1024, "{}", old.len());
    let output = dsmc_with_tiny_file_limit(&dir, &["check", "--update-lock", "s2.ds"]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let err = stderr_words(&output);
    assert!(err.contains("dsmc::lock::cannot_write"), "{err}");
    assert!(
        err.contains("cannot write the lockfile `dsmc.lock`"),
        "{err}"
    );
    let out = stdout(&output);
    assert!(
        out.contains("dsmc.lock: not updated (0 changed, 1 not in the lock, 0 as recorded)"),
        "{out}"
    );
    assert!(!out.contains(": updated"), "{out}");
    assert_eq!(read(&dir.join("dsmc.lock")), old);
    assert_eq!(temp_files(&dir), Vec::<String>::new());

    // No lock before: none after.
    std::fs::remove_file(dir.join("dsmc.lock")).expect("can remove the lock");
    let output = dsmc_with_tiny_file_limit(&dir, &["check", "--update-lock", "."]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert!(!dir.join("dsmc.lock").exists());
    assert_eq!(temp_files(&dir), Vec::<String>::new());
}

// ----------------------------------------------------------- the report

/// `--report` naming an input spec, however spelled (another path to it, a
/// link to it, a spec found by a pattern) or the lockfile is refused
/// before anything is checked, and the file is unchanged.
#[test]
fn a_report_never_overwrites_an_input() {
    let dir = scratch_dir("writes", "report_onto_input");
    std::fs::create_dir(dir.join("specs")).expect("can create specs/");
    copy_spec("specs/2pc.ds", &dir.join("specs/2pc.ds"));
    copy_spec("specs/ping_pong.ds", &dir.join("specs/ping_pong.ds"));
    std::os::unix::fs::symlink("specs/ping_pong.ds", dir.join("link.ds")).expect("a link");
    let spec_before = read(&dir.join("specs/ping_pong.ds"));
    for (report, inputs) in [
        ("specs/ping_pong.ds", &["specs/ping_pong.ds"][..]),
        ("./specs/../specs/ping_pong.ds", &["specs/*.ds"]),
        ("link.ds", &["specs"]),
        ("specs/ping_pong.ds", &["specs/2pc.ds", "link.ds"]),
    ] {
        let mut args = vec!["check", "--report", report];
        args.extend(inputs);
        let output = dsmc_in(&dir, &args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let err = stderr_words(&output);
        assert!(err.contains("dsmc::cli::report_overwrites_input"), "{err}");
        assert!(
            err.contains(&format!("`--report {report}` would overwrite")),
            "{err}"
        );
        assert!(err.contains("a spec this run checks"), "{err}");
        assert!(
            err.contains("help: give the HTML report a file of its own"),
            "{err}"
        );
        assert!(stdout(&output).is_empty(), "refused before checking");
        assert_eq!(read(&dir.join("specs/ping_pong.ds")), spec_before);
    }
    // The lockfile, existing or about to be created.
    for lock_exists in [false, true] {
        if lock_exists {
            let output = dsmc_in(&dir, &["check", "--update-lock", "specs/2pc.ds"]);
            assert_eq!(output.status.code(), Some(0));
        }
        let output = dsmc_in(
            &dir,
            &[
                "check",
                "--update-lock",
                "--report",
                "dsmc.lock",
                "specs/2pc.ds",
            ],
        );
        assert_eq!(output.status.code(), Some(2));
        let err = stderr_words(&output);
        assert!(
            err.contains(
                "`--report dsmc.lock` would overwrite `dsmc.lock`, the lockfile of this run"
            ),
            "{err}"
        );
        assert_eq!(dir.join("dsmc.lock").exists(), lock_exists);
    }
    // A file of its own is written, with no temporary file left.
    let output = dsmc_in(&dir, &["check", "--report", "report.html", "specs"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(read(&dir.join("report.html")).starts_with("<!DOCTYPE html>"));
    assert_eq!(temp_files(&dir), Vec::<String>::new());
}

/// A report rewritten over an older one keeps the older file's
/// permissions; one that cannot be written leaves the older one whole.
#[test]
fn a_report_is_replaced_whole_or_not_at_all() {
    let dir = scratch_dir("writes", "report_replaced");
    copy_spec("specs/2pc.ds", &dir.join("2pc.ds"));
    let old = "<!DOCTYPE html><p>the last run's report</p>\n";
    std::fs::write(dir.join("report.html"), old).expect("can write");
    let mode = 0o640;
    std::fs::set_permissions(
        dir.join("report.html"),
        std::fs::Permissions::from_mode(mode),
    )
    .expect("can chmod");
    let output = dsmc_with_tiny_file_limit(&dir, &["check", "--report", "report.html", "2pc.ds"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr_words(&output);
    assert!(err.contains("dsmc::cli::cannot_write"), "{err}");
    assert!(
        err.contains("cannot write the report `report.html`"),
        "{err}"
    );
    assert_eq!(read(&dir.join("report.html")), old);
    assert_eq!(temp_files(&dir), Vec::<String>::new());
    let output = dsmc_in(&dir, &["check", "--report", "report.html", "2pc.ds"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(read(&dir.join("report.html")).contains("2pc.ds"));
    let meta = std::fs::metadata(dir.join("report.html")).expect("the report");
    assert_eq!(meta.permissions().mode() & 0o777, mode);
}

// ------------------------------------------------------------------ fmt

/// The spec `specs/two_generals.ds` with every indentation doubled: `fmt`
/// gives the original back.
fn messy_spec() -> String {
    read(&root().join("specs/two_generals.ds")).replace("\n  ", "\n      ")
}

/// `dsmc fmt` still formats in place, keeps the file's permissions, and
/// through a link formats the file the link names (the link stays a link).
#[test]
fn fmt_keeps_permissions_and_links() {
    let dir = scratch_dir("writes", "fmt_permissions");
    let formatted = read(&root().join("specs/two_generals.ds"));
    let spec = dir.join("spec.ds");
    std::fs::write(&spec, messy_spec()).expect("can write");
    let mode = 0o640;
    std::fs::set_permissions(&spec, std::fs::Permissions::from_mode(mode)).expect("can chmod");
    let output = dsmc_in(&dir, &["fmt", "spec.ds"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "formatted spec.ds\n");
    assert_eq!(read(&spec), formatted);
    let meta = std::fs::metadata(&spec).expect("the spec");
    assert_eq!(meta.permissions().mode() & 0o777, mode);

    std::fs::write(&spec, messy_spec()).expect("can write");
    std::os::unix::fs::symlink("spec.ds", dir.join("link.ds")).expect("can make a link");
    let output = dsmc_in(&dir, &["fmt", "link.ds"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(read(&spec), formatted);
    let link = std::fs::symlink_metadata(dir.join("link.ds")).expect("the link");
    assert!(link.file_type().is_symlink());
    assert_eq!(temp_files(&dir), Vec::<String>::new());
}

/// A spec that `fmt` cannot write back (the file-size limit stops the
/// temporary file) is left as it was: a full disk no longer truncates it.
#[test]
fn a_failed_fmt_write_keeps_the_spec() {
    let dir = scratch_dir("writes", "fmt_failed_write");
    let messy = messy_spec();
    assert!(messy.len() > 1024);
    std::fs::write(dir.join("spec.ds"), &messy).expect("can write");
    let output = dsmc_with_tiny_file_limit(&dir, &["fmt", "spec.ds"]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let err = stderr_words(&output);
    assert!(err.contains("dsmc::cli::cannot_write"), "{err}");
    assert!(
        err.contains("cannot write the formatted spec `spec.ds`"),
        "{err}"
    );
    assert!(!stdout(&output).contains("formatted"));
    assert_eq!(read(&dir.join("spec.ds")), messy);
    assert_eq!(temp_files(&dir), Vec::<String>::new());
}
