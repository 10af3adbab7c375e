//! The pclntab comparison (see [`super`]): both sides' pclntab decoded and
//! compared entry by entry, modulo the address correspondence and the roots.
//!
//! Decoded, and covered where equivalent:
//! - the header: magic, `minLC`, `ptrSize`, `nfunc`, `nfiles` and
//!   `textStart` equal; its table offsets are layout, proven by decoding
//!   each table at its offset;
//! - funcnametab: the names equal, in order (a common prefix and suffix
//!   are covered, what lies between is a difference);
//! - filetab: file by file, equal modulo the roots (an embedded path);
//! - cutab: entry by entry, both "no file" or naming equivalent files;
//! - functab and `_func` records, paired by index where the names agree:
//!   the entries' addresses correspond under the map; name, args,
//!   deferreturn, startLine, funcID, flag, pad, npcdata, nfuncdata equal;
//!   the pcsp, pcfile, pcln and pcdata tables decoded to equal (value, pc)
//!   sequences; the files pcfile names (through cutab) equivalent; funcdata
//!   both absent, equal, or pointing at corresponding addresses from each
//!   side's `go:func.*`; the inline tree (funcdata 3, entries up to the
//!   largest inline index in pcdata 2) entry by entry, names by string;
//!   zero alignment padding after a record; the final end-of-text entry;
//! - pctab's leading pad byte; the `findfunctab`, when its bytes are exactly
//!   what the linker computes from that side's functab;
//! - the runtime's `moduledata` words that describe the pclntab (its
//!   address, each table's address, the name and file tables' lengths, the
//!   functab's length, `findfunctab`, `epclntab`), where they hold exactly
//!   what the decoded header gives.
//!
//! Only function pairs holding a differing byte on either side (in the
//! functab entry, the record and its padding, a pc-value table, a funcdata
//! blob) are compared; when the pctab differs, the function with the last
//! pc-value table always is.
//!
//! Not decoded, so never covered: funcdata other than inline trees (stack
//! maps, stack objects, open-coded defer info, arg info, wrapper info),
//! pc-value tables no function references, gaps between tables, and any
//! record that does not decode. A function whose entry differs beyond the
//! layout is a [`TableDifference`] naming it.

mod func;
mod funcdata;
mod funcs;
mod header;
mod side;

use std::ops::Range;

use super::Inputs;
use crate::attribute::prove::{Place, Roots, TableDifference, TableProof};
use crate::attribute::Cause;
use crate::diff::Status;
use side::{Side, PCTAB};

/// Largest inline tree decoded (entries).
const MAX_INLINE_ENTRIES: u64 = 1 << 16;
/// Size of one inline tree entry (`runtime.inlinedCall`).
const INLINE_ENTRY: u64 = 16;
const PCDATA_INLTREEINDEX: usize = 2;
const FUNCDATA_INLTREE: usize = 3;
/// Largest funcdata blob compared byte for byte.
const MAX_FUNCDATA_BLOB: u64 = 1 << 20;
/// Zero bytes between tables taken for alignment padding.
const MAX_TABLE_PADDING: u64 = 64;

/// Decode the pclntab of both sides and compare what differs.
pub fn prove(inputs: &Inputs<'_, '_, '_>) -> TableProof {
    prove_in(inputs, false)
}

/// With `all`, every function pair is compared, differing or not.
fn prove_in(inputs: &Inputs<'_, '_, '_>, all: bool) -> TableProof {
    let mut proof = TableProof::default();
    let (Some(lt), Some(rt)) = (inputs.lhs_pclntab, inputs.rhs_pclntab) else {
        return proof;
    };
    let differs = inputs.diff.pairs.iter().any(|p| {
        p.lhs == Some(lt.span.section) && p.rhs == Some(rt.span.section) && p.status != Status::Same
    });
    if !differs {
        return proof;
    }
    let (Some(l), Some(r)) = (Side::new(inputs.lhs, lt), Side::new(inputs.rhs, rt)) else {
        return proof;
    };
    let mut c = Compare {
        l: &l,
        r: &r,
        inputs,
        proof: &mut proof,
        pctab_end: [0; 2],
        funcdata: [Vec::new(), Vec::new()],
        all,
    };
    c.header();
    c.names();
    c.files();
    c.cutab();
    c.funcs();
    c.table_padding();
    for (side, lhs) in [(&l, true), (&r, false)] {
        let pad = side.off[PCTAB];
        if side.b.get(pad, 1) == Some(&[0]) {
            c.cover(lhs, side.place(pad..pad + 1));
        }
        if let Some((section, range)) = side.checked_findfunctab() {
            c.cover(lhs, (section, range.clone()));
            // moduledata.findfunctab points at it.
            if let Some(m) = side.module {
                let ptr = u64::from(side.ptr);
                let at = m.at.1 + 19 * ptr;
                let b = crate::binary::go::Bytes::new(side.bin.raw(m.at.0), side.bin.little_endian);
                let addr = side.bin.sections[section].address.map(|a| a + range.start);
                if addr.is_some() && b.word(at, side.ptr) == addr {
                    c.cover(lhs, (m.at.0, at..at + ptr));
                }
            }
        }
        for place in side.module_words() {
            c.cover(lhs, place);
        }
    }
    proof
}

struct Compare<'c, 'a, 'i> {
    l: &'c Side<'a>,
    r: &'c Side<'a>,
    inputs: &'c Inputs<'i, 'i, 'i>,
    proof: &'c mut TableProof,
    /// The end of the last pc-value table decoded, per side.
    pctab_end: [u64; 2],
    /// Every funcdata offset the records use, sorted, per side: a blob runs
    /// to the next one.
    funcdata: [Vec<u64>; 2],
    /// Compare every function pair, not only those holding a difference.
    all: bool,
}
impl<'a> Compare<'_, 'a, '_> {
    fn cover(&mut self, lhs: bool, place: Place) {
        if lhs {
            self.proof.lhs.push(place);
        } else {
            self.proof.rhs.push(place);
        }
    }

    fn cover_both(&mut self, l: Range<u64>, r: Range<u64>) {
        let (pl, pr) = (self.l.place(l), self.r.place(r));
        self.proof.lhs.push(pl);
        self.proof.rhs.push(pr);
    }

    fn differ(&mut self, subject: String, title: String, lhs: Option<Place>, rhs: Option<Place>) {
        self.proof.differences.push(TableDifference {
            cause: Cause::Data,
            subject,
            title,
            lhs,
            rhs,
        });
    }

    fn roots(&self) -> &Roots {
        self.inputs.roots
    }
}

/// The bytes of a pclntab string (section-level span), from its side.
fn string_bytes<'a>(
    side: &Side<'a>,
    s: &crate::binary::go::pclntab::PclntabString,
) -> Option<&'a [u8]> {
    let r = &s.span.range;
    side.b
        .get(r.start.checked_sub(side.base)?, r.end.checked_sub(r.start)?)
}

/// A string's place with its terminating NUL.
fn with_nul(span: &crate::binary::go::Span) -> Place {
    (span.section, span.range.start..span.range.end + 1)
}

/// Equal bytes, or both UTF-8 and equal modulo the roots.
fn same_text(roots: &Roots, a: Option<&[u8]>, b: Option<&[u8]>) -> bool {
    let (Some(a), Some(b)) = (a, b) else {
        return false;
    };
    a == b
        || matches!(
            (std::str::from_utf8(a), std::str::from_utf8(b)),
            (Ok(x), Ok(y)) if roots.same_modulo_roots(x, y)
        )
}

#[cfg(test)]
mod tests;
