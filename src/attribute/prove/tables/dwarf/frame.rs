//! `.debug_frame` compared entry by entry (see [`super`]).

use gimli::{RunTimeEndian, SectionId};

use super::{Compare, MAX_CFA_INSTRUCTIONS, MAX_FRAME_ENTRIES, R};

impl Compare<'_, '_, '_, '_> {
    /// `.debug_frame`, entry by entry: CIEs equal; FDEs with corresponding
    /// initial locations, equal ranges, the same CIE (by position) and
    /// equal instructions. Each equal entry's bytes are covered.
    pub(super) fn frames(&mut self, little_endian: bool) {
        use gimli::UnwindSection;
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
        let (mut el, mut er) = (fl.entries(&bases), fr.entries(&bases));
        // CIE offsets in order, per side, to compare FDEs' CIEs by position.
        let (mut cl, mut cr): (Vec<u64>, Vec<u64>) = (Vec::new(), Vec::new());
        // The whole entry, its length field included.
        let whole = |data: &[u8], offset: usize, len: usize| {
            let initial = if data.get(offset..offset + 4) == Some(&[0xff; 4]) {
                12
            } else {
                4
            };
            (offset as u64, (len as u64).saturating_add(initial))
        };
        for _ in 0..MAX_FRAME_ENTRIES {
            let (a, b) = match (el.next(), er.next()) {
                (Ok(None), Ok(None)) => return,
                (Ok(Some(a)), Ok(Some(b))) => (a, b),
                _ => {
                    self.differ(
                        "DWARF".into(),
                        "DWARF call frame information differs: the lists of entries differ".into(),
                        None,
                        None,
                    );
                    return;
                }
            };
            let (same, (ol, nl), (or, nr), subject) = match (a, b) {
                (gimli::CieOrFde::Cie(a), gimli::CieOrFde::Cie(b)) => {
                    cl.push(a.offset() as u64);
                    cr.push(b.offset() as u64);
                    let same = a.version() == b.version()
                        && a.augmentation() == b.augmentation()
                        && a.code_alignment_factor() == b.code_alignment_factor()
                        && a.data_alignment_factor() == b.data_alignment_factor()
                        && a.return_address_register() == b.return_address_register()
                        && same_cfa(a.instructions(&fl, &bases), b.instructions(&fr, &bases));
                    (
                        same,
                        whole(dl, a.offset(), a.entry_len()),
                        whole(dr, b.offset(), b.entry_len()),
                        "DWARF".to_string(),
                    )
                }
                (gimli::CieOrFde::Fde(pa), gimli::CieOrFde::Fde(pb)) => {
                    let (Ok(a), Ok(b)) = (
                        pa.parse(|s, b, o| s.cie_from_offset(b, o)),
                        pb.parse(|s, b, o| s.cie_from_offset(b, o)),
                    ) else {
                        self.differ(
                            "DWARF".into(),
                            "DWARF call frame information: an FDE does not decode".into(),
                            None,
                            None,
                        );
                        return;
                    };
                    let cie_at = |list: &[u64], o: usize| list.iter().position(|&c| c == o as u64);
                    let (p, q) = (a.initial_address(), b.initial_address());
                    let same = (p == q || self.inputs.map.corresponds(p, q))
                        && a.len() == b.len()
                        && cie_at(&cl, a.cie().offset()).is_some()
                        && cie_at(&cl, a.cie().offset()) == cie_at(&cr, b.cie().offset())
                        && same_cfa(a.instructions(&fl, &bases), b.instructions(&fr, &bases));
                    let subject = self
                        .inputs
                        .map
                        .lhs_funcs
                        .at(p)
                        .map_or_else(|| format!("the function at {p:#x}"), |f| f.name.clone());
                    (
                        same,
                        whole(dl, a.offset(), a.entry_len()),
                        whole(dr, b.offset(), b.entry_len()),
                        subject,
                    )
                }
                _ => (false, (0, 0), (0, 0), "DWARF".to_string()),
            };
            let (pl, pr) = (
                Some((il, ol..ol.saturating_add(nl))),
                Some((ir, or..or.saturating_add(nr))),
            );
            if same {
                self.proof.lhs.extend(pl);
                self.proof.rhs.extend(pr);
            } else {
                self.differ(
                    subject.clone(),
                    format!("DWARF call frame information of {subject} differs"),
                    pl.filter(|p| p.1.end > p.1.start),
                    pr.filter(|p| p.1.end > p.1.start),
                );
            }
        }
    }
}

/// Two call-frame instruction streams, decoded, equal.
fn same_cfa(
    mut a: gimli::CallFrameInstructionIter<'_, R<'_>>,
    mut b: gimli::CallFrameInstructionIter<'_, R<'_>>,
) -> bool {
    for _ in 0..MAX_CFA_INSTRUCTIONS {
        match (a.next(), b.next()) {
            (Ok(None), Ok(None)) => return true,
            (Ok(Some(x)), Ok(Some(y))) if x == y => {}
            _ => return false,
        }
    }
    false
}
