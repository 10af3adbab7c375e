//! The bytes a range or location list occupies: gimli resolves the
//! entries, this walks their encoding to delimit the list, so that a list
//! compared equal can be covered, and collects the `.debug_addr` indexes
//! it uses.
//!
//! Encodings: DWARF 5 `.debug_rnglists` (`DW_RLE_*`) and `.debug_loclists`
//! (`DW_LLE_*`, each bounded entry followed by a counted expression);
//! DWARF 4 `.debug_ranges` (address pairs ending with two zeros) and
//! `.debug_loc` (address pairs, then a 2-byte counted expression unless
//! the pair selects a base address).

/// Which list encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    RngLists,
    LocLists,
    Ranges,
    Loc,
}

/// Entries walked per list before giving up.
const MAX_ENTRIES: usize = 100_000;

/// The length of the list at `start` of `data` and the `.debug_addr`
/// indexes its entries use; `None` when it does not end within the data.
pub fn extent(
    data: &[u8],
    start: u64,
    kind: Kind,
    addr_size: u8,
    little_endian: bool,
) -> Option<(u64, Vec<u64>)> {
    let mut r = Reader {
        data,
        at: usize::try_from(start).ok()?,
    };
    let a = usize::from(addr_size);
    let mut indexes = Vec::new();
    for _ in 0..MAX_ENTRIES {
        match kind {
            Kind::RngLists | Kind::LocLists => {
                let loc = kind == Kind::LocLists;
                let code = r.byte()?;
                let expr = match (code, loc) {
                    (0, _) => return Some((r.at as u64 - start, indexes)),
                    (1, _) => {
                        indexes.push(r.uleb()?);
                        false
                    }
                    (2, _) => {
                        indexes.push(r.uleb()?);
                        indexes.push(r.uleb()?);
                        true
                    }
                    (3, _) => {
                        indexes.push(r.uleb()?);
                        r.uleb()?;
                        true
                    }
                    (4, _) => {
                        r.uleb()?;
                        r.uleb()?;
                        true
                    }
                    (5, false) => {
                        r.skip(a)?;
                        false
                    }
                    (6, false) => {
                        r.skip(2 * a)?;
                        false
                    }
                    (7, false) => {
                        r.skip(a)?;
                        r.uleb()?;
                        false
                    }
                    (5, true) => true,
                    (6, true) => {
                        r.skip(a)?;
                        false
                    }
                    (7, true) => {
                        r.skip(2 * a)?;
                        true
                    }
                    (8, true) => {
                        r.skip(a)?;
                        r.uleb()?;
                        true
                    }
                    _ => return None,
                };
                if expr && loc {
                    let n = usize::try_from(r.uleb()?).ok()?;
                    r.skip(n)?;
                }
            }
            Kind::Ranges | Kind::Loc => {
                let begin = r.bytes(a)?;
                let end = r.bytes(a)?;
                let zero = |b: &[u8]| b.iter().all(|&x| x == 0);
                let max = |b: &[u8]| b.iter().all(|&x| x == 0xff);
                if zero(begin) && zero(end) {
                    return Some((r.at as u64 - start, indexes));
                }
                if kind == Kind::Loc && !max(begin) {
                    let n = [r.byte()?, r.byte()?];
                    let n = if little_endian {
                        u16::from_le_bytes(n)
                    } else {
                        u16::from_be_bytes(n)
                    };
                    r.skip(usize::from(n))?;
                }
            }
        }
    }
    None
}

struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let b = self.data.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(b)
    }

    fn skip(&mut self, n: usize) -> Option<()> {
        self.bytes(n).map(|_| ())
    }

    fn byte(&mut self) -> Option<u8> {
        self.bytes(1).map(|b| b[0])
    }

    fn uleb(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for k in 0..10 {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f).checked_shl(7 * k).unwrap_or(0);
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_delimited() {
        // offset_pair 1,2; base_addressx 3; end.
        let rng = [4, 1, 2, 1, 3, 0, 0xaa];
        assert_eq!(extent(&rng, 0, Kind::RngLists, 8, true), Some((6, vec![3])));
        // offset_pair 1,2 + expr of 2 bytes; end.
        let loc = [4, 1, 2, 2, 0x9c, 0x9c, 0];
        assert_eq!(extent(&loc, 0, Kind::LocLists, 8, true), Some((7, vec![])));
        let mut ranges = vec![1u8; 8];
        ranges.extend([0u8; 8]);
        assert_eq!(
            extent(&ranges, 0, Kind::Ranges, 4, true),
            Some((16, vec![]))
        );
        // Unterminated, garbage: no panic.
        assert_eq!(extent(&[4, 0x80], 0, Kind::RngLists, 8, true), None);
        assert_eq!(extent(&[9], 0, Kind::LocLists, 8, true), None);
        assert_eq!(extent(&[], 5, Kind::Loc, 8, true), None);
    }
}
