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
//! differ), a line program, `.debug_frame` when it differs. When another
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

use std::borrow::Cow;

use gimli::{
    constants, AttributeValue, EndianSlice, Expression, Operation, RunTimeEndian, SectionId, Unit,
};

use super::Inputs;
use crate::attribute::prove::{Place, TableDifference, TableProof};
use crate::attribute::Cause;
use crate::binary::Binary;
use crate::diff::Status;

mod frame;
mod line;
mod lists;

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
struct Loaded<'d> {
    sections: Vec<(SectionId, usize, Cow<'d, [u8]>)>,
}

impl Loaded<'_> {
    fn get(&self, id: SectionId) -> &[u8] {
        self.sections
            .iter()
            .find(|s| s.0 == id)
            .map_or(&[], |s| &*s.2)
    }

    fn index(&self, id: SectionId) -> Option<usize> {
        self.sections.iter().find(|s| s.0 == id).map(|s| s.1)
    }
}

/// Where each DWARF section is: its id and section index (found under any
/// of its names, as the DWARF reader finds them).
fn locate(bin: &Binary<'_>) -> Vec<(SectionId, usize)> {
    SECTIONS
        .into_iter()
        .filter_map(|id| Some((id, crate::binary::go::dwarf::dwarf_section(bin, id)?)))
        .collect()
}

/// The located sections' contents (inflated), those `want` names only.
fn load<'d>(
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

fn dwarf<'a>(loaded: &'a Loaded<'_>, little_endian: bool) -> Option<Dwarf<'a>> {
    let endian = if little_endian {
        RunTimeEndian::Little
    } else {
        RunTimeEndian::Big
    };
    let sections =
        gimli::DwarfSections::load(|id| Ok::<_, std::convert::Infallible>(loaded.get(id))).ok()?;
    Some(sections.borrow(|s| EndianSlice::new(s, endian)))
}

/// Decode the DWARF of both sides and compare what differs.
pub fn prove(inputs: &Inputs<'_, '_, '_>) -> TableProof {
    prove_in(inputs, false)
}

/// With `all`, every unit, line program and frame is compared, differing or not.
fn prove_in(inputs: &Inputs<'_, '_, '_>, all: bool) -> TableProof {
    let mut proof = TableProof::default();
    let differs = inputs.diff.pairs.iter().any(|p| {
        p.status != Status::Same
            && p.lhs
                .and_then(|i| inputs.lhs.sections.get(i))
                .is_some_and(|s| s.name.contains("debug_"))
    });
    if !differs {
        return proof;
    }
    let (ll, rl) = (locate(inputs.lhs), locate(inputs.rhs));
    let mut need = Differing::new(inputs, &ll, &rl);
    need.everything |= all;
    // `.debug_frame` is compared on its own, only when it differs.
    let want = |id| id != SectionId::DebugFrame || need.everything || need.frames;
    let (Some(ll), Some(rl)) = (load(inputs.lhs, &ll, want), load(inputs.rhs, &rl, want)) else {
        return proof;
    };
    let (Some(ld), Some(rd)) = (
        dwarf(&ll, inputs.lhs.little_endian),
        dwarf(&rl, inputs.rhs.little_endian),
    ) else {
        return proof;
    };
    let mut c = Compare {
        inputs,
        l: Side::new(&ld, &ll),
        r: Side::new(&rd, &rl),
        need,
        proof: &mut proof,
        dies: 0,
        rows: 0,
    };
    c.units();
    if c.need.everything || c.need.frames {
        c.frames(inputs.lhs.little_endian);
    }
    proof
}

/// Where the DWARF differs: what the comparison must reach. Only a unit,
/// line program or frame table holding a differing byte (on either side)
/// is decoded; the rest is the same bytes and needs no proof.
struct Differing<'i> {
    lhs: &'i super::Differing,
    rhs: &'i super::Differing,
    /// `.debug_line` differs.
    lines: bool,
    /// `.debug_frame` differs.
    frames: bool,
    /// Another DWARF section differs (or one exists on one side only):
    /// its bytes are reached only through the units that use them, so
    /// every unit is compared.
    everything: bool,
}

impl<'i> Differing<'i> {
    fn new(
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
    fn touches(&self, lhs: Option<&Place>, rhs: Option<&Place>) -> bool {
        self.everything
            || lhs.is_none_or(|p| self.lhs.touches(p))
            || rhs.is_none_or(|p| self.rhs.touches(p))
    }
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
}

/// Why a unit differs: where (a function or the unit) and what.
struct Why {
    subject: String,
    title: String,
}

impl<'a> Compare<'_, 'a, '_, '_> {
    fn units(&mut self) {
        let lines_differ = self.need.everything || self.need.lines;
        let info = |s: &Side<'a, '_>, k: usize| {
            let h = s.headers.get(k)?;
            let len = h.length_including_self() as u64;
            s.place(SectionId::DebugInfo, h.offset().0 as u64, len)
        };
        let paired = self.l.headers.len().min(self.r.headers.len());
        for k in 0..paired {
            if self.dies > MAX_DIES || self.rows > MAX_ROWS {
                return;
            }
            let (a, b) = (self.l.headers[k], self.r.headers[k]);
            let (ol, or) = (a.offset().0 as u64, b.offset().0 as u64);
            let (pl, pr) = (info(&self.l, k), info(&self.r, k));
            let info_differs = self.need.touches(pl.as_ref(), pr.as_ref());
            if !info_differs && !lines_differ {
                continue;
            }
            let (ua, ub) = match (self.l.d.unit(a), self.r.d.unit(b)) {
                (Ok(x), Ok(y)) => (x, y),
                _ => {
                    self.differ(
                        "DWARF".into(),
                        format!("DWARF: the compile unit at {ol:#x} does not decode"),
                        pl,
                        pr,
                    );
                    continue;
                }
            };
            let name = unit_name(self.l.d, &ua);
            if info_differs {
                match self.unit(&ua, &ub, ol, or) {
                    Ok(()) => {
                        if let (Some(pl), Some(pr)) = (pl, pr) {
                            self.proof.lhs.push(pl);
                            self.proof.rhs.push(pr);
                        }
                    }
                    Err(Some(why)) => self.differ(why.subject, why.title, pl, pr),
                    // Past a bound: neither covered nor a difference.
                    Err(None) => {}
                }
            }
            self.lines(&ua, &ub, &name);
        }
        let (nl, nr) = (self.l.headers.len(), self.r.headers.len());
        let at_bound = nl == MAX_UNITS || nr == MAX_UNITS;
        if (nl != nr && !at_bound) || self.l.unreadable || self.r.unreadable {
            // One side has more units, or a unit list is unreadable.
            let (pl, pr) = (info(&self.l, paired), info(&self.r, paired));
            self.differ(
                "DWARF".into(),
                "DWARF: the lists of compile units differ".into(),
                pl,
                pr,
            );
        }
    }

    fn differ(&mut self, subject: String, title: String, lhs: Option<Place>, rhs: Option<Place>) {
        self.proof.differences.push(TableDifference {
            cause: Cause::Dwarf,
            subject,
            title,
            lhs,
            rhs,
        });
    }

    /// Walk two units' DIE trees in parallel.
    fn unit(
        &mut self,
        a: &Unit<R<'a>>,
        b: &Unit<R<'a>>,
        ol: u64,
        or: u64,
    ) -> Result<(), Option<Why>> {
        let unit_name = unit_name(self.l.d, a);
        let (mut ca, mut cb) = (a.entries(), b.entries());
        // The enclosing function per depth, for naming a difference.
        let mut scope: Vec<(isize, String)> = Vec::new();
        let mut addr_words: Vec<(Place, Place)> = Vec::new();
        let end =
            |o: u64, u: &Unit<R<'a>>| o.saturating_add(u.header.length_including_self() as u64);
        let (end_l, end_r) = (end(ol, a), end(or, b));
        // This unit's differing ranges, per side (`None`: not known, so all).
        let local = |d: &super::Differing, i: Option<usize>, r: std::ops::Range<u64>| {
            let within = d.within(&(i?, r));
            Some(within.iter().map(|h| h.1.clone()).collect::<Vec<_>>())
        };
        let (hl, hr) = (
            local(self.need.lhs, self.l.info, ol..end_l),
            local(self.need.rhs, self.r.info, or..end_r),
        );
        let all = self.need.everything;
        let touched = |h: &Option<Vec<std::ops::Range<u64>>>, r: std::ops::Range<u64>| {
            h.as_ref()
                .is_none_or(|v| v.iter().any(|x| super::overlaps(x, &r)))
        };
        // A DIE's values are compared once the next DIE gives where it
        // ends, and only when its bytes (the unit header's, for the first)
        // hold a difference: the rest are the same bytes.
        let mut pending: Option<(Entry<'a>, Entry<'a>, u64, u64)> = None;
        let mut first = true;
        loop {
            let next = match (ca.next_dfs(), cb.next_dfs()) {
                (Ok(None), Ok(None)) => None,
                (Ok(Some(x)), Ok(Some(y))) => Some((x, y)),
                _ => {
                    return Err(Some(Why {
                        subject: unit_name.clone(),
                        title: format!("DWARF of {unit_name}: the DIE trees differ in shape"),
                    }))
                }
            };
            let why = |scope: &[(isize, String)], what: String| {
                let subject = scope
                    .last()
                    .map_or_else(|| unit_name.clone(), |s| s.1.clone());
                Some(Why {
                    title: format!("DWARF of {subject} differs: {what}"),
                    subject,
                })
            };
            let (next_l, next_r) = next.as_ref().map_or((end_l, end_r), |(x, y)| {
                (
                    ol.wrapping_add(x.offset().0 as u64),
                    or.wrapping_add(y.offset().0 as u64),
                )
            });
            if let Some((ea, eb, sl, sr)) = pending.take() {
                if all || touched(&hl, sl..next_l.max(sl)) || touched(&hr, sr..next_r.max(sr)) {
                    for (x, y) in ea.attrs().iter().zip(eb.attrs()) {
                        if x.name() == constants::DW_AT_GNU_locviews {
                            match self.views(a, b, &ea, &eb, x.value(), y.value()) {
                                Some(places) => {
                                    addr_words.push(places);
                                    continue;
                                }
                                None => {
                                    let what = format!("{} of a {}", x.name(), ea.tag());
                                    return Err(why(&scope, what));
                                }
                            }
                        }
                        match self.value(a, b, ol, or, x.name(), x.value(), y.value()) {
                            Ok(words) => addr_words.extend(words),
                            Err(()) => {
                                return Err(why(&scope, format!("{} of a {}", x.name(), ea.tag())));
                            }
                        }
                    }
                }
            }
            let Some((ea, eb)) = next else {
                break;
            };
            self.dies += 1;
            if self.dies > MAX_DIES {
                return Err(None);
            }
            while scope.last().is_some_and(|s| s.0 >= ea.depth()) {
                scope.pop();
            }
            if ea.tag() == constants::DW_TAG_subprogram {
                let name = ea
                    .attr_value(constants::DW_AT_name)
                    .and_then(|v| self.l.d.attr_string(a, v).ok())
                    .map(|s| String::from_utf8_lossy(s.slice()).into_owned());
                if let Some(n) = name {
                    scope.push((ea.depth(), n));
                }
            }
            if ea.depth() != eb.depth() || ea.tag() != eb.tag() {
                return Err(why(&scope, format!("{} against {}", ea.tag(), eb.tag())));
            }
            let (xs, ys) = (ea.attrs(), eb.attrs());
            if xs.len() != ys.len()
                || xs.iter().zip(ys).any(|(x, y)| {
                    x.name() != y.name() || form_class(x.form()) != form_class(y.form())
                })
            {
                return Err(why(&scope, format!("the attributes of a {}", ea.tag())));
            }
            // The first DIE answers for the unit header's bytes too.
            let (sl, sr) = if first { (ol, or) } else { (next_l, next_r) };
            first = false;
            pending = Some((ea.clone(), eb.clone(), sl, sr));
        }
        for (pl, pr) in addr_words {
            self.proof.lhs.push(pl);
            self.proof.rhs.push(pr);
        }
        Ok(())
    }

    /// Compare one attribute's values; the `.debug_addr` words used, on success.
    #[allow(clippy::too_many_arguments)] // both units and both values
    fn value(
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
            ) => self.ranges(a, b, x, y).ok_or(()),
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

    /// GCC's location views (`DW_AT_GNU_locviews`): the offset of a list of
    /// view-number pairs that sits just before the DIE's location list.
    /// Equal when both sides' view lists (from the offset to the location
    /// list) are the same bytes; the offsets themselves are layout. The
    /// view lists' places, on success.
    fn views(
        &self,
        a: &Unit<R<'a>>,
        b: &Unit<R<'a>>,
        ea: &Entry<'a>,
        eb: &Entry<'a>,
        x: AttributeValue<R<'a>>,
        y: AttributeValue<R<'a>>,
    ) -> Option<(Place, Place)> {
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
    fn expressions(
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

    fn ranges(
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
        for _ in 0..MAX_LIST_ENTRIES {
            match (p.next(), q.next()) {
                (Ok(None), Ok(None)) => return true,
                (Ok(Some(s)), Ok(Some(t))) => {
                    if s.end.wrapping_sub(s.begin) != t.end.wrapping_sub(t.begin)
                        || !self.inputs.map.corresponds(s.begin, t.begin)
                    {
                        return false;
                    }
                }
                _ => return false,
            }
        }
        false
    }

    fn locations(
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
        for _ in 0..MAX_LIST_ENTRIES {
            match (p.next(), q.next()) {
                (Ok(None), Ok(None)) => return true,
                (Ok(Some(s)), Ok(Some(t))) => {
                    let (s_len, t_len) = (
                        s.range.end.wrapping_sub(s.range.begin),
                        t.range.end.wrapping_sub(t.range.begin),
                    );
                    if s_len != t_len
                        || !self.inputs.map.corresponds(s.range.begin, t.range.begin)
                        || !self.expressions(a, b, s.data, t.data)
                    {
                        return false;
                    }
                }
                _ => return false,
            }
        }
        false
    }
}

/// The unit's `DW_AT_name`, or its offset.
/// Where unit `u`'s location lists are, and in which form: `.debug_loclists`
/// from DWARF 5, `.debug_loc` before.
fn location_lists(u: &Unit<R<'_>>) -> (SectionId, lists::Kind) {
    if u.encoding().version >= 5 {
        (SectionId::DebugLocLists, lists::Kind::LocLists)
    } else {
        (SectionId::DebugLoc, lists::Kind::Loc)
    }
}

fn unit_name(d: &Dwarf<'_>, u: &Unit<R<'_>>) -> String {
    let mut cursor = u.entries();
    let name = cursor.next_dfs().ok().flatten().and_then(|e| {
        let v = e.attr_value(constants::DW_AT_name)?;
        d.attr_string(u, v).ok()
    });
    match name {
        Some(n) => format!("unit {}", String::from_utf8_lossy(n.slice())),
        None => format!("unit at {:#x}", u.header.offset().0),
    }
}

/// The class of a form, so that equal values in different encodings compare.
#[allow(non_upper_case_globals)] // gimli spells the constants as DWARF does
fn form_class(f: constants::DwForm) -> u8 {
    use constants::*;
    match f {
        DW_FORM_addr | DW_FORM_addrx | DW_FORM_addrx1 | DW_FORM_addrx2 | DW_FORM_addrx3
        | DW_FORM_addrx4 => 1,
        DW_FORM_string | DW_FORM_strp | DW_FORM_line_strp | DW_FORM_strx | DW_FORM_strx1
        | DW_FORM_strx2 | DW_FORM_strx3 | DW_FORM_strx4 => 2,
        DW_FORM_ref1 | DW_FORM_ref2 | DW_FORM_ref4 | DW_FORM_ref8 | DW_FORM_ref_udata
        | DW_FORM_ref_addr => 3,
        DW_FORM_data1
        | DW_FORM_data2
        | DW_FORM_data4
        | DW_FORM_data8
        | DW_FORM_sdata
        | DW_FORM_udata
        | DW_FORM_implicit_const => 4,
        DW_FORM_block | DW_FORM_block1 | DW_FORM_block2 | DW_FORM_block4 | DW_FORM_exprloc => 5,
        DW_FORM_flag | DW_FORM_flag_present => 6,
        DW_FORM_sec_offset | DW_FORM_rnglistx | DW_FORM_loclistx => 7,
        other => 100u8.wrapping_add(other.0 as u8),
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
fn same_text(roots: &crate::attribute::prove::Roots, a: &[u8], b: &[u8]) -> bool {
    a == b
        || matches!(
            (std::str::from_utf8(a), std::str::from_utf8(b)),
            (Ok(x), Ok(y)) if roots.same_modulo_roots(x, y)
        )
}

#[cfg(test)]
mod tests;
