//! Shared pieces of the fuzz targets: the committed fixtures, a decoder for
//! the fuzz input, the structural fields of ELF, Mach-O and PE files (the
//! numbers a hostile file would lie about), and the mutations applied to
//! them.
//!
//! The fixtures are embedded so that a target needs no files at run time.
//! Offsets found here come from the fixtures, which are well formed, but all
//! arithmetic is still checked: a helper that panics would be reported as a
//! crash of the code under test.

use std::io::Write;
use std::sync::OnceLock;

use twinbuild::binary::Binary;

/// The committed fixtures the targets mutate: (name, bytes).
pub const FIXTURES: [(&str, &[u8]); 6] = [
    (
        "linux-amd64/plain-a",
        include_bytes!("../../tests/fixtures/linux-amd64/plain-a"),
    ),
    (
        "linux-amd64/release",
        include_bytes!("../../tests/fixtures/linux-amd64/release"),
    ),
    (
        "linux-amd64/stripped-a",
        include_bytes!("../../tests/fixtures/linux-amd64/stripped-a"),
    ),
    (
        "linux-arm64/plain-a",
        include_bytes!("../../tests/fixtures/linux-arm64/plain-a"),
    ),
    (
        "windows-amd64/plain-a",
        include_bytes!("../../tests/fixtures/windows-amd64/plain-a"),
    ),
    (
        "darwin-arm64/plain-a",
        include_bytes!("../../tests/fixtures/darwin-arm64/plain-a"),
    ),
];

/// A fixture by number; number `FIXTURES.len()` is linux-amd64/plain-a with
/// its DWARF inflated in place (see [`with_plain_dwarf`]), so that mutations
/// reach gimli and the DWARF readers instead of breaking the zlib stream.
pub fn fixture(n: u8) -> &'static [u8] {
    let n = n as usize % (FIXTURES.len() + 1);
    if n == FIXTURES.len() {
        static PLAIN: OnceLock<Vec<u8>> = OnceLock::new();
        PLAIN.get_or_init(|| with_plain_dwarf(FIXTURES[0].1))
    } else {
        FIXTURES[n].1
    }
}

/// Reads the fuzz input front to back; past the end every read is zero.
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Input { data }
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.data.len());
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        head
    }

    pub fn u8(&mut self) -> u8 {
        self.bytes(1).first().copied().unwrap_or(0)
    }

    pub fn u16(&mut self) -> u16 {
        let mut b = [0u8; 2];
        let got = self.bytes(2);
        b[..got.len()].copy_from_slice(got);
        u16::from_le_bytes(b)
    }

    pub fn u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        let got = self.bytes(4);
        b[..got.len()].copy_from_slice(got);
        u32::from_le_bytes(b)
    }

    pub fn u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        let got = self.bytes(8);
        b[..got.len()].copy_from_slice(got);
        u64::from_le_bytes(b)
    }
}

/// One number in a file header or table.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub offset: usize,
    /// 1, 2, 4 or 8 bytes.
    pub width: u8,
    pub big_endian: bool,
}

impl Field {
    fn new(offset: usize, width: u8) -> Field {
        Field {
            offset,
            width,
            big_endian: false,
        }
    }

    pub fn get(&self, data: &[u8]) -> u64 {
        let Some(b) = data.get(self.offset..self.offset + self.width as usize) else {
            return 0;
        };
        let mut v = 0u64;
        for k in 0..b.len() {
            let byte = if self.big_endian {
                b[k]
            } else {
                b[b.len() - 1 - k]
            };
            v = (v << 8) | u64::from(byte);
        }
        v
    }

    pub fn set(&self, data: &mut [u8], value: u64) {
        let w = self.width as usize;
        let Some(b) = data.get_mut(self.offset..self.offset + w) else {
            return;
        };
        for (k, byte) in b.iter_mut().enumerate() {
            let shift = if self.big_endian {
                (w - 1 - k) * 8
            } else {
                k * 8
            };
            *byte = (value >> shift) as u8;
        }
    }
}

/// A compressed section's stream: where it is and how its header is framed.
#[derive(Debug, Clone, Copy)]
pub struct Stream {
    /// File offset of the zlib stream (after the framing).
    pub start: usize,
    pub len: usize,
    /// The field holding the declared inflated size.
    pub size: Field,
}

/// The numbers of a file's structure, and its compressed streams.
#[derive(Debug, Default)]
pub struct Layout {
    pub fields: Vec<Field>,
    pub streams: Vec<Stream>,
}

fn rd(data: &[u8], off: usize, width: u8) -> u64 {
    Field::new(off, width).get(data)
}

/// The structural fields of a little-endian ELF64, Mach-O 64 or PE file:
/// headers, program and section headers, load commands, notes, compression
/// headers and the first symbols. Anything else gives an empty layout.
pub fn layout(data: &[u8]) -> Layout {
    match data {
        [0x7f, b'E', b'L', b'F', 2, 1, ..] => elf_layout(data),
        [0xcf, 0xfa, 0xed, 0xfe, ..] => macho_layout(data),
        [b'M', b'Z', ..] => pe_layout(data),
        _ => Layout::default(),
    }
}

fn elf_layout(data: &[u8]) -> Layout {
    let mut l = Layout::default();
    // e_ident class and data, then e_type .. e_shstrndx.
    l.fields.push(Field::new(4, 1));
    l.fields.push(Field::new(5, 1));
    for (off, w) in [
        (0x10, 2),
        (0x12, 2),
        (0x14, 4),
        (0x18, 8),
        (0x20, 8),
        (0x28, 8),
        (0x30, 4),
        (0x34, 2),
        (0x36, 2),
        (0x38, 2),
        (0x3a, 2),
        (0x3c, 2),
        (0x3e, 2),
    ] {
        l.fields.push(Field::new(off, w));
    }
    let phoff = rd(data, 0x20, 8) as usize;
    let phnum = rd(data, 0x38, 2) as usize;
    for i in 0..phnum.min(64) {
        let base = phoff + i * 56;
        for (off, w) in [
            (0, 4),
            (4, 4),
            (8, 8),
            (16, 8),
            (24, 8),
            (32, 8),
            (40, 8),
            (48, 8),
        ] {
            l.fields.push(Field::new(base + off, w));
        }
    }
    let shoff = rd(data, 0x28, 8) as usize;
    let shnum = rd(data, 0x3c, 2) as usize;
    for i in 0..shnum.min(256) {
        let base = shoff + i * 64;
        for (off, w) in [
            (0, 4),
            (4, 4),
            (8, 8),
            (16, 8),
            (24, 8),
            (32, 8),
            (40, 4),
            (44, 4),
            (48, 8),
            (56, 8),
        ] {
            l.fields.push(Field::new(base + off, w));
        }
        let (ty, flags) = (rd(data, base + 4, 4), rd(data, base + 8, 8));
        let (off, size) = (
            rd(data, base + 24, 8) as usize,
            rd(data, base + 32, 8) as usize,
        );
        if off.checked_add(size).is_none_or(|end| end > data.len()) {
            continue;
        }
        if ty == 7 {
            // SHT_NOTE: namesz, descsz, type of each note.
            let mut at = off;
            while at + 12 <= off + size && l.fields.len() < 4096 {
                for k in 0..3 {
                    l.fields.push(Field::new(at + 4 * k, 4));
                }
                let (n, d) = (rd(data, at, 4) as usize, rd(data, at + 4, 4) as usize);
                at += 12 + n.div_ceil(4) * 4 + d.div_ceil(4) * 4;
            }
        }
        if flags & 0x800 != 0 && size >= 24 {
            // Elf64_Chdr: ch_type, ch_reserved, ch_size, ch_addralign.
            for (o, w) in [(0, 4), (4, 4), (8, 8), (16, 8)] {
                l.fields.push(Field::new(off + o, w));
            }
            l.streams.push(Stream {
                start: off + 24,
                len: size - 24,
                size: Field::new(off + 8, 8),
            });
        }
        if ty == 2 {
            // SHT_SYMTAB: the first symbols' name, shndx, value, size.
            for s in 1..size.min(64 * 24) / 24 {
                let e = off + s * 24;
                for (o, w) in [(0, 4), (6, 2), (8, 8), (16, 8)] {
                    l.fields.push(Field::new(e + o, w));
                }
            }
        }
    }
    l
}

fn macho_layout(data: &[u8]) -> Layout {
    let mut l = Layout::default();
    for off in [4, 8, 12, 16, 20, 24] {
        l.fields.push(Field::new(off, 4));
    }
    let ncmds = rd(data, 16, 4) as usize;
    let mut at = 32usize;
    for _ in 0..ncmds.min(256) {
        let (cmd, size) = (rd(data, at, 4), rd(data, at + 4, 4) as usize);
        l.fields.push(Field::new(at, 4));
        l.fields.push(Field::new(at + 4, 4));
        match cmd {
            0x19 => {
                // LC_SEGMENT_64: vmaddr, vmsize, fileoff, filesize, maxprot, initprot, nsects, flags.
                for (o, w) in [
                    (24, 8),
                    (32, 8),
                    (40, 8),
                    (48, 8),
                    (56, 4),
                    (60, 4),
                    (64, 4),
                    (68, 4),
                ] {
                    l.fields.push(Field::new(at + o, w));
                }
                let nsects = rd(data, at + 64, 4) as usize;
                for s in 0..nsects.min(64) {
                    let sec = at + 72 + s * 80;
                    for (o, w) in [
                        (32, 8),
                        (40, 8),
                        (48, 4),
                        (52, 4),
                        (56, 4),
                        (60, 4),
                        (64, 4),
                    ] {
                        l.fields.push(Field::new(sec + o, w));
                    }
                    let name = data.get(sec..sec + 16).unwrap_or(&[]);
                    let (off, sz) = (
                        rd(data, sec + 48, 4) as usize,
                        rd(data, sec + 40, 8) as usize,
                    );
                    if name.starts_with(b"__zdebug")
                        && data.get(off..off + 4) == Some(b"ZLIB")
                        && sz >= 12
                        && off + sz <= data.len()
                    {
                        l.fields.push(Field {
                            offset: off + 4,
                            width: 8,
                            big_endian: true,
                        });
                        l.streams.push(Stream {
                            start: off + 12,
                            len: sz - 12,
                            size: Field {
                                offset: off + 4,
                                width: 8,
                                big_endian: true,
                            },
                        });
                    }
                }
            }
            // LC_SYMTAB, LC_DYSYMTAB, LC_CODE_SIGNATURE and the rest: their words.
            _ => {
                for o in (8..size.min(80)).step_by(4) {
                    l.fields.push(Field::new(at + o, 4));
                }
            }
        }
        if size < 8 {
            break;
        }
        at += size;
    }
    l
}

fn pe_layout(data: &[u8]) -> Layout {
    let mut l = Layout::default();
    l.fields.push(Field::new(0x3c, 4));
    let pe = rd(data, 0x3c, 4) as usize;
    let coff = pe + 4;
    for (o, w) in [(0, 2), (2, 2), (4, 4), (8, 4), (12, 4), (16, 2), (18, 2)] {
        l.fields.push(Field::new(coff + o, w));
    }
    let nsec = rd(data, coff + 2, 2) as usize;
    let opt = coff + 20;
    let opt_size = rd(data, coff + 16, 2) as usize;
    // The optional header, word by word (entry point, sizes, image base, data directories).
    for o in (0..opt_size.min(240)).step_by(4) {
        l.fields.push(Field::new(opt + o, 4));
    }
    let sym_table = rd(data, coff + 8, 4) as usize;
    let nsyms = rd(data, coff + 12, 4) as usize;
    let strtab = sym_table + nsyms * 18;
    let table = opt + opt_size;
    for s in 0..nsec.min(96) {
        let h = table + s * 40;
        for (o, w) in [
            (0, 4),
            (4, 4),
            (8, 4),
            (12, 4),
            (16, 4),
            (20, 4),
            (24, 4),
            (28, 4),
            (32, 2),
            (34, 2),
            (36, 4),
        ] {
            l.fields.push(Field::new(h + o, w));
        }
        // Long names are "/<offset into the string table>".
        let name = data.get(h..h + 8).unwrap_or(&[]);
        let name = match name.strip_prefix(b"/") {
            Some(digits) => {
                let digits: Vec<u8> = digits
                    .iter()
                    .copied()
                    .take_while(u8::is_ascii_digit)
                    .collect();
                let n: usize = String::from_utf8_lossy(&digits)
                    .parse()
                    .unwrap_or(usize::MAX);
                data.get(strtab.saturating_add(n)..)
                    .unwrap_or(&[])
                    .iter()
                    .copied()
                    .take_while(|&b| b != 0)
                    .collect()
            }
            None => name.to_vec(),
        };
        let (size, off) = (rd(data, h + 16, 4) as usize, rd(data, h + 20, 4) as usize);
        if name.starts_with(b".zdebug")
            && data.get(off..off + 4) == Some(b"ZLIB")
            && size >= 12
            && off + size <= data.len()
        {
            let f = Field {
                offset: off + 4,
                width: 8,
                big_endian: true,
            };
            l.fields.push(f);
            l.streams.push(Stream {
                start: off + 12,
                len: size - 12,
                size: f,
            });
        }
    }
    // The first COFF symbols: value, section number.
    for k in 0..nsyms.min(64) {
        let e = sym_table + k * 18;
        l.fields.push(Field::new(e + 8, 4));
        l.fields.push(Field::new(e + 12, 2));
    }
    l
}

/// zlib streams of `n` zero bytes, for n = 1, 4 and 16 MiB (made once).
/// Larger ones fit the fixtures' sections too, but inflating and aligning
/// 64 MiB takes seconds in an instrumented build and hides real timeouts.
pub fn zero_bombs() -> &'static [(u64, Vec<u8>)] {
    static BOMBS: OnceLock<Vec<(u64, Vec<u8>)>> = OnceLock::new();
    BOMBS.get_or_init(|| {
        [1u64 << 20, 4 << 20, 16 << 20]
            .iter()
            .map(|&n| {
                let mut e =
                    flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
                let chunk = vec![0u8; 1 << 20];
                for _ in 0..n >> 20 {
                    e.write_all(&chunk).expect("in memory");
                }
                (n, e.finish().expect("in memory"))
            })
            .collect()
    })
}

/// A value for `field`, chosen by `op` and `arg`: the boundary values a
/// hostile header would use.
pub fn pick_value(op: u8, arg: u64, original: u64, width: u8, file_len: u64, other: u64) -> u64 {
    let max = if width >= 8 {
        u64::MAX
    } else {
        (1u64 << (width as u32 * 8)) - 1
    };
    let v = match op % 10 {
        0 => 0,
        1 => max,
        2 => original.wrapping_add((arg as i8) as i64 as u64),
        3 => file_len.wrapping_sub(arg % 256),
        4 => original.wrapping_mul(2).wrapping_add(arg % 3),
        5 => arg,
        6 => other,
        7 => 1u64 << (arg % (u64::from(width) * 8)),
        8 => max / 2 + (arg % 3),
        _ => original ^ (1u64 << (arg % (u64::from(width) * 8))),
    };
    v & max
}

/// Decompress every `SHF_COMPRESSED` section of a little-endian ELF64 into
/// new bytes appended to the file, and point its section header there with
/// the flag cleared. The result is a valid ELF with plain DWARF.
pub fn with_plain_dwarf(data: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    let shoff = rd(data, 0x28, 8) as usize;
    let shnum = rd(data, 0x3c, 2) as usize;
    for i in 0..shnum {
        let h = shoff + i * 64;
        let flags = rd(data, h + 8, 8);
        if flags & 0x800 == 0 {
            continue;
        }
        let (off, size) = (rd(data, h + 24, 8) as usize, rd(data, h + 32, 8) as usize);
        let Some(raw) = data.get(off..off + size) else {
            continue;
        };
        let Some(c) = twinbuild::binary::Compression::from_elf_chdr(raw, true, true).ok() else {
            continue;
        };
        let Ok(plain) = c.inflate(raw) else { continue };
        while out.len() % 8 != 0 {
            out.push(0);
        }
        let at = out.len() as u64;
        out.extend_from_slice(&plain);
        Field::new(h + 8, 8).set(&mut out, flags & !0x800);
        Field::new(h + 24, 8).set(&mut out, at);
        Field::new(h + 32, 8).set(&mut out, plain.len() as u64);
    }
    out
}

/// The file ranges holding Go structures in `data`: Go and DWARF sections,
/// the symbols the readers look for, and the head of the text section (where
/// Mach-O and PE keep the Go build ID).
pub fn go_regions(data: &[u8]) -> Vec<std::ops::Range<usize>> {
    let Ok(bin) = Binary::parse(data) else {
        return vec![];
    };
    let mut out = Vec::new();
    for s in &bin.sections {
        let n = s.name.to_ascii_lowercase();
        let r = s.file_range.start as usize..s.file_range.end as usize;
        if r.is_empty() {
            continue;
        }
        if ["go", "debug", "note", "pclntab", "dwarf", "data"]
            .iter()
            .any(|k| n.contains(k))
        {
            out.push(r.clone());
        }
        if n == ".text" || n.ends_with(",__text") || n == "(header)" {
            out.push(r.start..r.end.min(r.start + 4096));
        }
    }
    for sym in &bin.symbols {
        if [
            "runtime.pclntab",
            "runtime.modinfo",
            "runtime.buildVersion",
            "go:buildinfo",
            "runtime.firstmoduledata",
        ]
        .contains(&sym.name.as_str())
        {
            let Some(i) = sym.section else { continue };
            let Some(s) = bin.sections.get(i) else {
                continue;
            };
            let (Some(base), Some(addr)) = (s.address, Some(sym.address)) else {
                continue;
            };
            let Some(rel) = addr.checked_sub(base) else {
                continue;
            };
            let start = s.file_range.start.saturating_add(rel);
            let end = start.saturating_add(sym.size.max(64)).min(s.file_range.end);
            if start < end {
                out.push(start as usize..end as usize);
            }
        }
    }
    out
}

/// The pipeline the CLI runs for `twinbuild diff`, on two byte strings;
/// it must not panic, whatever the bytes.
pub fn diff_pipeline(lhs: &[u8], rhs: &[u8]) {
    let (Ok(a), Ok(b)) = (Binary::parse(lhs), Binary::parse(rhs)) else {
        return;
    };
    if a.format != b.format {
        return;
    }
    let d = twinbuild::diff::diff(&a, &b);
    let attribution =
        twinbuild::attribute::attribute(&a, &b, &d, &twinbuild::harness::VariationHints::default());
    let total: u64 = attribution.findings.iter().map(|f| f.bytes).sum();
    assert_eq!(
        total,
        d.differing_bytes(),
        "findings must account for every differing byte"
    );
    let context = twinbuild::report::Context {
        command: "diff".into(),
        ..Default::default()
    };
    let report = twinbuild::report::Report::new(
        twinbuild::report::Artifact::new("lhs", &a),
        twinbuild::report::Artifact::new("rhs", &b),
        &d,
        attribution,
        context,
    );
    use twinbuild::report::OutputFormat as F;
    for format in [F::Human, F::Json, F::Markdown, F::Html] {
        let _ = report.render(format, false);
    }
    let _ = report.render(F::Human, true);
    let _ = twinbuild::report::attest::statement(&report);
}
