//! Running the dsmc binary from the tests: what the modules of this test
//! binary share.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::json_schema;

/// The crate's root, where the specs' paths in the tests resolve.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The binary with `args`, run from the crate's root.
pub fn dsmc_command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dsmc"));
    command.args(args).current_dir(root());
    command
}

/// The binary with `args`, run in `dir` without colour.
pub fn dsmc_command_in(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dsmc"));
    command.args(args).current_dir(dir).env("NO_COLOR", "1");
    command
}

/// Runs dsmc from the crate's root; any JSON it prints must validate
/// against docs/schema/.
pub fn dsmc(args: &[&str]) -> Output {
    let output = dsmc_command(args).output().expect("the dsmc binary runs");
    json_schema::assert_valid_output(args, &output.stdout);
    output
}

/// Runs dsmc in `dir` without colour; any JSON it prints must validate
/// against docs/schema/.
pub fn dsmc_in(dir: &Path, args: &[&str]) -> Output {
    let output = dsmc_command_in(dir, args)
        .output()
        .expect("the dsmc binary runs");
    json_schema::assert_valid_output(args, &output.stdout);
    output
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A fresh directory for one test of `module`, so that tests running at
/// once never share files.
pub fn scratch_dir(module: &str, test_name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(module)
        .join(test_name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("can create a scratch directory");
    dir
}
