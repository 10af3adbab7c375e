//! The build harness against the real Go toolchain.
//!
//! Go builds from an empty cache take 10-25 s, so the tests that are not about
//! cache isolation share one `--cache-dir` under the target dir (still one
//! cache per side). The source trees are tiny programs that import nothing
//! beyond the runtime.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use twinbuild::harness::own_tree::OwnTree;
use twinbuild::harness::{
    cleanup, BuildError, BuildPair, BuildRequest, Builder, FakeBuilder, GoBuilder, NoProgress,
    Profile, Side, REDACTED,
};

/// One cache dir for all tests that do not test cache isolation.
fn shared_cache() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("twinbuild-build-cache")
}

fn local_go_version() -> String {
    let out = Command::new("go")
        .args(["env", "GOVERSION"])
        .env("GOTOOLCHAIN", "local")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A module that imports nothing: `println` needs only the runtime.
fn tiny_module(dir: &Path, toolchain_line: Option<&str>) {
    std::fs::create_dir_all(dir).unwrap();
    let mut go_mod = "module example.com/tiny\n\ngo 1.26\n".to_string();
    if let Some(t) = toolchain_line {
        go_mod.push_str(&format!("\ntoolchain {t}\n"));
    }
    std::fs::write(dir.join("go.mod"), go_mod).unwrap();
    std::fs::write(
        dir.join("main.go"),
        "package main\n\nvar date = \"unset\"\n\nfunc main() { println(\"tiny\", date) }\n",
    )
    .unwrap();
}

fn request(dir: &Path) -> BuildRequest {
    let mut r = BuildRequest::new(dir);
    r.cache_dir = Some(shared_cache());
    r.timeout = Duration::from_secs(300);
    r
}

fn build(req: &BuildRequest) -> Result<BuildPair, BuildError> {
    GoBuilder::new().build(req, &NoProgress)
}

fn sha256(p: &Path) -> String {
    format!("{:x}", Sha256::digest(std::fs::read(p).unwrap()))
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// A digest of a whole tree: paths, kinds, modes, contents, link targets.
fn tree_digest(root: &Path) -> String {
    use std::os::unix::fs::PermissionsExt;
    let mut h = Sha256::new();
    let mut stack = vec![root.to_path_buf()];
    let mut entries = Vec::new();
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let m = std::fs::symlink_metadata(&p).unwrap();
            if m.is_dir() {
                stack.push(p.clone());
            }
            entries.push((p, m));
        }
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (p, m) in entries {
        h.update(p.strip_prefix(root).unwrap().to_string_lossy().as_bytes());
        h.update(m.permissions().mode().to_le_bytes());
        if m.is_file() {
            h.update(std::fs::read(&p).unwrap());
        } else if m.file_type().is_symlink() {
            h.update(std::fs::read_link(&p).unwrap().to_string_lossy().as_bytes());
        }
    }
    format!("{:x}", h.finalize())
}

fn git(dir: &Path, args: &[&str]) {
    let st = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@t")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@t")
        .status()
        .unwrap();
    assert!(st.success(), "git {args:?}");
}

#[test]
fn release_builds_of_a_tiny_module_are_identical_and_leave_the_source_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("tiny");
    let version = local_go_version();
    tiny_module(&src, Some(&version));
    std::os::unix::fs::symlink("main.go", src.join("link-to-main.go.txt")).unwrap();
    let before = tree_digest(&src);

    let pair = build(&request(&src)).unwrap();
    assert_eq!(
        sha256(&pair.lhs.artifact),
        sha256(&pair.rhs.artifact),
        "release builds must be identical"
    );
    assert_eq!(tree_digest(&src), before, "the source tree must not change");

    // The toolchain is pinned by go.mod and both sides report it.
    assert!(pair.toolchain.pinned);
    assert_eq!(pair.toolchain.source, "go.mod");
    assert_eq!(pair.lhs.env["GOTOOLCHAIN"], version);
    assert_eq!(pair.lhs.go_env["GOVERSION"], version);
    assert!(
        pair.lhs.go_version.contains(&version),
        "{}",
        pair.lhs.go_version
    );
    assert_eq!(pair.lhs.go_env["CGO_ENABLED"], "0");
    // Nothing inherited: the machine has GOFLAGS=-buildvcs=false and GOTOOLCHAIN=local set.
    assert_eq!(pair.lhs.env["GOFLAGS"], "-mod=readonly");
    assert_eq!(pair.lhs.env["GOENV"], "off");
    assert_eq!(pair.lhs.env["GOWORK"], "off");
    assert!(
        !pair.lhs.env.contains_key("CARGO_TARGET_TMPDIR") && !pair.lhs.env.contains_key("USER")
    );
    assert!(pair.lhs.command.iter().any(|a| a == "-trimpath"));
    assert!(pair.lhs.command.iter().any(|a| a == "-ldflags=-buildid="));

    // The artifacts are outside the workdirs, and the sides' paths differ.
    assert!(!pair.lhs.artifact.starts_with(&pair.lhs.workdir));
    assert_ne!(
        pair.lhs.workdir.components().count(),
        pair.rhs.workdir.components().count()
    );
    assert_ne!(pair.lhs.env["HOME"], pair.rhs.env["HOME"]);
    assert_ne!(pair.lhs.env["GOMODCACHE"], pair.rhs.env["GOMODCACHE"]);
    assert_eq!(
        pair.lhs.env["GOCACHE"],
        shared_cache()
            .canonicalize()
            .unwrap()
            .join("lhs")
            .to_str()
            .unwrap()
    );
    assert_eq!(
        pair.rhs.env["GOCACHE"],
        shared_cache()
            .canonicalize()
            .unwrap()
            .join("rhs")
            .to_str()
            .unwrap()
    );
    // The link into the tree was copied as a link.
    assert_eq!(
        std::fs::read_link(pair.rhs.workdir.join("link-to-main.go.txt")).unwrap(),
        Path::new("main.go")
    );

    // Dropping the pair removes the temp dirs.
    let root = pair.workspace.path().unwrap().to_path_buf();
    assert!(pair.lhs.workdir.exists());
    drop(pair);
    assert!(!root.exists(), "temp root {} left behind", root.display());
}

#[test]
fn plain_builds_embed_the_workdirs_named_by_the_hints() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("tiny");
    tiny_module(&src, None);
    let mut req = request(&src);
    req.profile = Profile::Plain;
    req.jobs = 1;
    req.side_env
        .insert(Side::Lhs, vec![("GITHUB_TOKEN".into(), "hunter2".into())]);
    let pair = build(&req).unwrap();
    assert_ne!(sha256(&pair.lhs.artifact), sha256(&pair.rhs.artifact));
    assert!(!pair.toolchain.pinned);
    assert_eq!(pair.lhs.env["GOTOOLCHAIN"], "local");
    assert!(
        pair.notes
            .iter()
            .any(|n| n.starts_with("toolchain not pinned: built with the local go1.")),
        "{:?}",
        pair.notes
    );
    assert_eq!(pair.lhs.env["GOFLAGS"], "");
    assert_eq!(pair.lhs.env["GITHUB_TOKEN"], REDACTED);
    assert!(!pair
        .hints
        .hints
        .iter()
        .any(|h| h.variation == "GITHUB_TOKEN"));

    let workdir = pair
        .hints
        .hints
        .iter()
        .find(|h| h.variation == "workdir")
        .unwrap();
    assert_eq!(Path::new(&workdir.lhs), pair.lhs.workdir);
    let lhs = std::fs::read(&pair.lhs.artifact).unwrap();
    let rhs = std::fs::read(&pair.rhs.artifact).unwrap();
    assert!(contains(&lhs, &workdir.lhs) && !contains(&lhs, &workdir.rhs));
    assert!(contains(&rhs, &workdir.rhs));
}

#[test]
fn ldflags_and_side_env_reach_the_build() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("tiny");
    tiny_module(&src, None);
    let mut req = request(&src);
    req.ldflags = Some("-X main.date=2024-01-01".into());
    let pair = build(&req).unwrap();
    assert!(pair
        .lhs
        .command
        .iter()
        .any(|a| a == "-ldflags=-buildid= -X main.date=2024-01-01"));
    let out = Command::new(&pair.lhs.artifact).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "tiny 2024-01-01"
    );
}

#[test]
fn a_failing_build_reports_its_output() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("broken");
    tiny_module(&src, None);
    std::fs::write(
        src.join("main.go"),
        "package main\n\nfunc main() { var x int = \"nope\"; _ = x }\n",
    )
    .unwrap();
    match build(&request(&src)) {
        Err(BuildError::Failed {
            side,
            code,
            output,
            command,
            ..
        }) => {
            assert_eq!(side, "lhs");
            assert_eq!(code, "1");
            assert!(output.contains("cannot use \"nope\""), "{output}");
            // The go command's hash lines are recorded apart, not shown here.
            assert!(!output.contains("HASH"), "{output}");
            assert!(command.contains(" build -trimpath"), "{command}");
        }
        other => panic!("expected Failed, got {other:?}"),
    }
}

/// When both sides fail, the same go build is tried in the user's tree,
/// with the user's environment: a failure twinbuild made is told apart
/// from a build that is broken as it stands, and the tree is not touched.
#[test]
fn a_failure_on_both_sides_says_whether_the_users_tree_builds() {
    let tmp = tempfile::tempdir().unwrap();
    // Broken as it stands.
    let broken = tmp.path().join("broken");
    tiny_module(&broken, None);
    std::fs::write(
        broken.join("main.go"),
        "package main\n\nfunc main() { var x int = \"nope\"; _ = x }\n",
    )
    .unwrap();
    let before = tree_digest(&broken);
    match build(&request(&broken)) {
        Err(BuildError::Failed { built_in, .. }) => {
            assert!(
                matches!(&built_in.own_tree, Some(OwnTree::Fails(why)) if why.contains("nope")),
                "{:?}",
                built_in.own_tree
            );
            assert!(built_in.to_string().contains("fails in your tree too"));
        }
        other => panic!("expected Failed, got {other:?}"),
    }
    assert_eq!(tree_digest(&broken), before, "the tree is untouched");

    // Builds only with the user's GOFLAGS (a build tag), which twinbuild
    // does not pass on: the failure is twinbuild's.
    let tagged = tmp.path().join("tagged");
    tiny_module(&tagged, None);
    std::fs::write(
        tagged.join("main.go"),
        "package main\n\nfunc main() { println(helper()) }\n",
    )
    .unwrap();
    std::fs::write(
        tagged.join("helper.go"),
        "//go:build internal\n\npackage main\n\nfunc helper() string { return \"tagged\" }\n",
    )
    .unwrap();
    let before = tree_digest(&tagged);
    let mut env: Vec<(String, String)> = std::env::vars().collect();
    env.push(("GOFLAGS".into(), "-tags=internal".into()));
    match GoBuilder::with_env(env).build(&request(&tagged), &NoProgress) {
        Err(BuildError::Failed { built_in, .. }) => {
            assert_eq!(built_in.own_tree, Some(OwnTree::Builds));
            assert!(built_in
                .to_string()
                .contains("succeeds in your tree with your environment"));
        }
        other => panic!("expected Failed, got {other:?}"),
    }
    assert_eq!(tree_digest(&tagged), before, "the tree is untouched");
}

#[test]
fn a_build_command_that_runs_too_long_is_killed_with_its_children() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("slow");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(
        src.join("README"),
        "no go.mod: a build command does not need one\n",
    )
    .unwrap();
    let pidfile = tmp.path().join("sleep.pid");
    let mut req = request(&src);
    req.build_cmd = Some(format!("sleep 100 & echo $! > {}; wait", pidfile.display()));
    req.artifact = Some("bin/x".into());
    req.timeout = Duration::from_secs(1);
    req.jobs = 1;
    let t = Instant::now();
    match build(&req) {
        Err(BuildError::Timeout {
            side,
            secs,
            command,
        }) => {
            assert_eq!((side, secs), ("lhs", 1));
            assert!(command.starts_with("/bin/sh -c"), "{command}");
        }
        other => panic!("expected Timeout, got {other:?}"),
    }
    assert!(
        t.elapsed() < Duration::from_secs(20),
        "took {:?}",
        t.elapsed()
    );
    let pid = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .to_string();
    assert!(
        process_gone(&pid),
        "the build's child {pid} survived the timeout"
    );
}

/// True when the process no longer runs (gone, or a zombie waiting for its reaper).
fn process_gone(pid: &str) -> bool {
    for _ in 0..100 {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => return true,
            Ok(stat)
                if stat
                    .rsplit(')')
                    .next()
                    .is_some_and(|r| r.trim_start().starts_with('Z')) =>
            {
                return true
            }
            Ok(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    false
}

#[test]
fn a_build_command_builds_in_each_workdir() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("scripted");
    tiny_module(&src, None);
    std::fs::write(
        src.join("Makefile"),
        "bin/tiny:\n\tgo build -trimpath -ldflags=-buildid= -o bin/tiny .\n",
    )
    .unwrap();
    let mut req = request(&src);
    req.build_cmd = Some("make".into());
    req.artifact = Some("bin/tiny".into());
    let pair = build(&req).unwrap();
    assert_eq!(pair.lhs.artifact, pair.lhs.workdir.join("bin/tiny"));
    assert_eq!(sha256(&pair.lhs.artifact), sha256(&pair.rhs.artifact));
    assert_eq!(pair.lhs.command, ["/bin/sh", "-c", "make"]);
    assert!(
        !src.join("bin").exists(),
        "the build must not write into the source"
    );

    // A command that leaves nothing where --artifact says.
    req.build_cmd = Some("true".into());
    match build(&req) {
        Err(BuildError::NoArtifact { side: "lhs", path }) => assert!(path.ends_with("bin/tiny")),
        other => panic!("expected NoArtifact, got {other:?}"),
    }
}

#[test]
fn without_go_on_path_the_run_stops() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("tiny");
    tiny_module(&src, None);
    let empty = tmp.path().join("empty-bin");
    std::fs::create_dir(&empty).unwrap();
    let builder = GoBuilder::with_env([("PATH".to_string(), empty.to_string_lossy().into_owned())]);
    match builder.build(&request(&src), &NoProgress) {
        Err(BuildError::NoGo) => {}
        other => panic!("expected NoGo, got {other:?}"),
    }
}

#[test]
fn an_unavailable_toolchain_offline_is_a_one_line_toolchain_error() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("tiny");
    tiny_module(&src, None);
    let mut req = request(&src);
    req.toolchain = Some("go1.21.0".into());
    let t = Instant::now();
    match build(&req) {
        Err(e @ BuildError::Toolchain { .. }) => {
            let BuildError::Toolchain { version, reason } = &e else {
                unreachable!()
            };
            assert_eq!(version, "go1.21.0");
            assert!(!reason.contains('\n'), "{reason}");
            assert!(reason.contains("go1.21.0"), "{reason}");
            assert!(reason.contains("--allow-network"), "{reason}");
            assert!(!e.to_string().contains('\n'));
        }
        other => panic!("expected Toolchain, got {other:?}"),
    }
    assert!(t.elapsed() < Duration::from_secs(30));
}

#[test]
fn the_users_go_settings_are_not_inherited() {
    // GOFLAGS and GOTOOLCHAIN that would break or change the builds if inherited.
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("tiny");
    tiny_module(&src, None);
    let mut env: Vec<(String, String)> = std::env::vars().collect();
    env.push(("GOFLAGS".into(), "-toolexec=/bin/false".into()));
    env.push(("GOTOOLCHAIN".into(), "go1.21.0".into()));
    env.push(("CGO_ENABLED".into(), "1".into()));
    env.push(("AWS_SECRET_ACCESS_KEY".into(), "hunter2".into()));
    let pair = GoBuilder::with_env(env)
        .build(&request(&src), &NoProgress)
        .unwrap();
    assert_eq!(pair.lhs.env["GOFLAGS"], "-mod=readonly");
    assert_eq!(pair.lhs.env["GOTOOLCHAIN"], "local");
    assert_eq!(pair.lhs.env["CGO_ENABLED"], "0");
    assert!(!pair.lhs.env.contains_key("AWS_SECRET_ACCESS_KEY"));
    assert!(!pair.lhs.env.values().any(|v| v.contains("hunter2")));
}

#[test]
fn git_lhs_stamps_vcs_only_on_the_lhs() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("tiny");
    tiny_module(&src, None);
    let mut req = request(&src);
    req.git_lhs = true;
    let pair = build(&req).unwrap();
    let lhs = std::fs::read(&pair.lhs.artifact).unwrap();
    let rhs = std::fs::read(&pair.rhs.artifact).unwrap();
    // The machine's GOFLAGS=-buildvcs=false is not inherited: the git workdir gets stamped.
    assert!(contains(&lhs, "vcs.revision="), "lhs not VCS-stamped");
    assert!(!contains(&rhs, "vcs.revision="));
    assert!(contains(&lhs, "vcs.modified=false"));
    // The snapshot commit is deterministic: same tree, same fixed identity and date.
    let again = build(&req).unwrap();
    assert_eq!(sha256(&again.lhs.artifact), sha256(&pair.lhs.artifact));
}

#[test]
fn a_git_checkout_is_copied_so_both_sides_see_the_same_vcs_state() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("tiny");
    tiny_module(&src, None);
    git(&src, &["-c", "init.defaultBranch=main", "init", "-q"]);
    git(&src, &["add", "-A"]);
    git(&src, &["commit", "-q", "-m", "init"]);
    let before = tree_digest(&src);
    let pair = build(&request(&src)).unwrap();
    let lhs = std::fs::read(&pair.lhs.artifact).unwrap();
    assert!(contains(&lhs, "vcs.revision=") && contains(&lhs, "vcs.modified=false"));
    assert_eq!(sha256(&pair.lhs.artifact), sha256(&pair.rhs.artifact));
    assert!(
        pair.notes.iter().any(|n| n.contains(".git directory")),
        "{:?}",
        pair.notes
    );
    assert_eq!(
        tree_digest(&src),
        before,
        "git in the copies must not touch the user's repository"
    );
}

#[test]
fn kept_workdirs_survive_the_pair() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("tiny");
    tiny_module(&src, None);
    let mut req = request(&src);
    req.keep_workdirs = true;
    let pair = build(&req).unwrap();
    let note = pair
        .notes
        .iter()
        .find(|n| n.starts_with("build dirs kept at "))
        .expect("a note with the path");
    let kept = PathBuf::from(note.trim_start_matches("build dirs kept at "));
    let artifact = pair.lhs.artifact.clone();
    drop(pair);
    assert!(artifact.exists());
    // The module cache dirs are read-only; make them removable.
    Command::new("chmod")
        .args(["-R", "u+w"])
        .arg(&kept)
        .status()
        .unwrap();
    std::fs::remove_dir_all(&kept).unwrap();
}

/// Writes a tiny file-based module proxy holding `example.com/dep v1.0.0`.
fn dep_proxy(root: &Path) -> Option<PathBuf> {
    let src = root.join("depsrc/example.com/dep@v1.0.0");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("go.mod"), "module example.com/dep\n\ngo 1.21\n").unwrap();
    std::fs::write(
        src.join("dep.go"),
        "package dep\n\nfunc Hello() string { return \"dep says hi\" }\n",
    )
    .unwrap();
    let at = root.join("proxy/example.com/dep/@v");
    std::fs::create_dir_all(&at).unwrap();
    let zip = Command::new("zip")
        .args(["-qr"])
        .arg(at.join("v1.0.0.zip"))
        .arg("example.com/dep@v1.0.0")
        .current_dir(root.join("depsrc"))
        .status();
    if !zip.is_ok_and(|s| s.success()) {
        return None;
    }
    std::fs::copy(src.join("go.mod"), at.join("v1.0.0.mod")).unwrap();
    std::fs::write(
        at.join("v1.0.0.info"),
        "{\"Version\":\"v1.0.0\",\"Time\":\"2024-01-01T00:00:00Z\"}\n",
    )
    .unwrap();
    std::fs::write(at.join("list"), "v1.0.0\n").unwrap();
    Some(root.join("proxy"))
}

fn app_module(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("go.mod"),
        "module example.com/app\n\ngo 1.26\n\nrequire example.com/dep v1.0.0\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("main.go"),
        "package main\n\nimport \"example.com/dep\"\n\nfunc main() { println(dep.Hello()) }\n",
    )
    .unwrap();
}

#[test]
fn dependencies_come_offline_from_the_users_module_cache_and_go_sum_verifies_them() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(proxy) = dep_proxy(tmp.path()) else {
        eprintln!("skipped: no `zip` to build the test module proxy");
        return;
    };
    let app = tmp.path().join("app");
    app_module(&app);
    // Fill the "user's" module cache and go.sum, as `go mod tidy` against a proxy would.
    let user_mc = tmp.path().join("user-gomodcache");
    let home = tmp.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let st = Command::new("go")
        .args(["mod", "tidy"])
        .current_dir(&app)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .env("HOME", &home)
        .env("GOPROXY", format!("file://{}", proxy.display()))
        .env("GOSUMDB", "off")
        .env("GOMODCACHE", &user_mc)
        .env("GOCACHE", tmp.path().join("tidy-cache"))
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-mod=mod")
        .status()
        .unwrap();
    assert!(st.success());
    assert!(std::fs::read_to_string(app.join("go.sum"))
        .unwrap()
        .contains("example.com/dep v1.0.0 h1:"));

    let user_env = vec![
        ("PATH".to_string(), std::env::var("PATH").unwrap()),
        ("HOME".to_string(), home.to_string_lossy().into_owned()),
        (
            "GOMODCACHE".to_string(),
            user_mc.to_string_lossy().into_owned(),
        ),
    ];
    let builder = GoBuilder::with_env(user_env);
    let pair = builder.build(&request(&app), &NoProgress).unwrap();
    // The offline proxy links the user's module cache (never writes to it).
    let proxy = pair.lhs.env["GOPROXY"]
        .strip_prefix("file://")
        .unwrap()
        .to_string();
    assert_eq!(
        std::fs::read_link(Path::new(&proxy).join("example.com")).unwrap(),
        user_mc.join("cache/download/example.com")
    );
    assert!(
        !pair.lhs.env.contains_key("GOSUMDB"),
        "the checksum database is never turned off"
    );
    assert_eq!(sha256(&pair.lhs.artifact), sha256(&pair.rhs.artifact));
    let out = Command::new(&pair.lhs.artifact).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr).trim(), "dep says hi");
    // Each side filled its own module cache.
    for env in [&pair.lhs.env, &pair.rhs.env] {
        assert!(Path::new(&env["GOMODCACHE"])
            .join("example.com/dep@v1.0.0/dep.go")
            .exists());
    }
    drop(pair);

    // Tampered go.sum: the content no longer verifies, and nothing is fetched to "fix" it.
    let sum = std::fs::read_to_string(app.join("go.sum")).unwrap();
    let tampered: String = sum
        .lines()
        .map(|l| {
            if l.starts_with("example.com/dep v1.0.0 h1:") {
                "example.com/dep v1.0.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(app.join("go.sum"), tampered + "\n").unwrap();
    match builder.build(&request(&app), &NoProgress) {
        Err(BuildError::Failed { output, .. }) => assert!(
            output.contains("SECURITY ERROR") || output.contains("checksum mismatch"),
            "{output}"
        ),
        other => panic!("expected Failed, got {other:?}"),
    }
    // Missing go.sum: -mod=readonly refuses, offline.
    std::fs::remove_file(app.join("go.sum")).unwrap();
    match builder.build(&request(&app), &NoProgress) {
        Err(BuildError::Failed { output, .. }) => {
            assert!(output.contains("missing go.sum entry"), "{output}")
        }
        other => panic!("expected Failed, got {other:?}"),
    }
}

#[test]
fn vendored_modules_build_with_mod_vendor() {
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("app");
    app_module(&app);
    let v = app.join("vendor/example.com/dep");
    std::fs::create_dir_all(&v).unwrap();
    std::fs::write(
        v.join("dep.go"),
        "package dep\n\nfunc Hello() string { return \"vendored hi\" }\n",
    )
    .unwrap();
    std::fs::write(
        app.join("vendor/modules.txt"),
        "# example.com/dep v1.0.0\n## explicit; go 1.21\nexample.com/dep\n",
    )
    .unwrap();
    let pair = build(&request(&app)).unwrap();
    assert_eq!(pair.lhs.env["GOFLAGS"], "-mod=vendor");
    assert!(pair.notes.iter().any(|n| n.contains("-mod=vendor")));
    assert_eq!(sha256(&pair.lhs.artifact), sha256(&pair.rhs.artifact));
    let out = Command::new(&pair.lhs.artifact).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr).trim(), "vendored hi");
}

#[test]
fn special_files_and_escaping_links_stop_the_run_before_building() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("tiny");
    tiny_module(&src, None);
    std::os::unix::fs::symlink("/etc/passwd", src.join("passwd")).unwrap();
    match build(&request(&src)) {
        Err(BuildError::Source { path, reason }) => {
            assert_eq!(path, src.canonicalize().unwrap().join("passwd"));
            assert!(reason.contains("outside the source tree"));
        }
        other => panic!("expected Source, got {other:?}"),
    }
}

#[test]
fn the_fake_builder_hands_back_two_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    std::fs::write(&a, b"a").unwrap();
    std::fs::write(&b, b"b").unwrap();
    let pair = FakeBuilder::new(&a, &b)
        .with_hint("workdir", "/x/lhs", "/y/rhs-build")
        .build(&BuildRequest::new("."), &NoProgress)
        .unwrap();
    assert_eq!((pair.lhs.artifact, pair.rhs.artifact), (a, b));
    assert_eq!(pair.hints.hints.len(), 1);
    assert!(pair.workspace.path().is_none());
    assert!(matches!(
        FakeBuilder::new(tmp.path().join("missing"), tmp.path().join("b"))
            .build(&BuildRequest::new("."), &NoProgress),
        Err(BuildError::NoArtifact { side: "lhs", .. })
    ));
}

/// Regression guard for Ctrl-C: the handler ends the running build's process
/// group, removes the temp dirs and exits 2. Runs itself as a child process
/// (the handler exits the process), selected by an environment variable.
#[test]
fn interrupt_ends_builds_and_removes_temp_dirs() {
    const CHILD: &str = "TWINBUILD_TEST_INTERRUPT_DIR";
    if let Ok(dir) = std::env::var(CHILD) {
        // The child: build a command that records where it runs, then sleeps.
        cleanup::install().unwrap();
        let dir = PathBuf::from(dir);
        let src = dir.join("src");
        std::fs::create_dir_all(&src).unwrap();
        let mut req = request(&src);
        // Both sides run this: each writes its own file, then renames it (atomically) to the marker.
        req.build_cmd = Some(format!(
            "sleep 100 & printf '%s\\n%s\\n' \"$(pwd)\" $! > {0}/marker.$$; mv {0}/marker.$$ {0}/marker; wait",
            dir.display()
        ));
        req.artifact = Some("x".into());
        let r = GoBuilder::new().build(&req, &NoProgress);
        panic!("the build should have been interrupted, got {r:?}");
    }
    let tmp = tempfile::tempdir().unwrap();
    let child = ChildGuard(Some(
        Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "interrupt_ends_builds_and_removes_temp_dirs",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD, tmp.path())
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    ));
    let marker = tmp.path().join("marker");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !marker.exists() {
        assert!(Instant::now() < deadline, "the child's build did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let text = std::fs::read_to_string(&marker).unwrap();
    let mut lines = text.lines();
    let (workdir, pid) = (
        PathBuf::from(lines.next().unwrap()),
        lines.next().unwrap().to_string(),
    );
    assert!(workdir.exists(), "{}", workdir.display());
    let mut child = child;
    let running = child.0.take().unwrap();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(running.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let out = running.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(cleanup::INTERRUPTED_MESSAGE), "{stderr}");
    assert!(
        process_gone(&pid),
        "the build's child {pid} survived Ctrl-C"
    );
    // Either side may have written the marker: its temp root is the `twinbuild_*` ancestor.
    let root = workdir
        .ancestors()
        .find(|a| {
            a.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("twinbuild_"))
        })
        .unwrap_or_else(|| panic!("no temp root above {}", workdir.display()))
        .to_path_buf();
    assert!(!root.exists(), "temp root {} left behind", root.display());
}

/// Kills the child test process if the parent test fails before signalling it.
struct ChildGuard(Option<std::process::Child>);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(c.id() as i32),
                nix::sys::signal::Signal::SIGINT,
            );
            let _ = c.wait();
        }
    }
}
