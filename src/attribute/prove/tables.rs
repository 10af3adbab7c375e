//! Decoded comparisons of whole structures: each reader decodes one
//! structure on both sides and compares it entry by entry, modulo the
//! address correspondence and the roots, returning a [`TableProof`].
//!
//! - [`pclntab`]: the function table, `_func` records, pc-value tables,
//!   file tables and funcdata offsets.
//! - [`dwarf`]: DWARF units, DIEs, line programs, frames and ranges.
//! - [`ehframe`]: a C toolchain's unwind tables (`.eh_frame`, `.eh_frame_hdr`).
//! - [`cfi`]: the call frame entry walk `dwarf` and `ehframe` share.
//! - [`symtab`]: the file's symbol table (names, addresses mapped, sizes).
//! - [`relocs`]: PE base relocations (relocated addresses mapped).

pub mod cfi;
pub mod dwarf;
pub mod ehframe;
pub mod pclntab;
pub mod relocs;
pub mod symtab;

use std::ops::Range;

use super::correspond::AddrMap;
use super::{Place, Roots, TableProof};
use crate::binary::go::pclntab::Pclntab;
use crate::binary::Binary;
use crate::diff::{Diff, Status};

/// What the table provers read besides the two binaries.
pub struct Inputs<'a, 'b, 'd> {
    pub lhs: &'a Binary<'d>,
    pub rhs: &'a Binary<'d>,
    pub diff: &'a Diff,
    pub map: &'a AddrMap<'b, 'd>,
    pub roots: &'a Roots,
    pub lhs_pclntab: Option<&'a Pclntab>,
    pub rhs_pclntab: Option<&'a Pclntab>,
    /// Each side's differing ranges, made on first use ([`Inputs::differing`]).
    pub differing: std::sync::OnceLock<[Differing; 2]>,
}

impl Inputs<'_, '_, '_> {
    /// The lhs's (`lhs`) or the rhs's differing ranges, shared by the provers.
    pub fn differing(&self, lhs: bool) -> &Differing {
        let both = self.differing.get_or_init(|| {
            [
                Differing::new(self.diff, true),
                Differing::new(self.diff, false),
            ]
        });
        &both[usize::from(!lhs)]
    }
}

/// Run every table prover whose structure differs.
pub fn prove(inputs: &Inputs<'_, '_, '_>) -> TableProof {
    let mut proof = TableProof::default();
    // DWARF and the pclntab are the costly two: one on each core.
    let dwarf = std::thread::scope(|scope| {
        let dwarf = scope.spawn(|| dwarf::prove(inputs));
        proof.extend(pclntab::prove(inputs));
        dwarf
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))
    });
    proof.extend(dwarf);
    proof.extend(ehframe::prove(inputs));
    proof.extend(symtab::prove(inputs));
    proof.extend(relocs::prove(inputs));
    proof.extend(relocs::prove_macho(inputs));
    if let (Some(l), Some(r)) = (
        symtab::code_signature(inputs.lhs),
        symtab::code_signature(inputs.rhs),
    ) {
        proof.hashes.extend(l.into_iter().zip(r));
    }
    proof.finish();
    proof
}

/// Two lists read in step, entry by entry, at most `limit` entries: the
/// same length and every pair `same`. A read error on either side, or a
/// list longer than `limit`, is not the same.
pub fn in_step<T, U>(
    limit: usize,
    mut lhs: impl FnMut() -> gimli::Result<Option<T>>,
    mut rhs: impl FnMut() -> gimli::Result<Option<U>>,
    mut same: impl FnMut(T, U) -> bool,
) -> bool {
    for _ in 0..limit {
        match (lhs(), rhs()) {
            (Ok(None), Ok(None)) => return true,
            (Ok(Some(x)), Ok(Some(y))) => {
                if !same(x, y) {
                    return false;
                }
            }
            _ => return false,
        }
    }
    false
}

/// One side's differing bytes, sorted by section and start: what a table
/// comparison must reach. An entry (a unit, a function) none of whose
/// bytes differ on either side is the same bytes and needs no proof, so
/// the provers decode only the entries this touches.
pub struct Differing {
    ranges: Vec<(usize, Range<u64>)>,
}

impl Differing {
    /// The lhs's (`lhs`) or the rhs's differing ranges. A section that
    /// differs without hunks (one side only, or not compared byte by byte)
    /// differs as a whole.
    pub fn new(diff: &Diff, lhs: bool) -> Differing {
        let mut ranges = Vec::new();
        for p in diff.pairs.iter().filter(|p| p.status != Status::Same) {
            let Some(i) = (if lhs { p.lhs } else { p.rhs }) else {
                continue;
            };
            if p.hunks.is_empty() || p.lhs.is_none() || p.rhs.is_none() {
                ranges.push((i, 0..u64::MAX));
                continue;
            }
            for h in &p.hunks {
                ranges.push((i, if lhs { h.lhs.clone() } else { h.rhs.clone() }));
            }
        }
        ranges.sort_by_key(|r| (r.0, r.1.start, r.1.end));
        Differing { ranges }
    }

    /// Does `place` hold a differing byte (or border an insertion)?
    pub fn touches(&self, place: &Place) -> bool {
        !self.within(place).is_empty()
    }

    /// The differing ranges `place` holds or borders, in order.
    pub fn within(&self, place: &Place) -> &[(usize, Range<u64>)] {
        let (section, r) = place;
        // Those of this section starting at or before the place's end;
        // hunks are disjoint, so their ends are in order too.
        let upto = self
            .ranges
            .partition_point(|h| (h.0, h.1.start) <= (*section, r.end));
        let from = self.ranges[..upto]
            .iter()
            .rposition(|h| h.0 != *section || h.1.end < r.start)
            .map_or(0, |k| k + 1);
        let near = &self.ranges[from..upto];
        // The first and last may only border the place.
        let first = near.iter().position(|h| overlaps(&h.1, r));
        let last = near.iter().rposition(|h| overlaps(&h.1, r));
        match (first, last) {
            (Some(f), Some(l)) => &near[f..=l],
            _ => &[],
        }
    }
}

/// Does differing range `h` touch `r` (an insertion: border it)?
pub fn overlaps(h: &Range<u64>, r: &Range<u64>) -> bool {
    if h.is_empty() {
        r.start <= h.start && h.start <= r.end
    } else {
        h.start < r.end && r.start < h.end
    }
}

/// Test support shared by the table provers' tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::{Inputs, TableProof};
    use crate::attribute::prove::correspond::AddrMap;
    use crate::attribute::prove::Roots;
    use crate::binary::go::pclntab;
    use crate::binary::Binary;
    use crate::diff::Diff;

    /// Run `prove` on `lhs` against `rhs` (bytes), with `subs` as the
    /// roots' substitutions, and hand the finished proof to `check`.
    pub fn with_proof(
        lhs: &[u8],
        rhs: &[u8],
        subs: &[(&str, &str)],
        prove: impl FnOnce(&Inputs<'_, '_, '_>) -> TableProof,
        check: impl FnOnce(&Binary<'_>, &Binary<'_>, &Diff, &TableProof),
    ) {
        with_edited_proof(lhs, rhs, subs, |_| {}, prove, check)
    }

    /// [`with_proof`], with the rhs edited by `edit` before the diff.
    pub fn with_edited_proof(
        lhs: &[u8],
        rhs: &[u8],
        subs: &[(&str, &str)],
        edit: impl FnOnce(&Binary<'_>),
        prove: impl FnOnce(&Inputs<'_, '_, '_>) -> TableProof,
        check: impl FnOnce(&Binary<'_>, &Binary<'_>, &Diff, &TableProof),
    ) {
        let (a, b) = (Binary::parse(lhs).unwrap(), Binary::parse(rhs).unwrap());
        edit(&b);
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
            differing: std::sync::OnceLock::new(),
        });
        proof.finish();
        check(&a, &b, &d, &proof);
    }
}
