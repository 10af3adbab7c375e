//! Building a [`Binary`] from bytes with `object`, then covering every byte
//! of the file that no section claims with a pseudo-section.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

use object::{Object, ObjectSection, ObjectSegment, ObjectSymbol, SectionFlags};

use super::compress::{MAX_INFLATED, MAX_INFLATED_TOTAL};
use super::{
    Binary, Compression, ContentError, Format, ParseError, Section, SectionKind, Symbol,
    MAX_INPUT_SIZE,
};

const SHF_COMPRESSED: u64 = 0x800;
/// More sections than any Go binary has by two orders of magnitude.
const MAX_SECTIONS: usize = 10_000;

pub(super) fn parse(data: &[u8]) -> Result<Binary<'_>, ParseError> {
    if data.is_empty() {
        return Err(ParseError::Empty);
    }
    if data.len() as u64 > MAX_INPUT_SIZE {
        return Err(ParseError::TooLarge {
            size: data.len() as u64,
            limit: MAX_INPUT_SIZE,
        });
    }
    let format = sniff(data)?;
    let malformed = |reason: String| ParseError::Malformed {
        format: format.name(),
        reason,
    };
    let file = object::File::parse(data).map_err(|e| malformed(e.to_string()))?;
    check_load_commands(&file).map_err(malformed)?;
    let is_64 = file.is_64();
    let little_endian = file.is_little_endian();

    let mut sections = Vec::new();
    let mut unmapped = Vec::new();
    let mut by_object_index = HashMap::new();
    let mut seen = HashMap::<String, usize>::new();
    for (count, s) in file.sections().enumerate() {
        if count >= MAX_SECTIONS {
            return Err(malformed(format!("more than {MAX_SECTIONS} sections")));
        }
        let raw_name =
            String::from_utf8_lossy(s.name_bytes().unwrap_or(b"<corrupt name>")).into_owned();
        let mut name = match (format, s.segment_name().ok().flatten()) {
            (Format::MachO, Some(seg)) => format!("{seg},{raw_name}"),
            _ => raw_name.clone(),
        };
        let n = seen.entry(name.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            name = format!("{name}#{n}");
        }
        let address = Some(s.address()).filter(|&a| a != 0);
        let file_range = match s.file_range() {
            Some((offset, size)) => {
                let end = offset
                    .checked_add(size)
                    .filter(|&end| end <= data.len() as u64)
                    .ok_or_else(|| malformed(format!("section {name} (offset {offset:#x}, size {size:#x}) extends past the end of the file ({:#x} bytes)", data.len())))?;
                offset..end
            }
            None => {
                by_object_index.insert(s.index().0, usize::MAX - unmapped.len());
                unmapped.push(Section {
                    name,
                    kind: SectionKind::Section,
                    file_range: 0..0,
                    address,
                    mem_size: s.size(),
                    compression: None,
                });
                continue;
            }
        };
        let raw = &data[file_range.start as usize..file_range.end as usize];
        let compression = match s.flags() {
            SectionFlags::Elf { sh_flags, .. } if sh_flags.0 & SHF_COMPRESSED != 0 => Some(
                Compression::from_elf_chdr(raw, is_64, little_endian)
                    .map_err(|e| malformed(format!("section {name}: {e}")))?,
            ),
            _ if raw_name.starts_with(".zdebug") || raw_name.starts_with("__zdebug") => {
                Compression::from_zdebug(raw)
            }
            _ => None,
        };
        by_object_index.insert(s.index().0, sections.len());
        sections.push(Section {
            name,
            kind: SectionKind::Section,
            file_range,
            address,
            mem_size: s.size(),
            compression,
        });
    }

    let segments: Vec<(String, Range<u64>)> = file
        .segments()
        .filter_map(|seg| {
            let (off, size) = seg.file_range();
            let name = seg.name().ok().flatten()?.to_string();
            Some((name, off..off.checked_add(size)?.min(data.len() as u64)))
        })
        .collect();
    let section_headers = section_header_table(&file, data.len() as u64);

    // Sort by offset and fill the holes.
    let mut order: Vec<usize> = (0..sections.len()).collect();
    order.sort_by_key(|&i| (sections[i].file_range.start, sections[i].file_range.end));
    let mut covered = 0u64;
    let mut prev_name: Option<String> = None;
    let mut all = Vec::with_capacity(sections.len() * 2 + 2);
    let mut remap = vec![0usize; sections.len()];
    let push_gaps = |from: u64, to: u64, prev: &Option<String>, all: &mut Vec<Section>| {
        for (range, name, kind) in split_gap(from, to, prev, &segments, &section_headers) {
            all.push(Section {
                name,
                kind,
                mem_size: range.end - range.start,
                file_range: range,
                address: None,
                compression: None,
            });
        }
    };
    for &i in &order {
        let r = sections[i].file_range.clone();
        if r.start > covered {
            push_gaps(covered, r.start, &prev_name, &mut all);
        }
        covered = covered.max(r.end);
        prev_name = Some(sections[i].name.clone());
        remap[i] = all.len();
        all.push(sections[i].clone());
    }
    if covered < data.len() as u64 {
        push_gaps(covered, data.len() as u64, &prev_name, &mut all);
    }
    let first_unmapped = all.len();
    all.extend(unmapped);
    for v in by_object_index.values_mut() {
        *v = if *v >= usize::MAX - MAX_SECTIONS {
            first_unmapped + (usize::MAX - *v)
        } else {
            remap[*v]
        };
    }

    let mut symbols: Vec<Symbol> = file
        .symbols()
        .filter(|s| {
            s.address() != 0
                && matches!(
                    s.kind(),
                    object::SymbolKind::Text
                        | object::SymbolKind::Data
                        | object::SymbolKind::Unknown
                )
        })
        .filter_map(|s| {
            let name = s.name().ok()?;
            let name = if format == Format::MachO {
                name.strip_prefix('_').unwrap_or(name)
            } else {
                name
            };
            let section = s
                .section_index()
                .and_then(|i| by_object_index.get(&i.0).copied());
            Some(Symbol {
                name: name.to_string(),
                address: s.address(),
                size: s.size(),
                sized: s.size() > 0,
                section,
            })
        })
        .collect();
    symbols.sort_by(|a, b| {
        a.address
            .cmp(&b.address)
            .then_with(|| b.size.cmp(&a.size))
            .then_with(|| a.name.cmp(&b.name))
    });
    symbols.dedup_by(|b, a| a.address == b.address);
    // Mach-O and stripped PE symbols carry no size: extend each to the next one.
    for i in 0..symbols.len() {
        if symbols[i].size == 0 {
            if let Some(next) = symbols.get(i + 1) {
                if next.section == symbols[i].section {
                    symbols[i].size = next.address - symbols[i].address;
                }
            }
        }
    }

    Ok(Binary {
        data,
        format,
        arch: go_arch(file.architecture()).to_string(),
        is_64,
        little_endian,
        inflated: inflation_budget(&all),
        sections: all,
        symbols,
    })
}

/// One empty slot per section for its inflated contents, except for the
/// compressed sections past the per-file budget ([`MAX_INFLATED_TOTAL`]),
/// whose slot holds the error up front. Sections are admitted in file order;
/// one that would fail on its own (declared over the per-section cap) takes
/// nothing from the budget.
fn inflation_budget(sections: &[Section]) -> Vec<OnceLock<Result<Vec<u8>, ContentError>>> {
    let mut spent = 0u64;
    sections
        .iter()
        .map(|s| match &s.compression {
            Some(c) if c.uncompressed_size <= MAX_INFLATED => {
                spent = spent.saturating_add(c.uncompressed_size);
                if spent > MAX_INFLATED_TOTAL {
                    let reason = format!(
                        "declares {} bytes inflated, past the {MAX_INFLATED_TOTAL}-byte budget for all of a file's compressed sections",
                        c.uncompressed_size
                    );
                    OnceLock::from(Err(ContentError::Decompress { section: s.name.clone(), reason }))
                } else {
                    OnceLock::new()
                }
            }
            _ => OnceLock::new(),
        })
        .collect()
}

/// `object` reads Mach-O load commands leniently: it stops quietly at the
/// first one that does not fit, so a truncated file parses as one with fewer
/// (or no) sections. Here a load command table that does not fit the file,
/// or a command that does not fit the table, makes the file malformed.
fn check_load_commands(file: &object::File<'_>) -> Result<(), String> {
    let commands = match file {
        object::File::MachO64(f) => f.macho_load_commands(),
        object::File::MachO32(f) => f.macho_load_commands(),
        _ => return Ok(()),
    };
    // Each command takes at least 8 bytes of the table, so this ends within sizeofcmds / 8 steps.
    let mut commands = commands.map_err(|e| e.to_string())?;
    while commands.next().map_err(|e| e.to_string())?.is_some() {}
    Ok(())
}

/// Name the format from the magic, so a malformed ELF is told apart from a text file.
fn sniff(data: &[u8]) -> Result<Format, ParseError> {
    match data {
        [0x7f, b'E', b'L', b'F', ..] => Ok(Format::Elf),
        [0xfe, 0xed, 0xfa, 0xce | 0xcf, ..] | [0xce | 0xcf, 0xfa, 0xed, 0xfe, ..] => Ok(Format::MachO),
        [0xca, 0xfe, 0xba, 0xbe, ..] | [0xbe, 0xba, 0xfe, 0xca, ..] => Err(ParseError::Malformed {
            format: "mach-o",
            reason: "universal (fat) Mach-O files hold several binaries; extract one architecture with `lipo -thin` first".into(),
        }),
        [b'M', b'Z', ..] => Ok(Format::Pe),
        _ => Err(ParseError::UnknownFormat { magic: describe_magic(data) }),
    }
}

fn describe_magic(data: &[u8]) -> String {
    let head = &data[..data.len().min(4)];
    let hex: Vec<String> = head.iter().map(|b| format!("{b:02x}")).collect();
    if head.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        format!("{} \"{}\"", hex.join(" "), String::from_utf8_lossy(head))
    } else {
        hex.join(" ")
    }
}

/// The ELF section header table's file range, named apart from padding.
fn section_header_table(file: &object::File<'_>, len: u64) -> Option<Range<u64>> {
    use object::read::elf::FileHeader;
    let (off, count, entsize) = match file {
        object::File::Elf64(f) => {
            let h = f.elf_header();
            let e = f.endian();
            (
                h.e_shoff(e),
                u64::from(h.e_shnum(e)),
                u64::from(h.e_shentsize(e)),
            )
        }
        object::File::Elf32(f) => {
            let h = f.elf_header();
            let e = f.endian();
            (
                u64::from(h.e_shoff(e)),
                u64::from(h.e_shnum(e)),
                u64::from(h.e_shentsize(e)),
            )
        }
        _ => return None,
    };
    let end = off.checked_add(count.checked_mul(entsize)?)?;
    (off > 0 && end <= len).then_some(off..end)
}

/// Name the uncovered bytes `from..to`, splitting out the ELF section header
/// table and Mach-O segments that have no sections (`__LINKEDIT`).
fn split_gap(
    from: u64,
    to: u64,
    prev: &Option<String>,
    segments: &[(String, Range<u64>)],
    shdrs: &Option<Range<u64>>,
) -> Vec<(Range<u64>, String, SectionKind)> {
    let mut out = Vec::new();
    let cut = |start: u64, end: u64, out: &mut Vec<(Range<u64>, String, SectionKind)>| {
        if start >= end {
            return;
        }
        if let Some((name, _)) = segments.iter().find(|(n, r)| {
            r.start <= start && end <= r.end && r.start > 0 && n.starts_with("__LINKEDIT")
        }) {
            out.push((start..end, format!("[{name}]"), SectionKind::Segment));
        } else if prev.is_none() && start == 0 {
            out.push((start..end, "(header)".into(), SectionKind::Header));
        } else {
            let after = prev.as_deref().unwrap_or("header");
            out.push((start..end, format!("(after {after})"), SectionKind::Gap));
        }
    };
    match shdrs {
        Some(sh) if sh.start < to && sh.end > from => {
            cut(from, sh.start.max(from), &mut out);
            out.push((
                sh.start.max(from)..sh.end.min(to),
                "(section headers)".into(),
                SectionKind::Gap,
            ));
            cut(sh.end.min(to), to, &mut out);
        }
        _ => cut(from, to, &mut out),
    }
    out
}

fn go_arch(a: object::Architecture) -> &'static str {
    use object::Architecture as A;
    match a {
        A::X86_64 => "amd64",
        A::X86_64_X32 | A::I386 => "386",
        A::Aarch64 => "arm64",
        A::Arm => "arm",
        A::Mips | A::Mips64 => "mips",
        A::PowerPc64 => "ppc64",
        A::Riscv64 => "riscv64",
        A::S390x => "s390x",
        A::LoongArch64 => "loong64",
        A::Wasm32 => "wasm",
        _ => "unknown",
    }
}
