//! Decoded comparisons of whole structures: each reader decodes one
//! structure on both sides and compares it entry by entry, modulo the
//! address correspondence and the roots, returning a [`TableProof`].
//!
//! - [`pclntab`]: the function table, `_func` records, pc-value tables,
//!   file tables and funcdata offsets.
//! - [`dwarf`]: DWARF units, DIEs, line programs, frames and ranges.
//! - [`symtab`]: the file's symbol table (names, addresses mapped, sizes).
//! - [`relocs`]: PE base relocations (relocated addresses mapped).

pub mod dwarf;
pub mod pclntab;
pub mod relocs;
pub mod symtab;

use super::correspond::AddrMap;
use super::{Roots, TableProof};
use crate::binary::go::pclntab::Pclntab;
use crate::binary::Binary;
use crate::diff::Diff;

/// What the table provers read besides the two binaries.
pub struct Inputs<'a, 'b, 'd> {
    pub lhs: &'a Binary<'d>,
    pub rhs: &'a Binary<'d>,
    pub diff: &'a Diff,
    pub map: &'a AddrMap<'b, 'd>,
    pub roots: &'a Roots,
    pub lhs_pclntab: Option<&'a Pclntab>,
    pub rhs_pclntab: Option<&'a Pclntab>,
}

/// Run every table prover whose structure differs.
pub fn prove(inputs: &Inputs<'_, '_, '_>) -> TableProof {
    let mut proof = TableProof::default();
    proof.extend(pclntab::prove(inputs));
    proof.extend(dwarf::prove(inputs));
    proof.extend(symtab::prove(inputs));
    proof.extend(relocs::prove(inputs));
    proof.extend(relocs::prove_macho(inputs));
    if let (Some(l), Some(r)) = (
        symtab::code_signature(inputs.lhs),
        symtab::code_signature(inputs.rhs),
    ) {
        proof.hashes.extend(l.into_iter().zip(r));
    }
    proof.finish();
    proof
}
