//! Call frame information compared entry by entry, in order, for both
//! sections that hold it: DWARF's `.debug_frame` ([`super::dwarf`]) and a C
//! toolchain's `.eh_frame` ([`super::ehframe`]). One walk, generic over
//! gimli's [`UnwindSection`].
//!
//! Input: each side's section (decoded with its [`BaseAddresses`], so
//! pc-relative pointers come out absolute) and the address map. Output: one
//! [`Entry`] per pair of entries: the same (CIEs with the same version,
//! alignment factors, return register, pointer encodings, instructions and
//! corresponding personality routine; FDEs whose initial locations and LSDAs
//! correspond, with the same length, the same CIE by position and the same
//! instructions), or differing, with both entries' places; and, when the
//! lists have the same shape, the FDE pairs by offset.

use std::collections::HashMap;

use gimli::{BaseAddresses, CieOrFde, Pointer, Reader, UnwindSection};

use super::Inputs;
use crate::attribute::prove::Place;

/// Entries compared per section, and instructions per entry.
const MAX_ENTRIES: usize = 5_000_000;
const MAX_INSTRUCTIONS: usize = 100_000;

/// One side's call frame section.
pub struct Side<'s, S> {
    pub section: &'s S,
    pub bases: &'s BaseAddresses,
    /// Index of the section in the binary, for the places.
    pub index: usize,
    /// The section's bytes (to size the entries' length fields).
    pub data: &'s [u8],
}

/// What became of one pair of entries.
pub enum Entry {
    /// The same modulo the layout: both entries' bytes are covered.
    Same { lhs: Place, rhs: Place },
    /// Differs: `subject` is the function an FDE describes (or "a CIE").
    Differs {
        subject: String,
        lhs: Place,
        rhs: Place,
    },
    /// The walk stopped: the lists differ in shape or an entry does not decode.
    Broken(&'static str),
}

/// Walk both sections in step and report each pair of entries to `on`.
/// The FDE pairs (lhs offset → rhs offset), when the walk was not broken.
pub fn compare<R: Reader<Offset = usize>, S: UnwindSection<R>>(
    inputs: &Inputs<'_, '_, '_>,
    l: &Side<'_, S>,
    r: &Side<'_, S>,
    mut on: impl FnMut(Entry),
) -> Option<HashMap<u64, u64>> {
    let (mut el, mut er) = (l.section.entries(l.bases), r.section.entries(r.bases));
    // CIE offsets in order, per side, to compare FDEs' CIEs by position.
    let (mut cl, mut cr): (Vec<usize>, Vec<usize>) = (Vec::new(), Vec::new());
    let mut fdes = HashMap::new();
    let corresponds = |p: u64, q: u64| p == q || inputs.map.corresponds(p, q);
    let same_pointer = |a: Pointer, b: Pointer| same_pointer(inputs, a, b);
    for _ in 0..MAX_ENTRIES {
        let (a, b) = match (el.next(), er.next()) {
            (Ok(None), Ok(None)) => return Some(fdes),
            (Ok(Some(a)), Ok(Some(b))) => (a, b),
            _ => {
                on(Entry::Broken("the lists of entries differ"));
                return None;
            }
        };
        let (same, (ol, nl), (or, nr), subject) = match (a, b) {
            (CieOrFde::Cie(a), CieOrFde::Cie(b)) => {
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
                        (Some((ea, pa)), Some((eb, pb))) => ea == eb && same_pointer(pa, pb),
                        _ => false,
                    }
                    && same_instructions(
                        a.instructions(l.section, l.bases),
                        b.instructions(r.section, r.bases),
                    );
                let subject = "a CIE".to_string();
                (
                    same,
                    (a.offset(), a.entry_len()),
                    (b.offset(), b.entry_len()),
                    subject,
                )
            }
            (CieOrFde::Fde(pa), CieOrFde::Fde(pb)) => {
                let (Ok(a), Ok(b)) = (
                    pa.parse(|s, b, o| s.cie_from_offset(b, o)),
                    pb.parse(|s, b, o| s.cie_from_offset(b, o)),
                ) else {
                    on(Entry::Broken("an FDE does not decode"));
                    return None;
                };
                let (p, q) = (a.initial_address(), b.initial_address());
                let cie_at = |list: &[usize], o: usize| list.iter().position(|&c| c == o);
                let same = corresponds(p, q)
                    && a.len() == b.len()
                    && cie_at(&cl, a.cie().offset()).is_some()
                    && cie_at(&cl, a.cie().offset()) == cie_at(&cr, b.cie().offset())
                    && match (a.lsda(), b.lsda()) {
                        (None, None) => true,
                        (Some(x), Some(y)) => same_pointer(x, y),
                        _ => false,
                    }
                    && same_instructions(
                        a.instructions(l.section, l.bases),
                        b.instructions(r.section, r.bases),
                    );
                fdes.insert(a.offset() as u64, b.offset() as u64);
                let subject = inputs
                    .map
                    .lhs_funcs
                    .at(p)
                    .map(|f| f.name.clone())
                    .or_else(|| inputs.lhs.symbol_at(p).map(|s| s.name.clone()))
                    .unwrap_or_else(|| format!("the function at {p:#x}"));
                (
                    same,
                    (a.offset(), a.entry_len()),
                    (b.offset(), b.entry_len()),
                    subject,
                )
            }
            _ => {
                on(Entry::Broken("a CIE stands where an FDE does"));
                return None;
            }
        };
        let (lhs, rhs) = (whole(l, ol, nl), whole(r, or, nr));
        on(if same {
            Entry::Same { lhs, rhs }
        } else {
            Entry::Differs { subject, lhs, rhs }
        });
    }
    on(Entry::Broken("there are too many entries to compare"));
    None
}

/// Two decoded pointers to the same place (direct, or both through a slot).
pub fn same_pointer(inputs: &Inputs<'_, '_, '_>, a: Pointer, b: Pointer) -> bool {
    match (a, b) {
        (Pointer::Direct(x), Pointer::Direct(y)) | (Pointer::Indirect(x), Pointer::Indirect(y)) => {
            x == y || inputs.map.corresponds(x, y)
        }
        _ => false,
    }
}

/// The whole entry at `offset` whose length field says `len`, that field included.
fn whole<S>(side: &Side<'_, S>, offset: usize, len: usize) -> Place {
    let initial = if side.data.get(offset..offset + 4) == Some(&[0xff; 4]) {
        12
    } else {
        4
    };
    let start = offset as u64;
    (
        side.index,
        start..start.saturating_add(len as u64).saturating_add(initial),
    )
}

/// Two call-frame instruction streams, decoded, equal.
fn same_instructions<R: Reader>(
    mut a: gimli::CallFrameInstructionIter<'_, R>,
    mut b: gimli::CallFrameInstructionIter<'_, R>,
) -> bool {
    super::in_step(MAX_INSTRUCTIONS, || a.next(), || b.next(), |x, y| x == y)
}
