//! Snapshots of whole reports on the committed fixtures, human and JSON, so
//! a change in what twinbuild says shows up in review. The inputs are
//! committed binaries given by relative path, so nothing needs redacting;
//! `INSTA_UPDATE=always cargo test --test report_snapshots` (or
//! `cargo insta review`) accepts a deliberate change.

use std::process::Command;

fn diff(lhs: &str, rhs: &str, format: &str) -> String {
    diff_with(lhs, rhs, &["--format", format])
}

fn diff_with(lhs: &str, rhs: &str, args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_twinbuild"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["diff", lhs, rhs])
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn workdir_paths_human() {
    let out = diff(
        "tests/fixtures/linux-amd64/plain-a",
        "tests/fixtures/linux-amd64/plain-b",
        "human",
    );
    insta::assert_snapshot!("plain-human", out);
}

#[test]
fn workdir_paths_json() {
    let out = diff(
        "tests/fixtures/linux-amd64/plain-a",
        "tests/fixtures/linux-amd64/plain-b",
        "json",
    );
    insta::assert_snapshot!("plain-json", out);
}

#[test]
fn x_stamp_and_reproducible() {
    insta::assert_snapshot!(
        "stamp-human",
        diff(
            "tests/fixtures/linux-amd64/stamp-a",
            "tests/fixtures/linux-amd64/stamp-b",
            "human"
        )
    );
    insta::assert_snapshot!(
        "release-human",
        diff(
            "tests/fixtures/linux-amd64/release",
            "tests/fixtures/linux-amd64/release",
            "human"
        )
    );
}

/// A reproducible result is short (verdict, digests, toolchain and settings
/// when built): no table of `same` sections unless --verbose asks for it.
#[test]
fn reproducible_is_short_and_verbose_lists_the_sections() {
    let (a, b) = (
        "tests/fixtures/linux-amd64/release",
        "tests/fixtures/linux-amd64/release",
    );
    let short = diff(a, b, "human");
    assert!(short.lines().count() <= 6, "{short}");
    assert!(!short.contains("Sections"), "{short}");
    let verbose = diff_with(a, b, &["--format", "human", "--verbose"]);
    assert!(
        verbose.starts_with(short.lines().next().unwrap()),
        "{verbose}"
    );
    insta::assert_snapshot!("release-human-verbose", verbose);
    // A differing result is unchanged by --verbose, except the `same` sections listed too.
    let (c, d) = (
        "tests/fixtures/linux-amd64/stamp-a",
        "tests/fixtures/linux-amd64/stamp-b",
    );
    let plain = diff(c, d, "human");
    let listed = diff_with(c, d, &["--format", "human", "--verbose"]);
    assert!(plain.contains("more sections are the same"), "{plain}");
    assert!(!listed.contains("more sections are the same"), "{listed}");
    assert!(listed.lines().count() > plain.lines().count());
}
