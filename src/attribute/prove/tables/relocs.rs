//! PE base relocations (`.reloc`): blocks of `{page RVA u32, block size
//! u32, entries u16}`, each entry a type (high 4 bits) and an offset in the
//! page. Decoded on both sides to the list of (type, relocated address); the
//! lists must have the same length and types, and each relocated lhs
//! address must correspond to the rhs one. Then the whole section is covered.

use object::Object;

use super::Inputs;
use crate::attribute::prove::{TableDifference, TableProof};
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
fn relocations(bin: &Binary<'_>, k: usize) -> Option<Vec<(u16, u64)>> {
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
