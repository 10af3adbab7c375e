//! Which prover for which hunk: the decoded comparison of whole tables
//! first (a difference it found, a range it covered, a hash over the rest),
//! then by section: code to the instruction decoder, DWARF that the tables
//! did not explain to an unproven root, header fields to the layout
//! quantities, the rest to the data prover.
//!
//! Input: both sides, the address correspondence and the roots; then one
//! hunk at a time. Output: the hunk's [`Outcome`].

use std::cell::OnceCell;
use std::collections::HashSet;

use super::code::CodeProver;
use super::correspond::AddrMap;
use super::data::DataProver;
use super::{headers, tables, Outcome, ProofKind, Roots, TableProof, Unproven};
use crate::attribute::{is_code, is_debug, Cause, Side};
use crate::binary::SectionKind;
use crate::diff::{Diff, Hunk};

/// The proofs of one diff: the decoders over the address map, and the
/// decoded comparisons of whole tables.
pub(super) struct Proofs<'s, 'a, 'd, 'm> {
    l: &'s Side<'a, 'd>,
    r: &'s Side<'a, 'd>,
    code: CodeProver<'m, 'a, 'd>,
    data: DataProver<'m, 'a, 'd>,
    tables: TableProof,
    /// Layout quantities of both sides' headers, read at the first header hunk.
    headers: OnceCell<HashSet<(u64, u64)>>,
}

impl<'s, 'a, 'd, 'm> Proofs<'s, 'a, 'd, 'm> {
    /// The provers of one diff, over the address map and the roots. With
    /// `data_words` (a hunk may reach the data prover), the integer
    /// variables it consults are read beside the table comparison, on the
    /// core its shorter half leaves idle.
    pub(super) fn new(
        l: &'s Side<'a, 'd>,
        r: &'s Side<'a, 'd>,
        diff: &Diff,
        map: &'m AddrMap<'a, 'd>,
        roots: &'m Roots,
        data_words: bool,
    ) -> Self {
        let data = DataProver::new(l.bin, r.bin, map, roots);
        let tables = std::thread::scope(|scope| {
            if data_words {
                scope.spawn(|| data.integer_variables().len());
            }
            tables::prove(&tables::Inputs {
                lhs: l.bin,
                rhs: r.bin,
                diff,
                map,
                roots,
                lhs_pclntab: l.marks.pclntab.as_ref(),
                rhs_pclntab: r.marks.pclntab.as_ref(),
                differing: std::sync::OnceLock::new(),
            })
        });
        Proofs {
            l,
            r,
            code: CodeProver::new(l.bin, r.bin, map),
            data,
            tables,
            headers: OnceCell::new(),
        }
    }

    /// Can hunk `h` of lhs section `i` reach the data prover (a loaded
    /// section that is neither code, DWARF nor a header)?
    pub(super) fn reaches_data(l: &Side<'_, '_>, i: usize) -> bool {
        l.bin.sections.get(i).is_some_and(|s| {
            s.address.is_some()
                && !is_code(&s.name)
                && !is_debug(&s.name)
                && !matches!(s.kind, SectionKind::Header)
        })
    }

    /// Prove a hunk that no root explains.
    pub(super) fn prove(&self, i: usize, j: usize, h: &Hunk) -> Outcome {
        if let Some(d) = self.tables.difference_at(i, &h.lhs, j, &h.rhs) {
            return Outcome::Unproven(Unproven {
                cause: d.cause,
                subject: d.subject.clone(),
                title: d.title.clone(),
                instructions: vec![],
            });
        }
        if self.tables.covers(i, &h.lhs, j, &h.rhs) {
            return Outcome::Proven(ProofKind::Table);
        }
        if self.tables.is_hash(i, &h.lhs, j, &h.rhs) {
            return Outcome::Derived;
        }
        let (ls, rs) = (&self.l.bin.sections[i], &self.r.bin.sections[j]);
        if is_code(&ls.name) {
            if let (Some(la), Some(ra)) = (ls.address, rs.address) {
                return self.code.prove(
                    la + h.lhs.start..la + h.lhs.end,
                    ra + h.rhs.start..ra + h.rhs.end,
                );
            }
        }
        if is_debug(&ls.name) {
            return Outcome::Unproven(Unproven {
                cause: Cause::Dwarf,
                subject: ls.name.clone(),
                title: format!(
                    "DWARF in {} differs where the decoded comparison does not explain it",
                    ls.name
                ),
                instructions: vec![],
            });
        }
        if matches!(ls.kind, SectionKind::Header) || ls.name == "(section headers)" {
            let q = self
                .headers
                .get_or_init(|| headers::quantities(self.l.bin, self.r.bin));
            return headers::prove(
                self.l.bin,
                q,
                self.code.map(),
                i,
                self.l.data(i),
                j,
                self.r.data(j),
                h,
            );
        }
        self.data.prove(i, self.l.data(i), j, self.r.data(j), h)
    }
}
