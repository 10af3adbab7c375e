//! Proving consequences: a byte that differs without a cause of its own
//! (an address in code, a pointer in data, an offset in a Go table, a
//! header field) counts as a consequence of a root only when the claim is
//! proven; what cannot be proven becomes a `code` or `data` root of its own,
//! named by symbol.
//!
//! Input: both sides, the diff, the variation hints and the classified
//! hunks. Output: `Proven`, each hunk with its final class and what proved
//! it; the hashes over the rest wait for `resolve`, which proves them when
//! every other byte is.
//!
//! How: `prove` gathers the ranges the classifier gave to root causes
//! ([`Roots`]) and the address correspondence ([`correspond::AddrMap`]);
//! for each residual hunk `proofs` picks the prover, which gives an
//! [`Outcome`]. An unproven hunk becomes a root of its own, named where it
//! is, except under a `toolchain` root (there code and data are generated
//! differently: it stays a consequence, marked unproven).
//!
//! The proofs, each by what it rests on ([`ProofKind`]):
//! - `address` (`code`): the function around a differing code byte decodes
//!   on both sides to the same instructions, operand for operand, except
//!   address-carrying operands whose lhs target corresponds to the rhs
//!   target; (`data`): a pointer-sized word holding corresponding addresses.
//! - `length`: a string length stored next to a proven pointer, where the
//!   string itself differs only by a root.
//! - `offset`: padding that moved with the layout (the same fill byte on
//!   both sides), a header field holding the same layout quantity (the
//!   offset, address or size of the same section or segment).
//! - `table`: a Go table (pclntab, symbol table) or DWARF decoded on both
//!   sides and found equal modulo the correspondence and the roots.
//! - `hash`: an ID computed over the rest of the file (GNU build-id,
//!   LC_UUID, a code signature), proven only when every other byte is.
//!
//! Pure: no I/O, no panics on malformed input.

pub mod code;
pub mod correspond;
pub mod data;
pub mod headers;
mod proofs;
pub mod tables;

use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::classify::{Class, Residual};
use super::{Cause, Side};
use crate::diff::Diff;
use crate::harness::Hint;
use proofs::Proofs;

/// What the proofs gave, in diff order.
pub(super) struct Proven {
    pub(super) hunks: Vec<Proved>,
    /// IDs computed over the rest of the file, proven only when every other
    /// byte is: (pair, hunk, class).
    pub(super) derived: Vec<(usize, usize, Class)>,
}

/// One classified hunk after the proofs: its final class (bytes no proof
/// covers become a root of their own) and what proved it.
pub(super) struct Proved {
    pub(super) pair: usize,
    pub(super) hunk: usize,
    pub(super) class: Class,
    pub(super) proof: Option<ProofKind>,
    pub(super) instructions: Vec<InstructionDiff>,
}

/// Prove every residual hunk; what the classifier gave a root cause is
/// what the proofs may lean on.
pub(super) fn prove<'a, 'd>(
    l: &Side<'a, 'd>,
    r: &Side<'a, 'd>,
    diff: &Diff,
    hints: &[Hint],
    classified: Vec<(usize, usize, Class)>,
) -> Proven {
    let mut roots = Roots::default();
    for (k, n, class) in &classified {
        if class.residual == Residual::No {
            let p = &diff.pairs[*k];
            let h = &p.hunks[*n];
            roots.lhs.push((p.lhs.unwrap_or(0), h.lhs.clone()));
            roots.rhs.push((p.rhs.unwrap_or(0), h.rhs.clone()));
        }
    }
    roots.substitutions = hints
        .iter()
        .map(|h| (h.lhs.clone(), h.rhs.clone()))
        .collect();
    roots.finish();
    let map = correspond::AddrMap::new(
        l.bin,
        r.bin,
        diff,
        l.marks.pclntab.as_ref(),
        r.marks.pclntab.as_ref(),
    );
    let data_words = classified.iter().any(|(k, _, class)| {
        class.residual == Residual::Yes
            && diff.pairs[*k]
                .lhs
                .is_some_and(|i| Proofs::reaches_data(l, i))
    });
    let proofs = Proofs::new(l, r, diff, &map, &roots, data_words);
    // Under a toolchain root, code and data are generated differently: what
    // no proof covers stays its consequence, marked unproven.
    let toolchain_root = roots_have(&classified, Cause::Toolchain);

    let mut out = Proven {
        hunks: Vec::new(),
        derived: Vec::new(),
    };
    for (k, n, class) in classified {
        let p = &diff.pairs[k];
        let (i, j, h) = (p.lhs.unwrap_or(0), p.rhs.unwrap_or(0), &p.hunks[n]);
        let (class, proof, instructions) = match class.residual {
            Residual::No => (class, None, vec![]),
            Residual::Derived => {
                out.derived.push((k, n, class));
                continue;
            }
            Residual::Yes => match proofs.prove(i, j, h) {
                Outcome::Proven(kind) => (class, Some(kind), vec![]),
                Outcome::Derived => {
                    out.derived.push((k, n, class));
                    continue;
                }
                Outcome::Unproven(u) if toolchain_root => (class, None, u.instructions),
                Outcome::Unproven(u) => (unproven_class(&u), None, u.instructions),
            },
        };
        out.hunks.push(Proved {
            pair: k,
            hunk: n,
            class,
            proof,
            instructions,
        });
    }
    out
}

/// The class of bytes no proof covers: a root of their own, named where they are.
fn unproven_class(u: &Unproven) -> Class {
    Class {
        cause: u.cause,
        subject: u.subject.clone(),
        title: u.title.clone(),
        variation: None,
        fix: Some("nothing in the build explains this difference: find the change in the source, its dependencies or the toolchain before trusting either binary".into()),
        detail: Some(u.subject.clone()),
        residual: Residual::No,
        unproven: true,
    }
}

/// Does a root finding of `cause` exist among the classified hunks?
fn roots_have(classified: &[(usize, usize, Class)], cause: Cause) -> bool {
    classified
        .iter()
        .any(|(_, _, c)| c.residual == Residual::No && c.cause == cause)
}

/// What a proof rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProofKind {
    Address,
    Offset,
    Length,
    Hash,
    Table,
}

impl ProofKind {
    pub fn code(self) -> &'static str {
        match self {
            ProofKind::Address => "address",
            ProofKind::Offset => "offset",
            ProofKind::Length => "length",
            ProofKind::Hash => "hash",
            ProofKind::Table => "table",
        }
    }
}

/// One instruction that differs beyond its addresses, on both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstructionDiff {
    /// The function holding it.
    pub symbol: String,
    pub lhs_address: u64,
    pub rhs_address: u64,
    /// Disassembly (Intel syntax on x86, ARM syntax on arm64); empty when a side has none there.
    pub lhs: String,
    pub rhs: String,
}

/// A difference that no proof covers, named where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unproven {
    /// `code`, `data` or `dwarf`.
    pub cause: Cause,
    /// The function, variable or table entry: groups hunks into one finding.
    pub subject: String,
    /// One line saying what differs there.
    pub title: String,
    pub instructions: Vec<InstructionDiff>,
}

/// What proving one hunk gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Proven(ProofKind),
    Unproven(Unproven),
    /// A hash or ID over the rest of the file: proven only when all else is.
    Derived,
}

/// A byte range of one side: a section index and a range of its contents.
pub type Place = (usize, Range<u64>);

/// What the classifier explained by a root cause: the proofs may lean on it
/// (a string length is proven when the string differs only by a root).
#[derive(Debug, Default)]
pub struct Roots {
    /// Root hunks per side, sorted.
    pub lhs: Vec<Place>,
    pub rhs: Vec<Place>,
    /// Strings that differ between the sides by a root (an embedded path:
    /// lhs value, rhs value), longest first.
    pub substitutions: Vec<(String, String)>,
}

impl Roots {
    /// Sort the places (call once after filling).
    pub fn finish(&mut self) {
        self.lhs.sort_by_key(|a| (a.0, a.1.start));
        self.rhs.sort_by_key(|a| (a.0, a.1.start));
        self.substitutions
            .sort_by_key(|a| std::cmp::Reverse(a.0.len().max(a.1.len())));
        self.substitutions.dedup();
    }

    /// Do the strings differ only where a root says they may? Equal strings
    /// do; else each substitution (lhs value → rhs value) is applied to `lhs`.
    pub fn same_modulo_roots(&self, lhs: &str, rhs: &str) -> bool {
        if lhs == rhs {
            return true;
        }
        self.substitutions.iter().any(|(a, b)| {
            !a.is_empty() && lhs.contains(a.as_str()) && lhs.replace(a.as_str(), b) == rhs
        })
    }

    /// Does a root hunk of the lhs (`lhs == true`) or rhs overlap or touch `range` of `section`?
    pub fn touches(&self, lhs: bool, section: usize, range: &Range<u64>) -> bool {
        let places = if lhs { &self.lhs } else { &self.rhs };
        let k = places.partition_point(|(s, r)| (*s, r.start) <= (section, range.end));
        places[..k]
            .iter()
            .rev()
            .take_while(|(s, _)| *s == section)
            .take(64)
            .any(|(_, r)| r.start <= range.end && range.start <= r.end)
    }
}

/// What a decoded comparison of one structure showed: the ranges it decoded
/// and found equal modulo the correspondence and the roots, and what differs.
#[derive(Debug, Default)]
pub struct TableProof {
    /// Covered places per side (sorted or not: [`TableProof::finish`] sorts and merges).
    pub lhs: Vec<Place>,
    pub rhs: Vec<Place>,
    pub differences: Vec<TableDifference>,
    /// Places (lhs, rhs) holding a hash over the rest (a code signature).
    pub hashes: Vec<(Place, Place)>,
}

/// One entry of a table that differs beyond what the roots and the layout explain.
#[derive(Debug, Clone)]
pub struct TableDifference {
    /// `data` or `dwarf`.
    pub cause: Cause,
    /// The function, symbol or unit the entry describes.
    pub subject: String,
    /// What differs, in one line.
    pub title: String,
    pub lhs: Option<Place>,
    pub rhs: Option<Place>,
}

impl TableProof {
    /// Sort and merge the covered places.
    pub fn finish(&mut self) {
        merge(&mut self.lhs);
        merge(&mut self.rhs);
    }

    /// Add another proof's places and differences.
    pub fn extend(&mut self, other: TableProof) {
        self.lhs.extend(other.lhs);
        self.rhs.extend(other.rhs);
        self.differences.extend(other.differences);
        self.hashes.extend(other.hashes);
    }

    /// Is the hunk inside a hash over the rest of the file?
    pub fn is_hash(&self, i: usize, lr: &Range<u64>, j: usize, rr: &Range<u64>) -> bool {
        self.hashes.iter().any(|((ls, l), (rs, r))| {
            *ls == i
                && *rs == j
                && l.start <= lr.start
                && lr.end <= l.end
                && r.start <= rr.start
                && rr.end <= r.end
        })
    }

    /// The difference overlapping `range` of lhs section `i` or rhs section `j`.
    pub fn difference_at(
        &self,
        i: usize,
        lr: &Range<u64>,
        j: usize,
        rr: &Range<u64>,
    ) -> Option<&TableDifference> {
        let hit = |p: &Option<Place>, s: usize, r: &Range<u64>| {
            p.as_ref().is_some_and(|(ps, pr)| {
                *ps == s && pr.start <= r.end && r.start < pr.end.max(pr.start + 1)
            })
        };
        self.differences
            .iter()
            .find(|d| hit(&d.lhs, i, lr) || hit(&d.rhs, j, rr))
    }

    /// Is `lr` of lhs section `i` and `rr` of rhs section `j` inside covered places?
    pub fn covers(&self, i: usize, lr: &Range<u64>, j: usize, rr: &Range<u64>) -> bool {
        inside(&self.lhs, i, lr) && inside(&self.rhs, j, rr)
    }
}

fn merge(places: &mut Vec<Place>) {
    places.sort_by_key(|a| (a.0, a.1.start));
    let mut out: Vec<Place> = Vec::with_capacity(places.len());
    for (s, r) in places.drain(..) {
        match out.last_mut() {
            Some((ls, lr)) if *ls == s && r.start <= lr.end => lr.end = lr.end.max(r.end),
            _ => out.push((s, r)),
        }
    }
    *places = out;
}

/// Is `range` of `section` inside one of the merged `places`? An empty range
/// is inside when it touches one.
fn inside(places: &[Place], section: usize, range: &Range<u64>) -> bool {
    let k = places.partition_point(|(s, r)| (*s, r.start) <= (section, range.start));
    let Some((s, r)) = k.checked_sub(1).and_then(|k| places.get(k)) else {
        return false;
    };
    *s == section && r.start <= range.start && range.end <= r.end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutions_explain_only_their_difference() {
        let mut roots = Roots {
            substitutions: vec![("/tmp/a".into(), "/tmp/bb/c".into())],
            ..Roots::default()
        };
        roots.finish();
        assert!(roots.same_modulo_roots("/tmp/a/main.go", "/tmp/bb/c/main.go"));
        assert!(!roots.same_modulo_roots("/tmp/a/main.go", "/tmp/bb/c/evil.go"));
        assert!(roots.same_modulo_roots("x", "x"));
    }

    #[test]
    fn covered_places_merge_and_contain() {
        let mut t = TableProof {
            lhs: vec![(1, 10..20), (1, 20..30), (2, 0..5)],
            rhs: vec![(1, 0..100)],
            differences: vec![],
            hashes: vec![],
        };
        t.finish();
        assert_eq!(t.lhs, vec![(1, 10..30), (2, 0..5)]);
        assert!(t.covers(1, &(12..28), 1, &(40..40)));
        assert!(!t.covers(1, &(5..12), 1, &(40..41)));
        assert!(!t.covers(2, &(4..6), 1, &(0..1)));
    }
}
