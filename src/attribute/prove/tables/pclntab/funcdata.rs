//! Funcdata compared (see [`super`]): a blob from `go:func.*` equal byte
//! for byte when both sides' have the same length, and the inline tree
//! (funcdata 3) entry by entry, names by string.

use super::side::Side;
use super::{Compare, INLINE_ENTRY, MAX_FUNCDATA_BLOB, MAX_INLINE_ENTRIES};
use crate::attribute::prove::Place;

impl<'a> Compare<'_, 'a, '_> {
    /// The funcdata blobs at offsets `x` (lhs) and `y` (rhs) from each
    /// side's `go:func.*`, when they have the same length (to the next
    /// funcdata offset) and the same bytes.
    pub(super) fn equal_blobs(&self, x: u64, y: u64) -> Option<(Place, Place)> {
        let blob = |side: &Side<'a>, offs: &[u64], at: u64| {
            let m = side.module?;
            let k = offs.partition_point(|&o| o <= at);
            let end = match offs.get(k) {
                Some(&next) => next,
                // The last blob runs to the findfunctab, which follows it.
                None => m.findfunctab.checked_sub(m.gofunc)?,
            };
            let len = end
                .checked_sub(at)
                .filter(|&n| n > 0 && n <= MAX_FUNCDATA_BLOB)?;
            side.at_address(m.gofunc.checked_add(at)?, len)
        };
        let (si, oi, a) = blob(self.l, &self.funcdata[0], x)?;
        let (sj, oj, b) = blob(self.r, &self.funcdata[1], y)?;
        (a == b).then(|| {
            let n = a.len() as u64;
            ((si, oi..oi + n), (sj, oj..oj + n))
        })
    }

    /// Compare two inline trees at lhs address `xa` and rhs `ya`, with as many
    /// entries as the inline index table (pcdata 2) uses. `None` when the
    /// tree's size is unknown or it cannot be read.
    #[allow(clippy::type_complexity)] // Ok(covered places) or Err(differing places)
    pub(super) fn inline_tree(
        &self,
        xa: u64,
        ya: u64,
        index: Option<&[(i32, u64)]>,
    ) -> Option<Result<(Place, Place), (Option<Place>, Option<Place>)>> {
        let (l, r) = (self.l, self.r);
        let n = index?.iter().map(|p| p.0).max()?;
        let n = u64::try_from(n).ok()?.checked_add(1)?;
        if n > MAX_INLINE_ENTRIES {
            return None;
        }
        let len = n * INLINE_ENTRY;
        let (si, oi, x) = l.at_address(xa, len)?;
        let (sj, oj, y) = r.at_address(ya, len)?;
        let (pl, pr) = ((si, oi..oi + len), (sj, oj..oj + len));
        let word = |s: &Side<'_>, d: &[u8], at: usize| -> Option<u32> {
            let w: [u8; 4] = d.get(at..at + 4)?.try_into().ok()?;
            Some(if s.bin.little_endian {
                u32::from_le_bytes(w)
            } else {
                u32::from_be_bytes(w)
            })
        };
        let same = (0..n as usize).all(|k| {
            let at = k * INLINE_ENTRY as usize;
            let name =
                |s: &Side<'a>, d: &[u8]| word(s, d, at + 4).and_then(|o| s.name(o)).map(|n| n.0);
            x.get(at..at + 4) == y.get(at..at + 4)
                && name(l, x).is_some()
                && name(l, x) == name(r, y)
                && x.get(at + 8..at + 16) == y.get(at + 8..at + 16)
        });
        Some(if same {
            Ok((pl, pr))
        } else {
            Err((Some(pl), Some(pr)))
        })
    }
}
