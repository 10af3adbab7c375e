//! `verify --confirm`: the causal proof of a root cause. For each of the
//! harness's own variations a root names, the rhs is rebuilt with that
//! variation taken from the lhs, and the root is `confirmed` when its bytes
//! are gone, `refuted` when they remain, `not-run` (with the reason) when it
//! was not tried.
//!
//! The judgement is checked on the committed fixtures through the fake
//! builder (`plain-a`/`plain-b` differ by their build path); the real
//! harness with the Go toolchain on `scenarios/no-trimpath` and on a tiny
//! module. The Go tests share one `--cache-dir` (one cache per side) under
//! the target dir, so only the first run compiles the standard library.

use std::path::{Path, PathBuf};

use serde_json::Value;
use twinbuild::attribute::{attribute, Cause};
use twinbuild::binary::Binary;
use twinbuild::build::{BuildRequest, Builder, FakeBuilder, NoProgress, Side};
use twinbuild::diff::diff;
use twinbuild::report::{Artifact, ConfirmOutcome, Context, Report};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/linux-amd64")
        .join(name)
}

/// The fixtures' build dirs (tests/fixtures/README.md), as the harness would hint them.
const LHS_DIR: &str = "/tmp/tbfx/a/src";
const RHS_DIR: &str = "/tmp/tbfx/bb/deeper/source";

/// `plain-a` against `plain-b` through the fake builder, then `--confirm`
/// with `rebuilt` as the build without the workdir variation.
fn confirm_with(rebuilt: &Path, request: &BuildRequest) -> Report {
    let builder = FakeBuilder::new(fixture("plain-a"), fixture("plain-b"))
        .with_hint("workdir", LHS_DIR, RHS_DIR)
        .with_rebuilt("workdir", rebuilt);
    let pair = builder.build(request, &NoProgress).unwrap();
    let (ld, rd) = (
        std::fs::read(&pair.lhs.artifact).unwrap(),
        std::fs::read(&pair.rhs.artifact).unwrap(),
    );
    let (l, r) = (Binary::parse(&ld).unwrap(), Binary::parse(&rd).unwrap());
    let d = diff(&l, &r);
    let mut report = Report::new(
        Artifact::new("plain-a", &l),
        Artifact::new("plain-b", &r),
        &d,
        attribute(&l, &r, &d, &pair.hints),
        Context {
            command: "verify".into(),
            ..Default::default()
        },
    );
    let confirmations =
        twinbuild::cli::confirm(&builder, &pair, request, &report, &NoProgress).unwrap();
    report.add_confirmations(confirmations);
    report
}

fn workdir_root(r: &Report) -> usize {
    r.roots()
        .find(|f| f.cause == Cause::EmbeddedPath && f.variation.as_deref() == Some("workdir"))
        .expect("an embedded-path root naming the workdir")
        .id
}

#[test]
fn a_rebuild_identical_to_the_lhs_confirms_the_workdir_root() {
    let r = confirm_with(&fixture("plain-a"), &BuildRequest::new("."));
    let root = workdir_root(&r);
    assert_eq!(r.confirmations.len(), 1, "{:#?}", r.confirmations);
    let c = &r.confirmations[0];
    assert_eq!(
        (c.variation.as_str(), c.outcome, &c.roots[..]),
        ("workdir", ConfirmOutcome::Confirmed, &[root][..])
    );
    assert_eq!(c.differing_bytes, Some(0));
    assert_eq!(c.rebuilt.as_ref().unwrap().sha256, r.lhs.sha256);
    // The build-id root names no variation: nothing to remove, not tried.
    assert!(r.roots().any(|f| f.cause == Cause::BuildId));
    assert_eq!(r.exit_code, 1, "--confirm never changes the gate");
    assert!(!r.notes.iter().any(|n| n.contains("REFUTED")));
}

#[test]
fn a_rebuild_that_keeps_the_paths_refutes_the_root_and_says_so() {
    // The "rebuild" is the rhs itself: the workdir paths are still there.
    let r = confirm_with(&fixture("plain-b"), &BuildRequest::new("."));
    let c = &r.confirmations[0];
    assert_eq!(c.outcome, ConfirmOutcome::Refuted, "{c:#?}");
    assert!(c.root_bytes_remaining.unwrap() > 0);
    assert!(c.remaining_root_causes.contains(&Cause::EmbeddedPath));
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("REFUTED") && n.contains("workdir")),
        "{:?}",
        r.notes
    );
    assert_eq!(r.exit_code, 1);
    for format in [
        twinbuild::report::OutputFormat::Human,
        twinbuild::report::OutputFormat::Markdown,
        twinbuild::report::OutputFormat::Html,
    ] {
        let text = r.render(format, false);
        assert!(text.contains("refuted"), "{format:?}");
    }
    let json: Value =
        serde_json::from_str(&r.render(twinbuild::report::OutputFormat::Json, false)).unwrap();
    assert_eq!(json["confirmations"][0]["outcome"], "refuted");
}

#[test]
fn a_variation_the_user_asked_for_is_not_removed() {
    let mut request = BuildRequest::new(".");
    request
        .side_env
        .insert(Side::Rhs, vec![("workdir".into(), "x".into())]);
    let r = confirm_with(&fixture("plain-a"), &request);
    let c = &r.confirmations[0];
    assert_eq!(c.outcome, ConfirmOutcome::NotRun);
    assert!(c.detail.contains("--rhs-env"), "{}", c.detail);
    assert!(c.rebuilt.is_none() && c.differing_bytes.is_none());
}
