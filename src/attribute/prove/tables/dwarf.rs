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
//!   unit or across units) by their position in the walk, not by offset;
//!   location expressions operation by operation, `DW_OP_addr` operands
//!   corresponding; range and location lists entry by entry (addresses
//!   corresponding, lengths and expressions equal); `DW_AT_stmt_list`
//!   by the line program compared below; everything else equal. An equal
//!   unit's bytes are covered; the `.debug_addr` words it used, too.
//! - `.debug_line`, each unit's program: header fields, directories and
//!   files (modulo the roots), then every row (address corresponding;
//!   file, line, column and flags equal). An equal program's bytes are covered.
//!
//! Not decoded, so never covered: `.debug_frame`, `.debug_abbrev`, the
//! bytes of `.debug_rnglists`/`.debug_loclists`/`.debug_ranges`/`.debug_loc`
//! (their entries are compared, but the bytes they occupy are not
//! delimited), units past the bounds ([`MAX_UNITS`], [`MAX_DIES`],
//! [`MAX_ROWS`]). A unit or line program that differs is a
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

type R<'a> = EndianSlice<'a, RunTimeEndian>;
type Dwarf<'a> = gimli::Dwarf<R<'a>>;

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
const SECTIONS: [SectionId; 11] = [
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

fn load<'d>(bin: &'d Binary<'d>) -> Option<Loaded<'d>> {
    let mut sections = Vec::new();
    for id in SECTIONS {
        let Some(base) = id.name().strip_prefix(".debug_") else {
            continue;
        };
        let cut = |s: String| -> String { s.chars().take(16).collect() };
        let names = [
            format!(".debug_{base}"),
            format!(".zdebug_{base}"),
            cut(format!("__debug_{base}")),
            cut(format!("__zdebug_{base}")),
        ];
        let found = bin.sections.iter().position(|s| {
            let sect = s.name.split_once(',').map_or(s.name.as_str(), |(_, x)| x);
            names.iter().any(|n| *n == s.name || *n == sect)
        });
        if let Some(i) = found {
            sections.push((id, i, bin.contents(i).ok()?));
        }
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

/// Decode the DWARF of both sides and compare it.
pub fn prove(inputs: &Inputs<'_, '_, '_>) -> TableProof {
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
    let (Some(ll), Some(rl)) = (load(inputs.lhs), load(inputs.rhs)) else {
        return proof;
    };
    let (Some(ld), Some(rd)) = (
        dwarf(&ll, inputs.lhs.little_endian),
        dwarf(&rl, inputs.rhs.little_endian),
    ) else {
        return proof;
    };
    let (Some(lw), Some(rw)) = (Walk::positions(&ld), Walk::positions(&rd)) else {
        return proof;
    };
    let mut c = Compare {
        inputs,
        l: Side {
            d: &ld,
            loaded: &ll,
            positions: lw,
        },
        r: Side {
            d: &rd,
            loaded: &rl,
            positions: rw,
        },
        proof: &mut proof,
        dies: 0,
        rows: 0,
    };
    c.units();
    proof
}

/// One side: its DWARF, its sections and the global walk order of its DIEs.
struct Side<'a, 'd> {
    d: &'a Dwarf<'a>,
    loaded: &'a Loaded<'d>,
    /// `.debug_info` offsets of every DIE, in walk order (ascending).
    positions: Vec<u64>,
}

impl Side<'_, '_> {
    /// The position in the walk of the DIE at `.debug_info` offset `off`.
    fn position(&self, off: u64) -> Option<usize> {
        self.positions.binary_search(&off).ok()
    }

    fn place(&self, id: SectionId, start: u64, len: u64) -> Option<Place> {
        Some((self.loaded.index(id)?, start..start.checked_add(len)?))
    }
}

struct Walk;

impl Walk {
    /// Every DIE's offset, in order; `None` when the walk is unbounded or unreadable.
    fn positions(d: &Dwarf<'_>) -> Option<Vec<u64>> {
        let mut out = Vec::new();
        let mut headers = d.units();
        let mut units = 0;
        while let Ok(Some(h)) = headers.next() {
            units += 1;
            if units > MAX_UNITS {
                break;
            }
            let base = h.offset().0 as u64;
            let Ok(unit) = d.unit(h) else { continue };
            let mut cursor = unit.entries();
            while let Ok(Some(e)) = cursor.next_dfs() {
                out.push(base + e.offset().0 as u64);
                if out.len() > MAX_DIES {
                    return Some(out);
                }
            }
        }
        Some(out)
    }
}

struct Compare<'c, 'a, 'd, 'i> {
    inputs: &'c Inputs<'i, 'i, 'i>,
    l: Side<'a, 'd>,
    r: Side<'a, 'd>,
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
        let (mut hl, mut hr) = (self.l.d.units(), self.r.d.units());
        for _ in 0..MAX_UNITS {
            let (a, b) = match (hl.next(), hr.next()) {
                (Ok(Some(a)), Ok(Some(b))) => (a, b),
                (Ok(None), Ok(None)) => return,
                (a, b) => {
                    // One side has more units, or a unit list is unreadable.
                    let place =
                        |s: &Side<'a, '_>, h: &gimli::Result<Option<gimli::UnitHeader<R<'a>>>>| {
                            let h = h.as_ref().ok()?.as_ref()?;
                            let off = h.offset().0 as u64;
                            s.place(SectionId::DebugInfo, off, h.length_including_self() as u64)
                        };
                    let (pl, pr) = (place(&self.l, &a), place(&self.r, &b));
                    self.differ(
                        "DWARF".into(),
                        "DWARF: the lists of compile units differ".into(),
                        pl,
                        pr,
                    );
                    return;
                }
            };
            if self.dies > MAX_DIES || self.rows > MAX_ROWS {
                return;
            }
            let span = |h: &gimli::UnitHeader<R<'a>>| {
                Some((h.offset().0 as u64, h.length_including_self() as u64))
            };
            let (Some((ol, nl)), Some((or, nr))) = (span(&a), span(&b)) else {
                return;
            };
            let (pl, pr) = (
                self.l.place(SectionId::DebugInfo, ol, nl),
                self.r.place(SectionId::DebugInfo, or, nr),
            );
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
            self.lines(&ua, &ub, &name);
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
        loop {
            let (ea, eb) = match (ca.next_dfs(), cb.next_dfs()) {
                (Ok(None), Ok(None)) => break,
                (Ok(Some(x)), Ok(Some(y))) => (x, y),
                _ => {
                    return Err(Some(Why {
                        subject: unit_name.clone(),
                        title: format!("DWARF of {unit_name}: the DIE trees differ in shape"),
                    }))
                }
            };
            self.dies += 1;
            if self.dies > MAX_DIES {
                return Err(None);
            }
            while scope.last().is_some_and(|s| s.0 >= ea.depth()) {
                scope.pop();
            }
            let name = ea
                .attr_value(constants::DW_AT_name)
                .and_then(|v| self.l.d.attr_string(a, v).ok())
                .map(|s| String::from_utf8_lossy(s.slice()).into_owned());
            if ea.tag() == constants::DW_TAG_subprogram {
                if let Some(n) = &name {
                    scope.push((ea.depth(), n.clone()));
                }
            }
            let why = |what: String| {
                let subject = scope
                    .last()
                    .map_or_else(|| unit_name.clone(), |s| s.1.clone());
                Some(Why {
                    title: format!("DWARF of {subject} differs: {what}"),
                    subject,
                })
            };
            if ea.depth() != eb.depth() || ea.tag() != eb.tag() {
                return Err(why(format!("{} against {}", ea.tag(), eb.tag())));
            }
            let (xs, ys) = (ea.attrs(), eb.attrs());
            if xs.len() != ys.len() {
                return Err(why(format!("the attributes of a {}", ea.tag())));
            }
            for (x, y) in xs.iter().zip(ys) {
                if x.name() != y.name() || form_class(x.form()) != form_class(y.form()) {
                    return Err(why(format!("the attributes of a {}", ea.tag())));
                }
                match self.value(a, b, ol, or, x.name(), x.value(), y.value()) {
                    Ok(words) => addr_words.extend(words),
                    Err(()) => {
                        return Err(why(format!("{} of a {}", x.name(), ea.tag())));
                    }
                }
            }
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
                let word = |s: &Side<'a, '_>, u: &Unit<R<'a>>, k: u64| {
                    let size = u64::from(u.encoding().address_size);
                    s.place(SectionId::DebugAddr, u.addr_base.0 as u64 + k * size, size)
                };
                Ok(word(l, a, i.0 as u64)
                    .zip(word(r, b, j.0 as u64))
                    .into_iter()
                    .collect())
            }
            (AttributeValue::UnitRef(p), AttributeValue::UnitRef(q)) => {
                ok(self.same_die(ol + p.0 as u64, or + q.0 as u64))
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
            ) => ok(self.ranges(a, b, x, y)),
            (
                x @ (AttributeValue::LocationListsRef(_) | AttributeValue::DebugLocListsIndex(_)),
                y @ (AttributeValue::LocationListsRef(_) | AttributeValue::DebugLocListsIndex(_)),
            ) => ok(self.locations(a, b, x, y)),
            (x, y) if is_string(&x) && is_string(&y) => {
                let (Ok(p), Ok(q)) = (l.d.attr_string(a, x), r.d.attr_string(b, y)) else {
                    return Err(());
                };
                ok(same_text(self.inputs.roots, p.slice(), q.slice()))
            }
            (x, y) => ok(plain(&x) && plain(&y) && x == y),
        }
    }

    /// Do DIEs at these `.debug_info` offsets sit at the same place in the walk?
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

    /// Two units' line programs: header, files, rows.
    fn lines(&mut self, a: &Unit<R<'a>>, b: &Unit<R<'a>>, unit: &str) {
        let (Some(p), Some(q)) = (a.line_program.clone(), b.line_program.clone()) else {
            return;
        };
        let span = |s: &Side<'a, '_>, h: &gimli::LineProgramHeader<R<'a>>| {
            let initial = if h.format() == gimli::Format::Dwarf64 {
                12
            } else {
                4
            };
            s.place(
                SectionId::DebugLine,
                h.offset().0 as u64,
                h.unit_length() as u64 + initial,
            )
        };
        let (pl, pr) = (span(&self.l, p.header()), span(&self.r, q.header()));
        match self.line_program(a, b, p, q) {
            Ok(()) => {
                if let (Some(pl), Some(pr)) = (pl, pr) {
                    self.proof.lhs.push(pl);
                    self.proof.rhs.push(pr);
                }
            }
            Err(Some(what)) => self.differ(
                what.0.unwrap_or_else(|| unit.to_string()),
                format!("DWARF line table of {unit} differs: {}", what.1),
                pl,
                pr,
            ),
            Err(None) => {}
        }
    }

    /// `Err(Some((function, what)))` on a difference, `Err(None)` past a bound.
    #[allow(clippy::type_complexity)] // the error names where and what
    fn line_program(
        &mut self,
        a: &Unit<R<'a>>,
        b: &Unit<R<'a>>,
        p: gimli::IncompleteLineProgram<R<'a>>,
        q: gimli::IncompleteLineProgram<R<'a>>,
    ) -> Result<(), Option<(Option<String>, String)>> {
        let (hp, hq) = (p.header(), q.header());
        let diff = |what: &str| Err(Some((None, what.to_string())));
        if hp.version() != hq.version()
            || hp.line_encoding() != hq.line_encoding()
            || hp.address_size() != hq.address_size()
            || hp.standard_opcode_lengths().slice() != hq.standard_opcode_lengths().slice()
        {
            return diff("header fields");
        }
        fn text<'a>(
            s: &Side<'a, '_>,
            u: &Unit<R<'a>>,
            v: AttributeValue<R<'a>>,
        ) -> Option<&'a [u8]> {
            s.d.attr_string(u, v).ok().map(|r| r.slice())
        }
        let (dp, dq) = (hp.include_directories(), hq.include_directories());
        if dp.len() != dq.len() {
            return diff("include directories");
        }
        for (x, y) in dp.iter().zip(dq) {
            let (s, t) = (text(&self.l, a, *x), text(&self.r, b, *y));
            if !matches!((s, t), (Some(s), Some(t)) if same_text(self.inputs.roots, s, t)) {
                return diff("include directories");
            }
        }
        let (fp, fq) = (hp.file_names(), hq.file_names());
        if fp.len() != fq.len() {
            return diff("file names");
        }
        for (x, y) in fp.iter().zip(fq) {
            let (s, t) = (
                text(&self.l, a, x.path_name()),
                text(&self.r, b, y.path_name()),
            );
            let same = matches!((s, t), (Some(s), Some(t)) if same_text(self.inputs.roots, s, t))
                && x.directory_index() == y.directory_index()
                && x.timestamp() == y.timestamp()
                && x.size() == y.size()
                && x.md5() == y.md5();
            if !same {
                let name = s.map(|s| String::from_utf8_lossy(s).into_owned());
                return Err(Some((name, "a file name".into())));
            }
        }
        let (mut rp, mut rq) = (p.rows(), q.rows());
        loop {
            self.rows += 1;
            if self.rows > MAX_ROWS {
                return Err(None);
            }
            let (x, y) = match (rp.next_row(), rq.next_row()) {
                (Ok(None), Ok(None)) => return Ok(()),
                (Ok(Some((_, x))), Ok(Some((_, y)))) => (*x, *y),
                _ => return diff("the number of rows"),
            };
            let same = self.inputs.map.corresponds(x.address(), y.address())
                && x.file_index() == y.file_index()
                && x.line() == y.line()
                && x.column() == y.column()
                && x.is_stmt() == y.is_stmt()
                && x.basic_block() == y.basic_block()
                && x.end_sequence() == y.end_sequence()
                && x.prologue_end() == y.prologue_end()
                && x.epilogue_begin() == y.epilogue_begin()
                && x.isa() == y.isa()
                && x.discriminator() == y.discriminator();
            if !same {
                let f = self
                    .inputs
                    .map
                    .lhs_funcs
                    .at(x.address())
                    .map(|f| f.name.clone());
                let what = format!(
                    "the row at {:#x} (line {} against {})",
                    x.address(),
                    x.line().map_or(0, |l| l.get()),
                    y.line().map_or(0, |l| l.get())
                );
                return Err(Some((f, what)));
            }
        }
    }
}

/// The unit's `DW_AT_name`, or its offset.
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
