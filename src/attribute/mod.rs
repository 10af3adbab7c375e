//! Stage 4, `attribute`: every differing byte gets a cause.
//!
//! Input: both [`Binary`] values, their [`Diff`] and the build's
//! [`VariationHints`] (empty for `twinbuild diff`). Output: an
//! [`Attribution`], a list of [`Finding`]s whose byte counts add up exactly
//! to the diff's differing bytes.
//!
//! How, one module a step, each taking the previous one's output:
//! - the Go structures of both sides are read ([`landmarks`]);
//! - `classify` gives each hunk a class by what contains it (build ID,
//!   buildinfo, a `-X` string, a path from a variation hint, a pclntab or
//!   DWARF file name), else by its section (code, data, header, DWARF): a
//!   root cause, or a residual left for the proofs;
//! - [`prove`] proves each residual hunk a consequence of the layout (an
//!   address, an offset, a length, a table decoded on both sides) or names
//!   it an unproven root of its own;
//! - `resolve` groups the hunks into findings by (cause, section, subject)
//!   and separates roots from consequences: when a root changed a size, the
//!   residual differences (moved offsets, addresses, stored lengths, hashes
//!   of other content) become `layout-shift` findings that name the root
//!   they follow from.
//!
//! Pure: no I/O, no panics on malformed input.

mod cause;
mod classify;
mod finding;
pub mod landmarks;
pub mod prove;
mod resolve;

use std::borrow::Cow;
use std::collections::HashMap;

pub use cause::Cause;
pub use finding::{Excerpt, Finding, Location};

use crate::binary::Binary;
use crate::diff::{Diff, SectionPair, Status};
use crate::harness::VariationHints;
use landmarks::Landmarks;

/// The findings for one diff.
#[derive(Debug, Clone, Default)]
pub struct Attribution {
    pub findings: Vec<Finding>,
    /// Structures that could not be read (attribution falls back to sections).
    pub warnings: Vec<String>,
}

/// One side's binary with its landmarks and lazily inflated section contents.
struct Side<'a, 'd> {
    bin: &'a Binary<'d>,
    marks: Landmarks,
    contents: HashMap<usize, Cow<'a, [u8]>>,
}

impl<'a, 'd> Side<'a, 'd> {
    fn new(
        bin: &'a Binary<'d>,
        diff: &Diff,
        side: fn(&SectionPair) -> Option<usize>,
    ) -> Side<'a, 'd> {
        let mut contents = HashMap::new();
        for p in diff.pairs.iter().filter(|p| p.status == Status::Differs) {
            if let Some(i) = side(p) {
                let c = match bin.contents(i) {
                    Ok(c) if p.compared == crate::diff::Compared::Decompressed => c,
                    _ => Cow::Borrowed(bin.raw(i)),
                };
                contents.insert(i, c);
            }
        }
        let dwarf_differs = diff
            .pairs
            .iter()
            .any(|p| p.status == Status::Differs && is_debug(&p.name));
        Side {
            bin,
            marks: Landmarks::read(bin, dwarf_differs),
            contents,
        }
    }

    fn data(&self, i: usize) -> &[u8] {
        self.contents.get(&i).map(|c| &c[..]).unwrap_or(&[])
    }
}

/// Attribute every differing byte of `diff` to a cause.
pub fn attribute(
    lhs: &Binary<'_>,
    rhs: &Binary<'_>,
    diff: &Diff,
    hints: &VariationHints,
) -> Attribution {
    if diff.identical {
        return Attribution::default();
    }
    // The sides' Go structures (DWARF, when it differs, is the costly part) are read at once.
    let (l, r) = std::thread::scope(|scope| {
        let r = scope.spawn(|| Side::new(rhs, diff, |p| p.rhs));
        let l = Side::new(lhs, diff, |p| p.lhs);
        (l, r.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    });
    let mut warnings: Vec<String> = l
        .marks
        .warnings
        .iter()
        .map(|w| format!("lhs: {w}"))
        .collect();
    warnings.extend(r.marks.warnings.iter().map(|w| format!("rhs: {w}")));

    let hints = classify::variations(hints, &l.marks, &r.marks);
    let classified = classify::classify(&l, &r, diff, &hints);
    let proven = prove::prove(&l, &r, diff, &hints, classified.hunks);
    Attribution {
        findings: resolve::resolve(&l, &r, diff, proven, classified.one_sided),
        warnings,
    }
}

/// Is section `name` machine code?
fn is_code(name: &str) -> bool {
    name == ".text"
        || name.ends_with(",__text")
        || name == ".plt"
        || name == ".init"
        || name == ".fini"
}

/// Is section `name` DWARF?
fn is_debug(name: &str) -> bool {
    name.starts_with(".debug") || name.starts_with(".zdebug") || name.starts_with("__DWARF,")
}

#[cfg(test)]
mod tests;
