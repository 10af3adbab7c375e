//! `twinbuild diff` on release archives (tar, tar.gz, zip): identical
//! archives pass, metadata differences are `archive-metadata` with the fix
//! and pass under `--allow archive-metadata`, a binary member is diffed and
//! attributed inside the archive report, hostile archives (bombs, traversal
//! names, links, duplicates, huge entry counts, truncation, deep nesting)
//! end in exit 2 or a warning under a 2 GiB address-space limit, checksum
//! files gate, and every format is deterministic and valid.
//!
//! The archives are made once per run by tests/archive_fixtures.py (python3's
//! tarfile and zipfile, and bytes written by hand for what they refuse to
//! write) around the committed Go binaries in tests/fixtures/linux-amd64.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

fn fixtures() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("archive-fixtures");
        let _ = std::fs::remove_dir_all(&dir);
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let status = Command::new("python3")
            .arg(root.join("tests/archive_fixtures.py"))
            .arg(&dir)
            .arg(root.join("tests/fixtures/linux-amd64"))
            .status()
            .expect("python3 runs");
        assert!(status.success(), "tests/archive_fixtures.py failed");
        dir
    })
}

fn fx(name: &str) -> PathBuf {
    fixtures().join(name)
}

/// `twinbuild diff LHS RHS ARGS` under a 2 GiB address-space limit, in the
/// fixtures dir: exit code, stdout, stderr (no panic).
fn diff(lhs: &str, rhs: &str, args: &[&str]) -> (i32, String, String) {
    let mut all: Vec<std::ffi::OsString> = vec!["diff".into(), fx(lhs).into(), fx(rhs).into()];
    all.extend(args.iter().map(Into::into));
    let out = common::twinbuild_under_2gib(&all, Some(fixtures()));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (
        out.status.code().unwrap_or_default(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

fn json(lhs: &str, rhs: &str, args: &[&str]) -> (i32, Value) {
    let mut a = vec!["--format", "json"];
    a.extend_from_slice(args);
    let (code, out, err) = diff(lhs, rhs, &a);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    check_schema(&v);
    (code, v)
}

fn schema(name: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join(name);
    let value: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::meta::validate(&value).expect("a valid JSON Schema");
    jsonschema::draft202012::new(&value).expect("the schema compiles")
}

/// Validates an archive report against docs/archive-report.schema.json and
/// each nested binary report against docs/report.schema.json.
fn check_schema(v: &Value) {
    fn reports<'a>(members: &'a Value, out: &mut Vec<&'a Value>) {
        for m in members.as_array().into_iter().flatten() {
            if let Some(r) = m.get("report") {
                out.push(r);
            }
            if let Some(a) = m.get("archive") {
                reports(&a["members"], out);
            }
        }
    }
    let mut checks = vec![("archive-report.schema.json", v)];
    let mut nested = Vec::new();
    reports(&v["members"], &mut nested);
    checks.extend(nested.into_iter().map(|r| ("report.schema.json", r)));
    for (name, value) in checks {
        let errors: Vec<String> = schema(name)
            .iter_errors(value)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}:\n{}", errors.join("\n"));
    }
}

#[test]
fn identical_archives_are_reproducible() {
    for (a, b) in [
        ("same-1.tar.gz", "same-2.tar.gz"),
        ("same-1.zip", "same-2.zip"),
        ("same.tar", "same.tar"),
    ] {
        let (code, v) = json(a, b, &[]);
        assert_eq!(code, 0, "{a}");
        assert_eq!(v["verdict"], "reproducible");
        assert_eq!(v["kind"], "archive");
        assert_eq!(v["findings"].as_array().unwrap().len(), 0);
        assert_eq!(v["summary"]["entries_same"], 2);
    }
}

#[test]
fn metadata_differences_name_the_field_and_the_fix_and_can_be_allowed() {
    for (other, field, fix) in [
        ("mtime.tar.gz", "mtime", "--mtime=@$SOURCE_DATE_EPOCH"),
        ("owner.tar.gz", "uid", "--owner=0 --group=0 --numeric-owner"),
        ("reordered.tar.gz", "entry order", "--sort=name"),
    ] {
        let (code, v) = json("same-1.tar.gz", other, &[]);
        assert_eq!(code, 1, "{other}");
        let f = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["field"] == field)
            .unwrap_or_else(|| panic!("{other}: no {field} finding: {v:#}"));
        assert_eq!(f["cause"], "archive-metadata");
        assert!(f["fix"].as_str().unwrap().contains(fix), "{f:#}");
        assert_eq!(
            v["summary"]["root_causes"],
            serde_json::json!(["archive-metadata"])
        );
        let (code, out, _) = diff("same-1.tar.gz", other, &["--allow", "archive-metadata"]);
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("gate passes"), "{out}");
        // Allowing the other cause does not pass it.
        assert_eq!(
            diff("same-1.tar.gz", other, &["--allow", "archive-member"]).0,
            1
        );
    }
    // The goreleaser advice, in the terminal too.
    let (_, out, _) = diff("same-1.tar.gz", "mtime.tar.gz", &[]);
    assert!(
        out.contains("mod_timestamp: '{{ .CommitTimestamp }}'"),
        "{out}"
    );
    // Zip: the DOS time.
    let (code, v) = json("same-1.zip", "dostime.zip", &[]);
    assert_eq!(code, 1);
    let f = &v["findings"][0];
    assert_eq!(f["field"], "DOS time");
    assert_eq!(f["count"], 2);
    assert!(f["fix"].as_str().unwrap().contains("TZ=UTC"), "{f:#}");
}

#[test]
fn a_differing_binary_member_is_diffed_and_attributed_inside_the_report() {
    // stamp-a and stamp-b differ only by -X main.date.
    let (code, v) = json("same-1.tar.gz", "stamp.tar.gz", &[]);
    assert_eq!(code, 1);
    let m = &v["members"][0];
    assert_eq!(m["name"], "bin/app");
    assert_eq!(m["kind"], "binary");
    let r = &m["report"];
    assert_eq!(
        r["summary"]["root_causes"],
        serde_json::json!(["ldflags-x"])
    );
    assert!(r["lhs"]["path"]
        .as_str()
        .unwrap()
        .ends_with("same-1.tar.gz!bin/app"));
    assert_eq!(v["findings"][0]["cause"], "archive-member");
    assert!(v["findings"][0]["fix"]
        .as_str()
        .unwrap()
        .contains("-X main.date"));
    assert_eq!(
        v["summary"]["root_causes"],
        serde_json::json!(["archive-member", "ldflags-x"])
    );
    // The member's own causes decide its gate: --allow archive-member does
    // not pass a binary whose bytes differ, --allow ldflags-x does.
    assert_eq!(
        diff(
            "same-1.tar.gz",
            "stamp.tar.gz",
            &["--allow", "archive-member"]
        )
        .0,
        1
    );
    assert_eq!(
        diff("same-1.tar.gz", "stamp.tar.gz", &["--allow", "ldflags-x"]).0,
        0
    );
    // Every format shows the member's root cause.
    for format in ["human", "markdown", "html"] {
        let (_, out, _) = diff("same-1.tar.gz", "stamp.tar.gz", &["--format", format]);
        assert!(
            out.contains("ldflags-x") && out.contains("main.date"),
            "{format}"
        );
    }
    // A text member: sizes, first differing offset, digests.
    let (code, v) = json("same-1.tar.gz", "readme.tar.gz", &[]);
    assert_eq!(code, 1);
    let m = &v["members"][0];
    assert_eq!(
        (m["kind"].as_str(), m["first_difference"].as_u64()),
        (Some("bytes"), Some(5))
    );
    assert_eq!(
        diff(
            "same-1.tar.gz",
            "readme.tar.gz",
            &["--allow", "archive-member"]
        )
        .0,
        0
    );
    // A member on one side only.
    let (code, v) = json("same-1.tar.gz", "extra.tar.gz", &[]);
    assert_eq!(code, 1);
    assert_eq!(v["summary"]["only_rhs"], 1);
    assert_eq!(v["findings"][0]["member"], "LICENSE");
}

#[test]
fn hostile_archives_are_refused_with_one_line() {
    for (file, says) in [
        ("bomb-declared.zip", "declares 1073741825 bytes"),
        ("bomb-ratio.zip", "a ratio over 1100:1"),
        ("bomb-lie.zip", "more than 100 bytes"),
        ("bomb-overlap.zip", "overlap"),
        ("declares-huge.tar.gz", "declares 3221225472 bytes"),
        ("many.tar.gz", "more than 100000 entries"),
        ("many-declared.zip", "declares 200000 entries"),
        ("dup.tar.gz", "appears twice"),
        ("truncated.tar.gz", "decompress"),
        ("truncated.tar", "truncated"),
        ("truncated.zip", "no end of central directory"),
    ] {
        let (code, out, err) = diff(file, file, &[]);
        assert_eq!(code, 2, "{file}: {out}{err}");
        assert!(out.is_empty(), "{file}: {out}");
        assert_eq!(err.lines().count(), 1, "{file}: {err}");
        assert!(err.contains(file) && err.contains(says), "{file}: {err}");
    }
    // A truncated archive against a whole one: the truncated one is named.
    let (code, _, err) = diff("same-1.tar.gz", "truncated.tar.gz", &[]);
    assert_eq!(code, 2);
    assert!(err.contains("truncated.tar.gz"), "{err}");
}

#[test]
fn hostile_names_and_links_are_warnings_and_never_extracted() {
    let (code, v) = json("hostile-1.tar.gz", "hostile-2.tar.gz", &[]);
    assert_eq!(
        code, 0,
        "the same hostile archive twice is still reproducible"
    );
    let kinds: Vec<(&str, &str)> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["side"] == "lhs")
        .map(|w| (w["member"].as_str().unwrap(), w["kind"].as_str().unwrap()))
        .collect();
    for want in [
        ("../evil", "unsafe-name"),
        ("/abs/evil", "unsafe-name"),
        ("C:\\evil", "unsafe-name"),
        ("ctl\u{1b}[31mred", "unsafe-name"),
        ("link", "unsafe-link"),
    ] {
        assert!(kinds.contains(&want), "{want:?} in {kinds:?}");
    }
    // Nothing was written by those names (the run's cwd is the fixtures dir).
    assert!(!fixtures().parent().unwrap().join("evil").exists());
    assert!(!Path::new("/abs/evil").exists());
    // A symlink whose target differs: a finding, the target never followed.
    let (code, v) = json("hostile-1.tar.gz", "link-other.tar.gz", &[]);
    assert_eq!(code, 1);
    assert_eq!(v["findings"][0]["cause"], "archive-member");
    assert_eq!(
        v["findings"][0]["examples"][0]["rhs"],
        "symlink to /etc/shadow"
    );
    // Names are escaped in every format.
    let (_, human, _) = diff("hostile-1.tar.gz", "link-other.tar.gz", &[]);
    assert!(
        !human.contains('\u{1b}') && human.contains("ctl\\u{1b}[31mred"),
        "{human}"
    );
    let (_, html, _) = diff(
        "hostile-1.tar.gz",
        "link-other.tar.gz",
        &["--format", "html"],
    );
    assert!(!html.contains('\u{1b}') && html.contains("ctl\\u{1b}[31mred"));
    let (_, md, _) = diff(
        "hostile-1.tar.gz",
        "link-other.tar.gz",
        &["--format", "markdown"],
    );
    assert!(!md.contains('\u{1b}'));
}

#[test]
fn nested_archives_are_diffed_two_levels_deep_then_by_bytes() {
    // nested-N.tar.gz holds d.tar holding c.tar holding b.tar holding x.
    let (code, v) = json("nested-1.tar.gz", "nested-2.tar.gz", &[]);
    assert_eq!(code, 1);
    let d = &v["members"][0];
    assert_eq!(
        (d["name"].as_str(), d["kind"].as_str()),
        (Some("d.tar"), Some("archive"))
    );
    let c = &d["archive"]["members"][0];
    assert_eq!(
        (c["name"].as_str(), c["kind"].as_str()),
        (Some("c.tar"), Some("archive"))
    );
    let b = &c["archive"]["members"][0];
    assert_eq!(
        (b["name"].as_str(), b["kind"].as_str()),
        (Some("b.tar"), Some("bytes"))
    );
    assert!(b["note"]
        .as_str()
        .unwrap()
        .contains("nested more than 2 levels"));
    assert!(v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["kind"] == "too-deep"));
}

#[test]
fn checksum_files_gate_and_malformed_ones_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let sha = |name: &str| {
        use sha2::Digest;
        let d = sha2::Sha256::digest(std::fs::read(fx(name)).unwrap());
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    let good = dir.path().join("checksums.txt");
    std::fs::write(
        &good,
        format!(
            "{}  same-1.tar.gz\n{} *other.zip\n",
            sha("same-1.tar.gz"),
            sha("same-1.zip")
        ),
    )
    .unwrap();
    let g = good.to_str().unwrap();
    let (code, v) = json("same-1.tar.gz", "same-2.tar.gz", &["--checksums", g]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["checksums"][0]["ok"], true);
    assert!(
        v["notes"][0].as_str().unwrap().contains("other.zip"),
        "a name not given is a note"
    );
    // same-2.tar.gz listed with another archive's digest: a mismatch, shown first.
    let bad = dir.path().join("SHA256SUMS");
    std::fs::write(&bad, format!("{}  same-2.tar.gz\n", sha("same-1.zip"))).unwrap();
    let b = bad.to_str().unwrap();
    let (code, v) = json(
        "same-1.tar.gz",
        "same-2.tar.gz",
        &["--checksums", g, "--checksums", b],
    );
    assert_eq!(code, 1);
    assert_eq!(v["verdict"], "reproducible");
    let (code, out, _) = diff("same-1.tar.gz", "same-2.tar.gz", &["--checksums", b]);
    assert_eq!(code, 1);
    let after_header = out.split("\n\n").nth(1).unwrap();
    assert!(
        after_header.starts_with("Checksums\n  MISMATCH same-2.tar.gz (rhs)"),
        "{out}"
    );
    // Not a checksum file.
    let junk = dir.path().join("junk.txt");
    std::fs::write(&junk, "hello world\n").unwrap();
    let (code, _, err) = diff(
        "same-1.tar.gz",
        "same-2.tar.gz",
        &["--checksums", junk.to_str().unwrap()],
    );
    assert_eq!(code, 2);
    assert!(err.contains("junk.txt") && err.contains("line 1"), "{err}");
}

#[test]
fn every_format_is_deterministic_and_attest_names_the_archives() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["human", "json", "markdown", "html"] {
        let run = || diff("same-1.tar.gz", "stamp.tar.gz", &["--format", format]).1;
        let first = run();
        assert!(!first.is_empty());
        assert_eq!(first, run(), "{format} differs between two runs");
    }
    let html = diff("same-1.tar.gz", "stamp.tar.gz", &["--format", "html"]).1;
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"));
    let att = dir.path().join("a.intoto.json");
    let md = dir.path().join("summary.md");
    let (code, out, _) = diff(
        "same-1.tar.gz",
        "mtime.tar.gz",
        &[
            "--quiet",
            "--attest",
            att.to_str().unwrap(),
            "--write",
            &format!("markdown={}", md.display()),
        ],
    );
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(std::fs::read_to_string(&md)
        .unwrap()
        .contains("archive-metadata"));
    let a: Value = serde_json::from_str(&std::fs::read_to_string(&att).unwrap()).unwrap();
    assert_eq!(
        a["predicateType"],
        "https://twinbuild.dev/attestation/reproducible-archive/v1"
    );
    let names: Vec<&str> = a["subject"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["same-1.tar.gz", "mtime.tar.gz"]);
}

#[test]
fn an_archive_against_a_binary_is_an_error() {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/linux-amd64/release");
    let (code, _, err) = diff("same-1.tar.gz", bin.to_str().unwrap(), &[]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot compare an archive"), "{err}");
}

#[test]
fn schema_rejects_what_it_should() {
    let (_, good) = json("same-1.tar.gz", "mtime.tar.gz", &[]);
    let v = schema("archive-report.schema.json");
    assert!(v.is_valid(&good));
    let mut bad = good.clone();
    bad["findings"][0]["cause"] = "gremlins".into();
    assert!(!v.is_valid(&bad));
    let mut bad = good;
    bad["summary"]["undocumented"] = 1.into();
    assert!(!v.is_valid(&bad));
}

#[test]
fn verify_with_a_build_cmd_that_packs_an_archive_gives_the_archive_report() {
    // A module whose "build" packs a committed Go binary: deterministic
    // packing is reproducible; a stamp file written at build time is a member finding.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("go.mod"),
        "module example.com/m\n\ngo 1.26\n",
    )
    .unwrap();
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/linux-amd64/stamp-a");
    std::fs::copy(bin, dir.path().join("app")).unwrap();
    let pack = "tar --owner=0 --group=0 --numeric-owner --mtime=@0 -cf - app stamp.txt | gzip -n > app.tar.gz";
    for (stamp, want) in [("echo fixed", 0), ("date +%s%N", 1)] {
        let out = Command::new(assert_cmd::cargo::cargo_bin("twinbuild"))
            .arg("verify")
            .arg(dir.path())
            .args(["--build-cmd", &format!("{stamp} > stamp.txt && {pack}")])
            .args(["--artifact", "app.tar.gz", "--format", "json"])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(want),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_str(&stdout).unwrap();
        check_schema(&v);
        assert_eq!(
            (v["command"].as_str(), v["kind"].as_str()),
            (Some("verify"), Some("archive"))
        );
        assert_eq!(v["builds"].as_array().unwrap().len(), 2);
        if want == 1 {
            assert_eq!(v["findings"][0]["member"], "stamp.txt");
        }
    }
}

/// Testing like an attacker: a binary replaced by a symlink or by a script,
/// or added on one side, is a member change that no `--allow` passes (a
/// binary passes only through its own report); a retargeted link is a
/// member change, which `--allow archive-metadata` does not pass.
#[test]
fn a_binary_swapped_for_something_else_never_passes_an_allow() {
    let both = ["--allow", "archive-metadata", "--allow", "archive-member"];
    for rhs in [
        "swap-symlink.tar.gz",
        "swap-script.tar.gz",
        "added-binary.tar.gz",
    ] {
        let (code, v) = json("same-1.tar.gz", rhs, &both);
        assert_eq!(code, 1, "{rhs} passed the gate: {v}");
        let f = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["binary"] == true)
            .unwrap_or_else(|| panic!("{rhs}: no binary finding: {v}"));
        assert_eq!(f["cause"], "archive-member", "{rhs}");
        assert!(
            f["title"]
                .as_str()
                .unwrap()
                .contains("no --allow passes it"),
            "{rhs}: {f}"
        );
    }
    let (code, v) = json(
        "link-1.tar.gz",
        "link-2.tar.gz",
        &["--allow", "archive-metadata"],
    );
    assert_eq!(code, 1, "{v}");
    let f = &v["findings"].as_array().unwrap()[0];
    assert_eq!(f["cause"], "archive-member", "{v}");
    assert_eq!(f["member"], "bin/latest");
    assert!(f.get("binary").is_none(), "{f}");
    // A retargeted link that is not a binary is a member change --allow archive-member accepts.
    let (code, _) = json(
        "link-1.tar.gz",
        "link-2.tar.gz",
        &["--allow", "archive-member"],
    );
    assert_eq!(code, 0);
}
