//! Stage 4, `attribute`: every differing byte gets a cause.
//!
//! Input: both [`Binary`] values, their [`Diff`] and the build's
//! [`VariationHints`] (empty for `twinbuild diff`). Output: an
//! [`Attribution`], a list of [`Finding`]s whose byte counts add up exactly
//! to the diff's differing bytes.
//!
//! How: the Go structures of both sides are read ([`landmarks`]); each hunk
//! is classified by what contains it (build ID, buildinfo, a `-X` string, a
//! path from a variation hint, a pclntab or DWARF file name), else by its
//! section (code, data, header, DWARF). Classified hunks are grouped into
//! findings by (cause, section, subject). Then root versus consequence: when
//! a root changed a size, the residual differences (moved offsets, addresses,
//! stored lengths, hashes of other content) become `layout-shift` findings
//! that name the root they follow from.
//!
//! Pure: no I/O, no panics on malformed input.

mod cause;
mod classify;
mod finding;
pub mod landmarks;
pub mod prove;
mod resolve;

use std::borrow::Cow;
use std::collections::HashMap;

pub use cause::Cause;
pub use finding::{Excerpt, Finding, Location};

use crate::binary::Binary;
use crate::diff::{Diff, SectionPair, Status};
use crate::harness::VariationHints;
use landmarks::Landmarks;

/// The findings for one diff.
#[derive(Debug, Clone, Default)]
pub struct Attribution {
    pub findings: Vec<Finding>,
    /// Structures that could not be read (attribution falls back to sections).
    pub warnings: Vec<String>,
}

/// One side's binary with its landmarks and lazily inflated section contents.
struct Side<'a, 'd> {
    bin: &'a Binary<'d>,
    marks: Landmarks,
    contents: HashMap<usize, Cow<'a, [u8]>>,
}

impl<'a, 'd> Side<'a, 'd> {
    fn new(
        bin: &'a Binary<'d>,
        diff: &Diff,
        side: fn(&SectionPair) -> Option<usize>,
    ) -> Side<'a, 'd> {
        let mut contents = HashMap::new();
        for p in diff.pairs.iter().filter(|p| p.status == Status::Differs) {
            if let Some(i) = side(p) {
                let c = match bin.contents(i) {
                    Ok(c) if p.compared == crate::diff::Compared::Decompressed => c,
                    _ => Cow::Borrowed(bin.raw(i)),
                };
                contents.insert(i, c);
            }
        }
        let dwarf_differs = diff
            .pairs
            .iter()
            .any(|p| p.status == Status::Differs && is_debug(&p.name));
        Side {
            bin,
            marks: Landmarks::read(bin, dwarf_differs),
            contents,
        }
    }

    fn data(&self, i: usize) -> &[u8] {
        self.contents.get(&i).map(|c| &c[..]).unwrap_or(&[])
    }
}

/// Attribute every differing byte of `diff` to a cause.
pub fn attribute(
    lhs: &Binary<'_>,
    rhs: &Binary<'_>,
    diff: &Diff,
    hints: &VariationHints,
) -> Attribution {
    if diff.identical {
        return Attribution::default();
    }
    // The sides' Go structures (DWARF, when it differs, is the costly part) are read at once.
    let (l, r) = std::thread::scope(|scope| {
        let r = scope.spawn(|| Side::new(rhs, diff, |p| p.rhs));
        let l = Side::new(lhs, diff, |p| p.lhs);
        (l, r.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    });
    let mut warnings: Vec<String> = l
        .marks
        .warnings
        .iter()
        .map(|w| format!("lhs: {w}"))
        .collect();
    warnings.extend(r.marks.warnings.iter().map(|w| format!("rhs: {w}")));

    let hints = classify::variations(hints, &l.marks, &r.marks);
    let classified = classify::classify(&l, &r, diff, &hints);
    let proven = prove::prove(&l, &r, diff, &hints, classified.hunks);
    Attribution {
        findings: resolve::resolve(&l, &r, diff, proven, classified.one_sided),
        warnings,
    }
}

fn is_code(name: &str) -> bool {
    name == ".text"
        || name.ends_with(",__text")
        || name == ".plt"
        || name == ".init"
        || name == ".fini"
}

fn is_debug(name: &str) -> bool {
    name.starts_with(".debug") || name.starts_with(".zdebug") || name.starts_with("__DWARF,")
}

#[cfg(test)]
mod tests {
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
            i.mnemonic() == iced_x86::Mnemonic::Call
                && i.op_kind(0) == iced_x86::OpKind::NearBranch64
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
}
