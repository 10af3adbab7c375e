//! Address correspondence: which rhs address is "the same place" as an lhs
//! address. The ground on which every consequence is proven.
//!
//! Input: both [`Binary`] values, their [`Diff`] and each side's pclntab.
//! Output: an [`AddrMap`] that answers [`AddrMap::corresponds`] and finds
//! functions ([`Funcs`]) on either side.
//!
//! Two independent maps, either of which may vouch for a pair of addresses:
//! - **by alignment**: loaded sections are paired by name; inside a pair the
//!   diff's alignment gives runs of positionally matched bytes (equal runs,
//!   and changed runs of equal length), so an lhs offset maps to the rhs
//!   offset at the same place in its run (the end of a run included, so the
//!   start of an inserted or deleted range maps too). A section without file
//!   bytes (`.bss`) maps by offset when it is no larger on the lhs.
//! - **by name**: the symbol (or, in a stripped binary, the pclntab
//!   function) containing the lhs address, at the same offset in the
//!   same-named rhs symbol. Names that occur twice on a side vouch for nothing.
//!
//! A reference proven this way points at the same place on both sides: to
//! swap it for another target, an attacker would need the other target to
//! sit at the aligned position or to carry the same name.
//!
//! Pure: no I/O, no panics on malformed input.

use foldhash::{HashMap, HashMapExt as _};

use crate::binary::go::pclntab::Pclntab;
use crate::binary::{Binary, Symbol};
use crate::diff::{Diff, HunkKind, Status};

/// How many bytes a moved anonymous place is compared over.
pub const CONTENT_WINDOW: u64 = 64;

/// The bytes from `address` to the end of its read-only data section, and
/// the distance to the next symbol, when `address` lies in read-only data
/// outside every sized symbol.
fn anonymous_rodata<'d>(bin: &Binary<'d>, address: u64) -> Option<(&'d [u8], u64)> {
    let (k, s) = bin.sections.iter().enumerate().find(|(_, s)| {
        s.compression.is_none()
            && s.address
                .is_some_and(|a| address >= a && address < a.saturating_add(s.file_size()))
    })?;
    let read_only = [
        ".rodata",
        ".rdata",
        "__TEXT,__rodata",
        "__DATA_CONST,__rodata",
        "__TEXT,__cstring",
    ]
    .contains(&s.name.as_str());
    if !read_only {
        return None;
    }
    let i = bin.symbols.partition_point(|x| x.address <= address);
    if let Some(prev) = i.checked_sub(1).and_then(|p| bin.symbols.get(p)) {
        if prev.sized && address < prev.address.saturating_add(prev.size) {
            return None;
        }
    }
    let next = bin.symbols.get(i).map_or(u64::MAX, |n| n.address - address);
    let off = (address - s.address?) as usize;
    Some((bin.raw(k).get(off..)?, next))
}

/// How far before a named symbol an anonymous place may be mapped by it.
const MAX_ANONYMOUS: u64 = 1 << 16;

/// A function: its name and address range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Func {
    pub name: String,
    /// Which of the functions of this name it is, in address order (an ABI
    /// wrapper carries its function's name in the pclntab).
    pub nth: usize,
    pub start: u64,
    pub end: u64,
}

/// One side's functions, sorted by start address.
#[derive(Debug, Default)]
pub struct Funcs {
    list: Vec<Func>,
    /// Each name's functions' indexes, in address order (`nth`).
    by_name: HashMap<String, Vec<usize>>,
}

impl Funcs {
    /// Functions from the pclntab (every Go binary has one, stripped or
    /// not), else from the code symbols.
    pub fn read(bin: &Binary<'_>, pclntab: Option<&Pclntab>) -> Funcs {
        let mut list = Vec::new();
        if let Some(p) = pclntab {
            if let Some(text) = p.text_address {
                for (k, f) in p.functab.iter().enumerate() {
                    let end = p.functab.get(k + 1).map_or(p.text_end, |n| n.entry);
                    let name = f.name.and_then(|n| p.func_names.get(n)).map_or_else(
                        || format!("<func at {:#x}>", text.saturating_add(f.entry)),
                        |n| n.name.clone(),
                    );
                    if end > f.entry {
                        list.push(Func {
                            name,
                            nth: 0,
                            start: text.saturating_add(f.entry),
                            end: text.saturating_add(end),
                        });
                    }
                }
            }
        }
        // Code the pclntab does not list (C functions of a cgo binary, or
        // every function when there is no pclntab): from the symbols.
        list.sort_by_key(|f| (f.start, f.end));
        let go_funcs = list.len();
        let listed = |list: &[Func], a: u64| {
            let i = list[..go_funcs].partition_point(|f| f.start <= a);
            i.checked_sub(1).is_some_and(|i| a < list[i].end)
        };
        {
            for s in &bin.symbols {
                let code = s
                    .section
                    .and_then(|i| bin.sections.get(i))
                    .is_some_and(|sec| crate::attribute::is_code(&sec.name));
                if code && s.size > 0 && (s.sized || go_funcs == 0) && !listed(&list, s.address) {
                    list.push(Func {
                        name: s.name.clone(),
                        nth: 0,
                        start: s.address,
                        end: s.address.saturating_add(s.size),
                    });
                }
            }
        }
        list.sort_by_key(|f| (f.start, f.end));
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::with_capacity(list.len());
        for (k, f) in list.iter_mut().enumerate() {
            let same = match by_name.get_mut(f.name.as_str()) {
                Some(v) => v,
                None => by_name.entry(f.name.clone()).or_default(),
            };
            f.nth = same.len();
            same.push(k);
        }
        Funcs { list, by_name }
    }

    /// The function containing `address`.
    pub fn at(&self, address: u64) -> Option<&Func> {
        let i = self
            .list
            .partition_point(|f| f.start <= address)
            .checked_sub(1)?;
        let f = &self.list[i];
        (address < f.end).then_some(f)
    }

    /// The `nth` function named `name`.
    pub fn named(&self, name: &str, nth: usize) -> Option<&Func> {
        let &i = self.by_name.get(name)?.get(nth)?;
        Some(&self.list[i])
    }

    /// The function on this side standing for `f` of the other side.
    pub fn counterpart(&self, f: &Func) -> Option<&Func> {
        self.named(&f.name, f.nth)
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// Names that occur exactly once, to their position.
fn unique_names<'n>(names: impl Iterator<Item = &'n str>) -> HashMap<&'n str, usize> {
    let mut seen: HashMap<&'n str, Option<usize>> = HashMap::new();
    for (k, n) in names.enumerate() {
        seen.entry(n).and_modify(|v| *v = None).or_insert(Some(k));
    }
    seen.into_iter()
        .filter_map(|(n, v)| Some((n, v?)))
        .collect()
}

/// A run of positionally matched bytes in a section pair (section offsets).
#[derive(Debug, Clone, Copy)]
struct Run {
    lhs: u64,
    rhs: u64,
    len: u64,
}

/// Two loaded sections of the same name.
#[derive(Debug)]
struct LoadedPair {
    lhs_addr: u64,
    lhs_size: u64,
    rhs_addr: u64,
    rhs_size: u64,
    /// Sorted by `lhs`; for a section without file bytes, one identity run.
    runs: Vec<Run>,
}

impl LoadedPair {
    fn map(&self, offset: u64) -> Option<u64> {
        let k = self
            .runs
            .partition_point(|r| r.lhs <= offset)
            .checked_sub(1)?;
        let run = self.runs[k];
        (offset <= run.lhs + run.len).then(|| run.rhs + (offset - run.lhs))
    }
}

/// The correspondence between lhs and rhs addresses.
pub struct AddrMap<'b, 'd> {
    lhs: &'b Binary<'d>,
    rhs: &'b Binary<'d>,
    /// Sorted by lhs address.
    pairs: Vec<LoadedPair>,
    rhs_symbols: HashMap<&'b str, usize>,
    lhs_symbols_unique: HashMap<&'b str, usize>,
    pub lhs_funcs: Funcs,
    pub rhs_funcs: Funcs,
}

impl<'b, 'd> AddrMap<'b, 'd> {
    pub fn new(
        lhs: &'b Binary<'d>,
        rhs: &'b Binary<'d>,
        diff: &Diff,
        lhs_pclntab: Option<&Pclntab>,
        rhs_pclntab: Option<&Pclntab>,
    ) -> AddrMap<'b, 'd> {
        let mut pairs = Vec::new();
        for p in &diff.pairs {
            let (Some(i), Some(j)) = (p.lhs, p.rhs) else {
                continue;
            };
            let (ls, rs) = (&lhs.sections[i], &rhs.sections[j]);
            let (Some(la), Some(ra)) = (ls.address, rs.address) else {
                continue;
            };
            let stored = ls.file_size() > 0 && rs.file_size() > 0;
            let runs = if !stored {
                if ls.mem_size <= rs.mem_size {
                    vec![Run {
                        lhs: 0,
                        rhs: 0,
                        len: ls.mem_size,
                    }]
                } else {
                    vec![]
                }
            } else if p.status == Status::Same || p.compared != crate::diff::Compared::Raw {
                // Compressed sections are not loaded; a same section maps one to one.
                vec![Run {
                    lhs: 0,
                    rhs: 0,
                    len: p.lhs_size.min(p.rhs_size),
                }]
            } else {
                runs_of(p)
            };
            pairs.push(LoadedPair {
                lhs_addr: la,
                lhs_size: ls.mem_size.max(ls.file_size()),
                rhs_addr: ra,
                rhs_size: rs.mem_size.max(rs.file_size()),
                runs,
            });
        }
        pairs.sort_by_key(|p| p.lhs_addr);
        // Each side's names on a core of its own.
        let names = |bin: &'b Binary<'d>, tab| {
            let symbols = unique_names(bin.symbols.iter().map(|s| s.name.as_str()));
            (symbols, Funcs::read(bin, tab))
        };
        let ((lhs_symbols_unique, lhs_funcs), (rhs_symbols, rhs_funcs)) =
            std::thread::scope(|scope| {
                let r = scope.spawn(|| names(rhs, rhs_pclntab));
                let l = names(lhs, lhs_pclntab);
                (l, r.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            });
        AddrMap {
            lhs,
            rhs,
            pairs,
            rhs_symbols,
            lhs_symbols_unique,
            lhs_funcs,
            rhs_funcs,
        }
    }

    /// The rhs address at the same place as lhs address `address`, by alignment.
    pub fn by_alignment(&self, address: u64) -> Option<u64> {
        let k = self
            .pairs
            .partition_point(|p| p.lhs_addr <= address)
            .checked_sub(1)?;
        // Sections can be adjacent: an address at the end of one is the start of the next.
        for p in self.pairs[..=k].iter().rev().take(2) {
            let offset = address - p.lhs_addr;
            if offset <= p.lhs_size {
                if let Some(o) = p.map(offset) {
                    if o <= p.rhs_size {
                        return Some(p.rhs_addr + o);
                    }
                }
            }
        }
        None
    }

    /// The rhs address at the same offset in the same-named symbol or function.
    pub fn by_name(&self, address: u64) -> Option<u64> {
        if let Some(s) = self.lhs.symbol_at(address) {
            if self.lhs_symbols_unique.contains_key(s.name.as_str()) {
                if let Some(&k) = self.rhs_symbols.get(s.name.as_str()) {
                    let r: &Symbol = &self.rhs.symbols[k];
                    let offset = address - s.address;
                    if offset <= r.size || r.size == 0 {
                        return Some(r.address + offset);
                    }
                }
            }
        }
        let f = self.lhs_funcs.at(address)?;
        let g = self.rhs_funcs.counterpart(f)?;
        let offset = address - f.start;
        (offset < g.end - g.start).then_some(g.start + offset)
    }

    /// The rhs symbol standing for lhs symbol `s` (same name, unique on both sides).
    pub fn rhs_symbol(&self, s: &Symbol) -> Option<&'b Symbol> {
        self.lhs_symbols_unique.get(s.name.as_str())?;
        self.rhs_symbols
            .get(s.name.as_str())
            .map(|&k| &self.rhs.symbols[k])
    }

    /// The lhs symbol standing for rhs symbol `s`.
    pub fn lhs_symbol(&self, s: &Symbol) -> Option<&'b Symbol> {
        self.rhs_symbols.get(s.name.as_str())?;
        self.lhs_symbols_unique
            .get(s.name.as_str())
            .map(|&k| &self.lhs.symbols[k])
    }

    /// The rhs address at the same distance before the same-named next
    /// symbol: for bytes no symbol names (string literals and constants the
    /// symbol table leaves out), found by the symbol they precede.
    pub fn by_next_name(&self, address: u64) -> Option<u64> {
        let k = self.lhs.symbols.partition_point(|s| s.address <= address);
        let next = self.lhs.symbols.get(k)?;
        let distance = next.address - address;
        if distance > MAX_ANONYMOUS || next.section.is_none() {
            return None;
        }
        // Not inside a sized symbol: then it is that symbol's place, not an anonymous one.
        if let Some(prev) = k.checked_sub(1).and_then(|p| self.lhs.symbols.get(p)) {
            if prev.size > 0
                && address < prev.address.saturating_add(prev.size)
                && prev.section == next.section
            {
                return None;
            }
        }
        let r = self.rhs_symbol(next)?;
        r.address.checked_sub(distance)
    }

    /// Do lhs address `l` and rhs address `r` stand for the same place?
    pub fn corresponds(&self, l: u64, r: u64) -> bool {
        self.by_alignment(l) == Some(r)
            || self.by_name(l) == Some(r)
            || self.by_next_name(l) == Some(r)
            || self.by_content(l, r)
            || self.at_ends(l, r)
    }

    /// The ends of a pair of sections (`runtime.epclntab`, `runtime.etext`
    /// and the like mark them): the same place, whatever moved inside.
    pub fn at_ends(&self, l: u64, r: u64) -> bool {
        self.pairs.iter().any(|p| {
            p.lhs_addr.checked_add(p.lhs_size) == Some(l)
                && p.rhs_addr.checked_add(p.rhs_size) == Some(r)
        })
    }

    /// Read-only bytes no symbol names, moved as a block (the linker sorts
    /// small objects by size, so a root that changes one object's size can
    /// reorder its neighbours): the same when both places are anonymous and
    /// hold the same bytes up to the nearer next symbol (at most [`CONTENT_WINDOW`]).
    /// Reading the same constant bytes is the same program; writable data is
    /// never matched this way (two variables with one value are two variables).
    pub fn by_content(&self, l: u64, r: u64) -> bool {
        self.content_width(l, r).is_some()
    }

    /// How many bytes [`AddrMap::by_content`] compared and found equal, if it did.
    pub fn content_width(&self, l: u64, r: u64) -> Option<u64> {
        let ((a, ea), (b, eb)) = (
            anonymous_rodata(self.lhs, l)?,
            anonymous_rodata(self.rhs, r)?,
        );
        let w = ea.min(eb).min(CONTENT_WINDOW) as usize;
        (w >= 1 && a.len() >= w && b.len() >= w && a[..w] == b[..w]).then_some(w as u64)
    }

    /// Is `address` inside a loaded section of the lhs (`true`) or rhs (`false`)?
    pub fn is_address(&self, address: u64, lhs: bool) -> bool {
        let bin = if lhs { self.lhs } else { self.rhs };
        bin.sections.iter().any(|s| {
            s.address
                .is_some_and(|a| address >= a && address - a <= s.mem_size.max(s.file_size()))
        })
    }
}

/// The positionally matched runs of a section pair: equal stretches between
/// hunks and changed hunks of equal length.
fn runs_of(p: &crate::diff::SectionPair) -> Vec<Run> {
    let mut runs = Vec::with_capacity(p.hunks.len() * 2 + 1);
    let (mut l, mut r) = (0u64, 0u64);
    let push = |runs: &mut Vec<Run>, lhs: u64, rhs: u64, len: u64| {
        if let Some(last) = runs.last_mut() {
            let last: &mut Run = last;
            if last.lhs + last.len == lhs && last.rhs + last.len == rhs {
                last.len += len;
                return;
            }
        }
        runs.push(Run { lhs, rhs, len });
    };
    for h in &p.hunks {
        let gap_l = h.lhs.start.saturating_sub(l);
        let gap_r = h.rhs.start.saturating_sub(r);
        if gap_l == gap_r {
            push(&mut runs, l, r, gap_l);
        }
        if h.kind == HunkKind::Changed && h.lhs.end - h.lhs.start == h.rhs.end - h.rhs.start {
            push(&mut runs, h.lhs.start, h.rhs.start, h.lhs.end - h.lhs.start);
        }
        l = h.lhs.end;
        r = h.rhs.end;
    }
    let tail_l = p.lhs_size.saturating_sub(l);
    let tail_r = p.rhs_size.saturating_sub(r);
    push(&mut runs, l, r, tail_l.min(tail_r));
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binary::go::{fixtures, pclntab};

    #[test]
    fn section_ends_correspond_and_nothing_else_at_them_does() {
        let (x, y) = (
            fixtures::load("linux-amd64", "plain-a"),
            fixtures::load("linux-amd64", "plain-b"),
        );
        let (a, b) = (Binary::parse(&x).unwrap(), Binary::parse(&y).unwrap());
        let d = crate::diff::diff(&a, &b);
        let (ta, tb) = (
            pclntab::read(&a, &mut Vec::new()),
            pclntab::read(&b, &mut Vec::new()),
        );
        let map = AddrMap::new(&a, &b, &d, ta.as_ref(), tb.as_ref());
        let end = |bin: &Binary<'_>| {
            let s = &bin.sections[bin.section_index(".gopclntab").unwrap()];
            s.address.unwrap() + s.mem_size
        };
        let (l, r) = (end(&a), end(&b));
        // The longer paths grow the pclntab: its ends differ, and are the same place.
        assert_ne!(l, r);
        let epclntab = |bin: &Binary<'_>| {
            let s = bin.symbols.iter().find(|s| s.name == "runtime.epclntab");
            s.unwrap().address
        };
        assert_eq!((epclntab(&a), epclntab(&b)), (l, r));
        assert!(map.corresponds(l, r));
        // The end does not stand for a place one byte off on either side.
        assert!(!map.at_ends(l, r + 1) && !map.at_ends(l - 1, r));
    }
}
