//! A finding: one cause at one place, with its evidence and its fix.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::prove::InstructionDiff;
use super::Cause;

/// Where (one of) a finding's ranges is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub section: String,
    /// Offsets into each side's section contents (decompressed for compressed sections).
    pub lhs_offset: u64,
    pub lhs_length: u64,
    pub rhs_offset: u64,
    pub rhs_length: u64,
    /// File offset of the lhs range, when the section is stored uncompressed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lhs_file_offset: Option<u64>,
    /// The function or variable containing the range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    /// The structure containing it: a buildinfo key, a pclntab file entry, a DWARF unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A few bytes around a range on one side, as hex and as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excerpt {
    /// Offset of the first excerpt byte in the section contents.
    pub offset: u64,
    /// Offset of the differing bytes relative to `offset`, and their count.
    pub highlight_start: u64,
    pub highlight_len: u64,
    pub hex: String,
    /// Printable ASCII as is, anything else as `.`.
    pub text: String,
}

/// One cause at one place.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finding {
    /// 1-based, in output order: roots first.
    pub id: usize,
    pub cause: Cause,
    /// For `layout-shift`: the id of the root finding this follows from.
    pub root: Option<usize>,
    /// One line saying what differs.
    pub title: String,
    /// The section holding the (first) range.
    pub section: String,
    /// Differing bytes attributed to this finding.
    pub bytes: u64,
    /// How many differing ranges it groups.
    pub ranges: u64,
    /// The first few ranges (all are counted in `ranges` and `bytes`).
    pub locations: Vec<Location>,
    /// Which build variation put it there (`workdir`, `HOME`, ...), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lhs_excerpt: Option<Excerpt>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rhs_excerpt: Option<Excerpt>,
    /// What to change so it goes away.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// For a consequence (`layout-shift`): whether every byte was proven to
    /// follow from the layout; for a `code`/`data`/`dwarf` root made of bytes
    /// no proof covered: `false`. Absent on roots the classifier named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proven: Option<bool>,
    /// Proven bytes by what proved them (`address`, `offset`, `length`, `hash`, `table`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub proven_by: BTreeMap<String, u64>,
    /// For code that differs beyond addresses: the first differing instructions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instructions: Vec<InstructionDiff>,
}

impl Finding {
    /// Bytes that no proof covers: an unproven consequence or an unproven root.
    pub fn unproven_bytes(&self) -> u64 {
        if self.proven == Some(false) {
            self.bytes
        } else {
            0
        }
    }
}

/// Make an excerpt of `data` around `range`, at most `max` bytes.
pub fn excerpt(data: &[u8], start: u64, end: u64, max: u64) -> Excerpt {
    let len = data.len() as u64;
    let start = start.min(len);
    let end = end.clamp(start, len);
    let hl = (end - start).min(max);
    let context = (max - hl) / 2;
    let from = start.saturating_sub(context.min(16));
    let to = (start + hl + context.min(16)).min(len);
    let bytes = &data[from as usize..to as usize];
    Excerpt {
        offset: from,
        highlight_start: start - from,
        highlight_len: hl,
        hex: crate::binary::hex(bytes),
        text: bytes
            .iter()
            .map(|&b| {
                if (0x20..0x7f).contains(&b) {
                    b as char
                } else {
                    '.'
                }
            })
            .collect(),
    }
}
