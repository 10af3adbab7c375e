use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::finding::ExcerptView;
use super::*;
use crate::attribute::{Cause, Excerpt, Finding};
use crate::binary::Format;
use crate::harness::Side as BuildSide;
use crate::report::{Summary, SCHEMA_VERSION};

/// A finding of `bytes` bytes; a consequence of `root` when there is one.
fn finding(id: usize, root: Option<usize>, bytes: u64) -> Finding {
    Finding {
        id,
        cause: if root.is_some() {
            Cause::LayoutShift
        } else {
            Cause::BuildId
        },
        root,
        title: format!("finding {id}"),
        section: ".text".into(),
        bytes,
        ranges: 1,
        locations: Vec::new(),
        variation: None,
        lhs_excerpt: None,
        rhs_excerpt: None,
        fix: None,
        proven: root.map(|_| true),
        proven_by: BTreeMap::new(),
        instructions: Vec::new(),
    }
}

fn report(findings: Vec<Finding>) -> Report {
    let artifact = |path: &str| Artifact {
        path: path.into(),
        size: 2048,
        format: Format::Elf,
        arch: "amd64".into(),
        sha256: "00".repeat(32),
    };
    Report {
        schema_version: SCHEMA_VERSION,
        twinbuild_version: "0".into(),
        command: "diff".into(),
        verdict: Verdict::Differs,
        exit_code: 1,
        lhs: artifact("dist/app"),
        rhs: artifact("/tmp/rebuilt/app"),
        toolchain: None,
        builds: Vec::new(),
        sections: Vec::new(),
        summary: Summary {
            differing_bytes: findings.iter().map(|f| f.bytes).sum(),
            by_cause: BTreeMap::new(),
            root_causes: Vec::new(),
            sections_total: 0,
            sections_differing: 0,
            unproven_bytes: 0,
        },
        findings,
        allowances: Vec::new(),
        confirmations: Vec::new(),
        build_inputs: None,
        notes: Vec::new(),
    }
}

/// Roots 1 and 2, consequences 3 and 4 of root 1, 5 of root 2, and 6 of a
/// root the report does not have.
fn family() -> Report {
    report(vec![
        finding(1, None, 10),
        finding(2, None, 20),
        finding(3, Some(1), 3),
        finding(4, Some(1), 4),
        finding(5, Some(2), 5),
        finding(6, Some(9), 6),
    ])
}

/// The folded order as ids, `1[3 4] 2[5] | 6 | 0 hidden`: each root with
/// the consequences shown under it, then the others, then how many are left out.
fn check_folded(limit: usize, expected: &str) {
    let r = family();
    let v = View::new(
        &r,
        Limits {
            findings: limit,
            ..Limits::HTML
        },
    );
    let f = v.folded();
    let ids = |list: &[&FindingView<'_>]| -> String {
        let ids: Vec<String> = list.iter().map(|g| g.finding.id.to_string()).collect();
        ids.join(" ")
    };
    let roots: Vec<String> = f
        .roots
        .iter()
        .map(|x| format!("{}[{}]", x.root.finding.id, ids(&x.shown)))
        .collect();
    let got = format!(
        "{} | {} | {} hidden",
        roots.join(" "),
        ids(&f.others),
        f.hidden
    );
    assert_eq!(got, expected, "limit {limit}");
}

#[test]
fn consequences_fold_under_their_root_within_the_limit() {
    check_folded(500, "1[3 4] 2[5] | 6 | 0 hidden");
    check_folded(6, "1[3 4] 2[5] | 6 | 0 hidden");
    check_folded(5, "1[3 4] 2[5] |  | 1 hidden");
    // The limit falls among root 1's consequences: root 2 is not shown.
    check_folded(2, "1[3] |  | 4 hidden");
    check_folded(1, "1[] |  | 5 hidden");
}

#[test]
fn roots_count_what_follows_from_them() {
    let r = family();
    let v = View::new(&r, Limits::human(false));
    let shifted: Vec<(u64, Option<&str>)> = v
        .roots
        .iter()
        .map(|x| (x.shifted, x.consequence.as_deref()))
        .collect();
    assert_eq!(
        shifted,
        [
            (7, Some("7 B more shifted by it")),
            (5, Some("5 B more shifted by it"))
        ]
    );
    assert_eq!(v.others, [5]);
    assert_eq!(v.extent, "in 0 of 0 sections; 2 root causes");
    assert_eq!(v.size, "48 B");
    let listed = v.listed_findings();
    assert_eq!((listed.items.len(), listed.hidden()), (6, 0));
    let md = View::new(
        &r,
        Limits {
            findings: 4,
            ..Limits::MARKDOWN
        },
    );
    assert_eq!(md.listed_findings().hidden(), 2);
}

fn check_rows(e: Excerpt, expected: &[&str], well_formed: bool) {
    let got = ExcerptView::new(&e, usize::MAX);
    let rows: Vec<String> = got
        .rows
        .iter()
        .map(|row| {
            let cells: String = row
                .cells
                .iter()
                .map(|c| {
                    let byte = c.byte.map_or("??".into(), |b| format!("{b:02x}"));
                    format!("{byte}{}{}", c.text, if c.marked { "^" } else { "" })
                })
                .collect::<Vec<_>>()
                .join(" ");
            format!("{:x}: {cells}", row.offset)
        })
        .collect();
    assert_eq!(rows, expected);
    assert_eq!(got.well_formed, well_formed);
}

#[test]
fn excerpts_are_rows_of_marked_bytes() {
    let bytes: Vec<u8> = (b'a'..=b'r').collect();
    check_rows(
        Excerpt {
            offset: 0x100,
            highlight_start: 15,
            highlight_len: 2,
            hex: crate::binary::hex(&bytes),
            text: "abcdefghijklmnopq".into(),
        },
        &[
            "100: 61a 62b 63c 64d 65e 66f 67g 68h 69i 6aj 6bk 6cl 6dm 6en 6fo 70p^",
            "110: 71q^ 72.",
        ],
        true,
    );
    check_rows(
        Excerpt {
            offset: 0,
            highlight_start: 0,
            highlight_len: 1,
            hex: "zz4".into(),
            text: "x".into(),
        },
        &["0: ??x^"],
        false,
    );
}

fn build(side: BuildSide, go_env: &[(&str, &str)]) -> BuildRecord {
    BuildRecord {
        side,
        workdir: PathBuf::from("/w"),
        artifact: PathBuf::from("/w/out"),
        command: vec!["go".into(), "build".into()],
        env: BTreeMap::new(),
        go_version: "go version go1.26.8 linux/amd64".into(),
        go_env: go_env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        duration: Duration::from_millis(1234),
        inputs: None,
    }
}

fn check_settings(lhs: &[(&str, &str)], rhs: &[(&str, &str)], expected: &[(Option<&str>, &str)]) {
    let builds = [build(BuildSide::Lhs, lhs), build(BuildSide::Rhs, rhs)];
    let got = settings(&builds);
    let got: Vec<(Option<&str>, &str)> = got.iter().map(|(s, l)| (*s, l.as_str())).collect();
    assert_eq!(got, expected);
}

#[test]
fn settings_are_one_line_when_both_sides_agree() {
    let linux = [
        ("GOOS", "linux"),
        ("GOVERSION", "go1.26.8"),
        ("GOFLAGS", "-a -b"),
    ];
    check_settings(&linux, &linux, &[(None, "GOFLAGS=\"-a -b\" GOOS=linux")]);
    check_settings(
        &linux,
        &[("GOOS", "linux"), ("CC", "")],
        &[
            (Some("lhs"), "GOFLAGS=\"-a -b\" GOOS=linux"),
            (Some("rhs"), "CC=\"\" GOOS=linux"),
        ],
    );
    check_settings(&[("GOVERSION", "go1")], &[("GOVERSION", "go1")], &[]);
    assert_eq!(super::build(&build(BuildSide::Lhs, &linux)).seconds, "1.2");
}

/// How many sides each format shows of a finding's excerpts.
fn check_sides(lhs: bool, rhs: bool, root: Option<usize>, expected: [usize; 3]) {
    let e = Excerpt {
        offset: 0,
        highlight_start: 0,
        highlight_len: 1,
        hex: "61".into(),
        text: "a".into(),
    };
    let mut f = finding(2, root, 1);
    f.lhs_excerpt = lhs.then(|| e.clone());
    f.rhs_excerpt = rhs.then_some(e);
    let formats = [Limits::human(false), Limits::MARKDOWN, Limits::HTML];
    let got = formats.map(|limits| FindingView::new(&f, &limits).sides.len());
    assert_eq!(got, expected, "lhs {lhs} rhs {rhs} root {root:?}");
}

#[test]
fn excerpts_are_shown_where_the_format_has_room() {
    check_sides(true, true, None, [2, 2, 2]);
    check_sides(true, false, None, [0, 2, 2]);
    check_sides(false, false, None, [0, 0, 0]);
    // Markdown leaves a consequence's bytes out.
    check_sides(true, true, Some(1), [2, 0, 2]);
}

/// Input differences of these causes (`None`: none), in this order, one line each.
fn inputs(causes: &[Option<&str>]) -> crate::actions::BuildInputs {
    use crate::actions::{InputDifference, LinePair};
    crate::actions::BuildInputs {
        input_differences: causes
            .iter()
            .enumerate()
            .map(|(i, cause)| InputDifference {
                mode: "build".into(),
                package: format!("p{i}"),
                lines: vec![LinePair {
                    lhs: Some(format!("dir /a/{}", "x".repeat(300))),
                    rhs: None,
                }],
                dependency_lines: 0,
                cause: cause.map(str::to_owned),
            })
            .collect(),
        ..Default::default()
    }
}

#[test]
fn input_differences_group_by_cause_within_the_limit() {
    let e = Some("embedded-path");
    let b = inputs(&[e, None, Some("toolchain"), e, None, e, e, Some("cgo")]);
    let limits = Limits {
        inputs_per_cause: 2,
        ..Limits::HTML
    };
    let v = InputsView::new(&b, &limits);
    let got: Vec<String> = v
        .causes
        .iter()
        .map(|c| {
            let shown: Vec<&str> = c
                .differences
                .items
                .iter()
                .map(|d| d.action.as_str())
                .collect();
            format!(
                "{}: {} +{}",
                c.cause,
                shown.join(", "),
                c.differences.hidden()
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "cgo: build p7 +0",
            "embedded-path: build p0, build p3 +2",
            "other: build p1, build p4 +0",
            "toolchain: build p2 +0",
        ]
    );
    // Markdown's one table: the same ones in the report's order.
    let listed: Vec<usize> = v.listed().iter().map(|d| d.at).collect();
    assert_eq!(listed, [0, 1, 2, 3, 4, 7]);
    assert_eq!(v.hidden(), 2);
    assert!(!v.is_empty());
    // Each format clips the lines to its own length.
    for (limits, chars) in [(Limits::human(false), 160), (Limits::MARKDOWN, 120)] {
        let v = InputsView::new(&b, &limits);
        let line = &v.causes[0].differences.items[0].lines.items[0];
        assert_eq!(
            line.lhs.as_deref().map(|s| s.chars().count()),
            Some(chars + 1)
        );
        assert!(line.rhs.is_none());
    }
}

#[test]
fn empty_build_inputs_are_empty() {
    let b = crate::actions::BuildInputs::default();
    let v = InputsView::new(&b, &Limits::HTML);
    assert!(v.is_empty() && v.listed().is_empty() && v.hidden() == 0);
    let mut b = inputs(&[]);
    b.timings.rhs.actions = 3;
    assert!(!InputsView::new(&b, &Limits::HTML).is_empty());
    let mut b = inputs(&[]);
    b.notes.push("lhs: no hash log was kept".into());
    assert!(!InputsView::new(&b, &Limits::HTML).is_empty());
}
