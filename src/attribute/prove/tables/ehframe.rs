//! The unwind tables a C toolchain writes (`.eh_frame` and its search
//! index `.eh_frame_hdr`; Mach-O `__eh_frame`), present in cgo binaries
//! linked externally. Their pointers are mostly pc-relative, so when the C
//! code or the table itself moves, the stored words change though every
//! entry still describes the same function.
//!
//! `.eh_frame`, entry by entry in order (the walk of [`cfi`]): CIEs with the same version,
//! alignment factors, return register, pointer encodings and instructions,
//! and corresponding personality routines; FDEs whose decoded (absolute)
//! initial locations correspond, with the same length, the same CIE (by
//! position), corresponding LSDAs and the same instructions. Each equal
//! entry's bytes are covered. `.eh_frame_hdr`: the same version and
//! encodings, a pointer to the corresponding `.eh_frame`, and a search table
//! of the same length whose every (initial location, FDE) pair corresponds:
//! the location by the address map, the FDE as the one paired with it in
//! `.eh_frame`. Then the whole section is covered.

use std::collections::HashMap;

use gimli::{BaseAddresses, EndianSlice, Pointer, RunTimeEndian};

use super::cfi::{self, same_pointer, Entry};
use super::Inputs;
use crate::attribute::prove::{Place, TableDifference, TableProof};
use crate::attribute::Cause;
use crate::binary::Binary;
use crate::diff::Status;

/// Search-table entries compared per `.eh_frame_hdr`.
const MAX_ENTRIES: usize = 5_000_000;

type R<'d> = EndianSlice<'d, RunTimeEndian>;

/// One side's unwind sections: index, address and bytes.
struct Tables<'d> {
    frame: (usize, u64, &'d [u8]),
    hdr: Option<(usize, u64, &'d [u8])>,
    bases: BaseAddresses,
    endian: RunTimeEndian,
    address_size: u8,
}

impl<'d> Tables<'d> {
    fn find(bin: &Binary<'d>) -> Option<Tables<'d>> {
        let loaded = |name: &str| {
            let k = bin.section_index(name)?;
            let s = &bin.sections[k];
            (s.compression.is_none()).then_some((k, s.address?, bin.raw(k)))
        };
        let frame = loaded(".eh_frame").or_else(|| loaded("__eh_frame"))?;
        let hdr = loaded(".eh_frame_hdr");
        let mut bases = BaseAddresses::default().set_eh_frame(frame.1);
        if let Some(h) = hdr {
            bases = bases.set_eh_frame_hdr(h.1);
        }
        if let Some(t) = loaded(".text").or_else(|| loaded("__text")) {
            bases = bases.set_text(t.1);
        }
        if let Some(g) = loaded(".got") {
            bases = bases.set_got(g.1);
        }
        Some(Tables {
            frame,
            hdr,
            bases,
            endian: if bin.little_endian {
                RunTimeEndian::Little
            } else {
                RunTimeEndian::Big
            },
            address_size: if bin.is_64 { 8 } else { 4 },
        })
    }
}

/// Decode the unwind tables of both sides, when they differ, and compare them.
pub fn prove(inputs: &Inputs<'_, '_, '_>) -> TableProof {
    let mut proof = TableProof::default();
    let (Some(l), Some(r)) = (Tables::find(inputs.lhs), Tables::find(inputs.rhs)) else {
        return proof;
    };
    let differs = |k: Option<usize>| {
        inputs
            .diff
            .pairs
            .iter()
            .any(|p| p.lhs.is_some() && p.lhs == k && p.status != Status::Same)
    };
    if !differs(Some(l.frame.0)) && !differs(l.hdr.map(|h| h.0)) {
        return proof;
    }
    let Some(fdes) = frames(inputs, &mut proof, &l, &r) else {
        return proof;
    };
    if let (Some(hl), Some(hr)) = (l.hdr, r.hdr) {
        if differs(Some(hl.0)) {
            match same_hdr(inputs, &l, &r, &fdes) {
                Ok(()) => {
                    proof.lhs.push((hl.0, 0..hl.2.len() as u64));
                    proof.rhs.push((hr.0, 0..hr.2.len() as u64));
                }
                Err(why) => proof.differences.push(TableDifference {
                    cause: Cause::Data,
                    subject: ".eh_frame_hdr".into(),
                    title: format!("the unwind search table (.eh_frame_hdr) differs: {why}"),
                    lhs: Some((hl.0, 0..hl.2.len() as u64)),
                    rhs: Some((hr.0, 0..hr.2.len() as u64)),
                }),
            }
        }
    }
    proof
}

/// Compare `.eh_frame` entry by entry; the FDE pairs by offset (lhs →
/// rhs) when the entry lists have the same shape.
fn frames(
    inputs: &Inputs<'_, '_, '_>,
    proof: &mut TableProof,
    l: &Tables<'_>,
    r: &Tables<'_>,
) -> Option<HashMap<u64, u64>> {
    let (fl, fr) = (
        eh_frame(l.frame.2, l.endian, l.address_size),
        eh_frame(r.frame.2, r.endian, r.address_size),
    );
    let sl = cfi::Side {
        section: &fl,
        bases: &l.bases,
        index: l.frame.0,
        data: l.frame.2,
    };
    let sr = cfi::Side {
        section: &fr,
        bases: &r.bases,
        index: r.frame.0,
        data: r.frame.2,
    };
    let mut differ = |subject: String, title: String, lhs: Option<Place>, rhs: Option<Place>| {
        proof.differences.push(TableDifference {
            cause: Cause::Data,
            subject,
            title,
            lhs,
            rhs,
        })
    };
    let mut covered = (Vec::new(), Vec::new());
    let fdes = cfi::compare(inputs, &sl, &sr, |entry| match entry {
        Entry::Same { lhs, rhs } => {
            covered.0.push(lhs);
            covered.1.push(rhs);
        }
        Entry::Differs { subject, lhs, rhs } => differ(
            subject.clone(),
            format!("the unwind information (.eh_frame) of {subject} differs"),
            Some(lhs).filter(|p| !p.1.is_empty()),
            Some(rhs).filter(|p| !p.1.is_empty()),
        ),
        Entry::Broken(why) => differ(
            ".eh_frame".into(),
            format!("the unwind tables (.eh_frame) differ: {why}"),
            None,
            None,
        ),
    });
    proof.lhs.extend(covered.0);
    proof.rhs.extend(covered.1);
    fdes
}

fn eh_frame(data: &[u8], endian: RunTimeEndian, address_size: u8) -> gimli::EhFrame<R<'_>> {
    let mut f = gimli::EhFrame::new(data, endian);
    f.set_address_size(address_size);
    f
}

/// `.eh_frame_hdr` of both sides, decoded, the same modulo the layout.
fn same_hdr(
    inputs: &Inputs<'_, '_, '_>,
    l: &Tables<'_>,
    r: &Tables<'_>,
    fdes: &HashMap<u64, u64>,
) -> Result<(), String> {
    let (Some(hl), Some(hr)) = (l.hdr, r.hdr) else {
        return Err("one side has none".into());
    };
    // The fixed part: version and the three pointer encodings.
    if hl.2.get(..4) != hr.2.get(..4) {
        return Err("its version or encodings differ".into());
    }
    let (a, b) = (parse_hdr(l, hl.2)?, parse_hdr(r, hr.2)?);
    let frame = |p: Pointer| match p {
        Pointer::Direct(x) => Some(x),
        Pointer::Indirect(_) => None,
    };
    if frame(a.eh_frame_ptr()) != Some(l.frame.1) || frame(b.eh_frame_ptr()) != Some(r.frame.1) {
        return Err("it does not point at .eh_frame".into());
    }
    let (ta, tb) = match (a.table(), b.table()) {
        (None, None) => return Ok(()),
        (Some(ta), Some(tb)) => (ta, tb),
        _ => return Err("one side has no search table".into()),
    };
    let (mut ia, mut ib) = (ta.iter(&l.bases), tb.iter(&r.bases));
    for _ in 0..MAX_ENTRIES {
        match (ia.next(), ib.next()) {
            (Ok(None), Ok(None)) => return Ok(()),
            (Ok(Some((pa, fa))), Ok(Some((pb, fb)))) => {
                if !same_pointer(inputs, pa, pb) {
                    return Err(format!(
                        "an entry's initial locations do not correspond ({pa:?} vs {pb:?})"
                    ));
                }
                let offset = |p: Pointer, t: &Tables<'_>| frame(p)?.checked_sub(t.frame.1);
                let paired = offset(fa, l).and_then(|o| fdes.get(&o));
                if paired.is_none() || paired.copied() != offset(fb, r) {
                    return Err(format!("an entry's FDEs are not a pair ({fa:?} vs {fb:?})"));
                }
            }
            _ => return Err("the search tables have different lengths".into()),
        }
    }
    Err("the search table is too long to compare".into())
}

fn parse_hdr<'d>(t: &Tables<'_>, data: &'d [u8]) -> Result<gimli::ParsedEhFrameHdr<R<'d>>, String> {
    gimli::EhFrameHdr::new(data, t.endian)
        .parse(&t.bases, t.address_size)
        .map_err(|e| format!("it does not decode ({e})"))
}
