//! `twinbuild cache-audit` against the real Go toolchain: a warm GOCACHE
//! audits clean and is left as it was; the same cache with one compiled
//! archive's bytes changed at the same size is `poisoned`, named in the
//! entries and in the binaries' diff; a cache filled with other flags
//! serves no compiled package; the same through GOCACHEPROG, with twinbuild's own
//! directory-backed cache program filled by a real `go build`; hostile cache
//! programs end with exit 2 and one line. The module imports nothing beyond
//! the runtime, so a cold build takes seconds.

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;
use sha2::{Digest, Sha256};

fn twinbuild() -> Command {
    let mut c = Command::cargo_bin("twinbuild").expect("the twinbuild binary is built");
    c.env("NO_COLOR", "1");
    c
}

fn twinbuild_exe() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_twinbuild"))
}

const MAGIC: &str = "cold-build-magic";

/// A main package printing `lib.Magic`, static data whose bytes lie in
/// lib's compiled archive as they are.
fn module(dir: &Path) {
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::write(
        dir.join("go.mod"),
        "module example.com/audited\n\ngo 1.26\n",
    )
    .unwrap();
    let bytes: Vec<String> = MAGIC.chars().map(|c| format!("'{c}'")).collect();
    std::fs::write(
        dir.join("lib/lib.go"),
        format!(
            "package lib\n\nvar Magic = [{}]byte{{{}}}\n\nfunc Hello() string {{ return string(Magic[:]) }}\n",
            MAGIC.len(),
            bytes.join(", ")
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("main.go"),
        "package main\n\nimport \"example.com/audited/lib\"\n\nfunc main() { println(lib.Hello()) }\n",
    )
    .unwrap();
}

/// A digest of every file under `dir` (paths and contents).
fn digest(dir: &Path) -> String {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut h = Sha256::new();
    for f in files {
        h.update(f.strip_prefix(dir).unwrap().to_string_lossy().as_bytes());
        h.update(std::fs::read(&f).unwrap());
    }
    format!("{:x}", h.finalize())
}

/// docs/NAME as a compiled JSON Schema.
fn schema(name: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let value: Value = serde_json::from_str(&text).unwrap();
    jsonschema::meta::validate(&value).expect("a valid JSON Schema");
    jsonschema::draft202012::new(&value).expect("the schema compiles")
}

/// The report matches docs/cache-audit.schema.json, its binaries part docs/report.schema.json.
fn check_schema(r: &Value) {
    for (name, v) in [
        ("cache-audit.schema.json", r),
        ("report.schema.json", &r["binaries"]),
    ] {
        let errors: Vec<String> = schema(name)
            .iter_errors(v)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}:\n{}", errors.join("\n"));
    }
}

fn audit(src: &Path, args: &[&str]) -> (Option<i32>, Value) {
    let out = twinbuild()
        .arg("cache-audit")
        .arg(src)
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    check_schema(&v);
    (out.status.code(), v)
}

/// The data file of lib's compiled archive in a GOCACHE-layout dir, from a clean audit.
fn lib_archive(cache: &Path, clean: &Value) -> PathBuf {
    let out = clean["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["package"] == "example.com/audited/lib" && e["part"].is_null())
        .and_then(|e| e["served_output_id"].as_str())
        .expect("lib's archive was served")
        .to_owned();
    cache.join(&out[..2]).join(format!("{out}-d"))
}

/// Changes the magic in the file, keeping its size.
fn poison(file: &Path) {
    let mut bytes = std::fs::read(file).unwrap();
    let at = bytes
        .windows(MAGIC.len())
        .position(|w| w == MAGIC.as_bytes())
        .expect("the magic is in lib's archive");
    bytes[at..at + 4].copy_from_slice(b"evil");
    std::fs::write(file, bytes).unwrap();
}

fn check_poisoned(code: Option<i32>, r: &Value) {
    assert_eq!(code, Some(1), "{r:#}");
    assert_eq!(r["verdict"], "failed");
    assert_eq!(r["counts"]["poisoned"], 1, "{:#}", r["counts"]);
    let first = &r["entries"][0];
    assert_eq!(first["verdict"], "poisoned");
    assert_eq!(first["package"], "example.com/audited/lib");
    // The binary built through the cache holds the changed bytes, named.
    assert_eq!(r["binaries"]["verdict"], "differs");
    let findings = r["binaries"]["findings"].to_string();
    assert!(
        findings.contains("example.com/audited/lib.Magic"),
        "{findings}"
    );
}

#[test]
fn a_gocache_directory_audits_clean_poisoned_and_unused() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    module(&src);
    // A warm cache made with verify's release settings.
    let caches = t.path().join("caches");
    let fill = twinbuild()
        .arg("verify")
        .arg(&src)
        .arg("--cache-dir")
        .arg(&caches)
        .arg("-q")
        .status()
        .unwrap();
    assert_eq!(fill.code(), Some(0));
    let cache = caches.join("lhs");
    let before = digest(&cache);

    let (code, clean) = audit(&src, &["--gocache", cache.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{clean:#}");
    assert_eq!(clean["verdict"], "clean");
    let n = clean["entries"].as_array().unwrap().len();
    assert!(n >= 10, "{clean:#}");
    assert_eq!(clean["counts"]["ok"], n);
    // The schema is not vacuous: an unknown verdict and an undocumented field fail.
    let mut bad = clean.clone();
    bad["entries"][0]["verdict"] = "fine".into();
    assert!(schema("cache-audit.schema.json")
        .iter_errors(&bad)
        .next()
        .is_some());
    let mut bad = clean.clone();
    bad["surprise"] = 1.into();
    assert!(schema("cache-audit.schema.json")
        .iter_errors(&bad)
        .next()
        .is_some());
    assert_eq!(digest(&cache), before, "the audited cache changed");

    // One entry's bytes changed at the same size.
    let poisoned = t.path().join("poisoned");
    std::fs::create_dir_all(&poisoned).unwrap();
    for e in std::fs::read_dir(&cache).unwrap() {
        let e = e.unwrap();
        if e.path().is_dir() {
            let to = poisoned.join(e.file_name());
            std::fs::create_dir_all(&to).unwrap();
            for f in std::fs::read_dir(e.path()).unwrap() {
                let f = f.unwrap();
                std::fs::copy(f.path(), to.join(f.file_name())).unwrap();
            }
        }
    }
    poison(&lib_archive(&poisoned, &clean));
    let before = digest(&poisoned);
    let (code, r) = audit(&src, &["--gocache", poisoned.to_str().unwrap()]);
    check_poisoned(code, &r);
    assert_eq!(digest(&poisoned), before, "the audited cache changed");

    // Built with other flags, no action ID is the cache's.
    let (code, r) = audit(
        &src,
        &[
            "--gocache",
            cache.to_str().unwrap(),
            "--go-flag=-gcflags=all=-N",
        ],
    );
    assert_eq!(code, Some(0), "{r:#}");
    assert!(r["requests"].as_u64().unwrap() > 0);
    // What is still served is keyed by the sources alone (the module index),
    // never a package compiled with the cache's flags.
    let entries = r["entries"].as_array().unwrap();
    assert!(
        entries
            .iter()
            .all(|e| e["mode"] == "moduleIndex" && e["verdict"] == "ok"),
        "{r:#}"
    );
    assert_eq!(r["binaries"]["verdict"], "reproducible");
}

#[test]
fn a_gocacheprog_audits_clean_and_poisoned() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    module(&src);
    // twinbuild's own directory-backed cache program, filled by a real go build.
    let backend = t.path().join("backend");
    let config = t.path().join("backend.json");
    std::fs::write(
        &config,
        serde_json::json!({
            "dir": backend,
            "writable": true,
            "scratch": t.path().join("backend-scratch"),
            "timeout_secs": 10,
        })
        .to_string(),
    )
    .unwrap();
    let prog = format!(
        "{} cacheprog {}",
        twinbuild_exe().display(),
        config.display()
    );
    let built = Command::new("go")
        .args(["build", "-trimpath", "-ldflags=-buildid=", "-o"])
        .arg(t.path().join("app"))
        .arg(".")
        .current_dir(&src)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .env("HOME", t.path())
        .env("GOCACHE", t.path().join("gocache"))
        .env("GOCACHEPROG", &prog)
        .env("GOENV", "off")
        .env("GOFLAGS", "-mod=readonly")
        .env("CGO_ENABLED", "0")
        .env("GOTOOLCHAIN", "local")
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let before = digest(&backend);

    let (code, clean) = audit(&src, &["--gocacheprog", &prog]);
    assert_eq!(code, Some(0), "{clean:#}");
    assert!(clean["cache"].as_str().unwrap().starts_with("GOCACHEPROG "));
    assert!(
        clean["entries"].as_array().unwrap().len() >= 10,
        "{clean:#}"
    );
    assert_eq!(digest(&backend), before, "the audited cache changed");

    poison(&lib_archive(&backend, &clean));
    let (code, r) = audit(&src, &["--gocacheprog", &prog]);
    check_poisoned(code, &r);
}

#[test]
fn hostile_cache_programs_end_with_one_line_and_exit_2() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    module(&src);
    let hello = r#"printf '{"ID":0,"KnownCommands":["get","close"]}\n'"#;
    let answer = |fields: &str| {
        format!(
            r#"{hello}; n=1; while read -r line; do printf '{{"ID":%d,{fields}}}\n' $n; n=$((n+1)); done"#
        )
    };
    let id = r#""OutputID":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=""#;
    let cases = [
        (
            format!("{hello}; while read -r line; do echo 'not json'; done"),
            "not a response",
        ),
        (
            answer(&format!(
                r#"{id},"Size":9000000000000,"DiskPath":"/etc/passwd""#
            )),
            "limit",
        ),
        (
            answer(&format!(r#"{id},"Size":5,"DiskPath":"/etc""#)),
            "not a regular file",
        ),
        (
            format!("{hello}; exec sleep 600"),
            "did not answer within 2 s",
        ),
    ];
    for (script, needle) in cases {
        let out = twinbuild()
            .arg("cache-audit")
            .arg(&src)
            .args(["--gocacheprog", &script, "--cacheprog-timeout", "2"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{script}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(err.lines().count(), 1, "{script}: {err}");
        assert!(err.contains(needle), "{script}: {err}");
    }
    // The hanging program was ended.
    let left = Command::new("pgrep")
        .args(["-f", "exec sleep 600"])
        .output()
        .unwrap();
    assert!(
        left.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&left.stdout)
    );
}
