//! Headers: a differing header word (ELF file, program and section headers;
//! Mach-O load commands; PE headers and section table) is a consequence
//! only when it holds the same layout quantity on both sides: the file
//! offset, end, size, address or memory size of the same-named section or
//! the same segment (also rounded up to the usual alignments), the file's
//! size, or corresponding addresses (the entry point). Anything else (a
//! flag, a type, a permission) is a `header` root.

use std::collections::HashSet;

use object::{Object, ObjectSegment};

use super::correspond::AddrMap;
use super::{Outcome, ProofKind, Unproven};
use crate::attribute::Cause;
use crate::binary::Binary;
use crate::diff::Hunk;

/// Alignments layout quantities are rounded up to (file and section alignments).
const ALIGNMENTS: [u64; 4] = [0x200, 0x1000, 0x4000, 0x10000];

/// Layout quantities that correspond between the sides: (lhs, rhs).
pub fn quantities(lhs: &Binary<'_>, rhs: &Binary<'_>) -> HashSet<(u64, u64)> {
    let mut q = HashSet::new();
    let mut add = |a: u64, b: u64| {
        q.insert((a, b));
        for al in ALIGNMENTS {
            q.insert((a.div_ceil(al) * al, b.div_ceil(al) * al));
        }
    };
    add(lhs.data.len() as u64, rhs.data.len() as u64);
    for s in &lhs.sections {
        let Some(t) = rhs.sections.iter().find(|t| t.name == s.name) else {
            continue;
        };
        add(s.file_range.start, t.file_range.start);
        add(s.file_range.end, t.file_range.end);
        add(s.file_size(), t.file_size());
        add(s.mem_size, t.mem_size);
        if let (Some(a), Some(b)) = (s.address, t.address) {
            add(a, b);
            add(a.saturating_add(s.mem_size), b.saturating_add(t.mem_size));
        }
    }
    if let (Ok(a), Ok(b)) = (object::File::parse(lhs.data), object::File::parse(rhs.data)) {
        // PE headers hold relative virtual addresses.
        let (ba, bb) = (a.relative_address_base(), b.relative_address_base());
        if ba != 0 || bb != 0 {
            for s in &lhs.sections {
                let Some(t) = rhs.sections.iter().find(|t| t.name == s.name) else {
                    continue;
                };
                if let (Some(x), Some(y)) = (s.address, t.address) {
                    let (rx, ry) = (x.wrapping_sub(ba), y.wrapping_sub(bb));
                    add(rx, ry);
                    add(rx.wrapping_add(s.mem_size), ry.wrapping_add(t.mem_size));
                    add(
                        rx.wrapping_add(s.file_size()),
                        ry.wrapping_add(t.file_size()),
                    );
                }
            }
        }
        for (x, y) in a.segments().zip(b.segments()) {
            let ((xo, xs), (yo, ys)) = (x.file_range(), y.file_range());
            add(xo, yo);
            add(xs, ys);
            add(xo.saturating_add(xs), yo.saturating_add(ys));
            add(x.address(), y.address());
            add(x.size(), y.size());
            add(
                x.address().saturating_add(x.size()),
                y.address().saturating_add(y.size()),
            );
        }
    }
    // Mach-O load commands that locate __LINKEDIT data (symbol tables, dyld
    // information, code signature): their offsets and sizes are layout; the
    // data they point at is proven where it lies.
    if let (Ok(a), Ok(b)) = (
        goblin::mach::MachO::parse(lhs.data, 0),
        goblin::mach::MachO::parse(rhs.data, 0),
    ) {
        for (x, y) in a.load_commands.iter().zip(&b.load_commands) {
            let (xs, ys) = (x.offset, y.offset);
            let words = |d: &[u8], at: usize, n: usize| -> Vec<u64> {
                (0..n)
                    .filter_map(|k| d.get(at + 8 + 4 * k..at + 12 + 4 * k))
                    .map(|w| u64::from(u32::from_le_bytes([w[0], w[1], w[2], w[3]])))
                    .collect()
            };
            let linkedit = matches!(
                x.command,
                goblin::mach::load_command::CommandVariant::Symtab(_)
                    | goblin::mach::load_command::CommandVariant::Dysymtab(_)
                    | goblin::mach::load_command::CommandVariant::DyldInfo(_)
                    | goblin::mach::load_command::CommandVariant::DyldInfoOnly(_)
                    | goblin::mach::load_command::CommandVariant::CodeSignature(_)
                    | goblin::mach::load_command::CommandVariant::FunctionStarts(_)
                    | goblin::mach::load_command::CommandVariant::DataInCode(_)
            );
            if linkedit && std::mem::discriminant(&x.command) == std::mem::discriminant(&y.command)
            {
                for (p, q) in words(lhs.data, xs, 16)
                    .into_iter()
                    .zip(words(rhs.data, ys, 16))
                {
                    add(p, q);
                }
            }
        }
    }
    // ELF section headers as stored: a section without file bytes (.bss)
    // still records an offset.
    if let (Ok(a), Ok(b)) = (
        goblin::elf::Elf::parse(lhs.data),
        goblin::elf::Elf::parse(rhs.data),
    ) {
        for x in &a.section_headers {
            let name = a.shdr_strtab.get_at(x.sh_name);
            let Some(y) = b
                .section_headers
                .iter()
                .find(|y| b.shdr_strtab.get_at(y.sh_name) == name)
            else {
                continue;
            };
            add(x.sh_offset, y.sh_offset);
            add(x.sh_addr, y.sh_addr);
            add(x.sh_size, y.sh_size);
        }
    }
    q
}

/// Prove a hunk of the header or section-header pseudo-sections, given the
/// layout [`quantities`] of both sides.
#[allow(clippy::too_many_arguments)] // both sides' binary, section, contents and the hunk
pub fn prove(
    lhs: &Binary<'_>,
    q: &HashSet<(u64, u64)>,
    map: &AddrMap<'_, '_>,
    i: usize,
    ld: &[u8],
    j: usize,
    rd: &[u8],
    h: &Hunk,
) -> Outcome {
    let name = &lhs.sections[i].name;
    let unproven = |why: String| {
        Outcome::Unproven(Unproven {
            cause: Cause::Header,
            subject: name.clone(),
            title: format!("{name}: {why}"),
            instructions: vec![],
        })
    };
    let len = h.lhs.end - h.lhs.start;
    if len != h.rhs.end - h.rhs.start || h.lhs.start != h.rhs.start || len == 0 {
        return unproven("header bytes were inserted or removed".into());
    }
    let _ = j;
    let read = |d: &[u8], off: u64, size: u64| -> Option<u64> {
        let b = d.get(off as usize..(off + size) as usize)?;
        Some(match (size, lhs.little_endian) {
            (8, true) => u64::from_le_bytes(b.try_into().ok()?),
            (8, false) => u64::from_be_bytes(b.try_into().ok()?),
            (_, true) => u64::from(u32::from_le_bytes(b.try_into().ok()?)),
            (_, false) => u64::from(u32::from_be_bytes(b.try_into().ok()?)),
        })
    };
    // A differing byte is proven when a 4- or 8-byte aligned word holding it is.
    let mut off = h.lhs.start;
    while off < h.lhs.end {
        let mut ok = false;
        for size in [8u64, 4] {
            let start = off - off % size;
            if let (Some(a), Some(b)) = (read(ld, start, size), read(rd, start, size)) {
                if a == b || q.contains(&(a, b)) || map.corresponds(a, b) {
                    ok = true;
                    break;
                }
            }
        }
        if !ok {
            return unproven(format!(
                "the field at offset {off:#x} holds no layout quantity that corresponds"
            ));
        }
        off += 1;
    }
    Outcome::Proven(ProofKind::Offset)
}
