use super::super::testing::with_edited_proof;
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

/// Per unit of `bin`, the `.debug_info` offset of the first byte of the
/// `DW_AT_decl_line` value of its last subprogram that has one, and the
/// subprogram's name: a plain value late in the unit, far past its header.
fn late_decl_lines(bin: &Binary<'_>) -> Vec<(usize, String)> {
    let info = bin.section_index(".debug_info").unwrap();
    let data = bin.contents(info).unwrap();
    let abbrev = bin
        .contents(bin.section_index(".debug_abbrev").unwrap())
        .unwrap();
    let endian = gimli::RunTimeEndian::Little;
    let d = gimli::Dwarf {
        debug_info: gimli::DebugInfo::new(&data, endian),
        debug_abbrev: gimli::DebugAbbrev::new(&abbrev, endian),
        ..Default::default()
    };
    let mut out = Vec::new();
    let mut units = d.units();
    while let Some(header) = units.next().unwrap() {
        let abbrevs = d.abbreviations(&header).unwrap();
        let mut raw = header.entries_raw(&abbrevs, None).unwrap();
        let mut last = None;
        while !raw.is_empty() {
            let Some(a) = raw.read_abbreviation().unwrap() else {
                continue;
            };
            let (mut line, mut name) = (None, None);
            for spec in a.attributes() {
                let at = header.offset().0 + raw.next_offset().0;
                let attr = raw.read_attribute(*spec).unwrap();
                match (a.tag(), attr.name(), attr.value()) {
                    (gimli::DW_TAG_subprogram, gimli::DW_AT_decl_line, _) => line = Some(at),
                    (
                        gimli::DW_TAG_subprogram,
                        gimli::DW_AT_name,
                        gimli::AttributeValue::String(s),
                    ) => name = Some(String::from_utf8_lossy(s.slice()).into_owned()),
                    _ => {}
                }
            }
            if let (Some(l), Some(n)) = (line, name) {
                last = Some((l, n));
            }
        }
        out.extend(last);
    }
    out
}

#[test]
fn a_change_late_in_a_differing_unit_is_found() {
    // Every unit's header differs here (its line program moved), and the
    // walk stops where the rest of a unit is the same bytes: a value changed
    // after the header must still be compared.
    let (x, y) = (
        fixtures::load("linux-amd64", "plain-a"),
        fixtures::load("linux-amd64", "plain-b"),
    );
    let lines = late_decl_lines(&Binary::parse(&y).unwrap());
    assert!(lines.len() > 3, "{} units with subprograms", lines.len());
    let (at, func) = lines[lines.len() / 2].clone();
    with_edited_proof(
        &x,
        &y,
        &[PATHS],
        |b| {
            let info = b.section_index(".debug_info").unwrap();
            b.edit_inflated(info, |d| d[at] ^= 1);
        },
        |i| prove_in(i, false),
        |_, _, _, proof| {
            assert!(
                proof
                    .differences
                    .iter()
                    .any(|d| d.title.contains(&format!("DWARF of {func} differs"))),
                "{func}: {:#?}",
                proof.differences
            );
        },
    );
}

#[test]
fn lean_comparison_proves_what_the_full_one_does() {
    // The range and location lists are the same bytes on both sides here,
    // so the lean comparison does not inflate them: it must cover the same
    // `.debug_info` and `.debug_line` bytes as the one that reads them.
    for target in ["linux-amd64", "darwin-arm64", "windows-amd64"] {
        let (x, y) = (
            fixtures::load(target, "plain-a"),
            fixtures::load(target, "plain-b"),
        );
        let covered = |lean: bool| {
            let mut out = None;
            with_proof_in_mode(&x, &y, lean, |a, _, _, proof| {
                assert!(proof.differences.is_empty(), "{target} lean {lean}");
                let keep = [SectionId::DebugInfo, SectionId::DebugLine]
                    .map(|id| crate::binary::go::dwarf::dwarf_section(a, id));
                let places = |v: &[Place]| {
                    v.iter()
                        .filter(|p| keep.contains(&Some(p.0)))
                        .cloned()
                        .collect::<Vec<_>>()
                };
                out = Some((places(&proof.lhs), places(&proof.rhs)));
            });
            out.unwrap()
        };
        let (lean, full) = (covered(true), covered(false));
        assert!(!lean.0.is_empty(), "{target}");
        assert_eq!(lean, full, "{target}");
    }
}

/// [`with_proof`] by the lean comparison or the full one.
fn with_proof_in_mode(
    lhs: &[u8],
    rhs: &[u8],
    lean: bool,
    check: impl FnOnce(&Binary<'_>, &Binary<'_>, &Diff, &TableProof),
) {
    super::super::testing::with_proof(
        lhs,
        rhs,
        &[PATHS],
        |i| compare(i, false, lean).expect("no list needed"),
        check,
    )
}
