//! The unwind tables a C toolchain writes (`.eh_frame` and its search
//! index `.eh_frame_hdr`; Mach-O `__eh_frame`), present in cgo binaries
//! linked externally. Their pointers are mostly pc-relative, so when the C
//! code or the table itself moves, the stored words change though every
//! entry still describes the same function.
//!
//! `.eh_frame`, entry by entry in order: CIEs with the same version,
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

use gimli::{BaseAddresses, EndianSlice, Pointer, RunTimeEndian, UnwindSection};

use super::Inputs;
use crate::attribute::prove::{Place, TableDifference, TableProof};
use crate::attribute::Cause;
use crate::binary::Binary;
use crate::diff::Status;

/// Entries compared per `.eh_frame`, and instructions per entry.
const MAX_ENTRIES: usize = 1_000_000;
const MAX_INSTRUCTIONS: usize = 100_000;

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
    let Some(fdes) = Compare {
        inputs,
        proof: &mut proof,
    }
    .frames(&l, &r) else {
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

struct Compare<'i, 'p, 'a, 'b, 'd> {
    inputs: &'i Inputs<'a, 'b, 'd>,
    proof: &'p mut TableProof,
}

impl Compare<'_, '_, '_, '_, '_> {
    /// Compare `.eh_frame` entry by entry; the FDE pairs by offset (lhs →
    /// rhs) when the entry lists have the same shape, `None` when they do not.
    fn frames(&mut self, l: &Tables<'_>, r: &Tables<'_>) -> Option<HashMap<u64, u64>> {
        let (fl, fr) = (
            eh_frame(l.frame.2, l.endian, l.address_size),
            eh_frame(r.frame.2, r.endian, r.address_size),
        );
        let (mut el, mut er) = (fl.entries(&l.bases), fr.entries(&r.bases));
        let (mut cl, mut cr): (Vec<usize>, Vec<usize>) = (Vec::new(), Vec::new());
        let mut fdes = HashMap::new();
        let place = |t: &Tables<'_>, offset: usize, len: usize| {
            let initial = if t.frame.2.get(offset..offset + 4) == Some(&[0xff; 4]) {
                12
            } else {
                4
            };
            let start = offset as u64;
            (
                t.frame.0,
                start..start.saturating_add(len as u64).saturating_add(initial),
            )
        };
        for _ in 0..MAX_ENTRIES {
            let (a, b) = match (el.next(), er.next()) {
                (Ok(None), Ok(None)) => return Some(fdes),
                (Ok(Some(a)), Ok(Some(b))) => (a, b),
                _ => {
                    self.differ(
                        ".eh_frame".into(),
                        "the unwind tables (.eh_frame) differ: the lists of entries differ".into(),
                        None,
                        None,
                    );
                    return None;
                }
            };
            let (same, pl, pr, subject) = match (a, b) {
                (gimli::CieOrFde::Cie(a), gimli::CieOrFde::Cie(b)) => {
                    cl.push(a.offset());
                    cr.push(b.offset());
                    let same = a.version() == b.version()
                        && a.code_alignment_factor() == b.code_alignment_factor()
                        && a.data_alignment_factor() == b.data_alignment_factor()
                        && a.return_address_register() == b.return_address_register()
                        && a.lsda_encoding() == b.lsda_encoding()
                        && a.fde_address_encoding() == b.fde_address_encoding()
                        && a.is_signal_trampoline() == b.is_signal_trampoline()
                        && match (a.personality_with_encoding(), b.personality_with_encoding()) {
                            (None, None) => true,
                            (Some((ea, pa)), Some((eb, pb))) => {
                                ea == eb && self.same_pointer(pa, pb)
                            }
                            _ => false,
                        }
                        && same_instructions(
                            a.instructions(&fl, &l.bases),
                            b.instructions(&fr, &r.bases),
                        );
                    (
                        same,
                        place(l, a.offset(), a.entry_len()),
                        place(r, b.offset(), b.entry_len()),
                        "a CIE".to_string(),
                    )
                }
                (gimli::CieOrFde::Fde(pa), gimli::CieOrFde::Fde(pb)) => {
                    let (Ok(a), Ok(b)) = (
                        pa.parse(|s, b, o| s.cie_from_offset(b, o)),
                        pb.parse(|s, b, o| s.cie_from_offset(b, o)),
                    ) else {
                        self.differ(
                            ".eh_frame".into(),
                            "the unwind tables (.eh_frame): an FDE does not decode".into(),
                            None,
                            None,
                        );
                        return None;
                    };
                    let (p, q) = (a.initial_address(), b.initial_address());
                    let cie_at = |list: &[usize], o: usize| list.iter().position(|&c| c == o);
                    let same = (p == q || self.inputs.map.corresponds(p, q))
                        && a.len() == b.len()
                        && cie_at(&cl, a.cie().offset()).is_some()
                        && cie_at(&cl, a.cie().offset()) == cie_at(&cr, b.cie().offset())
                        && match (a.lsda(), b.lsda()) {
                            (None, None) => true,
                            (Some(x), Some(y)) => self.same_pointer(x, y),
                            _ => false,
                        }
                        && same_instructions(
                            a.instructions(&fl, &l.bases),
                            b.instructions(&fr, &r.bases),
                        );
                    fdes.insert(a.offset() as u64, b.offset() as u64);
                    (
                        same,
                        place(l, a.offset(), a.entry_len()),
                        place(r, b.offset(), b.entry_len()),
                        self.function(p),
                    )
                }
                _ => {
                    self.differ(
                        ".eh_frame".into(),
                        "the unwind tables (.eh_frame) differ: a CIE stands where an FDE does"
                            .into(),
                        None,
                        None,
                    );
                    return None;
                }
            };
            if same {
                self.proof.lhs.push(pl);
                self.proof.rhs.push(pr);
            } else {
                self.differ(
                    subject.clone(),
                    format!("the unwind information (.eh_frame) of {subject} differs"),
                    Some(pl).filter(|p| !p.1.is_empty()),
                    Some(pr).filter(|p| !p.1.is_empty()),
                );
            }
        }
        None
    }

    /// The lhs function at `address`, by symbol, for messages.
    fn function(&self, address: u64) -> String {
        self.inputs.lhs.symbol_at(address).map_or_else(
            || format!("the function at {address:#x}"),
            |s| s.name.clone(),
        )
    }

    fn same_pointer(&self, a: Pointer, b: Pointer) -> bool {
        same_pointer(self.inputs, a, b)
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
}

fn eh_frame(data: &[u8], endian: RunTimeEndian, address_size: u8) -> gimli::EhFrame<R<'_>> {
    let mut f = gimli::EhFrame::new(data, endian);
    f.set_address_size(address_size);
    f
}

/// Two decoded pointers to the same place (direct, or both through a slot).
fn same_pointer(inputs: &Inputs<'_, '_, '_>, a: Pointer, b: Pointer) -> bool {
    match (a, b) {
        (Pointer::Direct(x), Pointer::Direct(y)) | (Pointer::Indirect(x), Pointer::Indirect(y)) => {
            x == y || inputs.map.corresponds(x, y)
        }
        _ => false,
    }
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

/// Two call-frame instruction streams, decoded, equal.
fn same_instructions(
    mut a: gimli::CallFrameInstructionIter<'_, R<'_>>,
    mut b: gimli::CallFrameInstructionIter<'_, R<'_>>,
) -> bool {
    for _ in 0..MAX_INSTRUCTIONS {
        match (a.next(), b.next()) {
            (Ok(None), Ok(None)) => return true,
            (Ok(Some(x)), Ok(Some(y))) if x == y => {}
            _ => return false,
        }
    }
    false
}
