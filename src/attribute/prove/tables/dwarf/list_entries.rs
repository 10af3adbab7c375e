//! Range and location lists compared entry by entry (see [`super`]):
//! addresses corresponding, lengths (and location expressions) equal; a
//! pair compared equal is covered where [`super::lists`] can delimit it,
//! with the `.debug_addr` words it uses.

use gimli::{AttributeValue, SectionId, Unit};

use super::{lists, Compare, MAX_LIST_ENTRIES, R};
use crate::attribute::prove::tables::in_step;
use crate::attribute::prove::Place;

impl<'a> Compare<'_, 'a, '_, '_> {
    pub(super) fn ranges(
        &self,
        a: &Unit<R<'a>>,
        b: &Unit<R<'a>>,
        x: AttributeValue<R<'a>>,
        y: AttributeValue<R<'a>>,
    ) -> Option<Vec<(Place, Place)>> {
        let (Ok(Some(p)), Ok(Some(q))) = (
            self.l.d.attr_ranges_offset(a, x),
            self.r.d.attr_ranges_offset(b, y),
        ) else {
            return None;
        };
        if !self.same_ranges(a, b, x, y) {
            return None;
        }
        let v5 = a.encoding().version >= 5;
        let (id, kind) = if v5 {
            (SectionId::DebugRngLists, lists::Kind::RngLists)
        } else {
            (SectionId::DebugRanges, lists::Kind::Ranges)
        };
        Some(self.list_places(a, b, id, kind, p.0 as u64, q.0 as u64))
    }

    /// The places of two lists compared equal, and the `.debug_addr` words
    /// they use (paired when both use as many); none when a list cannot be delimited.
    fn list_places(
        &self,
        a: &Unit<R<'a>>,
        b: &Unit<R<'a>>,
        id: SectionId,
        kind: lists::Kind,
        p: u64,
        q: u64,
    ) -> Vec<(Place, Place)> {
        let le = self.inputs.lhs.little_endian;
        let (sa, sb) = (a.encoding().address_size, b.encoding().address_size);
        let (Some((nl, il)), Some((nr, ir))) = (
            lists::extent(self.l.loaded.get(id), p, kind, sa, le),
            lists::extent(self.r.loaded.get(id), q, kind, sb, le),
        ) else {
            return vec![];
        };
        let mut out: Vec<(Place, Place)> = self
            .l
            .place(id, p, nl)
            .zip(self.r.place(id, q, nr))
            .into_iter()
            .collect();
        if il.len() == ir.len() {
            for (i, j) in il.into_iter().zip(ir) {
                out.extend(self.l.addr_word(a, i).zip(self.r.addr_word(b, j)));
            }
        }
        out
    }

    fn same_ranges(
        &self,
        a: &Unit<R<'a>>,
        b: &Unit<R<'a>>,
        x: AttributeValue<R<'a>>,
        y: AttributeValue<R<'a>>,
    ) -> bool {
        let (Ok(Some(mut p)), Ok(Some(mut q))) =
            (self.l.d.attr_ranges(a, x), self.r.d.attr_ranges(b, y))
        else {
            return false;
        };
        in_step(
            MAX_LIST_ENTRIES,
            || p.next(),
            || q.next(),
            |s, t| {
                s.end.wrapping_sub(s.begin) == t.end.wrapping_sub(t.begin)
                    && self.inputs.map.corresponds(s.begin, t.begin)
            },
        )
    }

    pub(super) fn locations(
        &self,
        a: &Unit<R<'a>>,
        b: &Unit<R<'a>>,
        x: AttributeValue<R<'a>>,
        y: AttributeValue<R<'a>>,
    ) -> Option<Vec<(Place, Place)>> {
        let (Ok(Some(p)), Ok(Some(q))) = (
            self.l.d.attr_locations_offset(a, x),
            self.r.d.attr_locations_offset(b, y),
        ) else {
            return None;
        };
        if !self.same_locations(a, b, x, y) {
            return None;
        }
        let (id, kind) = location_lists(a);
        Some(self.list_places(a, b, id, kind, p.0 as u64, q.0 as u64))
    }

    fn same_locations(
        &self,
        a: &Unit<R<'a>>,
        b: &Unit<R<'a>>,
        x: AttributeValue<R<'a>>,
        y: AttributeValue<R<'a>>,
    ) -> bool {
        let (Ok(Some(mut p)), Ok(Some(mut q))) =
            (self.l.d.attr_locations(a, x), self.r.d.attr_locations(b, y))
        else {
            return false;
        };
        in_step(
            MAX_LIST_ENTRIES,
            || p.next(),
            || q.next(),
            |s, t| {
                s.range.end.wrapping_sub(s.range.begin) == t.range.end.wrapping_sub(t.range.begin)
                    && self.inputs.map.corresponds(s.range.begin, t.range.begin)
                    && self.expressions(a, b, s.data, t.data)
            },
        )
    }
}

/// Where unit `u`'s location lists are, and in which form: `.debug_loclists`
/// from DWARF 5, `.debug_loc` before.
pub(super) fn location_lists(u: &Unit<R<'_>>) -> (SectionId, lists::Kind) {
    if u.encoding().version >= 5 {
        (SectionId::DebugLocLists, lists::Kind::LocLists)
    } else {
        (SectionId::DebugLoc, lists::Kind::Loc)
    }
}
