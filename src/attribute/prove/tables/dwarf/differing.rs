//! Where the DWARF differs (see [`super`]): from the diff's differing
//! section pairs, which of `.debug_info`, `.debug_line` and `.debug_frame`
//! the comparison must reach, and whether a place holds a differing byte.

use gimli::SectionId;

use crate::attribute::prove::tables::{self, Inputs};
use crate::attribute::prove::Place;
use crate::diff::Status;

/// Where the DWARF differs: what the comparison must reach. Only a unit,
/// line program or frame table holding a differing byte (on either side)
/// is decoded; the rest is the same bytes and needs no proof.
pub(super) struct Differing<'i> {
    pub(super) lhs: &'i tables::Differing,
    pub(super) rhs: &'i tables::Differing,
    /// `.debug_line` differs.
    pub(super) lines: bool,
    /// `.debug_frame` differs.
    pub(super) frames: bool,
    /// Another DWARF section differs (or one exists on one side only):
    /// its bytes are reached only through the units that use them, so
    /// every unit is compared.
    pub(super) everything: bool,
}

impl<'i> Differing<'i> {
    pub(super) fn new(
        inputs: &'i Inputs<'_, '_, '_>,
        ll: &[(SectionId, usize)],
        rl: &[(SectionId, usize)],
    ) -> Differing<'i> {
        let mut need = Differing {
            lhs: inputs.differing(true),
            rhs: inputs.differing(false),
            lines: false,
            frames: false,
            everything: false,
        };
        let id = |located: &[(SectionId, usize)], i: Option<usize>| {
            let i = i?;
            located.iter().find(|s| s.1 == i).map(|s| s.0)
        };
        for p in inputs
            .diff
            .pairs
            .iter()
            .filter(|p| p.status != Status::Same)
        {
            match (id(ll, p.lhs), id(rl, p.rhs)) {
                (None, None) => {}
                (Some(SectionId::DebugInfo), Some(SectionId::DebugInfo)) => {}
                (Some(SectionId::DebugLine), Some(SectionId::DebugLine)) => need.lines = true,
                (Some(SectionId::DebugFrame), Some(SectionId::DebugFrame)) => need.frames = true,
                _ => need.everything = true,
            }
        }
        need
    }

    /// Does either side's place hold a differing byte?
    pub(super) fn touches(&self, lhs: Option<&Place>, rhs: Option<&Place>) -> bool {
        self.everything
            || lhs.is_none_or(|p| self.lhs.touches(p))
            || rhs.is_none_or(|p| self.rhs.touches(p))
    }
}
