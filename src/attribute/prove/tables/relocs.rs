//! PE base relocations (`.reloc`): blocks of `{page RVA u32, block size
//! u32, entries u16}`, each entry a type (high 4 bits) and an offset in the
//! page. Decoded on both sides to the list of (type, relocated address); the
//! lists must have the same length and types, and each relocated lhs
//! address must correspond to the rhs one. Then the whole section is covered.
//! Mach-O: the dyld rebase and bind opcode streams, decoded the same way.

use object::Object;

use super::Inputs;
use crate::attribute::prove::{Place, TableDifference, TableProof};
use crate::attribute::Cause;
use crate::binary::{Binary, Format};
use crate::diff::Status;

/// Relocations decoded per side at the most.
const MAX_RELOCS: usize = 4_000_000;

/// Decode the base relocations of both sides and compare them.
pub fn prove(inputs: &Inputs<'_, '_, '_>) -> TableProof {
    let mut proof = TableProof::default();
    if inputs.lhs.format != Format::Pe || inputs.rhs.format != Format::Pe {
        return proof;
    }
    let (Some(i), Some(j)) = (
        inputs.lhs.section_index(".reloc"),
        inputs.rhs.section_index(".reloc"),
    ) else {
        return proof;
    };
    let differs = inputs
        .diff
        .pairs
        .iter()
        .any(|p| p.lhs == Some(i) && p.status != Status::Same);
    if !differs {
        return proof;
    }
    let (Some(a), Some(b)) = (relocations(inputs.lhs, i), relocations(inputs.rhs, j)) else {
        return proof;
    };
    let section = |bin: &Binary<'_>, k: usize| (k, 0..bin.sections[k].file_size());
    let mismatch = a.len() != b.len()
        || a.iter()
            .zip(&b)
            .any(|(x, y)| x.0 != y.0 || !(x.1 == y.1 || inputs.map.corresponds(x.1, y.1)));
    if mismatch {
        let first = a
            .iter()
            .zip(&b)
            .find(|(x, y)| x.0 != y.0 || !(x.1 == y.1 || inputs.map.corresponds(x.1, y.1)));
        proof.differences.push(TableDifference {
            cause: Cause::Data,
            subject: ".reloc".into(),
            title: match first {
                Some((x, y)) => format!(
                    "base relocations differ beyond the layout: lhs relocates {:#x}, rhs {:#x}",
                    x.1, y.1
                ),
                None => format!(
                    "base relocations: {} on the lhs, {} on the rhs",
                    a.len(),
                    b.len()
                ),
            },
            lhs: Some(section(inputs.lhs, i)),
            rhs: Some(section(inputs.rhs, j)),
        });
        return proof;
    }
    proof.lhs.push(section(inputs.lhs, i));
    proof.rhs.push(section(inputs.rhs, j));
    proof
}

/// (type, relocated virtual address) for every non-padding entry.
pub fn relocations(bin: &Binary<'_>, k: usize) -> Option<Vec<(u16, u64)>> {
    let base = object::File::parse(bin.data).ok()?.relative_address_base();
    let d = bin.raw(k);
    let mut out = Vec::new();
    let mut at = 0usize;
    while at + 8 <= d.len() {
        let page = u32::from_le_bytes(d[at..at + 4].try_into().ok()?);
        let size = u32::from_le_bytes(d[at + 4..at + 8].try_into().ok()?) as usize;
        if size == 0 && page == 0 {
            break;
        }
        if size < 8 || at + size > d.len() {
            return None;
        }
        for e in d[at + 8..at + size].chunks_exact(2) {
            let e = u16::from_le_bytes([e[0], e[1]]);
            let (kind, offset) = (e >> 12, u64::from(e & 0xfff));
            if kind != 0 {
                out.push((
                    kind,
                    base.wrapping_add(u64::from(page)).wrapping_add(offset),
                ));
            }
        }
        if out.len() > MAX_RELOCS {
            return None;
        }
        at += size;
    }
    // What follows the last block must be padding.
    d[at..].iter().all(|&x| x == 0).then_some(out)
}

/// A fixed-up address and what fixes it (`rebase N`, or the imported symbol).
pub type Fixup = (String, u64);

/// Mach-O dyld rebase and bind opcodes (`LC_DYLD_INFO(_ONLY)`), decoded to
/// the addresses they relocate (with the imported symbol's name for binds),
/// compared like PE base relocations. `None` when absent or malformed.
pub fn macho_fixups(bin: &Binary<'_>) -> Option<(Vec<Fixup>, Vec<Place>)> {
    use goblin::mach::load_command::CommandVariant;
    let m = goblin::mach::MachO::parse(bin.data, 0).ok()?;
    let segments: Vec<u64> = m.segments.iter().map(|s| s.vmaddr).collect();
    let info = m.load_commands.iter().find_map(|lc| match &lc.command {
        CommandVariant::DyldInfo(c) | CommandVariant::DyldInfoOnly(c) => Some(*c),
        _ => None,
    })?;
    let mut out = Vec::new();
    let mut places = Vec::new();
    for (off, size, bind) in [
        (info.rebase_off, info.rebase_size, false),
        (info.bind_off, info.bind_size, true),
        (info.lazy_bind_off, info.lazy_bind_size, true),
        (info.weak_bind_off, info.weak_bind_size, true),
    ] {
        if size == 0 {
            continue;
        }
        let (off, size) = (off as usize, size as usize);
        let ops = bin.data.get(off..off.checked_add(size)?)?;
        decode_dyld(ops, bind, &segments, &mut out)?;
        places.extend(super::symtab::file_places(
            bin,
            off as u64..(off + size) as u64,
        ));
    }
    Some((out, places))
}

/// Walk one dyld opcode stream (rebase or bind) and record what it fixes up.
fn decode_dyld(
    ops: &[u8],
    bind: bool,
    segments: &[u64],
    out: &mut Vec<(String, u64)>,
) -> Option<()> {
    let mut at = 0usize;
    let uleb = |at: &mut usize| -> Option<u64> {
        let (mut v, mut shift) = (0u64, 0u32);
        loop {
            let b = *ops.get(*at)?;
            *at += 1;
            v |= u64::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(v);
            }
            shift += 7;
            if shift > 63 {
                return None;
            }
        }
    };
    let (mut addr, mut name, mut kind) = (0u64, String::new(), 0u8);
    let ptr = 8u64;
    while at < ops.len() {
        let b = ops[at];
        at += 1;
        let (op, imm) = (b & 0xf0, b & 0x0f);
        let emit = |addr: u64, out: &mut Vec<(String, u64)>| {
            out.push((
                if bind {
                    name.clone()
                } else {
                    format!("rebase {kind}")
                },
                addr,
            ));
            out.len() <= MAX_RELOCS
        };
        match (bind, op) {
            (_, 0x00) if !bind => return Some(()),
            (true, 0x00) => continue,
            (false, 0x10) | (true, 0x50) => kind = imm,
            (true, 0x10) | (true, 0x30) => {}
            (true, 0x20) => {
                uleb(&mut at)?;
            }
            (true, 0x40) => {
                let end = ops[at..].iter().position(|&c| c == 0)? + at;
                name = String::from_utf8_lossy(&ops[at..end]).into_owned();
                at = end + 1;
            }
            (true, 0x60) => {
                uleb(&mut at)?;
            }
            (false, 0x20) | (true, 0x70) => {
                addr = segments.get(imm as usize)?.wrapping_add(uleb(&mut at)?);
            }
            (false, 0x30) | (true, 0x80) => addr = addr.wrapping_add(uleb(&mut at)?),
            (false, 0x40) => addr = addr.wrapping_add(u64::from(imm) * ptr),
            (false, 0x50) => {
                for _ in 0..imm {
                    if !emit(addr, out) {
                        return None;
                    }
                    addr = addr.wrapping_add(ptr);
                }
            }
            (false, 0x60) => {
                let n = uleb(&mut at)?;
                for _ in 0..n.min(MAX_RELOCS as u64) {
                    if !emit(addr, out) {
                        return None;
                    }
                    addr = addr.wrapping_add(ptr);
                }
            }
            (true, 0x90) => {
                if !emit(addr, out) {
                    return None;
                }
                addr = addr.wrapping_add(ptr);
            }
            (false, 0x70) | (true, 0xa0) => {
                if !emit(addr, out) {
                    return None;
                }
                addr = addr.wrapping_add(uleb(&mut at)?).wrapping_add(ptr);
            }
            (true, 0xb0) => {
                if !emit(addr, out) {
                    return None;
                }
                addr = addr.wrapping_add(u64::from(imm) * ptr + ptr);
            }
            (false, 0x80) | (true, 0xc0) => {
                let (n, skip) = (uleb(&mut at)?, uleb(&mut at)?);
                for _ in 0..n.min(MAX_RELOCS as u64) {
                    if !emit(addr, out) {
                        return None;
                    }
                    addr = addr.wrapping_add(skip).wrapping_add(ptr);
                }
            }
            _ => return None,
        }
    }
    Some(())
}

/// Decode both sides' dyld fixups and compare them (Mach-O).
pub fn prove_macho(inputs: &Inputs<'_, '_, '_>) -> TableProof {
    let mut proof = TableProof::default();
    if inputs.lhs.format != Format::MachO || inputs.rhs.format != Format::MachO {
        return proof;
    }
    let (Some((a, pa)), Some((b, pb))) = (macho_fixups(inputs.lhs), macho_fixups(inputs.rhs))
    else {
        return proof;
    };
    let same = a.len() == b.len()
        && a.iter()
            .zip(&b)
            .all(|(x, y)| x.0 == y.0 && (x.1 == y.1 || inputs.map.corresponds(x.1, y.1)));
    if same {
        proof.lhs = pa;
        proof.rhs = pb;
    } else {
        proof.differences.push(TableDifference {
            cause: Cause::Data,
            subject: "dyld fixups".into(),
            title: "the dyld rebase or bind information differs beyond the layout".into(),
            lhs: pa.first().cloned(),
            rhs: pb.first().cloned(),
        });
    }
    proof
}
