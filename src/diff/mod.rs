//! Stage 3, `diff`: pair the two binaries' sections and find the byte ranges
//! that differ.
//!
//! Input: two [`Binary`] values. Output: a [`Diff`], one [`SectionPair`] per
//! section name (pseudo-sections for headers and gaps included), each with
//! its status and the [`Hunk`]s where the contents differ. Sections are
//! compared by their on-disk bytes first; compressed sections that
//! differ are inflated and compared in decompressed form, so hunk offsets
//! are always offsets into [`Binary::contents`]. Insertions and deletions are
//! found (see [`align`]), so a size change is told apart from the shift it
//! causes downstream.
//!
//! Pure: no I/O, no panics on malformed input.

pub mod align;

use foldhash::HashMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::binary::Binary;

/// How a section compares between the two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Same,
    Differs,
    OnlyLhs,
    OnlyRhs,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Same => "same",
            Status::Differs => "differs",
            Status::OnlyLhs => "only lhs",
            Status::OnlyRhs => "only rhs",
        }
    }
}

/// Whether a section was compared as stored or inflated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Compared {
    Raw,
    Decompressed,
}

/// What a hunk is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HunkKind {
    /// Bytes present on both sides with different values.
    Changed,
    /// Bytes only the rhs has (the lhs range is empty).
    Inserted,
    /// Bytes only the lhs has (the rhs range is empty).
    Deleted,
}

/// One run of differing bytes; ranges are offsets into each side's section contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    pub kind: HunkKind,
    pub lhs: Range<u64>,
    pub rhs: Range<u64>,
}

impl Hunk {
    /// Bytes this hunk accounts for: the longer of its two sides.
    pub fn differing_bytes(&self) -> u64 {
        (self.lhs.end - self.lhs.start).max(self.rhs.end - self.rhs.start)
    }
}

/// One section name, on one or both sides.
#[derive(Debug, Clone)]
pub struct SectionPair {
    pub name: String,
    /// Indexes into each side's [`Binary::sections`].
    pub lhs: Option<usize>,
    pub rhs: Option<usize>,
    pub status: Status,
    /// Content sizes (decompressed sizes for compressed sections).
    pub lhs_size: u64,
    pub rhs_size: u64,
    pub compared: Compared,
    pub hunks: Vec<Hunk>,
    /// Sum of the hunks' differing bytes, or the whole size for a one-sided section.
    pub differing_bytes: u64,
    /// Set when the compressed contents could not be inflated: compared raw instead.
    pub warning: Option<String>,
}

/// The comparison of two binaries.
#[derive(Debug, Clone)]
pub struct Diff {
    /// The whole files are byte-identical.
    pub identical: bool,
    pub pairs: Vec<SectionPair>,
}

impl Diff {
    pub fn differing_bytes(&self) -> u64 {
        self.pairs.iter().map(|p| p.differing_bytes).sum()
    }
}

/// Compare two binaries section by section.
pub fn diff(lhs: &Binary<'_>, rhs: &Binary<'_>) -> Diff {
    let identical = lhs.data == rhs.data;
    let rhs_by_name: HashMap<&str, usize> = rhs
        .sections
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    let mut jobs: Vec<(Option<usize>, Option<usize>)> = Vec::new();
    let mut matched = vec![false; rhs.sections.len()];
    for (i, s) in lhs.sections.iter().enumerate() {
        let j = rhs_by_name.get(s.name.as_str()).copied();
        if let Some(j) = j {
            matched[j] = true;
        }
        jobs.push((Some(i), j));
    }
    jobs.extend(
        matched
            .iter()
            .enumerate()
            .filter(|(_, m)| !**m)
            .map(|(j, _)| (None, Some(j))),
    );

    let pairs = if identical {
        jobs.iter()
            .map(|&(l, r)| same_pair(lhs, rhs, l, r))
            .collect()
    } else {
        parallel_map(&jobs, |&(l, r)| compare(lhs, rhs, l, r))
    };
    Diff { identical, pairs }
}

/// The pair of `l` and `r` as found equal: where every comparison starts.
fn same_pair(
    lhs: &Binary<'_>,
    rhs: &Binary<'_>,
    l: Option<usize>,
    r: Option<usize>,
) -> SectionPair {
    let (name, lhs_size, rhs_size) = sizes(lhs, rhs, l, r);
    SectionPair {
        name,
        lhs: l,
        rhs: r,
        status: Status::Same,
        lhs_size,
        rhs_size,
        compared: Compared::Raw,
        hunks: vec![],
        differing_bytes: 0,
        warning: None,
    }
}

fn sizes(
    lhs: &Binary<'_>,
    rhs: &Binary<'_>,
    l: Option<usize>,
    r: Option<usize>,
) -> (String, u64, u64) {
    let name = l
        .map(|i| &lhs.sections[i].name)
        .or(r.map(|j| &rhs.sections[j].name))
        .cloned()
        .unwrap_or_default();
    (
        name,
        l.map_or(0, |i| lhs.sections[i].content_size()),
        r.map_or(0, |j| rhs.sections[j].content_size()),
    )
}

fn compare(lhs: &Binary<'_>, rhs: &Binary<'_>, l: Option<usize>, r: Option<usize>) -> SectionPair {
    let mut pair = same_pair(lhs, rhs, l, r);
    let (lhs_size, rhs_size) = (pair.lhs_size, pair.rhs_size);
    let (i, j) = match (l, r) {
        (Some(i), Some(j)) => (i, j),
        (Some(_), None) => {
            pair.status = Status::OnlyLhs;
            pair.differing_bytes = lhs_size;
            return pair;
        }
        (None, _) => {
            pair.status = Status::OnlyRhs;
            pair.differing_bytes = rhs_size;
            return pair;
        }
    };
    let (ra, rb) = (lhs.raw(i), rhs.raw(j));
    // Plain comparison: it reads both sides once, where digests would hash them.
    if ra == rb {
        return pair;
    }
    let both_compressed =
        lhs.sections[i].compression.is_some() && rhs.sections[j].compression.is_some();
    let hunks = if both_compressed {
        match (lhs.contents(i), rhs.contents(j)) {
            (Ok(a), Ok(b)) => {
                pair.compared = Compared::Decompressed;
                align::align(&a, &b)
            }
            (a, b) => {
                let err = a
                    .err()
                    .or(b.err())
                    .map(|e| e.to_string())
                    .unwrap_or_default();
                pair.warning = Some(format!("{err}; compared as stored"));
                pair.lhs_size = ra.len() as u64;
                pair.rhs_size = rb.len() as u64;
                align::align(ra, rb)
            }
        }
    } else {
        if lhs.sections[i].compression.is_some() != rhs.sections[j].compression.is_some() {
            pair.warning = Some("compressed on one side only; compared as stored".into());
            pair.lhs_size = ra.len() as u64;
            pair.rhs_size = rb.len() as u64;
        }
        align::align(ra, rb)
    };
    pair.differing_bytes = hunks.iter().map(Hunk::differing_bytes).sum();
    if !hunks.is_empty() {
        pair.status = Status::Differs;
    }
    pair.hunks = hunks;
    pair
}

/// Map over `items` on up to the machine's cores, keeping order.
fn parallel_map<T: Sync, U: Send>(items: &[T], f: impl Fn(&T) -> U + Sync) -> Vec<U> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    if threads <= 1 || items.len() < 2 {
        return items.iter().map(&f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<U>>> =
        items.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(item) = items.get(k) else { break };
                let value = f(item);
                *results[k].lock().unwrap_or_else(|e| e.into_inner()) = Some(value);
            });
        }
    });
    results
        .into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .expect("every item was mapped")
        })
        .collect()
}
