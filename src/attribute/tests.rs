//! The stage's tests: `attribute` over the committed fixtures (and
//! fixtures changed in place: a constant, a call, a data word), checking
//! the root causes, that every byte is accounted for, and that each
//! layout shift names a root.

use super::*;
use crate::harness::Hint;

fn load(target: &str, name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/{target}/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Attribute `lhs` against `rhs` and check the root causes, that every
/// byte is accounted for, and that layout shifts name an existing root.
fn check(target: &str, lhs: &str, rhs: &str, hints: &[Hint], roots: &[Cause]) -> Attribution {
    let (a, b) = (load(target, lhs), load(target, rhs));
    let (a, b) = (Binary::parse(&a).unwrap(), Binary::parse(&b).unwrap());
    let d = crate::diff::diff(&a, &b);
    let got = attribute(
        &a,
        &b,
        &d,
        &VariationHints {
            hints: hints.to_vec(),
        },
    );
    let total: u64 = got.findings.iter().map(|f| f.bytes).sum();
    assert_eq!(
        total,
        d.differing_bytes(),
        "{target} {lhs}/{rhs}: accounting"
    );
    let mut root_causes: Vec<Cause> = got
        .findings
        .iter()
        .filter(|f| f.root.is_none())
        .map(|f| f.cause)
        .collect();
    root_causes.dedup();
    assert_eq!(
        root_causes, roots,
        "{target} {lhs}/{rhs}: {:#?}",
        got.findings
    );
    for (k, f) in got.findings.iter().enumerate() {
        assert_eq!(f.id, k + 1);
        if let Some(r) = f.root {
            assert_eq!(f.cause, Cause::LayoutShift);
            assert!(
                got.findings[r - 1].root.is_none(),
                "a shift names a root finding"
            );
        }
    }
    got
}

#[test]
fn identical_files_have_no_findings() {
    let got = check("linux-amd64", "release", "release", &[], &[]);
    assert!(got.findings.is_empty());
}

#[test]
fn differing_workdirs_are_an_embedded_path_and_a_build_id() {
    for target in ["linux-amd64", "linux-arm64", "windows-amd64"] {
        let got = check(
            target,
            "plain-a",
            "plain-b",
            &[],
            &[Cause::EmbeddedPath, Cause::BuildId],
        );
        let path = &got.findings[0];
        assert!(
            path.title.contains("/tmp/tbfx/a/src"),
            "{target}: the derived path is named: {}",
            path.title
        );
        assert!(path.fix.as_deref().unwrap().contains("-trimpath"));
    }
}

#[test]
fn a_hint_names_the_variation() {
    let hint = Hint {
        variation: "workdir".into(),
        lhs: "/tmp/tbfx/a/src".into(),
        rhs: "/tmp/tbfx/bb/deeper/source".into(),
    };
    let got = check(
        "linux-amd64",
        "plain-a",
        "plain-b",
        &[hint],
        &[Cause::EmbeddedPath, Cause::BuildId],
    );
    assert_eq!(got.findings[0].variation.as_deref(), Some("workdir"));
    assert!(got.findings[0]
        .title
        .starts_with("the workdir path /tmp/tbfx/a/src"));
}

#[test]
fn a_stripped_binary_still_shows_the_path_in_the_pclntab() {
    let got = check(
        "linux-amd64",
        "stripped-a",
        "stripped-b",
        &[],
        &[Cause::EmbeddedPath, Cause::BuildId],
    );
    assert!(got.findings[0]
        .locations
        .iter()
        .any(|l| l.section == ".gopclntab"));
}

#[test]
fn an_x_stamp_is_ldflags_x_naming_the_variable() {
    let got = check("linux-amd64", "stamp-a", "stamp-b", &[], &[Cause::LdflagsX]);
    assert!(
        got.findings[0].title.contains("main.date"),
        "{}",
        got.findings[0].title
    );
}

#[test]
fn trimpath_against_plain_names_settings_paths_and_build_id() {
    // A trimmed against an untrimmed build differ in structure, not only
    // by a path (section counts, file-table order, DWARF directory
    // lists): the classifier names the three roots, and what it cannot
    // prove is named as unproven roots of its own, never as a shift.
    let (a, b) = (
        load("linux-amd64", "release"),
        load("linux-amd64", "plain-a"),
    );
    let got = attribute_bytes(&a, &b);
    let roots: Vec<Cause> = got
        .findings
        .iter()
        .filter(|f| f.root.is_none())
        .map(|f| f.cause)
        .collect();
    for c in [Cause::EmbeddedPath, Cause::BuildId, Cause::Buildinfo] {
        assert!(roots.contains(&c), "{c}: {roots:?}");
    }
    for f in got.findings.iter().filter(|f| f.root.is_none()) {
        let named = matches!(
            f.cause,
            Cause::EmbeddedPath | Cause::BuildId | Cause::Buildinfo
        );
        assert!(named || f.proven == Some(false), "{f:#?}");
    }
}

/// Attribute `a` against `b` and check that every byte is accounted for.
fn attribute_bytes(a: &[u8], b: &[u8]) -> Attribution {
    let (a, b) = (Binary::parse(a).unwrap(), Binary::parse(b).unwrap());
    let d = crate::diff::diff(&a, &b);
    let got = attribute(&a, &b, &d, &VariationHints::default());
    let total: u64 = got.findings.iter().map(|f| f.bytes).sum();
    assert_eq!(total, d.differing_bytes(), "accounting");
    got
}

/// File offset and bytes of the symbol `name` in an ELF fixture.
fn symbol_bytes(data: &[u8], name: &str) -> (usize, usize) {
    let bin = Binary::parse(data).unwrap();
    let s = bin.symbols.iter().find(|s| s.name == name).unwrap();
    let sec = &bin.sections[s.section.unwrap()];
    let off = sec.file_range.start + (s.address - sec.address.unwrap());
    (off as usize, s.size as usize)
}

/// The offset (in `data`) and decoded form of the first instruction of
/// function `name` that `pick` accepts.
fn find_instruction(
    data: &[u8],
    name: &str,
    pick: impl Fn(&iced_x86::Instruction) -> bool,
) -> (usize, iced_x86::Instruction, iced_x86::ConstantOffsets) {
    let (off, size) = symbol_bytes(data, name);
    let mut dec = iced_x86::Decoder::with_ip(64, &data[off..off + size], 0, 0);
    while dec.can_decode() {
        let i = dec.decode();
        if pick(&i) {
            return (off + i.ip() as usize, i, dec.get_constant_offsets(&i));
        }
    }
    panic!("no such instruction in {name}");
}

/// The unproven code or data root naming `subject`, if there is one.
fn unproven_root<'f>(got: &'f Attribution, subject: &str) -> Option<&'f Finding> {
    got.findings.iter().find(|f| {
        f.root.is_none()
            && f.proven == Some(false)
            && matches!(f.cause, Cause::Code | Cause::Data)
            && f.title.contains(subject)
    })
}

// Regression guard for the laundering hole of issue 11: a changed
// constant next to a path that shifted everything was filed as
// "layout-shift". It must be a code root naming the function.
#[test]
fn a_changed_immediate_next_to_a_shift_is_a_code_root() {
    let (a, mut b) = (
        load("linux-amd64", "plain-a"),
        load("linux-amd64", "plain-b"),
    );
    let (at, i, offsets) = find_instruction(&b, "main.main", |i| {
        i.op_count() == 2 && i.op_kind(1) == iced_x86::OpKind::Immediate8to64
    });
    assert!(offsets.has_immediate(), "{i}");
    b[at + offsets.immediate_offset()] ^= 0x01;
    let got = attribute_bytes(&a, &b);
    let f = unproven_root(&got, "main.main").unwrap_or_else(|| panic!("{:#?}", got.findings));
    assert_eq!(f.cause, Cause::Code);
    assert!(!f.instructions.is_empty());
    assert_ne!(f.instructions[0].lhs, f.instructions[0].rhs);
}

#[test]
fn a_redirected_call_is_a_code_root() {
    let (a, mut b) = (
        load("linux-amd64", "plain-a"),
        load("linux-amd64", "plain-b"),
    );
    let (at, _, offsets) = find_instruction(&b, "main.main", |i| {
        i.mnemonic() == iced_x86::Mnemonic::Call && i.op_kind(0) == iced_x86::OpKind::NearBranch64
    });
    let k = at + offsets.displacement_offset().max(1);
    let rel = i32::from_le_bytes(b[k..k + 4].try_into().unwrap()) + 16;
    b[k..k + 4].copy_from_slice(&rel.to_le_bytes());
    let got = attribute_bytes(&a, &b);
    assert!(
        unproven_root(&got, "main.main").is_some(),
        "{:#?}",
        got.findings
    );
}

#[test]
fn a_changed_data_word_is_a_data_root_naming_the_symbol() {
    let (a, mut b) = (
        load("linux-amd64", "stamp-a"),
        load("linux-amd64", "stamp-b"),
    );
    let bin = Binary::parse(&b).unwrap();
    // A pointer-free variable with a value in it.
    let s = bin
        .symbols
        .iter()
        .find(|s| {
            s.size >= 8
                && s.section
                    .is_some_and(|k| bin.sections[k].name == ".noptrdata")
                && s.name.starts_with("runtime.")
        })
        .unwrap()
        .name
        .clone();
    drop(bin);
    let (off, _) = symbol_bytes(&b, &s);
    b[off] ^= 0x40;
    let got = attribute_bytes(&a, &b);
    let f = unproven_root(&got, &s).unwrap_or_else(|| panic!("{s}: {:#?}", got.findings));
    assert_eq!(f.cause, Cause::Data);
}

#[test]
fn a_longer_stamp_alone_is_fully_proven() {
    let got = check("linux-amd64", "stamp-a", "stamp-b", &[], &[Cause::LdflagsX]);
    assert!(
        got.findings.iter().all(|f| f.proven != Some(false)),
        "{:#?}",
        got.findings
    );
}
