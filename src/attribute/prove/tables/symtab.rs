//! The file's symbol table (ELF `.symtab`/`.strtab`, the PE COFF symbol
//! table and its string table), compared entry by entry in table order:
//! the same name, kind, scope and section on both sides; the address equal
//! or corresponding; the size equal, or different only where a root changed
//! the symbol's bytes (a `-X` string that grew). When every entry agrees,
//! the whole table is covered; otherwise the first differing entry is named.
//! Mach-O keeps its symbol table in `__LINKEDIT`, which is judged with the
//! code signature as a hash over the rest (see [`crate::attribute::prove`]).

use object::{Object, ObjectSection, ObjectSymbol};

use super::Inputs;
use crate::attribute::prove::{Place, TableDifference, TableProof};
use crate::attribute::Cause;
use crate::binary::{Binary, Format};
use crate::diff::Status;

/// Symbols compared at the most (Go binaries have tens of thousands).
const MAX_SYMBOLS: usize = 2_000_000;

/// Decode the symbol tables of both sides and compare them.
pub fn prove(inputs: &Inputs<'_, '_, '_>) -> TableProof {
    let mut proof = TableProof::default();
    let (Some(lt), Some(rt)) = (table_places(inputs.lhs), table_places(inputs.rhs)) else {
        return proof;
    };
    // Only when a table byte differs.
    let differs = inputs.diff.pairs.iter().any(|p| {
        p.status != Status::Same && p.lhs.is_some_and(|i| lt.iter().any(|(s, _)| *s == i))
    });
    if !differs {
        return proof;
    }
    let (Ok(a), Ok(b)) = (
        object::File::parse(inputs.lhs.data),
        object::File::parse(inputs.rhs.data),
    ) else {
        return proof;
    };
    let (sa, sb): (Vec<_>, Vec<_>) = (
        a.symbols().take(MAX_SYMBOLS + 1).collect(),
        b.symbols().take(MAX_SYMBOLS + 1).collect(),
    );
    let difference = |title: String| TableDifference {
        cause: Cause::Data,
        subject: "symbol table".into(),
        title,
        lhs: lt.first().cloned(),
        rhs: rt.first().cloned(),
    };
    if sa.len() != sb.len() || sa.len() > MAX_SYMBOLS {
        proof.differences.push(difference(format!(
            "the symbol tables hold {} and {} symbols",
            sa.len(),
            sb.len()
        )));
        return proof;
    }
    let section_name = |f: &object::File<'_>, s: &object::Symbol<'_, '_>| {
        s.section_index()
            .and_then(|i| f.section_by_index(i).ok())
            .and_then(|sec| sec.name().ok().map(str::to_string))
    };
    for (x, y) in sa.iter().zip(&sb) {
        let name = x.name().unwrap_or("");
        let same_shape = x.name().ok() == y.name().ok()
            && x.kind() == y.kind()
            && x.scope() == y.scope()
            && x.is_weak() == y.is_weak()
            && section_name(&a, x) == section_name(&b, y);
        let address =
            x.address() == y.address() || inputs.map.corresponds(x.address(), y.address());
        let size = x.size() == y.size()
            || size_by_root(inputs, x.address(), y.address(), x.size(), y.size());
        if !(same_shape && address && size) {
            proof.differences.push(difference(format!(
                "symbol table entry {name} differs beyond the layout ({})",
                if !same_shape {
                    "name, kind or section"
                } else if !address {
                    "its address does not correspond"
                } else {
                    "its size changed where no root did"
                }
            )));
            return proof;
        }
    }
    proof.lhs = lt;
    proof.rhs = rt;
    proof
}

/// A size that differs because a root changed the symbol's bytes.
fn size_by_root(inputs: &Inputs<'_, '_, '_>, la: u64, ra: u64, ls: u64, rs: u64) -> bool {
    let touched = |bin: &Binary<'_>, lhs: bool, address: u64, size: u64| {
        bin.sections.iter().enumerate().any(|(k, s)| {
            s.address.is_some_and(|a| {
                address >= a && address < a.saturating_add(s.file_size()) && {
                    let start = address - a;
                    inputs
                        .roots
                        .touches(lhs, k, &(start..start.saturating_add(size)))
                }
            })
        })
    };
    touched(inputs.lhs, true, la, ls) || touched(inputs.rhs, false, ra, rs)
}

/// Where the symbol table and its strings are, as places of `bin`.
fn table_places(bin: &Binary<'_>) -> Option<Vec<Place>> {
    match bin.format {
        Format::Elf => {
            let mut out = Vec::new();
            for name in [".symtab", ".strtab"] {
                let k = bin.section_index(name)?;
                out.push((k, 0..bin.sections[k].file_size()));
            }
            Some(out)
        }
        Format::Pe => {
            let d = bin.data;
            let u32_at = |o: usize| -> Option<u32> {
                Some(u32::from_le_bytes(d.get(o..o + 4)?.try_into().ok()?))
            };
            let pe = u32_at(0x3c)? as usize;
            let ptr = u64::from(u32_at(pe + 12)?);
            let n = u64::from(u32_at(pe + 16)?);
            if ptr == 0 {
                return None;
            }
            let strings = ptr.checked_add(n.checked_mul(18)?)?;
            let str_size = u64::from(u32_at(usize::try_from(strings).ok()?)?);
            Some(file_places(bin, ptr..strings.checked_add(str_size)?))
        }
        Format::MachO => {
            use goblin::mach::load_command::CommandVariant;
            let m = goblin::mach::MachO::parse(bin.data, 0).ok()?;
            let mut ranges = Vec::new();
            for lc in &m.load_commands {
                match &lc.command {
                    CommandVariant::Symtab(c) => {
                        let entry = if bin.is_64 { 16 } else { 12 };
                        let sym = u64::from(c.symoff);
                        ranges.push(sym..sym.checked_add(u64::from(c.nsyms).checked_mul(entry)?)?);
                        let str = u64::from(c.stroff);
                        ranges.push(str..str.checked_add(u64::from(c.strsize))?);
                    }
                    CommandVariant::Dysymtab(c) => {
                        let ind = u64::from(c.indirectsymoff);
                        ranges.push(
                            ind..ind.checked_add(u64::from(c.nindirectsyms).checked_mul(4)?)?,
                        );
                    }
                    _ => {}
                }
            }
            if ranges.is_empty() {
                return None;
            }
            Some(
                ranges
                    .into_iter()
                    .flat_map(|r| file_places(bin, r))
                    .collect(),
            )
        }
    }
}

/// Where a Mach-O code signature is (a hash over the rest of the file).
pub fn code_signature(bin: &Binary<'_>) -> Option<Vec<Place>> {
    use goblin::mach::load_command::CommandVariant;
    if bin.format != Format::MachO {
        return None;
    }
    let m = goblin::mach::MachO::parse(bin.data, 0).ok()?;
    m.load_commands.iter().find_map(|lc| match &lc.command {
        CommandVariant::CodeSignature(c) => {
            let off = u64::from(c.dataoff);
            Some(file_places(
                bin,
                off..off.checked_add(u64::from(c.datasize))?,
            ))
        }
        _ => None,
    })
}

/// The places (section, content range) covering file range `r`.
pub fn file_places(bin: &Binary<'_>, r: std::ops::Range<u64>) -> Vec<Place> {
    bin.sections
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            s.compression.is_none() && s.file_range.start < r.end && r.start < s.file_range.end
        })
        .map(|(k, s)| {
            let start = r.start.max(s.file_range.start) - s.file_range.start;
            let end = r.end.min(s.file_range.end) - s.file_range.start;
            (k, start..end)
        })
        .collect()
}
