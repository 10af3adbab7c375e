//! The pclntab: the runtime's table of functions and source files, the main
//! carrier of build paths in a Go binary (it survives `-s -w`).
//!
//! Where: ELF `.gopclntab` (`.data.rel.ro.gopclntab` in relro builds),
//! Mach-O `__TEXT,__gopclntab` (or `__DATA_CONST,__gopclntab`); PE has no
//! section of its own, so the symbols `runtime.pclntab`..`runtime.epclntab`
//! inside `.rdata` are used, else the read-only data is scanned for a header
//! that checks out, as `debug/gosym` does.
//!
//! Layout (Go 1.18+, `runtime/symtab.go` `pcHeader`): `magic u32`, two zero
//! bytes, `minLC u8`, `ptrSize u8`, then pointer-sized words `nfunc`, `nfiles`,
//! `textStart`, and the offsets (from the header) of `funcnametab`, `cutab`,
//! `filetab`, `pctab` and the functab. Magic `0xfffffff0` is Go 1.18–1.19,
//! `0xfffffff1` Go 1.20 and later (still current in Go 1.26); older magics
//! (`0xfffffffa` Go 1.16–1.17, `0xfffffffb` Go 1.2–1.15) are reported as
//! unsupported.
//!
//! - `filetab` holds `nfiles` NUL-terminated, de-duplicated file names in
//!   first-use order (absolute build paths unless `-trimpath`).
//! - `funcnametab` holds NUL-terminated function names (inlined ones too).
//! - the functab is `nfunc` pairs `{entryOff u32, funcOff u32}` and a final
//!   end offset; `funcOff` points (from the functab's start) at a `_func`
//!   whose second word is the name's offset in `funcnametab`.
//!
//! Entry offsets are relative to `runtime.text`, which the linker puts at the
//! start of the first text section (`.text` / `__TEXT,__text`; on Mach-O and
//! PE that is where the build ID header is). The header's `textStart` word
//! is always 0 since Go 1.26 (the runtime reads the text start from
//! moduledata instead); checked on the Go 1.26.8 fixtures for all four
//! targets. Go 1.26 also moved the funcdata and `findfunctab` into
//! `.gopclntab`, so the section holds more than these tables.

use serde::Serialize;

use super::{find_section, Bytes, Span};
use crate::binary::{Binary, Format};

pub const MAGIC_GO118: u32 = 0xffff_fff0;
pub const MAGIC_GO120: u32 = 0xffff_fff1;
const MAGIC_GO116: u32 = 0xffff_fffa;
const MAGIC_GO12: u32 = 0xffff_fffb;
/// Candidate headers decoded per section when scanning for the pclntab.
const MAX_SCAN_CANDIDATES: usize = 64;
/// Entries read from any one table before stopping (Go binaries have tens of thousands).
const MAX_ENTRIES: u64 = 4_000_000;

/// A string in one of the pclntab's tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PclntabString {
    pub name: String,
    /// The string's bytes, without the terminating NUL.
    pub span: Span,
}

/// One functab entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FuncEntry {
    /// Offset of the function's first instruction from `runtime.text`.
    pub entry: u64,
    /// Index into [`Pclntab::func_names`], when the name offset is valid.
    pub name: Option<usize>,
}

/// One of the pclntab's sub-tables, located.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PclntabTable {
    /// `header`, `funcnametab`, `cutab`, `filetab`, `pctab` or `functab`.
    pub name: &'static str,
    pub span: Span,
}

/// The decoded pclntab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pclntab {
    /// From the header to `runtime.epclntab` or the end of the section.
    pub span: Span,
    pub magic: u32,
    /// The Go versions that write this magic.
    pub go_versions: &'static str,
    pub min_lc: u8,
    pub ptr_size: u8,
    pub nfunc: u64,
    pub nfiles: u64,
    /// The header's `textStart` word (0 since Go 1.26).
    pub text_start: u64,
    /// Address of `runtime.text` (the start of the first text section), when known.
    pub text_address: Option<u64>,
    /// The header and sub-tables, in file order; a table runs to the next one.
    pub tables: Vec<PclntabTable>,
    /// Every file name in `filetab`, in table order.
    pub files: Vec<PclntabString>,
    /// Every string in `funcnametab`, in table order.
    pub func_names: Vec<PclntabString>,
    /// Functions sorted by entry (not serialized: thousands of number pairs).
    #[serde(skip)]
    pub functab: Vec<FuncEntry>,
    /// Offset from `runtime.text` just past the last function.
    pub text_end: u64,
}

impl Pclntab {
    /// The function containing text offset `text_offset` (bytes from
    /// `runtime.text`).
    pub fn function_at(&self, text_offset: u64) -> Option<&str> {
        if text_offset >= self.text_end {
            return None;
        }
        let i = self
            .functab
            .partition_point(|f| f.entry <= text_offset)
            .checked_sub(1)?;
        let name = self.functab[i].name?;
        self.func_names.get(name).map(|n| n.name.as_str())
    }

    /// The function containing virtual address `address`.
    pub fn function_at_address(&self, address: u64) -> Option<&str> {
        self.function_at(address.checked_sub(self.text_address?)?)
    }

    /// The file name whose bytes include byte `offset` of section `section`.
    pub fn file_at(&self, section: usize, offset: u64) -> Option<&PclntabString> {
        find_at(&self.files, section, offset)
    }

    /// The function name whose bytes include byte `offset` of section `section`.
    pub fn func_name_at(&self, section: usize, offset: u64) -> Option<&PclntabString> {
        find_at(&self.func_names, section, offset)
    }

    /// The sub-table holding byte `offset` of section `section`.
    pub fn table_at(&self, section: usize, offset: u64) -> Option<&PclntabTable> {
        self.tables
            .iter()
            .find(|t| t.span.contains(section, offset))
    }
}

/// Strings are in offset order: binary search.
fn find_at(strings: &[PclntabString], section: usize, offset: u64) -> Option<&PclntabString> {
    let i = strings
        .partition_point(|s| s.span.range.start <= offset)
        .checked_sub(1)?;
    let s = &strings[i];
    (s.span.section == section && offset < s.span.range.end).then_some(s)
}

/// Find and decode the pclntab.
pub fn read(bin: &Binary, warnings: &mut Vec<String>) -> Option<Pclntab> {
    let (index, start, end) = locate(bin)?;
    let contents = match bin.contents(index) {
        Ok(c) => c,
        Err(e) => {
            warnings.push(format!("pclntab: {e}"));
            return None;
        }
    };
    let end = end.min(contents.len() as u64);
    let data = contents.get(start as usize..end as usize)?;
    let mut tab = match decode(data, index, start, warnings) {
        Ok(t) => t,
        Err(reason) => {
            warnings.push(format!(
                "pclntab in {} at offset {start:#x}: {reason}",
                bin.sections[index].name
            ));
            return None;
        }
    };
    tab.text_address = text_address(bin);
    Some(tab)
}

/// Section index and the pclntab's range within its contents.
fn locate(bin: &Binary) -> Option<(usize, u64, u64)> {
    if let Some(i) = find_section(
        bin,
        &[".gopclntab", ".data.rel.ro.gopclntab", "__gopclntab"],
    ) {
        return Some((i, 0, bin.sections[i].content_size()));
    }
    let sym = |name: &str| bin.symbols.iter().find(|s| s.name == name);
    if let (Some(s), Some(e)) = (sym("runtime.pclntab"), sym("runtime.epclntab")) {
        if let (Some(i), true) = (s.section, s.section == e.section) {
            let base = bin.sections.get(i)?.address?;
            let start = s.address.checked_sub(base)?;
            let end = e.address.checked_sub(base)?;
            if start < end {
                return Some((i, start, end));
            }
        }
    }
    scan(bin)
}

/// Look for a plausible header in the read-only data (`debug/gosym`'s checks).
fn scan(bin: &Binary) -> Option<(usize, u64, u64)> {
    const CANDIDATES: [&str; 5] = [
        ".rdata",
        ".rodata",
        ".data.rel.ro",
        "__TEXT,__rodata",
        "__DATA_CONST,__rodata",
    ];
    for (i, s) in bin.sections.iter().enumerate() {
        if !CANDIDATES.contains(&s.name.as_str()) || s.compression.is_some() {
            continue;
        }
        let data = bin.raw(i);
        let mut at = 0usize;
        let mut tried = 0;
        while at + 8 <= data.len() && tried < MAX_SCAN_CANDIDATES {
            let h = &data[at..at + 8];
            let le = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
            let be = u32::from_be_bytes([h[0], h[1], h[2], h[3]]);
            let magic_ok = [le, be]
                .iter()
                .any(|m| *m == MAGIC_GO118 || *m == MAGIC_GO120);
            tried += usize::from(magic_ok);
            if magic_ok
                && h[4] == 0
                && h[5] == 0
                && matches!(h[6], 1 | 2 | 4)
                && matches!(h[7], 4 | 8)
                && decode(&data[at..], i, at as u64, &mut Vec::new()).is_ok()
            {
                return Some((i, at as u64, data.len() as u64));
            }
            at += 4;
        }
    }
    None
}

/// Address of `runtime.text`: the symbol, else the first text section.
fn text_address(bin: &Binary) -> Option<u64> {
    if let Some(s) = bin.symbols.iter().find(|s| s.name == "runtime.text") {
        return Some(s.address);
    }
    let name = if bin.format == Format::MachO {
        "__TEXT,__text"
    } else {
        ".text"
    };
    bin.sections[bin.section_index(name)?].address
}

/// Decode the pclntab in `data` (which starts at its header and is at
/// offset `base` of section `section`).
fn decode(
    data: &[u8],
    section: usize,
    base: u64,
    warnings: &mut Vec<String>,
) -> Result<Pclntab, String> {
    if data.len() < 8 {
        return Err("shorter than its header".into());
    }
    let le = u32::from_le_bytes([data[0], data[1], data[2], data[3]]);
    let be = u32::from_be_bytes([data[0], data[1], data[2], data[3]]);
    let (magic, little_endian) = match (le, be) {
        (MAGIC_GO118 | MAGIC_GO120, _) => (le, true),
        (_, MAGIC_GO118 | MAGIC_GO120) => (be, false),
        (MAGIC_GO116, _) | (_, MAGIC_GO116) => {
            return Err("magic 0xfffffffa (Go 1.16-1.17) is not supported".into())
        }
        (MAGIC_GO12, _) | (_, MAGIC_GO12) => {
            return Err("magic 0xfffffffb (Go 1.2-1.15) is not supported".into())
        }
        _ => return Err(format!("unknown magic {le:#010x}")),
    };
    let go_versions = if magic == MAGIC_GO118 {
        "1.18-1.19"
    } else {
        "1.20+"
    };
    let b = Bytes::new(data, little_endian);
    let (min_lc, ptr_size) = (data[6], data[7]);
    if data[4] != 0 || data[5] != 0 || !matches!(min_lc, 1 | 2 | 4) || !matches!(ptr_size, 4 | 8) {
        return Err(format!(
            "implausible header (pad {} {}, minLC {min_lc}, ptrSize {ptr_size})",
            data[4], data[5]
        ));
    }
    let word = |i: u64| {
        b.word(8 + i * u64::from(ptr_size), ptr_size)
            .ok_or_else(|| "header is truncated".to_string())
    };
    let (nfunc, nfiles, text_start) = (word(0)?, word(1)?, word(2)?);
    let header_len = 8 + 8 * u64::from(ptr_size);
    let len = data.len() as u64;
    let names = ["funcnametab", "cutab", "filetab", "pctab", "functab"];
    let mut offsets = [0u64; 5];
    for (k, name) in names.iter().enumerate() {
        let off = word(3 + k as u64)?;
        if off < header_len || off > len {
            return Err(format!(
                "{name} offset {off:#x} is outside the table ({len:#x} bytes)"
            ));
        }
        offsets[k] = off;
    }
    // Each table runs to the next one in file order, the last to the end.
    let mut order: Vec<(u64, &'static str)> = offsets.iter().copied().zip(names).collect();
    order.push((0, "header"));
    order.sort();
    let table_end = |off: u64| order.iter().map(|o| o.0).find(|&o| o > off).unwrap_or(len);
    let tables = order
        .iter()
        .map(|&(off, name)| PclntabTable {
            name,
            span: Span::new(
                section,
                base + off
                    ..base
                        + if name == "header" {
                            header_len
                        } else {
                            table_end(off)
                        },
            ),
        })
        .collect();
    let [funcname_off, _cu_off, filetab_off, _pctab_off, functab_off] = offsets;

    let strings = |from: u64, to: u64, limit: u64, what: &str, warnings: &mut Vec<String>| {
        let mut out = Vec::new();
        let mut at = from;
        while at < to && (out.len() as u64) < limit {
            let Some((s, next)) = b.cstr(at).filter(|(_, next)| *next <= to) else {
                warnings.push(format!("pclntab: {what} string at offset {at:#x} is not NUL-terminated within its table"));
                break;
            };
            out.push(PclntabString {
                name: String::from_utf8_lossy(s).into_owned(),
                span: Span::new(section, base + at..base + next - 1),
            });
            at = next;
        }
        out
    };
    if nfiles > MAX_ENTRIES || nfiles > len {
        return Err(format!(
            "nfiles {nfiles} is implausible for a {len}-byte table"
        ));
    }
    let files = strings(
        filetab_off,
        table_end(filetab_off),
        nfiles,
        "filetab",
        warnings,
    );
    if (files.len() as u64) < nfiles {
        warnings.push(format!(
            "pclntab: filetab holds {} names, the header says {nfiles}",
            files.len()
        ));
    }
    let func_names = strings(
        funcname_off,
        table_end(funcname_off),
        MAX_ENTRIES,
        "funcnametab",
        warnings,
    );

    let functab_len = table_end(functab_off) - functab_off;
    if nfunc > MAX_ENTRIES || nfunc.saturating_mul(8).saturating_add(4) > functab_len {
        return Err(format!(
            "nfunc {nfunc} does not fit the {functab_len}-byte functab"
        ));
    }
    let mut functab = Vec::with_capacity(nfunc as usize);
    let mut bad_names = 0u64;
    for k in 0..nfunc {
        let at = functab_off + 8 * k;
        let (Some(entry), Some(func_off)) = (b.u32(at), b.u32(at + 4)) else {
            break;
        };
        let name_off = functab_off
            .checked_add(u64::from(func_off))
            .and_then(|f| b.u32(f + 4));
        let name = name_off.and_then(|n| {
            let want = base + funcname_off + u64::from(n);
            func_names
                .binary_search_by_key(&want, |s| s.span.range.start)
                .ok()
        });
        if name.is_none() {
            bad_names += 1;
        }
        functab.push(FuncEntry {
            entry: u64::from(entry),
            name,
        });
    }
    if bad_names > 0 {
        warnings.push(format!(
            "pclntab: {bad_names} functab entries have no valid name"
        ));
    }
    if functab.windows(2).any(|w| w[0].entry > w[1].entry) {
        warnings.push("pclntab: functab is not sorted by entry; sorted it".into());
        functab.sort_by_key(|f| f.entry);
    }
    let text_end = b.u32(functab_off + 8 * nfunc).map(u64::from).unwrap_or(0);

    Ok(Pclntab {
        span: Span::new(section, base..base + len),
        magic,
        go_versions,
        min_lc,
        ptr_size,
        nfunc,
        nfiles,
        text_start,
        text_address: None,
        tables,
        files,
        func_names,
        functab,
        text_end,
    })
}

#[cfg(test)]
mod tests;
