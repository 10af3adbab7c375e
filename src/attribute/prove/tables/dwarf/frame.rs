//! `.debug_frame` compared entry by entry (see [`super`]), by the walk
//! shared with `.eh_frame` ([`crate::attribute::prove::tables::cfi`]).

use gimli::{RunTimeEndian, SectionId};

use super::Compare;
use crate::attribute::prove::tables::cfi::{self, Entry};

impl Compare<'_, '_, '_, '_> {
    /// `.debug_frame`, entry by entry: CIEs equal; FDEs with corresponding
    /// initial locations, equal ranges, the same CIE (by position) and
    /// equal instructions. Each equal entry's bytes are covered.
    pub(super) fn frames(&mut self, little_endian: bool) {
        let endian = if little_endian {
            RunTimeEndian::Little
        } else {
            RunTimeEndian::Big
        };
        let (ll, rl) = (self.l.loaded, self.r.loaded);
        let (Some(il), Some(ir)) = (
            ll.index(SectionId::DebugFrame),
            rl.index(SectionId::DebugFrame),
        ) else {
            return;
        };
        let (dl, dr) = (ll.get(SectionId::DebugFrame), rl.get(SectionId::DebugFrame));
        let size = if self.inputs.lhs.is_64 { 8 } else { 4 };
        let mut fl = gimli::DebugFrame::new(dl, endian);
        let mut fr = gimli::DebugFrame::new(dr, endian);
        fl.set_address_size(size);
        fr.set_address_size(size);
        let bases = gimli::BaseAddresses::default();
        let side = |section, index, data| cfi::Side {
            section,
            bases: &bases,
            index,
            data,
        };
        let (l, r) = (side(&fl, il, dl), side(&fr, ir, dr));
        cfi::compare(self.inputs, &l, &r, |entry| match entry {
            Entry::Same { lhs, rhs } => {
                self.proof.lhs.push(lhs);
                self.proof.rhs.push(rhs);
            }
            Entry::Differs { subject, lhs, rhs } => self.differ(
                subject.clone(),
                format!("DWARF call frame information of {subject} differs"),
                Some(lhs).filter(|p| !p.1.is_empty()),
                Some(rhs).filter(|p| !p.1.is_empty()),
            ),
            Entry::Broken(why) => self.differ(
                "DWARF".into(),
                format!("DWARF call frame information differs: {why}"),
                None,
                None,
            ),
        });
    }
}
