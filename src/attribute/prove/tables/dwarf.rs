//! The DWARF comparison (see [`super`]): both sides' DWARF decoded with
//! gimli and compared unit by unit, modulo the address correspondence and
//! the roots. Runs only when a debug section differs.
//!
//! Decoded, and covered where equivalent:
//! - `.debug_info`, unit by unit (paired in order): the DIE trees walked in
//!   parallel, same depth, tag, attribute names and forms; values compared
//!   by class: addresses (`DW_FORM_addr`, `addrx` through `.debug_addr`)
//!   corresponding under the map; strings (inline, `.debug_str`,
//!   `.debug_line_str`) equal modulo the roots; references to DIEs (in the
//!   unit or across units) by their position, not by offset;
//!   location expressions operation by operation, `DW_OP_addr` operands
//!   corresponding; range and location lists entry by entry (addresses
//!   corresponding, lengths and expressions equal); `DW_AT_stmt_list`
//!   by the line program compared below; everything else equal. An equal
//!   unit's bytes are covered; the `.debug_addr` words it used, too.
//! - `.debug_line`, each unit's program: header fields, directories and
//!   files (modulo the roots), then every row (address corresponding;
//!   file, line, column and flags equal). An equal program's bytes are covered.
//!
//! - `.debug_frame`, entry by entry: CIEs equal; FDEs with corresponding
//!   initial locations, equal lengths, the same CIE (by position) and
//!   equal decoded instructions.
//!
//! Only what holds a differing byte (on either side) is decoded: a unit
//! (its DIEs walked in parallel, values compared in the DIEs whose bytes
//! differ, the walk stopped past the unit's last differing byte once the
//! rest of both units is the same bytes at the same place), a line
//! program, `.debug_frame` when it differs. The range and location list
//! sections, when they are the same bytes on both sides, are not inflated:
//! references to them are equal when they name the same bytes (else the
//! comparison is run again with the lists read). When another
//! DWARF section differs (lists, strings, `.debug_addr`), whose bytes are
//! reached only through the units that use them, every unit is compared.
//! References compare DIEs by unit (paired in order) and place in that
//! unit's walk. GCC's location views (`DW_AT_GNU_locviews`) are equal when
//! the view lists before the two location lists are the same bytes.
//!
//! Not decoded, so never covered: `.debug_abbrev`, the
//! bytes of `.debug_rnglists`/`.debug_loclists`/`.debug_ranges`/`.debug_loc`
//! (their entries are compared, but the bytes they occupy are not
//! delimited), units past the bounds ([`MAX_UNITS`], [`MAX_DIES`],
//! [`MAX_ROWS`], and the call frame walk's bounds). A unit or line program that differs is a
//! [`TableDifference`] naming the function (or unit) where it differs.

use gimli::{AttributeValue, EndianSlice, RunTimeEndian, SectionId, Unit};

use super::Inputs;
use crate::attribute::prove::{Place, TableDifference, TableProof};
use crate::attribute::Cause;
use crate::diff::Status;
use differing::Differing;
use sections::{dwarf, load, locate, Loaded};

mod differing;
mod frame;
mod line;
mod list_entries;
mod lists;
mod sections;
mod unit;
mod value;

type R<'a> = EndianSlice<'a, RunTimeEndian>;
type Dwarf<'a> = gimli::Dwarf<R<'a>>;
type Entry<'a> = gimli::DebuggingInformationEntry<R<'a>>;

/// Units compared before stopping.
const MAX_UNITS: usize = 100_000;
/// DIEs walked per side, in all (a large Go program has a few million).
const MAX_DIES: usize = 20_000_000;
/// Line-table rows compared, in all.
const MAX_ROWS: usize = 50_000_000;
/// Entries compared per range or location list.
const MAX_LIST_ENTRIES: usize = 100_000;
/// Operations compared per location expression.
const MAX_OPS: usize = 10_000;

/// Decode the DWARF of both sides and compare what differs.
pub fn prove(inputs: &Inputs<'_, '_, '_>) -> TableProof {
    prove_in(inputs, false)
}

/// With `all`, every unit, line program and frame is compared, differing or not.
fn prove_in(inputs: &Inputs<'_, '_, '_>, all: bool) -> TableProof {
    match compare(inputs, all, true) {
        Some(proof) => proof,
        None => compare(inputs, all, false).unwrap_or_default(),
    }
}

/// The comparison. `lean`: the range and location list sections are not
/// inflated when they are the same bytes on both sides (a unit then
/// compares references to lists by what they name, see [`Compare::lean`]);
/// `None` when a lean comparison met a pair of references that needs the
/// lists themselves.
fn compare(inputs: &Inputs<'_, '_, '_>, all: bool, lean: bool) -> Option<TableProof> {
    let mut proof = TableProof::default();
    let differs = inputs.diff.pairs.iter().any(|p| {
        p.status != Status::Same
            && p.lhs
                .and_then(|i| inputs.lhs.sections.get(i))
                .is_some_and(|s| s.name.contains("debug_"))
    });
    if !differs {
        return Some(proof);
    }
    let (ll, rl) = (locate(inputs.lhs), locate(inputs.rhs));
    let mut need = Differing::new(inputs, &ll, &rl);
    need.everything |= all;
    // Lists are the same bytes unless another DWARF section differs.
    let lean = lean && !need.everything;
    let want = |id| match id {
        // Compared on its own, only when it differs.
        SectionId::DebugFrame => need.everything || need.frames,
        SectionId::DebugRngLists
        | SectionId::DebugLocLists
        | SectionId::DebugRanges
        | SectionId::DebugLoc => !lean,
        _ => true,
    };
    let (Some(ll), Some(rl)) = (load(inputs.lhs, &ll, want), load(inputs.rhs, &rl, want)) else {
        return Some(proof);
    };
    let (Some(ld), Some(rd)) = (
        dwarf(&ll, inputs.lhs.little_endian),
        dwarf(&rl, inputs.rhs.little_endian),
    ) else {
        return Some(proof);
    };
    let mut c = Compare {
        inputs,
        l: Side::new(&ld, &ll),
        r: Side::new(&rd, &rl),
        need,
        proof: &mut proof,
        dies: 0,
        rows: 0,
        lean,
        wants_lists: std::cell::Cell::new(false),
    };
    c.units();
    if c.wants_lists.get() {
        return None;
    }
    if c.need.everything || c.need.frames {
        c.frames(inputs.lhs.little_endian);
    }
    Some(proof)
}

/// One side: its DWARF, its sections, its units and (walked when a
/// reference needs it) the order of each unit's DIEs.
struct Side<'a, 'd> {
    d: &'a Dwarf<'a>,
    loaded: &'a Loaded<'d>,
    /// Every unit's header, in `.debug_info` order (at most [`MAX_UNITS`]).
    headers: Vec<gimli::UnitHeader<R<'a>>>,
    /// Per unit, the `.debug_info` offsets of its DIEs in walk order; `None`
    /// when the unit does not decode or the walk went past [`MAX_DIES`].
    walked: Vec<std::cell::OnceCell<Option<Vec<u64>>>>,
    /// DIEs walked for positions so far.
    walked_dies: std::cell::Cell<usize>,
    /// The list of units stopped at one that does not read.
    unreadable: bool,
    /// `.debug_info`'s section index.
    info: Option<usize>,
}

impl<'a, 'd> Side<'a, 'd> {
    fn new(d: &'a Dwarf<'a>, loaded: &'a Loaded<'d>) -> Side<'a, 'd> {
        let mut headers = Vec::new();
        let mut units = d.units();
        let mut unreadable = false;
        while headers.len() < MAX_UNITS {
            match units.next() {
                Ok(Some(h)) => headers.push(h),
                Ok(None) => break,
                Err(_) => {
                    unreadable = true;
                    break;
                }
            }
        }
        let walked = headers.iter().map(|_| std::cell::OnceCell::new()).collect();
        Side {
            d,
            loaded,
            headers,
            walked,
            walked_dies: std::cell::Cell::new(0),
            unreadable,
            info: loaded.index(SectionId::DebugInfo),
        }
    }

    /// Where the DIE at `.debug_info` offset `off` sits: its unit's index
    /// and its place in that unit's walk.
    fn position(&self, off: u64) -> Option<(usize, usize)> {
        let unit = self
            .headers
            .partition_point(|h| h.offset().0 as u64 <= off)
            .checked_sub(1)?;
        let dies = self.walked[unit]
            .get_or_init(|| self.walk(self.headers[unit]))
            .as_ref()?;
        Some((unit, dies.binary_search(&off).ok()?))
    }

    /// One unit's DIE offsets, in walk order.
    fn walk(&self, h: gimli::UnitHeader<R<'a>>) -> Option<Vec<u64>> {
        let base = h.offset().0 as u64;
        let unit = self.d.unit(h).ok()?;
        let mut out = Vec::new();
        let mut cursor = unit.entries();
        while let Ok(Some(e)) = cursor.next_dfs() {
            out.push(base.wrapping_add(e.offset().0 as u64));
            let n = self.walked_dies.get() + 1;
            self.walked_dies.set(n);
            if n > MAX_DIES {
                return None;
            }
        }
        Some(out)
    }

    fn place(&self, id: SectionId, start: u64, len: u64) -> Option<Place> {
        Some((self.loaded.index(id)?, start..start.checked_add(len)?))
    }

    /// The `.debug_addr` word at index `k` of unit `u`'s table.
    fn addr_word(&self, u: &Unit<R<'a>>, k: u64) -> Option<Place> {
        let size = u64::from(u.encoding().address_size);
        let at = (u.addr_base.0 as u64).checked_add(k.checked_mul(size)?)?;
        self.place(SectionId::DebugAddr, at, size)
    }

    /// Where a string of `len` bytes that `v` names sits in `.debug_str` or
    /// `.debug_line_str`, its NUL included (`None` for an inline string).
    fn string_place(&self, u: &Unit<R<'a>>, v: AttributeValue<R<'a>>, len: usize) -> Option<Place> {
        let (id, off) = match v {
            AttributeValue::DebugStrRef(o) => (SectionId::DebugStr, o.0 as u64),
            AttributeValue::DebugLineStrRef(o) => (SectionId::DebugLineStr, o.0 as u64),
            AttributeValue::DebugStrOffsetsIndex(i) => (
                SectionId::DebugStr,
                self.d.string_offset(u, i).ok()?.0 as u64,
            ),
            _ => return None,
        };
        self.place(id, off, len as u64 + 1)
    }
}

struct Compare<'c, 'a, 'd, 'i> {
    inputs: &'c Inputs<'i, 'i, 'i>,
    l: Side<'a, 'd>,
    r: Side<'a, 'd>,
    need: Differing<'c>,
    proof: &'c mut TableProof,
    dies: usize,
    rows: usize,
    /// The list sections are the same bytes on both sides and not loaded:
    /// two references to lists are equal when they name the same bytes
    /// (the same offset, or the same index from the same base). Any other
    /// pair sets `wants_lists`, and the comparison is run again with them.
    lean: bool,
    wants_lists: std::cell::Cell<bool>,
}

/// Why a unit differs: where (a function or the unit) and what.
struct Why {
    subject: String,
    title: String,
}

impl Compare<'_, '_, '_, '_> {
    fn differ(&mut self, subject: String, title: String, lhs: Option<Place>, rhs: Option<Place>) {
        self.proof.differences.push(TableDifference {
            cause: Cause::Dwarf,
            subject,
            title,
            lhs,
            rhs,
        });
    }
}

#[cfg(test)]
mod tests;
