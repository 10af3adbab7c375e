//! `twinbuild verify` when the builds go wrong, through the real binary:
//! each ends with exit 2, one clear message, and no temp dir left behind.
//! The builds here are `--build-cmd` shell commands, so no Go compile is
//! needed; what is under test is the harness around them.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn twinbuild() -> Command {
    Command::new(env!("CARGO_BIN_EXE_twinbuild"))
}

/// A source tree with a go.mod and one file, plus a private TMPDIR, so the
/// test can see what twinbuild leaves behind.
struct Sandbox {
    root: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let root = tempfile::tempdir().unwrap();
        let src = root.path().join("src");
        std::fs::create_dir_all(&src).unwrap();
        std::fs::write(src.join("go.mod"), "module example.com/faults\n\ngo 1.22\n").unwrap();
        std::fs::write(src.join("payload.txt"), "the artifact\n").unwrap();
        std::fs::create_dir_all(root.path().join("tmp")).unwrap();
        Sandbox { root }
    }
    fn src(&self) -> std::path::PathBuf {
        self.root.path().join("src")
    }
    fn tmp(&self) -> std::path::PathBuf {
        self.root.path().join("tmp")
    }
    fn verify(&self, build_cmd: &str, extra: &[&str]) -> Command {
        let mut c = twinbuild();
        c.arg("verify")
            .arg(self.src())
            .args(["--build-cmd", build_cmd, "--artifact", "bin/app"])
            .args(extra)
            .env("TMPDIR", self.tmp())
            .stdin(Stdio::null());
        c
    }
    /// Nothing of twinbuild's is left in TMPDIR.
    fn assert_clean(&self) {
        let left: Vec<_> = std::fs::read_dir(self.tmp())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(left.is_empty(), "temp dirs left behind: {left:?}");
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_build_that_fails_in_one_workdir_only_stops_the_run() {
    let s = Sandbox::new();
    // Fails in the lhs workdir (its path has /lhs/), succeeds in the rhs.
    let cmd = "case \"$PWD\" in */lhs/*) echo 'boom: only here' >&2; exit 3;; esac; mkdir -p bin && cp payload.txt bin/app";
    let o = s.verify(cmd, &[]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.starts_with("twinbuild: error: lhs build failed"),
        "{err}"
    );
    assert!(
        err.contains("boom: only here"),
        "the build output is shown: {err}"
    );
    // Where it ran, and that the other side built: a failure of the copies is not the user's.
    let tmp = std::fs::canonicalize(s.tmp()).unwrap();
    let lhs = format!("a copy of your tree at {}/twinbuild_", tmp.display());
    assert!(err.contains(&lhs), "{err}");
    assert!(err.contains("/lhs/src (a temp path"), "{err}");
    assert!(
        err.contains("the rhs build, in ") && err.contains("/rhs_build/work/tree/src, succeeded"),
        "{err}"
    );
    s.assert_clean();
}

#[test]
fn a_build_that_fails_on_both_sides_says_so_and_names_the_copies() {
    let s = Sandbox::new();
    let o = s.verify("echo 'boom' >&2; exit 3", &[]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.starts_with("twinbuild: error: lhs build failed"),
        "{err}"
    );
    assert!(err.contains("not in your checkout"), "{err}");
    assert!(
        err.contains("the rhs build, in ") && err.contains("failed too"),
        "{err}"
    );
    assert!(
        !err.contains("refuses in #cgo"),
        "twinbuild's own paths are accepted by the go command: {err}"
    );
    s.assert_clean();

    // A TMPDIR with `-` in its path: the message says why a cgo build may fail there.
    let dashed = s.root.path().join("my-tmp");
    std::fs::create_dir_all(&dashed).unwrap();
    let o = s
        .verify("exit 3", &[])
        .env("TMPDIR", &dashed)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("refuses in #cgo -D values") && err.contains("set TMPDIR"),
        "{err}"
    );
}

#[test]
fn a_hanging_build_is_killed_at_the_timeout() {
    let s = Sandbox::new();
    let start = Instant::now();
    let o = s.verify("sleep 60", &["--timeout", "2"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("timed out after 2s"), "{}", stderr(&o));
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "took {:?}",
        start.elapsed()
    );
    s.assert_clean();
}

#[test]
fn sigterm_during_the_builds_ends_them_and_removes_the_temp_dirs() {
    for signal in [
        nix::sys::signal::Signal::SIGTERM,
        nix::sys::signal::Signal::SIGINT,
    ] {
        let s = Sandbox::new();
        let marker = s.root.path().join("started");
        let cmd = format!(
            "touch {}; sleep 60; mkdir -p bin && cp payload.txt bin/app",
            marker.display()
        );
        let child = s
            .verify(&cmd, &[])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        while !marker.exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(marker.exists(), "the build command never started");
        let pid = nix::unistd::Pid::from_raw(child.id() as i32);
        nix::sys::signal::kill(pid, signal).unwrap();
        let start = Instant::now();
        let o = child.wait_with_output().unwrap();
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{signal}: took {:?} to stop",
            start.elapsed()
        );
        assert_eq!(o.status.code(), Some(2), "{signal}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("interrupted"),
            "{signal}: {}",
            stderr(&o)
        );
        s.assert_clean();
    }
}

#[test]
fn without_go_on_path_verify_says_so() {
    let s = Sandbox::new();
    let empty = s.root.path().join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    let o = twinbuild()
        .arg("verify")
        .arg(s.src())
        .env("PATH", &empty)
        .env("TMPDIR", s.tmp())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no `go` command found"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stderr(&o).lines().count(), 1, "one line: {}", stderr(&o));
    s.assert_clean();
}

#[test]
fn a_missing_source_dir_is_a_usage_error() {
    let o = twinbuild()
        .args(["verify", "/nonexistent/twinbuild-source"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with("twinbuild: error:"),
        "{}",
        stderr(&o)
    );
    assert!(
        !Path::new("/nonexistent/twinbuild-source").exists(),
        "nothing was created"
    );
}
