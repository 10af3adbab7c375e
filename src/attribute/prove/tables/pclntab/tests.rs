use super::side::Func;
use super::*;
use crate::binary::go::fixtures;
use crate::binary::go::pclntab;
use crate::binary::Binary;
use crate::diff::Diff;

/// Prove the pclntab of `lhs` against `rhs` (bytes), with `subs` as the
/// roots' substitutions, and hand the result to `check`.
fn with_proof(
    lhs: &[u8],
    rhs: &[u8],
    subs: &[(&str, &str)],
    check: impl FnOnce(&Binary<'_>, &Binary<'_>, &Diff, &TableProof),
) {
    with_proof_in(lhs, rhs, subs, false, check)
}

/// [`with_proof`], comparing every function pair with `all`.
fn with_proof_in(
    lhs: &[u8],
    rhs: &[u8],
    subs: &[(&str, &str)],
    all: bool,
    check: impl FnOnce(&Binary<'_>, &Binary<'_>, &Diff, &TableProof),
) {
    super::super::testing::with_proof(lhs, rhs, subs, |i| prove_in(i, all), check)
}

/// The hunks of the pclntab section pair.
fn pclntab_hunks(a: &Binary<'_>, d: &Diff) -> Vec<(usize, usize, Range<u64>, Range<u64>)> {
    let span = pclntab::read(a, &mut Vec::new()).unwrap().span;
    let i = span.section;
    d.pairs
        .iter()
        .filter(|p| p.lhs == Some(i))
        .flat_map(|p| {
            p.hunks
                .iter()
                .filter(|h| h.lhs.start < span.range.end)
                .map(|h| (i, p.rhs.unwrap(), h.lhs.clone(), h.rhs.clone()))
        })
        .collect()
}

const PATHS: (&str, &str) = ("/tmp/tbfx/a/src", "/tmp/tbfx/bb/deeper/source");

#[test]
fn build_paths_are_proven_in_every_format() {
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
            let hunks = pclntab_hunks(a, d);
            assert!(!hunks.is_empty(), "{target}");
            for (i, j, l, r) in hunks {
                assert!(proof.covers(i, &l, j, &r), "{target}: {l:#x?} / {r:#x?}");
            }
        });
    }
}

#[test]
fn plain_pclntab_is_covered_but_for_undecoded_funcdata() {
    let (x, y) = (
        fixtures::load("linux-amd64", "plain-a"),
        fixtures::load("linux-amd64", "plain-b"),
    );
    with_proof_in(&x, &y, &[PATHS], true, |a, _, _, proof| {
        let tab = pclntab::read(a, &mut Vec::new()).unwrap();
        let covered: u64 = proof
            .lhs
            .iter()
            .filter(|p| p.0 == tab.span.section)
            .map(|p| p.1.end - p.1.start)
            .sum();
        let total = tab.span.len();
        // Everything but the stack maps and other funcdata in go:func.*.
        assert!(covered * 100 >= total * 75, "{covered} of {total}");
    });
}

#[test]
fn identical_and_stamped_pclntabs_need_no_proof() {
    let release = fixtures::load("linux-amd64", "release");
    with_proof(&release, &release, &[], |_, _, _, proof| {
        assert!(proof.lhs.is_empty() && proof.differences.is_empty());
    });
    let (x, y) = (
        fixtures::load("linux-amd64", "stamp-a"),
        fixtures::load("linux-amd64", "stamp-b"),
    );
    with_proof(&x, &y, &[], |_, _, _, proof| {
        assert!(proof.differences.is_empty(), "{:#?}", proof.differences);
    });
}

/// The offset in the file of main.main's `_func` record in plain-b.
fn main_record(data: &[u8]) -> (usize, Func, u64) {
    let bin = Binary::parse(data).unwrap();
    let tab = pclntab::read(&bin, &mut Vec::new()).unwrap();
    let side = Side::new(&bin, &tab).unwrap();
    let f = (0..tab.nfunc)
        .filter_map(|k| side.func(k))
        .find(|f| f.name.as_deref() == Some("main.main"))
        .unwrap();
    let file_base = bin.sections[side.section].file_range.start + side.base;
    (file_base as usize, f, side.off[PCTAB])
}

#[test]
fn a_changed_line_table_is_a_difference_naming_the_function() {
    let x = fixtures::load("linux-amd64", "plain-a");
    // The start line of main.main, one more on the rhs.
    let mut y = fixtures::load("linux-amd64", "plain-b");
    let (base, f, _) = main_record(&y);
    let at = base + f.rec as usize + 4 * Func::START_LINE;
    y[at] = y[at].wrapping_add(1);
    with_proof(&x, &y, &[PATHS], |_, _, _, proof| {
        let d = &proof.differences;
        assert!(!d.is_empty());
        assert!(d.iter().all(|d| d.subject == "main.main"), "{d:#?}");
        assert_eq!(
            d[0].title,
            "pclntab entry of main.main: its start line differs"
        );
    });
    // Its line table: the first value delta changed.
    let mut y = fixtures::load("linux-amd64", "plain-b");
    let (base, f, pctab) = main_record(&y);
    let at = base + (pctab + u64::from(f.fields[Func::PCLN])) as usize;
    y[at] ^= 0x02;
    with_proof(&x, &y, &[PATHS], |a, _, d, proof| {
        let diffs = &proof.differences;
        assert!(
            diffs
                .iter()
                .any(|d| d.title == "pclntab entry of main.main: its line table differs"),
            "{diffs:#?}"
        );
        // The tampered byte is a hunk that is not proven.
        let hunk = pclntab_hunks(a, d)
            .into_iter()
            .find(|(i, j, l, r)| proof.difference_at(*i, l, *j, r).is_some());
        assert!(hunk.is_some());
    });
}

#[test]
fn a_file_outside_the_roots_is_a_difference() {
    // Without the substitution, the differing paths are not explained.
    let (x, y) = (
        fixtures::load("linux-amd64", "plain-a"),
        fixtures::load("linux-amd64", "plain-b"),
    );
    with_proof(&x, &y, &[], |_, _, _, proof| {
        assert!(proof
            .differences
            .iter()
            .any(|d| d.subject == "/tmp/tbfx/a/src/main.go"));
    });
}

#[test]
fn pc_value_tables_decode() {
    let x = fixtures::load("linux-amd64", "plain-a");
    let bin = Binary::parse(&x).unwrap();
    let tab = pclntab::read(&bin, &mut Vec::new()).unwrap();
    let side = Side::new(&bin, &tab).unwrap();
    assert!(side.module.is_some(), "moduledata found");
    assert!(
        side.checked_findfunctab().is_some(),
        "findfunctab recomputed"
    );
    let f = (0..tab.nfunc)
        .filter_map(|k| side.func(k))
        .find(|f| f.name.as_deref() == Some("main.main"))
        .unwrap();
    let lines = side.pc_table(f.fields[Func::PCLN]).unwrap().unwrap();
    assert!(lines
        .pairs
        .iter()
        .all(|p| p.0 >= f.fields[Func::START_LINE] as i32));
    assert_eq!(side.pc_table(0), Some(None));
    // Garbage offsets: no panic.
    for off in [u32::MAX, u32::MAX / 2, 1, 7] {
        let _ = side.pc_table(off);
        let _ = side.file_of(off, 3);
        let _ = side.name(off);
    }
}
