//! Data: a differing byte in loaded data is a consequence only when it is
//! part of a word that holds the same thing on both sides:
//! - a pointer-sized word holding corresponding addresses (`address`);
//! - a 32-bit offset from one of the Go runtime's bases (`runtime.text`,
//!   `runtime.types`, the function data) whose targets correspond (`offset`);
//! - a length or capacity stored one or two words after a proven pointer,
//!   when what it measures differs only by a root (`length`: a `-X` string
//!   that grew, a table that a longer path made longer);
//! - padding: the same fill byte on both sides, outside every symbol
//!   (`offset`: it moved or resized with the layout).
//!
//! Anything else is a `data` root naming the symbol.

use std::ops::Range;

use super::correspond::{AddrMap, CONTENT_WINDOW};
use super::{Outcome, ProofKind, Roots, Unproven};
use crate::attribute::Cause;
use crate::binary::{Binary, SectionKind};
use crate::diff::Hunk;

/// How far back (in words) a length may sit from its pointer (Go slices: ptr, len, cap).
const LENGTH_LOOKBACK: u64 = 2;
/// The widest hunk in which moved unnamed bytes are searched for.
const MAX_MOVED_SEARCH: u64 = 4096;
/// The largest symbol compared word by word as a whole.
const MAX_SYMBOL: u64 = 1 << 20;

pub struct DataProver<'m, 'b, 'd> {
    lhs: &'b Binary<'d>,
    rhs: &'b Binary<'d>,
    map: &'m AddrMap<'b, 'd>,
    roots: &'m Roots,
    ptr: u64,
    /// Bases of 32-bit offsets, both sides: (lhs, rhs).
    bases: Vec<(u64, u64)>,
    /// PE: the addresses base relocations name, per side (sorted): there a
    /// word holds an address only where the loader relocates one.
    relocated: Option<(Vec<u64>, Vec<u64>)>,
    /// The lhs's variables typed as integers (from DWARF), sorted; read
    /// when a data word first needs it.
    pointer_free: std::sync::OnceLock<Vec<Range<u64>>>,
}

impl<'m, 'b, 'd> DataProver<'m, 'b, 'd> {
    pub fn new(
        lhs: &'b Binary<'d>,
        rhs: &'b Binary<'d>,
        map: &'m AddrMap<'b, 'd>,
        roots: &'m Roots,
    ) -> Self {
        let mut bases = Vec::new();
        for names in [
            &["runtime.text"][..],
            &["runtime.types", "runtime.rodata"][..],
            &["go:func.*", "runtime.gofunc"][..],
            &["runtime.noptrdata"][..],
        ] {
            if let (Some(a), Some(b)) = (base(lhs, names), base(rhs, names)) {
                bases.push((a, b));
            }
        }
        // PE: relative virtual addresses (import tables, data directories).
        if lhs.format == crate::binary::Format::Pe {
            let image = |bin: &Binary<'_>| {
                use object::Object;
                object::File::parse(bin.data)
                    .ok()
                    .map(|f| f.relative_address_base())
            };
            if let (Some(a), Some(b)) = (image(lhs), image(rhs)) {
                bases.push((a, b));
            }
        }
        // Stripped binaries: the first code section and the read-only data.
        for names in [
            &[".text", "__TEXT,__text"][..],
            &[
                ".rodata",
                "__DATA_CONST,__rodata",
                "__TEXT,__rodata",
                ".rdata",
            ][..],
        ] {
            if let (Some(a), Some(b)) = (section_start(lhs, names), section_start(rhs, names)) {
                if !bases.contains(&(a, b)) {
                    bases.push((a, b));
                }
            }
        }
        let sites = |bin: &Binary<'_>| -> Option<Vec<u64>> {
            let k = bin.section_index(".reloc")?;
            let mut v: Vec<u64> = super::tables::relocs::relocations(bin, k)?
                .into_iter()
                .map(|(_, a)| a)
                .collect();
            v.sort_unstable();
            Some(v)
        };
        let relocated = match (lhs.format, sites(lhs), sites(rhs)) {
            (crate::binary::Format::Pe, Some(a), Some(b)) => Some((a, b)),
            _ => None,
        };
        DataProver {
            lhs,
            rhs,
            map,
            roots,
            ptr: if lhs.is_64 { 8 } else { 4 },
            bases,
            relocated,
            pointer_free: std::sync::OnceLock::new(),
        }
    }

    /// Prove hunk `h` of lhs section `i` (contents `ld`) and rhs section `j` (`rd`).
    pub fn prove(&self, i: usize, ld: &[u8], j: usize, rd: &[u8], h: &Hunk) -> Outcome {
        let (ls, rs) = (&self.lhs.sections[i], &self.rhs.sections[j]);
        if self.is_padding(i, ld, j, rd, h) {
            return Outcome::Proven(ProofKind::Offset);
        }
        let symbol = self
            .lhs
            .symbol_for(i, h.lhs.start)
            .or_else(|| self.rhs.symbol_for(j, h.rhs.start))
            .map(|s| s.name.clone());
        let unproven = |what: String| {
            let subject = symbol.clone().unwrap_or_else(|| ls.name.clone());
            Outcome::Unproven(Unproven {
                cause: Cause::Data,
                title: match &symbol {
                    Some(s) => format!("{s} in {} differs: {what}", ls.name),
                    None => format!("data in {} differs: {what}", ls.name),
                },
                subject,
                instructions: vec![],
            })
        };
        let (Some(la), Some(ra)) = (ls.address, rs.address) else {
            return unproven("the section is not loaded, so its bytes are not addresses".into());
        };
        if let Some(kind) = self.by_symbols(i, ld, j, rd, h) {
            return Outcome::Proven(kind);
        }
        let len = h.lhs.end - h.lhs.start;
        if len != h.rhs.end - h.rhs.start || len == 0 {
            return unproven(format!(
                "{} bytes on the lhs, {} on the rhs (data inserted or removed)",
                len,
                h.rhs.end - h.rhs.start
            ));
        }
        let (al, ar) = (la + h.lhs.start, ra + h.rhs.start);
        if al % self.ptr != ar % self.ptr {
            return unproven("the differing bytes sit at different word alignments".into());
        }
        let mut kind = ProofKind::Address;
        let Some(first) = h.lhs.start.checked_sub(al % self.ptr) else {
            return unproven("the differing bytes start in a word before the section".into());
        };
        let mut off = first;
        while off < h.lhs.end {
            let Some(roff) = (h.rhs.start + off).checked_sub(h.lhs.start) else {
                return unproven(
                    "the word before the differing bytes has no rhs counterpart".into(),
                );
            };
            let Some(k) = self.word(ld, off, rd, roff, la, ra, i, j).or_else(|| {
                // The PE import tables are packed at 2-byte alignment: an RVA there may sit anywhere.
                (ls.name == ".idata" && len <= 4)
                    .then(|| self.unaligned_rva(ld, rd, h))
                    .flatten()
            }) else {
                return unproven(self.describe(ld, rd, h, off, roff, la, ra));
            };
            kind = kind.max(k);
            off += self.ptr;
        }
        Outcome::Proven(kind)
    }

    /// What proves the word at `off` (lhs) / `roff` (rhs), if anything.
    #[allow(clippy::too_many_arguments)] // both sides' data, offset, address and section
    fn word(
        &self,
        ld: &[u8],
        off: u64,
        rd: &[u8],
        roff: u64,
        la: u64,
        ra: u64,
        i: usize,
        j: usize,
    ) -> Option<ProofKind> {
        // An integer variable holds no address the linker wrote: a value
        // there that looks like corresponding addresses is a changed value
        // (an integer chosen to look like one is the attack).
        if self.pointer_free(la + off) {
            return None;
        }
        let (lv, rv) = (
            self.read(ld, off, self.ptr)?,
            self.read(rd, roff, self.ptr)?,
        );
        if lv == rv {
            return Some(ProofKind::Address);
        }
        let relocated = self.relocated.as_ref().is_none_or(|(a, b)| {
            a.binary_search(&(la + off)).is_ok() && b.binary_search(&(ra + roff)).is_ok()
        });
        if relocated && self.map.corresponds(lv, rv) {
            return Some(ProofKind::Address);
        }
        if self.is_length(ld, off, rd, roff, lv, rv) {
            return Some(ProofKind::Length);
        }
        // Two 32-bit offsets (or one, on 32-bit targets).
        let mut all = true;
        for half in (0..self.ptr).step_by(4) {
            let (a, b) = (
                self.read(ld, off + half, 4)?,
                self.read(rd, roff + half, 4)?,
            );
            all &= a == b
                || self.is_offset(a, b)
                || self.is_length(ld, off + half, rd, roff + half, a, b);
        }
        let _ = (la, ra, i, j);
        all.then_some(ProofKind::Offset)
    }

    /// Prove the hunk by comparing, word by word, every symbol it touches
    /// with its same-named counterpart of the same size (the alignment may
    /// place a difference anywhere in a run of equal bytes; the symbols say
    /// what belongs together). Bytes outside every symbol must be padding.
    fn by_symbols(&self, i: usize, ld: &[u8], j: usize, rd: &[u8], h: &Hunk) -> Option<ProofKind> {
        let (la, ra) = (self.lhs.sections[i].address?, self.rhs.sections[j].address?);
        let (lr, rr) = (
            la + h.lhs.start..la + h.lhs.end,
            ra + h.rhs.start..ra + h.rhs.end,
        );
        let touched = |bin: &'b Binary<'d>,
                       k: usize,
                       r: &Range<u64>|
         -> Option<Vec<&'b crate::binary::Symbol>> {
            let lhs = std::ptr::eq(bin, self.lhs);
            let base = bin.sections[k].address?;
            let mut out: Vec<&crate::binary::Symbol> = Vec::new();
            let mut off = r.start.saturating_sub(u64::from(r.is_empty()));
            let end = r.end.max(r.start + 1);
            while off < end {
                match bin.symbol_for(k, off) {
                    Some(s) if s.size > 0 => {
                        if !out.iter().any(|o| o.address == s.address) {
                            out.push(s);
                        }
                        off = s
                            .address
                            .saturating_add(s.size)
                            .saturating_sub(base)
                            .max(off + 1);
                    }
                    _ => {
                        let data = if lhs { ld } else { rd };
                        match data.get(off as usize) {
                            Some(0) | Some(0xcc) => off += 1,
                            Some(_) => {
                                // Unnamed read-only bytes: found the same on the other side, near the hunk.
                                let at = base + off;
                                let (other, width) = if lhs {
                                    (&rr, h.rhs.end - h.rhs.start)
                                } else {
                                    (&lr, h.lhs.end - h.lhs.start)
                                };
                                if width > MAX_MOVED_SEARCH {
                                    return None;
                                }
                                let from = other.start.saturating_sub(CONTENT_WINDOW);
                                let width = (from..other.end + CONTENT_WINDOW).find_map(|c| {
                                    if lhs {
                                        self.map.content_width(at, c)
                                    } else {
                                        self.map.content_width(c, at)
                                    }
                                });
                                // The bytes compared equal moved as one.
                                off += width?;
                            }
                            None => return None,
                        }
                    }
                }
                if out.len() > 64 {
                    return None;
                }
            }
            Some(out)
        };
        let lsyms = touched(self.lhs, i, &h.lhs)?;
        let rsyms = touched(self.rhs, j, &h.rhs)?;
        // Padding alone is left to the padding rule; moved unnamed bytes were found above.
        let all_fill = |d: &[u8], r: &Range<u64>| {
            d.get(range(r))
                .is_some_and(|b| b.iter().all(|&x| x == 0 || x == 0xcc))
        };
        if lsyms.is_empty() && rsyms.is_empty() && all_fill(ld, &h.lhs) && all_fill(rd, &h.rhs) {
            return None;
        }
        let mut pairs: Vec<(&crate::binary::Symbol, &crate::binary::Symbol)> = Vec::new();
        for s in &lsyms {
            pairs.push((s, self.map.rhs_symbol(s)?));
        }
        for t in &rsyms {
            let s = self.map.lhs_symbol(t)?;
            if !pairs.iter().any(|(a, _)| a.address == s.address) {
                pairs.push((s, t));
            }
        }
        let mut kind = ProofKind::Address;
        for (s, t) in pairs {
            if s.size > MAX_SYMBOL
                || t.size > MAX_SYMBOL
                || s.section != Some(i)
                || t.section != Some(j)
            {
                return None;
            }
            let (so, to) = (s.address.checked_sub(la)?, t.address.checked_sub(ra)?);
            // A symbol whose bytes a root explains (a -X string) is its root's.
            if crate::attribute::classify::ldflags_var(&s.name).is_some()
                || self.roots.touches(true, i, &(so..so + s.size))
                || self.roots.touches(false, j, &(to..to + t.size))
            {
                continue;
            }
            if s.address % self.ptr != t.address % self.ptr {
                return None;
            }
            // Sizes the format does not record (Mach-O) run to the next
            // symbol and take in padding: the longer tail must be fill.
            let common = s.size.min(t.size);
            let tail_fill = |d: &[u8], from: u64, to: u64| {
                d.get(from as usize..to as usize)
                    .is_some_and(|b| b.iter().all(|&x| x == 0 || x == 0xcc))
            };
            if !tail_fill(ld, so + common, so + s.size) || !tail_fill(rd, to + common, to + t.size)
            {
                return None;
            }
            let first = so.checked_sub(s.address % self.ptr)?;
            let mut off = first;
            while off < so + common {
                let roff = (to + off).checked_sub(so)?;
                let (a, b) = (
                    ld.get(off as usize..(off + self.ptr) as usize),
                    rd.get(roff as usize..(roff + self.ptr) as usize),
                );
                if a.is_none() || a != b {
                    kind = kind.max(self.word(ld, off, rd, roff, la, ra, i, j)?);
                }
                off += self.ptr;
            }
        }
        Some(kind)
    }

    /// What differs at a word no proof covers: the text when it is a
    /// string, the function a code pointer points into, else the addresses.
    #[allow(clippy::too_many_arguments)] // both sides' data, hunk, offsets and section addresses
    fn describe(
        &self,
        ld: &[u8],
        rd: &[u8],
        h: &Hunk,
        off: u64,
        roff: u64,
        la: u64,
        ra: u64,
    ) -> String {
        let into = |v: Option<u64>, funcs: &super::correspond::Funcs| {
            v.and_then(|v| funcs.at(v)).map(|f| f.name.clone())
        };
        let (lv, rv) = (self.read(ld, off, self.ptr), self.read(rd, roff, self.ptr));
        if let (Some(a), Some(b)) = (into(lv, &self.map.lhs_funcs), into(rv, &self.map.rhs_funcs)) {
            return format!(
                "a code pointer into {a} (a jump or function table) now points elsewhere in {b}, not at the corresponding place"
            );
        }
        let printable = |d: &[u8], r: &Range<u64>| {
            d.get(range(r))
                .is_some_and(|b| !b.is_empty() && b.iter().all(|c| (0x20..0x7f).contains(c)))
        };
        if printable(ld, &h.lhs) && printable(rd, &h.rhs) {
            return format!(
                "the string {:?} became {:?}",
                text_around(ld, &h.lhs),
                text_around(rd, &h.rhs)
            );
        }
        format!(
            "the word at lhs {:#x} / rhs {:#x} is neither a corresponding address, offset nor length",
            la + off,
            ra + roff
        )
    }

    /// A 32-bit RVA (with a zero high half, as import thunks hold) at any
    /// alignment covering the hunk, corresponding on both sides.
    fn unaligned_rva(&self, ld: &[u8], rd: &[u8], h: &Hunk) -> Option<ProofKind> {
        let delta = h.rhs.start.wrapping_sub(h.lhs.start);
        (0..4u64).find_map(|back| {
            let start = h.lhs.start.checked_sub(back)?;
            if start + 4 < h.lhs.end {
                return None;
            }
            let (a, b) = (
                self.read(ld, start, 4)?,
                self.read(rd, start.wrapping_add(delta), 4)?,
            );
            (a != b && self.is_offset(a, b)).then_some(ProofKind::Offset)
        })
    }

    /// The lhs's variables DWARF types as integers (read once; a caller
    /// with a core to spare reads them ahead, see `Proofs::new`).
    pub fn integer_variables(&self) -> &[Range<u64>] {
        self.pointer_free
            .get_or_init(|| crate::binary::go::dwarf::integer_variables(self.lhs))
    }

    /// Does lhs word address `a` overlap a variable typed as an integer?
    fn pointer_free(&self, a: u64) -> bool {
        // Variables DWARF types as integers (when there is DWARF): Go's
        // pointer-free data also holds real pointers (to static data), so the
        // section alone does not tell.
        let vars = self.integer_variables();
        let k = vars.partition_point(|r| r.start < a.saturating_add(self.ptr));
        vars[..k].iter().rev().take(4).any(|r| r.end > a)
    }

    fn read(&self, data: &[u8], off: u64, size: u64) -> Option<u64> {
        let b = data.get(off as usize..(off + size) as usize)?;
        Some(match (size, self.lhs.little_endian) {
            (8, true) => u64::from_le_bytes(b.try_into().ok()?),
            (8, false) => u64::from_be_bytes(b.try_into().ok()?),
            (_, true) => u64::from(u32::from_le_bytes(b.try_into().ok()?)),
            (_, false) => u64::from(u32::from_be_bytes(b.try_into().ok()?)),
        })
    }

    /// A 32-bit offset from a runtime base, on both sides, to corresponding places.
    fn is_offset(&self, a: u64, b: u64) -> bool {
        self.bases
            .iter()
            .any(|&(bl, br)| self.map.corresponds(bl.wrapping_add(a), br.wrapping_add(b)))
    }

    /// A length one or two words after a proven pointer, over bytes that differ only by a root.
    fn is_length(&self, ld: &[u8], off: u64, rd: &[u8], roff: u64, lv: u64, rv: u64) -> bool {
        if lv >= 1 << 32 || rv >= 1 << 32 {
            return false;
        }
        for back in 1..=LENGTH_LOOKBACK {
            let d = back * self.ptr;
            let (Some(po), Some(pro)) = (off.checked_sub(d), roff.checked_sub(d)) else {
                continue;
            };
            let (Some(pl), Some(pr)) = (self.read(ld, po, self.ptr), self.read(rd, pro, self.ptr))
            else {
                continue;
            };
            if !(pl == pr || self.map.corresponds(pl, pr)) {
                continue;
            }
            // Where the pointer lands at a symbol whose size the file
            // records, the lengths must fit in it (a -X string's symbol
            // holds the string and its terminating NUL).
            let sized = |bin: &Binary<'_>, p: u64| {
                bin.symbol_at(p)
                    .filter(|s| s.sized && s.address == p)
                    .map(|s| s.size)
            };
            if let (Some(a), Some(b)) = (sized(self.lhs, pl), sized(self.rhs, pr)) {
                if back == 1 && (lv > a || rv > b) {
                    continue;
                }
            }
            if self.root_within(true, pl, lv) || self.root_within(false, pr, rv) {
                return true;
            }
        }
        false
    }

    /// Does a root hunk touch `len` bytes at `address` of one side?
    fn root_within(&self, lhs: bool, address: u64, len: u64) -> bool {
        let bin = if lhs { self.lhs } else { self.rhs };
        bin.sections.iter().enumerate().any(|(k, s)| {
            s.address.is_some_and(|a| {
                address >= a && address < a.saturating_add(s.file_size()) && {
                    let start = address - a;
                    self.roots
                        .touches(lhs, k, &(start..start.saturating_add(len)))
                }
            })
        })
    }

    /// Fill bytes outside every symbol: alignment padding that moved or resized.
    fn is_padding(&self, i: usize, ld: &[u8], j: usize, rd: &[u8], h: &Hunk) -> bool {
        let (Some(a), Some(b)) = (ld.get(range(&h.lhs)), rd.get(range(&h.rhs))) else {
            return false;
        };
        let fill = a.first().or(b.first()).copied();
        let Some(fill) = fill else {
            return false;
        };
        if !(fill == 0 || fill == 0xcc) || !a.iter().chain(b).all(|&x| x == fill) {
            return false;
        }
        let gap = |bin: &Binary<'_>, k: usize| bin.sections[k].kind == SectionKind::Gap;
        if gap(self.lhs, i) && gap(self.rhs, j) {
            return true;
        }
        // Inside a section: only between symbols, and only where symbols are known.
        let outside = |bin: &Binary<'_>, k: usize, r: &Range<u64>| {
            !bin.symbols.is_empty()
                && bin.sections[k].address.is_some()
                && (r.start..r.end.max(r.start + 1)).all(|o| bin.symbol_for(k, o).is_none())
        };
        h.lhs.end - h.lhs.start <= 4096
            && h.rhs.end - h.rhs.start <= 4096
            && outside(self.lhs, i, &h.lhs)
            && outside(self.rhs, j, &h.rhs)
    }
}

/// The printable text around `r` (at most 40 bytes each side), for titles.
fn text_around(d: &[u8], r: &Range<u64>) -> String {
    let ok = |c: &u8| (0x20..0x7f).contains(c);
    let (s, e) = (r.start as usize, (r.end as usize).min(d.len()));
    let mut from = s;
    while from > 0 && s - from < 40 && d.get(from - 1).is_some_and(ok) {
        from -= 1;
    }
    let mut to = e;
    while to < d.len() && to - e < 40 && d.get(to).is_some_and(ok) {
        to += 1;
    }
    String::from_utf8_lossy(d.get(from..to).unwrap_or_default()).into_owned()
}

fn range(r: &Range<u64>) -> Range<usize> {
    r.start as usize..r.end as usize
}

fn base(bin: &Binary<'_>, names: &[&str]) -> Option<u64> {
    names
        .iter()
        .find_map(|n| bin.symbols.iter().find(|s| s.name == *n).map(|s| s.address))
}

fn section_start(bin: &Binary<'_>, names: &[&str]) -> Option<u64> {
    names.iter().find_map(|n| {
        bin.sections
            .iter()
            .find(|s| s.name == *n)
            .and_then(|s| s.address)
    })
}
