//! Each side's DWARF sections (see [`super`]): where they are (under any
//! of their names), their contents (inflated) and gimli's view of them.

use std::borrow::Cow;

use gimli::{EndianSlice, RunTimeEndian, SectionId};

use super::Dwarf;
use crate::binary::Binary;

/// The DWARF sections read.
const SECTIONS: [SectionId; 12] = [
    SectionId::DebugFrame,
    SectionId::DebugAbbrev,
    SectionId::DebugInfo,
    SectionId::DebugLine,
    SectionId::DebugLineStr,
    SectionId::DebugStr,
    SectionId::DebugStrOffsets,
    SectionId::DebugAddr,
    SectionId::DebugRngLists,
    SectionId::DebugLocLists,
    SectionId::DebugRanges,
    SectionId::DebugLoc,
];

/// One side's loaded sections: id, section index, contents.
pub(super) struct Loaded<'d> {
    sections: Vec<(SectionId, usize, Cow<'d, [u8]>)>,
}

impl Loaded<'_> {
    pub(super) fn get(&self, id: SectionId) -> &[u8] {
        self.sections
            .iter()
            .find(|s| s.0 == id)
            .map_or(&[], |s| &*s.2)
    }

    pub(super) fn index(&self, id: SectionId) -> Option<usize> {
        self.sections.iter().find(|s| s.0 == id).map(|s| s.1)
    }
}

/// Where each DWARF section is: its id and section index (found under any
/// of its names, as the DWARF reader finds them).
pub(super) fn locate(bin: &Binary<'_>) -> Vec<(SectionId, usize)> {
    SECTIONS
        .into_iter()
        .filter_map(|id| Some((id, crate::binary::go::dwarf::dwarf_section(bin, id)?)))
        .collect()
}

/// The located sections' contents (inflated), those `want` names only.
pub(super) fn load<'d>(
    bin: &'d Binary<'d>,
    located: &[(SectionId, usize)],
    want: impl Fn(SectionId) -> bool,
) -> Option<Loaded<'d>> {
    let mut sections = Vec::new();
    for &(id, i) in located.iter().filter(|s| want(s.0)) {
        sections.push((id, i, bin.contents(i).ok()?));
    }
    sections
        .iter()
        .any(|s| s.0 == SectionId::DebugInfo)
        .then_some(Loaded { sections })
}

pub(super) fn dwarf<'a>(loaded: &'a Loaded<'_>, little_endian: bool) -> Option<Dwarf<'a>> {
    let endian = if little_endian {
        RunTimeEndian::Little
    } else {
        RunTimeEndian::Big
    };
    let sections =
        gimli::DwarfSections::load(|id| Ok::<_, std::convert::Infallible>(loaded.get(id))).ok()?;
    Some(sections.borrow(|s| EndianSlice::new(s, endian)))
}
