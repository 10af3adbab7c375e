use super::*;
use crate::binary::go::fixtures;
use crate::binary::Binary;
use crate::diff::Diff;

/// Prove the DWARF of `lhs` against `rhs` (bytes), with `subs` as the
/// roots' substitutions, and hand the result to `check`.
fn with_proof(
    lhs: &[u8],
    rhs: &[u8],
    subs: &[(&str, &str)],
    check: impl FnOnce(&Binary<'_>, &Binary<'_>, &Diff, &TableProof),
) {
    with_proof_in(lhs, rhs, subs, false, check)
}

/// [`with_proof`], comparing every unit, line program and frame with `all`.
fn with_proof_in(
    lhs: &[u8],
    rhs: &[u8],
    subs: &[(&str, &str)],
    all: bool,
    check: impl FnOnce(&Binary<'_>, &Binary<'_>, &Diff, &TableProof),
) {
    super::super::testing::with_proof(lhs, rhs, subs, |i| prove_in(i, all), check)
}

const PATHS: (&str, &str) = ("/tmp/tbfx/a/src", "/tmp/tbfx/bb/deeper/source");

/// A hunk: section name, lhs and rhs section indexes, lhs and rhs ranges.
type Hunk = (
    String,
    usize,
    usize,
    std::ops::Range<u64>,
    std::ops::Range<u64>,
);

/// The hunks of the `.debug_info` and `.debug_line` pairs.
fn hunks(a: &Binary<'_>, d: &Diff) -> Vec<Hunk> {
    d.pairs
        .iter()
        .filter(|p| p.name.ends_with("debug_info") || p.name.ends_with("debug_line"))
        .flat_map(|p| {
            p.hunks.iter().map(|h| {
                let i = p.lhs.unwrap();
                (
                    a.sections[i].name.clone(),
                    i,
                    p.rhs.unwrap(),
                    h.lhs.clone(),
                    h.rhs.clone(),
                )
            })
        })
        .collect()
}

#[test]
fn build_paths_in_dwarf_are_proven() {
    for target in [
        "linux-amd64",
        "linux-arm64",
        "windows-amd64",
        "darwin-arm64",
    ] {
        let (x, y) = (
            fixtures::load(target, "plain-a"),
            fixtures::load(target, "plain-b"),
        );
        with_proof(&x, &y, &[PATHS], |a, _, d, proof| {
            assert!(
                proof.differences.is_empty(),
                "{target}: {:#?}",
                &proof.differences[..proof.differences.len().min(5)]
            );
            let hunks = hunks(a, d);
            assert!(!hunks.is_empty(), "{target}");
            for (name, i, j, l, r) in hunks {
                assert!(
                    proof.covers(i, &l, j, &r),
                    "{target}: {name} {l:#x?} / {r:#x?}"
                );
            }
        });
    }
}

#[test]
fn paths_outside_the_roots_are_a_difference() {
    let (x, y) = (
        fixtures::load("linux-amd64", "plain-a"),
        fixtures::load("linux-amd64", "plain-b"),
    );
    with_proof(&x, &y, &[], |_, _, _, proof| {
        assert!(
            proof
                .differences
                .iter()
                .any(|d| d.title.contains("line table of unit main")),
            "{:#?}",
            proof.differences
        );
        assert!(proof.differences.iter().all(|d| d.cause == Cause::Dwarf));
    });
}

#[test]
fn identical_dwarf_needs_no_proof() {
    let release = fixtures::load("linux-amd64", "release");
    with_proof(&release, &release, &[], |_, _, _, proof| {
        assert!(proof.lhs.is_empty() && proof.differences.is_empty());
    });
}

#[test]
fn corrupt_dwarf_does_not_panic() {
    let x = fixtures::load("linux-amd64", "plain-a");
    let bin = Binary::parse(&x).unwrap();
    let info = bin.section_index(".debug_info").unwrap();
    // Flip bytes through the (compressed) section: decoding fails or
    // differs, never panics.
    let r = bin.sections[info].file_range.clone();
    for step in [97usize, 1013, 4099] {
        let mut y = x.clone();
        for k in (r.start as usize + 40..r.end as usize).step_by(step) {
            y[k] ^= 0x5a;
        }
        with_proof(&x, &y, &[PATHS], |_, _, _, _| {});
    }
}

#[test]
fn equal_units_line_programs_and_frames_are_covered_whole() {
    let (x, y) = (
        fixtures::load("linux-amd64", "plain-a"),
        fixtures::load("linux-amd64", "plain-b"),
    );
    with_proof_in(&x, &y, &[PATHS], true, |a, _, _, proof| {
        for name in [".debug_info", ".debug_line", ".debug_frame"] {
            let i = a.section_index(name).unwrap();
            let len = a.contents(i).unwrap().len() as u64;
            assert!(
                proof.lhs.iter().any(|p| p.0 == i && p.1 == (0..len)),
                "{name}: {:?}",
                proof
                    .lhs
                    .iter()
                    .filter(|p| p.0 == i)
                    .take(3)
                    .collect::<Vec<_>>()
            );
        }
    });
}

#[test]
fn lists_and_addresses_are_covered_where_used() {
    for target in ["linux-amd64", "darwin-arm64"] {
        let (x, y) = (
            fixtures::load(target, "plain-a"),
            fixtures::load(target, "plain-b"),
        );
        with_proof_in(&x, &y, &[PATHS], true, |a, _, _, proof| {
            let mut checked = 0;
            for (i, s) in a.sections.iter().enumerate() {
                let known = [
                    "rnglists",
                    "loclists",
                    "debug_addr",
                    "debug_ranges",
                    "debug_loc",
                ];
                if !known.iter().any(|k| s.name.ends_with(k)) && !s.name.contains("_addr") {
                    continue;
                }
                let len = a.contents(i).unwrap().len() as u64;
                let covered: u64 = proof
                    .lhs
                    .iter()
                    .filter(|p| p.0 == i)
                    .map(|p| p.1.end - p.1.start)
                    .sum();
                // Only the sections' headers are not covered.
                assert!(
                    covered + 64 >= len,
                    "{target} {}: {covered} of {len}",
                    s.name
                );
                checked += 1;
            }
            assert!(checked >= 2, "{target}: {checked} list sections");
        });
    }
}

#[test]
fn only_what_differs_is_decoded() {
    let (x, y) = (
        fixtures::load("linux-amd64", "plain-a"),
        fixtures::load("linux-amd64", "plain-b"),
    );
    with_proof(&x, &y, &[PATHS], |a, _, d, proof| {
        // Every differing byte is covered...
        for (name, i, j, l, r) in hunks(a, d) {
            assert!(proof.covers(i, &l, j, &r), "{name} {l:#x?} / {r:#x?}");
        }
        // ...but `.debug_frame`, the same on both sides, is not decoded,
        // and `.debug_info` is covered only in the units that differ.
        let frame = a.section_index(".debug_frame").unwrap();
        assert!(d
            .pairs
            .iter()
            .any(|p| p.lhs == Some(frame) && p.status == Status::Same));
        assert!(proof.lhs.iter().all(|p| p.0 != frame));
        let info = a.section_index(".debug_info").unwrap();
        let len = a.contents(info).unwrap().len() as u64;
        let covered: u64 = proof
            .lhs
            .iter()
            .filter(|p| p.0 == info)
            .map(|p| p.1.end - p.1.start)
            .sum();
        assert!(covered > 0 && covered < len, "{covered} of {len}");
    });
}
