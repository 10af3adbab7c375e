//! A finding as the renderers show it ([`FindingView`]): its extent, first
//! location, proof line and both sides' excerpts as rows of bytes.

use super::{plural, size, Limits};
use crate::attribute::{Excerpt, Finding};

/// Bytes per row of an excerpt's dump.
pub(crate) const ROW: usize = 16;

/// One finding with what every format says of it.
pub(crate) struct FindingView<'r> {
    pub finding: &'r Finding,
    pub size: String,
    /// `32 B in 2 ranges`.
    pub extent: String,
    pub at: Option<At<'r>>,
    /// How its bytes were proven ([`proof_line`]).
    pub proof: Option<String>,
    /// Whether some of its bytes are not proven.
    pub unproven: bool,
    /// Both sides' excerpts, when they are shown (empty otherwise).
    pub sides: Vec<Side<'r>>,
}

/// Where a finding is: its first location.
pub(crate) struct At<'r> {
    /// `lhs+0x174a5 rhs+0x174a5`.
    pub offsets: String,
    pub symbol: Option<&'r str>,
    pub detail: Option<&'r str>,
    /// Locations after the first.
    pub more: usize,
}

/// One side's bytes around a finding.
pub(crate) struct Side<'r> {
    pub name: &'static str,
    pub excerpt: Option<ExcerptView<'r>>,
}

/// An excerpt as rows of [`ROW`] bytes, each byte with its text and whether
/// it differs.
pub(crate) struct ExcerptView<'r> {
    pub excerpt: &'r Excerpt,
    pub rows: Vec<Row>,
    /// Whether the excerpt's hex decodes (every cell has its byte).
    pub well_formed: bool,
}

pub(crate) struct Row {
    /// Section offset of the row's first byte.
    pub offset: u64,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Cell {
    /// `None` when the excerpt's two hex digits are not hex.
    pub byte: Option<u8>,
    /// The excerpt's text for it (`.` when the text is short).
    pub text: char,
    pub marked: bool,
}

impl<'r> FindingView<'r> {
    pub(super) fn new(f: &'r Finding, limits: &Limits) -> FindingView<'r> {
        let excerpts = [("lhs", &f.lhs_excerpt), ("rhs", &f.rhs_excerpt)];
        let present = excerpts.iter().filter(|(_, e)| e.is_some()).count();
        let shown = (f.root.is_none() || limits.consequence_excerpts)
            && (present == 2 || present == 1 && limits.one_sided_excerpts);
        FindingView {
            finding: f,
            size: size(f.bytes),
            extent: format!(
                "{} in {} range{}",
                size(f.bytes),
                f.ranges,
                plural(f.ranges as usize)
            ),
            at: f.locations.first().map(|l| At {
                offsets: format!("lhs+{:#x} rhs+{:#x}", l.lhs_offset, l.rhs_offset),
                symbol: l.symbol.as_deref(),
                detail: l.detail.as_deref(),
                more: f.locations.len() - 1,
            }),
            proof: proof_line(f),
            unproven: f.proven == Some(false),
            sides: if shown {
                excerpts
                    .map(|(name, e)| Side {
                        name,
                        excerpt: e.as_ref().map(|e| ExcerptView::new(e, limits.excerpt_rows)),
                    })
                    .into()
            } else {
                Vec::new()
            },
        }
    }
}

impl<'r> ExcerptView<'r> {
    pub(super) fn new(e: &'r Excerpt, max_rows: usize) -> ExcerptView<'r> {
        let hex = e.hex.as_bytes();
        let text: Vec<char> = e.text.chars().collect();
        let start = usize::try_from(e.highlight_start).unwrap_or(usize::MAX);
        let end = start.saturating_add(usize::try_from(e.highlight_len).unwrap_or(usize::MAX));
        let cells: Vec<Cell> = hex
            .chunks_exact(2)
            .enumerate()
            .map(|(i, pair)| Cell {
                byte: std::str::from_utf8(pair)
                    .ok()
                    .filter(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
                    .and_then(|p| u8::from_str_radix(p, 16).ok()),
                text: text.get(i).copied().unwrap_or('.'),
                marked: (start..end).contains(&i),
            })
            .collect();
        ExcerptView {
            excerpt: e,
            well_formed: hex.len().is_multiple_of(2) && cells.iter().all(|c| c.byte.is_some()),
            rows: cells
                .chunks(ROW)
                .take(max_rows)
                .enumerate()
                .map(|(k, c)| Row {
                    offset: e.offset.saturating_add((k * ROW) as u64),
                    cells: c.to_vec(),
                })
                .collect(),
        }
    }
}

/// How a finding's bytes were proven, in one line (`None` for a root the
/// classifier named): `proven: address 420 B, table 12 B`, or what is not.
pub fn proof_line(f: &Finding) -> Option<String> {
    let proven = f.proven?;
    let by: Vec<String> = f
        .proven_by
        .iter()
        .map(|(k, v)| format!("{k} {}", size(*v)))
        .collect();
    let proved: u64 = f.proven_by.values().sum();
    Some(match (proven, by.is_empty()) {
        (true, _) => format!("proven: {}", by.join(", ")),
        (false, true) => "NOT proven: no proof covers these bytes".to_string(),
        (false, false) => format!(
            "NOT proven: {} of {} proven ({})",
            size(proved),
            size(f.bytes),
            by.join(", ")
        ),
    })
}
