//! One side's pclntab, decoded for the comparison: the header's offsets,
//! `_func` records, pc-value tables, the module data (where the funcdata
//! and `findfunctab` are) and the `findfunctab` as the linker would write it.
//!
//! Layout (Go 1.20+, magic `0xfffffff1`; `cmd/link/internal/ld/pcln.go`,
//! `runtime/runtime2.go` `_func`, `runtime/symtab.go` `moduledata`):
//! - `_func` is ten `u32` (`entryOff`, `nameOff`, `args`, `deferreturn`,
//!   `pcsp`, `pcfile`, `pcln`, `npcdata`, `cuOffset`, `startLine`) and four
//!   bytes (`funcID`, `flag`, pad, `nfuncdata`), then `npcdata` `u32` offsets
//!   into `pctab` (0: no table) and `nfuncdata` `u32` offsets from
//!   `moduledata.gofunc` (`^0`: none). Records are pointer-aligned.
//! - A pc-value table is pairs of varints: a zig-zag value delta (0 ends
//!   the table, except first) and a pc delta in units of `minLC`.
//! - `moduledata` starts with the pcHeader pointer and six slices, then
//!   `findfunctab`, `minpc`, `maxpc`, `text` (words 19–22) and, in Go 1.26,
//!   `gofunc` and `epclntab` (words 40–41), found by its pointer to the header.
//!
//! Pure: bounds-checked, no panics on malformed input.

use std::ops::Range;

use crate::binary::go::pclntab::Pclntab;
use crate::binary::go::Bytes;
use crate::binary::Binary;

/// Size of a `_func` record without its pcdata and funcdata offsets.
pub const FUNC_SIZE: u64 = 44;
/// "No funcdata" in a funcdata slot; "no compile unit" in `cuOffset`.
pub const NIL: u32 = u32::MAX;
/// pcdata offsets read per function (Go writes 5).
const MAX_PCDATA: u32 = 64;
/// Pairs decoded from one pc-value table.
const MAX_PC_PAIRS: usize = 1 << 20;
/// Candidate `moduledata` words checked per section.
const MAX_MODULEDATA_CANDIDATES: usize = 64;
/// Bytes per `findfunctab` bucket of text, and per sub-bucket.
const BUCKET: u64 = 4096;
const SUBBUCKETS: u64 = 16;
const SUBBUCKET: u64 = BUCKET / SUBBUCKETS;

/// Indexes of the header's table offsets.
pub const FUNCNAMETAB: usize = 0;
pub const CUTAB: usize = 1;
pub const FILETAB: usize = 2;
pub const PCTAB: usize = 3;
pub const FUNCTAB: usize = 4;

/// What the runtime's `moduledata` says about this pclntab.
#[derive(Debug, Clone, Copy)]
pub struct Module {
    pub findfunctab: u64,
    pub minpc: u64,
    pub maxpc: u64,
    pub text: u64,
    /// `go:func.*`, the base of funcdata offsets.
    pub gofunc: u64,
}

/// One `_func` record.
#[derive(Debug, Clone)]
pub struct Func {
    /// Offsets in the pclntab: the functab entry and the record.
    pub entry_at: u64,
    pub rec: u64,
    /// The record's end (after its funcdata offsets).
    pub end: u64,
    /// `entryOff` from the functab entry.
    pub entry: u32,
    /// The ten `u32` fields, in order.
    pub fields: [u32; 10],
    /// `funcID`, `flag`, pad.
    pub bytes: [u8; 3],
    pub pcdata: Vec<u32>,
    pub funcdata: Vec<u32>,
    pub name: Option<String>,
}

impl Func {
    pub const NAME_OFF: usize = 1;
    pub const ARGS: usize = 2;
    pub const DEFERRETURN: usize = 3;
    pub const PCSP: usize = 4;
    pub const PCFILE: usize = 5;
    pub const PCLN: usize = 6;
    pub const CU_OFFSET: usize = 8;
    pub const START_LINE: usize = 9;

    pub fn display_name(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("<function record at {:#x}>", self.rec))
    }
}

/// A decoded pc-value table: `(value, pc offset)` pairs and its byte range.
#[derive(Debug, PartialEq, Eq)]
pub struct PcTable {
    pub pairs: Vec<(i32, u64)>,
    pub range: Range<u64>,
}

/// One side's pclntab over its section's bytes.
pub struct Side<'a> {
    pub bin: &'a Binary<'a>,
    pub tab: &'a Pclntab,
    pub section: usize,
    /// Offset of the header in the section.
    pub base: u64,
    /// The pclntab's bytes, from its header.
    pub b: Bytes<'a>,
    pub ptr: u8,
    pub quantum: u64,
    /// Offsets of funcnametab, cutab, filetab, pctab and functab.
    pub off: [u64; 5],
    pub header_len: u64,
    pub text: Option<u64>,
    pub module: Option<Module>,
}

impl<'a> Side<'a> {
    pub fn new(bin: &'a Binary<'a>, tab: &'a Pclntab) -> Option<Side<'a>> {
        let section = tab.span.section;
        let s = bin.sections.get(section)?;
        if s.compression.is_some() {
            return None;
        }
        let raw = bin.raw(section);
        let r = &tab.span.range;
        let data = raw.get(usize::try_from(r.start).ok()?..usize::try_from(r.end).ok()?)?;
        let b = Bytes::new(data, bin.little_endian);
        let ptr = tab.ptr_size;
        let mut off = [0u64; 5];
        for (k, o) in off.iter_mut().enumerate() {
            *o = b.word(8 + (3 + k as u64) * u64::from(ptr), ptr)?;
        }
        let mut side = Side {
            bin,
            tab,
            section,
            base: r.start,
            b,
            ptr,
            quantum: u64::from(tab.min_lc),
            off,
            header_len: 8 + 8 * u64::from(ptr),
            text: tab.text_address,
            module: None,
        };
        side.module = side.find_module();
        Some(side)
    }

    pub fn len(&self) -> u64 {
        self.b.data.len() as u64
    }

    /// A range of the pclntab as a place in its section.
    pub fn place(&self, r: Range<u64>) -> super::Place {
        (self.section, self.base + r.start..self.base + r.end)
    }

    /// The pclntab's own address, when its section is loaded.
    pub fn address(&self) -> Option<u64> {
        Some(self.bin.sections[self.section].address? + self.base)
    }

    /// End of the table starting at `off` (the next table in file order).
    pub fn table_end(&self, off: u64) -> u64 {
        self.off
            .iter()
            .copied()
            .filter(|&o| o > off)
            .min()
            .unwrap_or(self.len())
    }

    /// The function name at `name_off` in funcnametab.
    pub fn name(&self, name_off: u32) -> Option<(&'a [u8], u64)> {
        let at = self.off[FUNCNAMETAB].checked_add(u64::from(name_off))?;
        let (s, next) = self.b.cstr(at)?;
        (next <= self.table_end(self.off[FUNCNAMETAB])).then_some((s, next))
    }

    /// Functab entry `k` and its `_func` record.
    pub fn func(&self, k: u64) -> Option<Func> {
        let entry_at = self.off[FUNCTAB].checked_add(k.checked_mul(8)?)?;
        let entry = self.b.u32(entry_at)?;
        let rec = self.off[FUNCTAB].checked_add(u64::from(self.b.u32(entry_at + 4)?))?;
        let mut fields = [0u32; 10];
        for (i, f) in fields.iter_mut().enumerate() {
            *f = self.b.u32(rec + 4 * i as u64)?;
        }
        let tail = self.b.get(rec + 40, 4)?;
        let (npcdata, nfuncdata) = (fields[7], tail[3]);
        if npcdata > MAX_PCDATA {
            return None;
        }
        let pcdata = (0..u64::from(npcdata))
            .map(|j| self.b.u32(rec + FUNC_SIZE + 4 * j))
            .collect::<Option<Vec<u32>>>()?;
        let fd = rec + FUNC_SIZE + 4 * u64::from(npcdata);
        let funcdata = (0..u64::from(nfuncdata))
            .map(|j| self.b.u32(fd + 4 * j))
            .collect::<Option<Vec<u32>>>()?;
        let name = self
            .name(fields[Func::NAME_OFF])
            .map(|(s, _)| String::from_utf8_lossy(s).into_owned());
        Some(Func {
            entry_at,
            rec,
            end: fd + 4 * u64::from(nfuncdata),
            entry,
            fields,
            bytes: [tail[0], tail[1], tail[2]],
            pcdata,
            funcdata,
            name,
        })
    }

    /// The pc-value table at `off` in pctab; `Some(None)` for offset 0 (no table).
    pub fn pc_table(&self, off: u32) -> Option<Option<PcTable>> {
        if off == 0 {
            return Some(None);
        }
        let start = self.off[PCTAB].checked_add(u64::from(off))?;
        let limit = self.table_end(self.off[PCTAB]);
        let mut at = start;
        let mut pairs = Vec::new();
        let (mut value, mut pc) = (-1i32, 0u64);
        loop {
            if at >= limit || pairs.len() >= MAX_PC_PAIRS {
                return None;
            }
            let (uv, n) = self.varint(at)?;
            if uv == 0 && !pairs.is_empty() {
                at += n;
                break;
            }
            at += n;
            value = value.wrapping_add((-((uv & 1) as i32)) ^ ((uv >> 1) as i32));
            let (pcd, n) = self.varint(at)?;
            at += n;
            pc = pc.checked_add(u64::from(pcd).checked_mul(self.quantum)?)?;
            pairs.push((value, pc));
        }
        Some(Some(PcTable {
            pairs,
            range: start..at,
        }))
    }

    /// A `u32` LEB128 varint at `at`: its value and length.
    fn varint(&self, at: u64) -> Option<(u32, u64)> {
        let mut v = 0u32;
        for k in 0..5u64 {
            let byte = *self.b.get(at + k, 1)?.first()?;
            v |= u32::from(byte & 0x7f) << (7 * k);
            if byte & 0x80 == 0 {
                return Some((v, k + 1));
            }
        }
        None
    }

    /// The file name at `off` into filetab, as an index of [`Pclntab::files`].
    pub fn file_at_offset(&self, off: u32) -> Option<usize> {
        let want = self.base + self.off[FILETAB].checked_add(u64::from(off))?;
        self.tab
            .files
            .binary_search_by_key(&want, |s| s.span.range.start)
            .ok()
    }

    /// The file a function's pcfile value `v` names: `cutab[cuOffset + v]`.
    pub fn file_of(&self, cu_offset: u32, v: i32) -> Option<usize> {
        let k = u64::from(cu_offset).checked_add(u64::try_from(v).ok()?)?;
        let at = self.off[CUTAB].checked_add(k.checked_mul(4)?)?;
        if at + 4 > self.table_end(self.off[CUTAB]) {
            return None;
        }
        self.file_at_offset(self.b.u32(at)?)
    }

    /// Bytes at a loaded address, `len` of them: their section, offset and bytes.
    pub fn at_address(&self, address: u64, len: u64) -> Option<(usize, u64, &'a [u8])> {
        let (i, s) = self.bin.sections.iter().enumerate().find(|(_, s)| {
            s.address
                .is_some_and(|a| address >= a && address - a < s.file_size())
                && s.compression.is_none()
        })?;
        let off = address - s.address?;
        let raw: &'a [u8] = self.bin.raw(i);
        let bytes =
            raw.get(usize::try_from(off).ok()?..usize::try_from(off.checked_add(len)?).ok()?)?;
        Some((i, off, bytes))
    }

    /// The runtime's `moduledata` for this pclntab (Go 1.26 layout), found by
    /// its first word (the header's address) and checked against the header.
    fn find_module(&self) -> Option<Module> {
        let addr = self.address()?;
        let end = addr + self.len();
        let ptr = u64::from(self.ptr);
        let mut candidates: Vec<(usize, u64)> = Vec::new();
        if let Some(s) = self
            .bin
            .symbols
            .iter()
            .find(|s| s.name == "runtime.firstmoduledata")
        {
            if let Some((i, off, _)) = self.at_address(s.address, 42 * ptr) {
                candidates.push((i, off));
            }
        }
        for (i, s) in self.bin.sections.iter().enumerate() {
            let name = s.name.rsplit(',').next().unwrap_or("");
            if !matches!(name, ".noptrdata" | "__noptrdata" | ".data" | "__data")
                || s.compression.is_some()
            {
                continue;
            }
            let b = Bytes::new(self.bin.raw(i), self.bin.little_endian);
            let mut at = 0;
            let mut found = 0;
            while at + ptr <= b.data.len() as u64 && found < MAX_MODULEDATA_CANDIDATES {
                if b.word(at, self.ptr) == Some(addr) {
                    candidates.push((i, at));
                    found += 1;
                }
                at += ptr;
            }
        }
        for (i, at) in candidates {
            let b = Bytes::new(self.bin.raw(i), self.bin.little_endian);
            let w = |k: u64| b.word(at + k * ptr, self.ptr);
            let ok = w(0) == Some(addr)
                && w(1) == Some(addr + self.off[FUNCNAMETAB])
                && w(41) == Some(end);
            if !ok {
                continue;
            }
            let module = Module {
                findfunctab: w(19)?,
                minpc: w(20)?,
                maxpc: w(21)?,
                text: w(22)?,
                gofunc: w(40)?,
            };
            if module.minpc <= module.maxpc && module.minpc <= module.text {
                return Some(module);
            }
        }
        None
    }

    /// Where the `findfunctab` is, when its bytes are exactly what the linker
    /// writes from this side's functab (`cmd/link/internal/ld/pcln.go`
    /// `findfunctab`): then it is a function of the functab. `None` when
    /// the module data is unknown, the table does not fit or differs.
    pub fn checked_findfunctab(&self) -> Option<(usize, Range<u64>)> {
        let m = self.module?;
        let span = m.maxpc - m.minpc;
        let shift = m.text - m.minpc;
        let n = span.div_ceil(SUBBUCKET);
        let nbuckets = span.div_ceil(BUCKET);
        let size = 4 * nbuckets + n;
        let (section, off, stored) = self.at_address(m.findfunctab, size)?;
        let nfunc = self.tab.nfunc;
        let mut indexes = vec![u32::MAX; usize::try_from(n).ok()?];
        for k in 0..nfunc {
            let at = self.off[FUNCTAB] + 8 * k;
            let p = u64::from(self.b.u32(at)?) + shift;
            let q = if k + 1 < nfunc {
                u64::from(self.b.u32(at + 8)?) + shift
            } else {
                span
            };
            // Sorted entries inside the text bound the work to the text's size.
            if p > q || q > span {
                return None;
            }
            let idx = u32::try_from(k).ok()?;
            let mut mark = |pc: u64| {
                if let Some(slot) = usize::try_from(pc / SUBBUCKET)
                    .ok()
                    .and_then(|s| indexes.get_mut(s))
                {
                    *slot = (*slot).min(idx);
                }
            };
            let mut pc = p;
            while pc < q {
                mark(pc);
                pc += SUBBUCKET;
            }
            if let Some(last) = q.checked_sub(1) {
                mark(last);
            }
        }
        let mut out = vec![0u8; usize::try_from(size).ok()?];
        for i in 0..nbuckets {
            let base = *indexes.get(usize::try_from(i * SUBBUCKETS).ok()?)?;
            let at = usize::try_from(i * (4 + SUBBUCKETS)).ok()?;
            let word = if self.bin.little_endian {
                base.to_le_bytes()
            } else {
                base.to_be_bytes()
            };
            out.get_mut(at..at + 4)?.copy_from_slice(&word);
            for j in 0..SUBBUCKETS {
                let Some(&idx) = indexes.get(usize::try_from(i * SUBBUCKETS + j).ok()?) else {
                    break;
                };
                let delta = u8::try_from(idx.checked_sub(base)?).ok()?;
                *out.get_mut(at + 4 + j as usize)? = delta;
            }
        }
        (out == stored).then_some((section, off..off + size))
    }
}
