//! One attribute's two values compared by class (see [`super`]):
//! addresses corresponding under the map (`DW_FORM_addr`, and `addrx`
//! through `.debug_addr`), references by the DIE's place, strings equal
//! modulo the roots, location expressions operation by operation, GCC's
//! location views by their bytes, range and location lists through
//! [`super::list_entries`], everything else equal.

use gimli::{constants, AttributeValue, Expression, Operation, Unit};

use super::list_entries::location_lists;
use super::{Compare, Entry, Side, MAX_OPS, R};
use crate::attribute::prove::Place;

impl<'a> Compare<'_, 'a, '_, '_> {
    /// Compare one attribute's values; the `.debug_addr` words used, on success.
    #[allow(clippy::too_many_arguments)] // both units and both values
    pub(super) fn value(
        &mut self,
        a: &Unit<R<'a>>,
        b: &Unit<R<'a>>,
        ol: u64,
        or: u64,
        name: constants::DwAt,
        x: AttributeValue<R<'a>>,
        y: AttributeValue<R<'a>>,
    ) -> Result<Vec<(Place, Place)>, ()> {
        let (l, r) = (&self.l, &self.r);
        let map = self.inputs.map;
        let ok = |b: bool| if b { Ok(vec![]) } else { Err(()) };
        match (x, y) {
            // Equal values need no proof (`DW_AT_go_runtime_type` holds an
            // offset from the types, not an address).
            (AttributeValue::Addr(p), AttributeValue::Addr(q)) => {
                ok(p == q || map.corresponds(p, q))
            }
            (AttributeValue::DebugAddrIndex(i), AttributeValue::DebugAddrIndex(j)) => {
                let (Ok(p), Ok(q)) = (l.d.address(a, i), r.d.address(b, j)) else {
                    return Err(());
                };
                if !map.corresponds(p, q) {
                    return Err(());
                }
                Ok(l.addr_word(a, i.0 as u64)
                    .zip(r.addr_word(b, j.0 as u64))
                    .into_iter()
                    .collect())
            }
            (AttributeValue::UnitRef(p), AttributeValue::UnitRef(q)) => {
                ok(self.same_die(ol.wrapping_add(p.0 as u64), or.wrapping_add(q.0 as u64)))
            }
            (AttributeValue::DebugInfoRef(p), AttributeValue::DebugInfoRef(q)) => {
                ok(self.same_die(p.0 as u64, q.0 as u64))
            }
            // Bases of the unit's contributions to other sections: layout,
            // proven by resolving through them (`address`, lists, strings).
            (AttributeValue::DebugAddrBase(_), AttributeValue::DebugAddrBase(_))
            | (AttributeValue::DebugRngListsBase(_), AttributeValue::DebugRngListsBase(_))
            | (AttributeValue::DebugLocListsBase(_), AttributeValue::DebugLocListsBase(_))
            | (AttributeValue::DebugStrOffsetsBase(_), AttributeValue::DebugStrOffsetsBase(_)) => {
                Ok(vec![])
            }
            (AttributeValue::DebugLineRef(_), AttributeValue::DebugLineRef(_))
                if name == constants::DW_AT_stmt_list =>
            {
                // The programs are compared on their own (`lines`).
                Ok(vec![])
            }
            (AttributeValue::Exprloc(p), AttributeValue::Exprloc(q)) => {
                ok(self.expressions(a, b, p, q))
            }
            (
                x @ (AttributeValue::RangeListsRef(_) | AttributeValue::DebugRngListsIndex(_)),
                y @ (AttributeValue::RangeListsRef(_) | AttributeValue::DebugRngListsIndex(_)),
            ) if self.lean => self.same_list(a, b, x, y),
            (
                x @ (AttributeValue::RangeListsRef(_) | AttributeValue::DebugRngListsIndex(_)),
                y @ (AttributeValue::RangeListsRef(_) | AttributeValue::DebugRngListsIndex(_)),
            ) => self.ranges(a, b, x, y).ok_or(()),
            (
                x @ (AttributeValue::LocationListsRef(_) | AttributeValue::DebugLocListsIndex(_)),
                y @ (AttributeValue::LocationListsRef(_) | AttributeValue::DebugLocListsIndex(_)),
            ) if self.lean => self.same_list(a, b, x, y),
            (
                x @ (AttributeValue::LocationListsRef(_) | AttributeValue::DebugLocListsIndex(_)),
                y @ (AttributeValue::LocationListsRef(_) | AttributeValue::DebugLocListsIndex(_)),
            ) => self.locations(a, b, x, y).ok_or(()),
            (x, y) if is_string(&x) && is_string(&y) => {
                let (Ok(p), Ok(q)) = (l.d.attr_string(a, x), r.d.attr_string(b, y)) else {
                    return Err(());
                };
                if !same_text(self.inputs.roots, p.slice(), q.slice()) {
                    return Err(());
                }
                // A string in a string section: its bytes are covered.
                let (sp, sq) = (l.string_place(a, x, p.len()), r.string_place(b, y, q.len()));
                Ok(sp.zip(sq).into_iter().collect())
            }
            (x, y) => ok(plain(&x) && plain(&y) && x == y),
        }
    }

    /// Lean (see [`Compare::lean`]): two references to range or location
    /// lists in sections that are the same bytes on both sides are equal
    /// when they name the same bytes. Otherwise the lists are wanted.
    fn same_list(
        &self,
        a: &Unit<R<'a>>,
        b: &Unit<R<'a>>,
        x: AttributeValue<R<'a>>,
        y: AttributeValue<R<'a>>,
    ) -> Result<Vec<(Place, Place)>, ()> {
        use AttributeValue::*;
        let same = match (x, y) {
            (RangeListsRef(p), RangeListsRef(q)) => p == q,
            (LocationListsRef(p), LocationListsRef(q)) => p == q,
            (DebugRngListsIndex(i), DebugRngListsIndex(j)) => {
                i == j && a.rnglists_base == b.rnglists_base
            }
            (DebugLocListsIndex(i), DebugLocListsIndex(j)) => {
                i == j && a.loclists_base == b.loclists_base
            }
            _ => false,
        } && a.encoding() == b.encoding();
        if !same {
            self.wants_lists.set(true);
            return Err(());
        }
        Ok(vec![])
    }

    /// GCC's location views (`DW_AT_GNU_locviews`): the offset of a list of
    /// view-number pairs that sits just before the DIE's location list.
    /// Equal when both sides' view lists (from the offset to the location
    /// list) are the same bytes; the offsets themselves are layout. The
    /// view lists' places, on success.
    pub(super) fn views(
        &self,
        a: &Unit<R<'a>>,
        b: &Unit<R<'a>>,
        ea: &Entry<'a>,
        eb: &Entry<'a>,
        x: AttributeValue<R<'a>>,
        y: AttributeValue<R<'a>>,
    ) -> Option<(Place, Place)> {
        if self.lean {
            self.wants_lists.set(true);
            return None;
        }
        let list = |s: &Side<'a, '_>, u: &Unit<R<'a>>, e: &Entry<'a>, v: AttributeValue<R<'a>>| {
            let start = match v {
                AttributeValue::SecOffset(o) => o as u64,
                AttributeValue::LocationListsRef(o) => o.0 as u64,
                _ => return None,
            };
            let location = e.attr_value(constants::DW_AT_location)?;
            let end = s.d.attr_locations_offset(u, location).ok()??.0 as u64;
            let id = location_lists(u).0;
            let bytes = s
                .loaded
                .get(id)
                .get(usize::try_from(start).ok()?..usize::try_from(end).ok()?)?;
            Some((bytes, s.place(id, start, end - start)?))
        };
        let ((p, pl), (q, pr)) = (list(&self.l, a, ea, x)?, list(&self.r, b, eb, y)?);
        (p == q).then_some((pl, pr))
    }

    /// Do DIEs at these `.debug_info` offsets sit at the same place: the
    /// same unit (units are paired in order) and the same place in its walk?
    fn same_die(&self, p: u64, q: u64) -> bool {
        matches!((self.l.position(p), self.r.position(q)), (Some(i), Some(j)) if i == j)
    }

    /// Two location expressions, operation by operation.
    pub(super) fn expressions(
        &self,
        a: &Unit<R<'a>>,
        b: &Unit<R<'a>>,
        p: Expression<R<'a>>,
        q: Expression<R<'a>>,
    ) -> bool {
        let (mut x, mut y) = (p.0, q.0);
        let (ea, eb) = (a.encoding(), b.encoding());
        for _ in 0..MAX_OPS {
            if x.is_empty() || y.is_empty() {
                return x.is_empty() && y.is_empty();
            }
            let (bx, by) = (x, y);
            let (Ok(ox), Ok(oy)) = (Operation::parse(&mut x, ea), Operation::parse(&mut y, eb))
            else {
                return false;
            };
            let same = match (&ox, &oy) {
                (Operation::Address { address: s }, Operation::Address { address: t }) => {
                    s == t || self.inputs.map.corresponds(*s, *t)
                }
                (Operation::AddressIndex { index: i }, Operation::AddressIndex { index: j }) => {
                    match (self.l.d.address(a, *i), self.r.d.address(b, *j)) {
                        (Ok(s), Ok(t)) => self.inputs.map.corresponds(s, t),
                        _ => false,
                    }
                }
                _ => {
                    // Anything else: the operation's bytes equal.
                    let (nx, ny) = (bx.len() - x.len(), by.len() - y.len());
                    nx == ny && bx.slice().get(..nx) == by.slice().get(..ny)
                }
            };
            if !same {
                return false;
            }
        }
        false
    }
}

fn is_string(v: &AttributeValue<R<'_>>) -> bool {
    matches!(
        v,
        AttributeValue::String(_)
            | AttributeValue::DebugStrRef(_)
            | AttributeValue::DebugLineStrRef(_)
            | AttributeValue::DebugStrOffsetsIndex(_)
    )
}

/// A value compared as it is: constants, flags, enumerations, blocks.
/// Offsets into other sections and references are not (they need decoding).
fn plain(v: &AttributeValue<R<'_>>) -> bool {
    use AttributeValue::*;
    !matches!(
        v,
        Addr(_)
            | DebugAddrIndex(_)
            | DebugAddrBase(_)
            | UnitRef(_)
            | DebugInfoRef(_)
            | DebugInfoRefSup(_)
            | DebugLineRef(_)
            | LocationListsRef(_)
            | DebugLocListsBase(_)
            | DebugLocListsIndex(_)
            | DebugMacinfoRef(_)
            | DebugMacroRef(_)
            | RangeListsRef(_)
            | DebugRngListsBase(_)
            | DebugRngListsIndex(_)
            | DebugTypesRef(_)
            | DebugStrRef(_)
            | DebugStrRefSup(_)
            | DebugStrOffsetsBase(_)
            | DebugStrOffsetsIndex(_)
            | DebugLineStrRef(_)
            | Exprloc(_)
            | SecOffset(_)
    )
}

/// Equal bytes, or both UTF-8 and equal modulo the roots.
pub(super) fn same_text(roots: &crate::attribute::prove::Roots, a: &[u8], b: &[u8]) -> bool {
    a == b
        || matches!(
            (std::str::from_utf8(a), std::str::from_utf8(b)),
            (Ok(x), Ok(y)) if roots.same_modulo_roots(x, y)
        )
}
