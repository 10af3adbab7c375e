//! What several integration tests share.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output};

/// `twinbuild ARGS` under `sh -c 'ulimit -v <2 GiB>; exec ...'` (NO_COLOR;
/// in `dir` when given): its output. Killed by a signal (a panic's abort,
/// an allocation failing under the limit) fails the test.
pub fn twinbuild_under_2gib<S: AsRef<OsStr>>(args: &[S], dir: Option<&Path>) -> Output {
    let bin = assert_cmd::cargo::cargo_bin("twinbuild");
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(r#"ulimit -v 2097152 || exit 99; exec "$@""#)
        .arg("sh")
        .arg(&bin)
        .args(args)
        .env("NO_COLOR", "1");
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    let out = cmd.output().expect("run twinbuild under sh");
    let what: Vec<_> = args.iter().map(|a| a.as_ref().to_string_lossy()).collect();
    match out.status.code() {
        None => panic!(
            "{what:?}: killed by a signal under a 2 GiB limit: {:?}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ),
        Some(99) => panic!("ulimit -v is not available"),
        Some(_) => out,
    }
}
