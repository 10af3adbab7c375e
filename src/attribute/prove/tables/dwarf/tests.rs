use super::*;
use crate::attribute::prove::correspond::AddrMap;
use crate::attribute::prove::Roots;
use crate::binary::go::{fixtures, pclntab};
use crate::diff::Diff;

/// Prove the DWARF of `lhs` against `rhs` (bytes), with `subs` as the
/// roots' substitutions, and hand the result to `check`.
fn with_proof(
    lhs: &[u8],
    rhs: &[u8],
    subs: &[(&str, &str)],
    check: impl FnOnce(&Binary<'_>, &Binary<'_>, &Diff, &TableProof),
) {
    let (a, b) = (Binary::parse(lhs).unwrap(), Binary::parse(rhs).unwrap());
    let d = crate::diff::diff(&a, &b);
    let (ta, tb) = (
        pclntab::read(&a, &mut Vec::new()),
        pclntab::read(&b, &mut Vec::new()),
    );
    let map = AddrMap::new(&a, &b, &d, ta.as_ref(), tb.as_ref());
    let mut roots = Roots {
        substitutions: subs
            .iter()
            .map(|(x, y)| (x.to_string(), y.to_string()))
            .collect(),
        ..Roots::default()
    };
    roots.finish();
    let mut proof = prove(&Inputs {
        lhs: &a,
        rhs: &b,
        diff: &d,
        map: &map,
        roots: &roots,
        lhs_pclntab: ta.as_ref(),
        rhs_pclntab: tb.as_ref(),
    });
    proof.finish();
    check(&a, &b, &d, &proof);
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
