//! The command line on bad input: missing and unreadable paths, files that
//! are not executables, truncated binaries, mixed formats, hostile section
//! names, a closed stdout. And `--help` snapshots (the contract's text).
//!
//! Every bad input must end with exit 2 and exactly one line on stderr that
//! starts with `twinbuild: error:`; never a panic (exit 101, "panicked").

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use assert_cmd::cargo::CommandCargoExt;

fn fixture(target: &str, name: &str) -> PathBuf {
    [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "fixtures",
        target,
        name,
    ]
    .iter()
    .collect()
}

fn twinbuild() -> Command {
    let mut c = Command::cargo_bin("twinbuild").expect("the twinbuild binary is built");
    // Help is wrapped to the terminal; fix the width so snapshots are stable.
    c.env("COLUMNS", "100")
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE");
    c
}

struct Run {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
}

fn run(args: &[&std::ffi::OsStr]) -> Run {
    let out = twinbuild().args(args).output().expect("twinbuild runs");
    Run {
        code: out.status.code(),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Exit 2, one stderr line `twinbuild: error: ...` mentioning `needle`, no panic.
fn assert_error(what: &str, r: &Run, needle: &str) {
    assert!(
        !r.stderr.contains("panicked"),
        "{what}: panicked:\n{}",
        r.stderr
    );
    assert_eq!(r.code, Some(2), "{what}: exit code; stderr:\n{}", r.stderr);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "{what}: stderr must be one line:\n{}",
        r.stderr
    );
    assert!(
        lines[0].starts_with("twinbuild: error: "),
        "{what}: {}",
        lines[0]
    );
    assert!(
        lines[0].contains(needle),
        "{what}: expected {needle:?} in {}",
        lines[0]
    );
    assert!(r.stdout.is_empty(), "{what}: nothing on stdout on error");
}

/// Run `inspect BAD`, `diff BAD good` and `diff good BAD`; all must fail the same way.
fn check_bad(what: &str, bad: &Path, needle: &str) {
    let good = fixture("linux-amd64", "release");
    let (bad, good) = (bad.as_os_str(), good.as_os_str());
    assert_error(
        &format!("inspect {what}"),
        &run(&["inspect".as_ref(), bad]),
        needle,
    );
    assert_error(
        &format!("diff {what} good"),
        &run(&["diff".as_ref(), bad, good]),
        needle,
    );
    assert_error(
        &format!("diff good {what}"),
        &run(&["diff".as_ref(), good, bad]),
        needle,
    );
}

fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p
}

#[test]
fn missing_path() {
    let dir = tempfile::tempdir().unwrap();
    check_bad("missing", &dir.path().join("no-such-file"), "no-such-file");
}

#[test]
fn a_directory() {
    let dir = tempfile::tempdir().unwrap();
    check_bad("directory", dir.path(), "is a directory");
}

#[test]
fn an_empty_file() {
    let dir = tempfile::tempdir().unwrap();
    check_bad("empty", &write(dir.path(), "empty", b""), "empty file");
}

/// A file over the input limit is refused before a byte of it is read (it is
/// sparse here: its size costs no disk and no memory).
#[test]
fn a_file_over_the_input_limit() {
    let dir = tempfile::tempdir().unwrap();
    let huge = dir.path().join("huge");
    let f = std::fs::File::create(&huge).unwrap();
    f.set_len(twinbuild::binary::MAX_INPUT_SIZE + 1).unwrap();
    check_bad("over the limit", &huge, "input limit");
}

#[test]
fn a_text_file() {
    let dir = tempfile::tempdir().unwrap();
    check_bad(
        "text",
        &write(dir.path(), "notes.txt", b"hello, this is not a binary\n"),
        "not an ELF, Mach-O or PE",
    );
}

#[test]
fn truncated_binaries_of_every_format() {
    let dir = tempfile::tempdir().unwrap();
    for target in [
        "linux-amd64",
        "linux-arm64",
        "windows-amd64",
        "darwin-arm64",
    ] {
        let data = std::fs::read(fixture(target, "release")).unwrap();
        for (label, len) in [("first 100 bytes", 100), ("first half", data.len() / 2)] {
            let p = write(dir.path(), &format!("{target}-{len}"), &data[..len]);
            check_bad(&format!("{target} {label}"), &p, "malformed");
        }
    }
}

#[test]
fn elf_against_pe() {
    let elf = fixture("linux-amd64", "release");
    let pe = fixture("windows-amd64", "release");
    let r = run(&["diff".as_ref(), elf.as_os_str(), pe.as_os_str()]);
    assert_error("elf vs pe", &r, "cannot compare a elf file");
    let r = run(&["diff".as_ref(), pe.as_os_str(), elf.as_os_str()]);
    assert_error("pe vs elf", &r, "cannot compare a pe file");
}

/// Rename sections in the ELF `.shstrtab` in place (same length, so nothing moves).
fn rename_sections(data: &mut [u8], renames: &[(&[u8], &[u8])]) {
    let bin = twinbuild::binary::Binary::parse(data).unwrap();
    let i = bin.section_index(".shstrtab").unwrap();
    let r = bin.sections[i].file_range.clone();
    drop(bin);
    let table = &mut data[r.start as usize..r.end as usize];
    for (from, to) in renames {
        assert_eq!(from.len(), to.len());
        let mut needle = from.to_vec();
        needle.push(0);
        let at = table
            .windows(needle.len())
            .position(|w| w == needle)
            .expect("name in .shstrtab");
        table[at..at + to.len()].copy_from_slice(to);
    }
}

#[test]
fn hostile_section_names_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = std::fs::read(fixture("linux-amd64", "release")).unwrap();
    let esc: &[u8] = b"\x1b[31mlink";
    let tag: &[u8] = b"<script>k";
    rename_sections(&mut data, &[(b".typelink", esc), (b".itablink", tag)]);
    let lhs = write(dir.path(), "hostile", &data);
    let rhs = fixture("linux-amd64", "release");

    // Human: the names are there, escaped; no raw ESC byte anywhere.
    let human = run(&["diff".as_ref(), lhs.as_os_str(), rhs.as_os_str()]);
    assert_eq!(human.code, Some(1), "{}", human.stderr);
    assert!(!human.stdout.contains(&0x1b), "raw ESC in the human report");
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(
        text.contains("\\u{1b}[31mlink"),
        "the escaped name is shown:\n{text}"
    );
    let inspect = run(&["inspect".as_ref(), lhs.as_os_str()]);
    assert_eq!(inspect.code, Some(0), "{}", inspect.stderr);
    assert!(
        !inspect.stdout.contains(&0x1b),
        "raw ESC in inspect's output"
    );

    // JSON: a proper JSON string that decodes back to the name.
    let json = run(&[
        "diff".as_ref(),
        lhs.as_os_str(),
        rhs.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    assert_eq!(json.code, Some(1), "{}", json.stderr);
    assert!(!json.stdout.contains(&0x1b), "raw ESC in the JSON report");
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("valid JSON");
    let mut strings = Vec::new();
    collect_strings(&value, &mut strings);
    assert!(
        strings.iter().any(|s| s.contains("\u{1b}[31mlink")),
        "the name round-trips through JSON"
    );
    assert!(
        strings.iter().any(|s| s.contains("<script>k")),
        "the name round-trips through JSON"
    );

    // HTML: the tag is text, not markup.
    let html = run(&[
        "diff".as_ref(),
        lhs.as_os_str(),
        rhs.as_os_str(),
        "--format".as_ref(),
        "html".as_ref(),
    ]);
    let html = String::from_utf8(html.stdout).unwrap();
    assert!(
        !html.contains("<script>k"),
        "unescaped tag in the HTML report"
    );
    assert!(!html.contains('\x1b'), "raw ESC in the HTML report");
}

fn collect_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let (a, b) = (
        fixture("linux-amd64", "plain-a"),
        fixture("linux-amd64", "plain-b"),
    );
    // The reader is gone before the first write.
    let mut child = twinbuild()
        .arg("diff")
        .arg(&a)
        .arg(&b)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(1),
        "exit code with a closed stdout; stderr:\n{stderr}"
    );
    assert!(
        stderr.is_empty(),
        "nothing on stderr for a closed stdout:\n{stderr}"
    );

    // As users write it: `twinbuild diff a b | head -1`.
    let dir = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("twinbuild");
    let script = r#"{ "$0" diff "$1" "$2" 2>"$3/err"; echo $? >"$3/status"; } | head -1"#;
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(&bin)
        .arg(&a)
        .arg(&b)
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    let status = std::fs::read_to_string(dir.path().join("status")).unwrap();
    let err = std::fs::read_to_string(dir.path().join("err")).unwrap();
    assert_eq!(
        status.trim(),
        "1",
        "exit code under `| head -1`; stderr:\n{err}"
    );
    assert!(
        !err.contains("Broken pipe") && !err.contains("panicked") && err.is_empty(),
        "stderr under `| head -1`:\n{err}"
    );
}

#[test]
fn help_snapshots() {
    for (name, args) in [
        ("help", &["--help"][..]),
        ("verify-help", &["verify", "--help"][..]),
        ("diff-help", &["diff", "--help"][..]),
        ("inspect-help", &["inspect", "--help"][..]),
        ("explain-cache-help", &["explain-cache", "--help"][..]),
        ("cache-audit-help", &["cache-audit", "--help"][..]),
        ("merge-help", &["merge", "--help"][..]),
    ] {
        let out = twinbuild().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        insta::assert_snapshot!(name, String::from_utf8(out.stdout).unwrap());
    }
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["diff"][..],
        &["frobnicate"][..],
        &["diff", "a"][..],
        &["inspect", "--format", "yaml", "x"][..],
    ] {
        let out = twinbuild().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    }
}

/// A `--build-cmd` that runs no go command (it copies a binary in place):
/// there is nothing recorded, so the report's build inputs say so in
/// notes, with empty lists, and the verdict is the binaries' own.
#[test]
fn a_build_that_records_nothing_leaves_notes_not_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("prebuilt");
    std::fs::create_dir_all(&src).unwrap();
    write(&src, "go.mod", b"module example.com/prebuilt\n\ngo 1.22\n");
    write(&src, "main.go", b"package main\n\nfunc main() {}\n");
    let app = fixture("linux-amd64", "release");
    let cmd = format!("mkdir -p bin && cp '{}' bin/app", app.display());
    let out = twinbuild()
        .arg("verify")
        .arg(&src)
        .args([
            "--build-cmd",
            &cmd,
            "--artifact",
            "bin/app",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let inputs = &report["build_inputs"];
    assert_eq!(
        inputs["input_differences"],
        serde_json::json!([]),
        "{inputs}"
    );
    assert_eq!(inputs["nondeterministic_actions"], serde_json::json!([]));
    let notes = inputs["notes"].as_array().expect("notes");
    assert!(!notes.is_empty(), "{inputs}");
    assert_eq!(inputs["timings"]["lhs"]["actions"], 0);
}
