//! Byte alignment of two versions of one section.
//!
//! A longer path inserted into a string table shifts everything after it, so
//! comparing byte `i` with byte `i` would call the whole rest of the section
//! different. Instead the two sides are aligned on content-defined anchors
//! (positions picked by a gear rolling hash, so an insertion does not move
//! the anchors after it), the unique ones are chained in order (longest
//! increasing subsequence), and only the gaps between anchors are compared:
//! positionally when both sides of a gap have the same length, with
//! `similar`'s Myers diff when they are small, and as one changed block
//! otherwise. The work is linear in the section size.
//!
//! Two budgets keep a hostile pair of sections from taking unbounded time or
//! memory, without making the result depend on timing: the Myers work per
//! section pair ([`MYERS_BUDGET`]: once spent, further gaps are re-anchored
//! or become blocks) and the hunks per section pair ([`MAX_HUNKS`]: past it,
//! each new hunk is merged into the last). Real pairs of Go builds come
//! nowhere near either.

use foldhash::{HashMap, HashMapExt as _};
use std::ops::Range;

use super::{Hunk, HunkKind};

/// Gaps up to this size on both sides go to Myers.
const MYERS_MAX: usize = 4096;
/// Myers work allowed per section pair, in cells (lhs bytes × rhs bytes of
/// each gap handed to it; Myers takes at most about twice that many steps):
/// 64 worst-case gaps of MYERS_MAX, or a million gaps of 30 bytes, a few
/// seconds at most. Without it, a pair built as unique anchors between
/// 4 KiB random gaps costs tens of milliseconds per 4 KiB of section.
pub const MYERS_BUDGET: u64 = 1 << 30;
/// Hunks kept per section pair. Past this, each new hunk is merged into the
/// last one, which then also covers the equal bytes between them (so they
/// count as differing): two sections that differ in every fifth byte would
/// otherwise take 56 bytes of hunk per 5 bytes of section.
pub const MAX_HUNKS: usize = 1 << 20;
/// Equal runs up to this long between two edits are folded into one hunk.
const MERGE_EQUAL: usize = 3;
/// Sections up to this size skip anchoring and go to Myers directly.
const MYERS_DIRECT: usize = 2048;
/// Anchor levels: (bytes hashed after an anchor position to identify it,
/// mask picking anchor positions: average spacing is mask+1). A gap too large
/// for Myers at one level is re-anchored at the next, finer one.
const LEVELS: [(usize, u64); 2] = [(32, (1 << 6) - 1), (12, (1 << 3) - 1)];

/// Align `a` and `b` and return the hunks where they differ, in order.
/// Offsets are relative to the starts of `a` and `b`.
pub fn align(a: &[u8], b: &[u8]) -> Vec<Hunk> {
    align_within(a, b, MYERS_BUDGET).hunks
}

/// The hunks, and the Myers work they took.
struct Out {
    hunks: Vec<Hunk>,
    /// Myers cells left to spend (see [`MYERS_BUDGET`]).
    myers_left: u64,
}

impl Out {
    /// Whether a gap of `a` × `b` bytes may go to Myers; if so, it is paid for.
    fn afford_myers(&mut self, a: usize, b: usize) -> bool {
        let cells = (a as u64).saturating_mul(b as u64).max(1);
        match self.myers_left.checked_sub(cells) {
            Some(left) => {
                self.myers_left = left;
                true
            }
            None => false,
        }
    }
}

fn align_within(a: &[u8], b: &[u8], myers_budget: u64) -> Out {
    let mut out = Out {
        hunks: Vec::new(),
        myers_left: myers_budget,
    };
    if a == b {
        return out;
    }
    let prefix = common_prefix(a, b);
    let suffix = common_suffix(&a[prefix..], &b[prefix..]);
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    if ma.len() == mb.len() && positional_is_good(ma, mb) {
        positional(ma, mb, prefix as u64, prefix as u64, &mut out);
    } else if ma.len().max(mb.len()) <= MYERS_DIRECT && out.afford_myers(ma.len(), mb.len()) {
        myers(ma, mb, prefix as u64, prefix as u64, &mut out);
    } else {
        anchored(ma, mb, prefix as u64, prefix as u64, 0, &mut out);
    }
    out
}

/// Same-length regions are compared byte by byte unless that looks like a shift
/// (a quarter or more of the bytes differ).
fn positional_is_good(a: &[u8], b: &[u8]) -> bool {
    let sample = a.len().min(1 << 16);
    let differing = a[..sample]
        .iter()
        .zip(&b[..sample])
        .filter(|(x, y)| x != y)
        .count();
    differing * 4 < sample.max(1)
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 64 <= n && a[i..i + 64] == b[i..i + 64] {
        i += 64;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 64 <= n && a[a.len() - i - 64..a.len() - i] == b[b.len() - i - 64..b.len() - i] {
        i += 64;
    }
    while i < n && a[a.len() - 1 - i] == b[b.len() - 1 - i] {
        i += 1;
    }
    i
}

/// Runs of differing bytes between two equal-length slices.
fn positional(a: &[u8], b: &[u8], oa: u64, ob: u64, out: &mut Out) {
    debug_assert_eq!(a.len(), b.len());
    let n = a.len();
    let mut i = 0;
    while i < n {
        // Skip equal 32-byte blocks quickly.
        if i + 32 <= n && a[i..i + 32] == b[i..i + 32] {
            i += 32;
            continue;
        }
        if a[i] == b[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < n && a[i] != b[i] {
            i += 1;
        }
        push(
            out,
            HunkKind::Changed,
            oa + start as u64..oa + i as u64,
            ob + start as u64..ob + i as u64,
        );
    }
}

fn push(out: &mut Out, kind: HunkKind, lhs: Range<u64>, rhs: Range<u64>) {
    if lhs.is_empty() && rhs.is_empty() {
        return;
    }
    if out.hunks.len() >= MAX_HUNKS {
        if let Some(last) = out.hunks.last_mut() {
            // Hunks come in order, so the last one grows to cover this one.
            last.lhs.end = last.lhs.end.max(lhs.end);
            last.rhs.end = last.rhs.end.max(rhs.end);
            last.kind = block_kind(&last.lhs, &last.rhs);
            return;
        }
    }
    out.hunks.push(Hunk { kind, lhs, rhs });
}

fn block_kind(lhs: &Range<u64>, rhs: &Range<u64>) -> HunkKind {
    match (lhs.is_empty(), rhs.is_empty()) {
        (true, _) => HunkKind::Inserted,
        (_, true) => HunkKind::Deleted,
        _ => HunkKind::Changed,
    }
}

/// A gap of any shape: same length → positional; small → Myers; large →
/// anchored at a finer level; else one block.
fn gap(a: &[u8], b: &[u8], oa: u64, ob: u64, level: usize, out: &mut Out) {
    if a == b {
        return;
    }
    if a.len() == b.len() && positional_is_good(a, b) {
        positional(a, b, oa, ob, out);
    } else if a.len() <= MYERS_MAX && b.len() <= MYERS_MAX && out.afford_myers(a.len(), b.len()) {
        myers(a, b, oa, ob, out);
    } else if level + 1 < LEVELS.len() {
        anchored(a, b, oa, ob, level + 1, out);
    } else {
        let p = common_prefix(a, b);
        let s = common_suffix(&a[p..], &b[p..]);
        block(
            oa + p as u64..oa + (a.len() - s) as u64,
            ob + p as u64..ob + (b.len() - s) as u64,
            out,
        );
    }
}

/// One region that differs as a whole.
fn block(lhs: Range<u64>, rhs: Range<u64>, out: &mut Out) {
    push(out, block_kind(&lhs, &rhs), lhs, rhs);
}

fn myers(a: &[u8], b: &[u8], oa: u64, ob: u64, out: &mut Out) {
    // No deadline: output must not depend on timing. Gaps are at most
    // MYERS_MAX bytes and their sum is within MYERS_BUDGET, which bounds the work.
    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, a, b);
    // Pair adjacent delete+insert into one changed hunk.
    let mut pending: Option<(Range<u64>, Range<u64>)> = None;
    let flush = |pending: &mut Option<(Range<u64>, Range<u64>)>, out: &mut Out| {
        if let Some((l, r)) = pending.take() {
            if l.end - l.start == r.end - r.start {
                // Equal-length replacements are reported byte-exactly.
                let (la, lb) = ((l.start - oa) as usize, (r.start - ob) as usize);
                let n = (l.end - l.start) as usize;
                positional(&a[la..la + n], &b[lb..lb + n], l.start, r.start, out);
            } else {
                block(l, r, out);
            }
        }
    };
    for (k, op) in ops.iter().enumerate() {
        let (_, old, new) = op.as_tag_tuple();
        let l = oa + old.start as u64..oa + old.end as u64;
        let r = ob + new.start as u64..ob + new.end as u64;
        // A run of up to MERGE_EQUAL equal bytes between two edits does not
        // split them: "a/src" vs "bb/deeper/source" is one hunk, not four.
        let bridge = pending.is_some() && old.len() <= MERGE_EQUAL && k + 1 < ops.len();
        match op {
            similar::DiffOp::Equal { .. } if !bridge => flush(&mut pending, out),
            _ => {
                pending = Some(match pending.take() {
                    Some((pl, pr)) => (pl.start..l.end.max(pl.end), pr.start..r.end.max(pr.end)),
                    None => (l, r),
                });
            }
        }
    }
    flush(&mut pending, out);
}

/// Gear hash table, generated deterministically (splitmix64).
const GEAR: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut i = 0;
    while i < 256 {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        t[i] = z ^ (z >> 31);
        i += 1;
    }
    t
};

/// Content-defined anchor positions of `data`, with a hash of the bytes that follow each.
fn anchors(data: &[u8], len: usize, mask: u64) -> Vec<(u64, usize)> {
    let mut out = Vec::with_capacity(data.len() / (mask as usize + 1) + 1);
    let mut h: u64 = 0;
    let end = data.len().saturating_sub(len);
    let mut last = 0usize;
    for (i, &byte) in data.iter().enumerate().take(end) {
        h = (h << 1).wrapping_add(GEAR[byte as usize]);
        // Skip anchors closer than 16 bytes to the previous one (runs of equal bytes).
        if h & mask == 0 && i >= 16 && (out.is_empty() || i - last >= len / 2) {
            out.push((key(&data[i..i + len]), i));
            last = i;
        }
    }
    out
}

fn key(window: &[u8]) -> u64 {
    // FNV-1a over the window, 8 bytes at a time.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for chunk in window.chunks(8) {
        let mut w = [0u8; 8];
        w[..chunk.len()].copy_from_slice(chunk);
        h ^= u64::from_le_bytes(w);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
        h ^= h >> 29;
    }
    h
}

fn anchored(a: &[u8], b: &[u8], oa: u64, ob: u64, level: usize, out: &mut Out) {
    let (len, mask) = LEVELS[level];
    let aa = anchors(a, len, mask);
    let bb = anchors(b, len, mask);
    // key -> (count in a, position in a)
    let mut in_a: HashMap<u64, (u32, usize)> = HashMap::with_capacity(aa.len());
    for &(k, p) in &aa {
        in_a.entry(k).and_modify(|e| e.0 += 1).or_insert((1, p));
    }
    let mut in_b: HashMap<u64, u32> = HashMap::with_capacity(bb.len());
    for &(k, _) in &bb {
        *in_b.entry(k).or_insert(0) += 1;
    }
    // Unique-in-both anchors, in b order.
    let pairs: Vec<(usize, usize)> = bb
        .iter()
        .filter(|(k, _)| in_b[k] == 1)
        .filter_map(|(k, pb)| match in_a.get(k) {
            Some(&(1, pa)) => Some((pa, *pb)),
            _ => None,
        })
        .filter(|&(pa, pb)| a[pa..pa + len] == b[pb..pb + len])
        .collect();
    let chain = longest_increasing(&pairs);

    let (mut ea, mut eb) = (0usize, 0usize);
    for (pa, pb) in chain {
        if pa < ea || pb < eb {
            continue; // inside the previous match
        }
        // Extend the match backwards into the gap while equal.
        let (mut sa, mut sb) = (pa, pb);
        while sa > ea && sb > eb && a[sa - 1] == b[sb - 1] {
            sa -= 1;
            sb -= 1;
        }
        gap(
            &a[ea..sa],
            &b[eb..sb],
            oa + ea as u64,
            ob + eb as u64,
            level,
            out,
        );
        // Extend forwards.
        let run = common_prefix(&a[pa..], &b[pb..]);
        ea = pa + run;
        eb = pb + run;
    }
    gap(
        &a[ea..],
        &b[eb..],
        oa + ea as u64,
        ob + eb as u64,
        level,
        out,
    );
}

/// The longest chain of pairs increasing in both coordinates (input sorted by the second).
fn longest_increasing(pairs: &[(usize, usize)]) -> Vec<(usize, usize)> {
    // Patience sorting on the first coordinate.
    let mut tails: Vec<usize> = Vec::new(); // index into pairs
    let mut prev: Vec<usize> = vec![usize::MAX; pairs.len()];
    for (i, &(pa, _)) in pairs.iter().enumerate() {
        let pos = tails.partition_point(|&t| pairs[t].0 < pa);
        if pos > 0 {
            prev[i] = tails[pos - 1];
        }
        if pos == tails.len() {
            tails.push(i);
        } else {
            tails[pos] = i;
        }
    }
    let mut chain = Vec::with_capacity(tails.len());
    let mut cur = tails.last().copied().unwrap_or(usize::MAX);
    while cur != usize::MAX {
        chain.push(pairs[cur]);
        cur = prev[cur];
    }
    chain.reverse();
    chain
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rand_bytes(n: usize, seed: u64) -> Vec<u8> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    /// Applies the hunks' accounting: bytes equal outside hunks, sizes consistent.
    fn check(a: &[u8], b: &[u8], expect_differing: u64) {
        let hunks = align(a, b);
        let differing = verify(a, b, &hunks);
        assert_eq!(differing, expect_differing, "hunks: {hunks:?}");
    }

    /// Hunks in order, bytes equal outside them; returns their differing bytes.
    fn verify(a: &[u8], b: &[u8], hunks: &[Hunk]) -> u64 {
        let mut ia = 0u64;
        let mut ib = 0u64;
        let mut differing = 0;
        for h in hunks {
            assert!(
                h.lhs.start >= ia && h.rhs.start >= ib,
                "hunks out of order: {hunks:?}"
            );
            // Equal stretch before the hunk has the same length on both sides.
            assert_eq!(
                h.lhs.start - ia,
                h.rhs.start - ib,
                "misaligned before {h:?}"
            );
            assert_eq!(
                &a[ia as usize..h.lhs.start as usize],
                &b[ib as usize..h.rhs.start as usize]
            );
            differing += h.differing_bytes();
            ia = h.lhs.end;
            ib = h.rhs.end;
        }
        assert_eq!(&a[ia as usize..], &b[ib as usize..]);
        differing
    }

    /// Guards MAX_HUNKS: a hostile pair differing in every fifth byte would
    /// otherwise take 56 bytes of hunk per 5 bytes of section.
    #[test]
    fn hunks_past_the_cap_merge_into_the_last() {
        let n = 5 * (MAX_HUNKS + 1000);
        let a = vec![0u8; n];
        let b: Vec<u8> = (0..n).map(|i| u8::from(i % 5 == 0)).collect();
        let hunks = align(&a, &b);
        assert_eq!(hunks.len(), MAX_HUNKS);
        let last = hunks.last().unwrap();
        assert_eq!(
            last.lhs.end,
            (n - 4) as u64,
            "the last hunk reaches the last difference"
        );
        assert_eq!(last.kind, HunkKind::Changed);
        let differing = verify(&a, &b, &hunks);
        assert_eq!(
            differing,
            (MAX_HUNKS as u64 - 1) + (last.lhs.end - last.lhs.start)
        );
    }

    /// Guards MYERS_BUDGET: unique anchors between random gaps of different
    /// lengths send every gap to Myers; past the budget they become blocks,
    /// and the accounting still holds.
    #[test]
    fn myers_work_is_bounded_per_section() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for k in 0..40u64 {
            let anchor = rand_bytes(512, 1000 + k);
            a.extend_from_slice(&anchor);
            b.extend_from_slice(&anchor);
            a.extend_from_slice(&rand_bytes(2000, 2000 + k));
            b.extend_from_slice(&rand_bytes(1990, 3000 + k));
        }
        let budget = 4 * 2000 * 1990;
        let out = align_within(&a, &b, budget);
        assert!(
            out.myers_left < 2000 * 1990,
            "the budget was spent: {} left",
            out.myers_left
        );
        verify(&a, &b, &out.hunks);
        let blocks = out
            .hunks
            .iter()
            .filter(|h| h.lhs.end - h.lhs.start >= 1900)
            .count();
        assert!(blocks >= 30, "gaps past the budget are blocks: {blocks}");
        // The default budget is far from spent by a pair this size.
        let out = align_within(&a, &b, MYERS_BUDGET);
        assert!(out.myers_left > MYERS_BUDGET / 2);
        verify(&a, &b, &out.hunks);
    }

    #[test]
    fn identical_and_positional() {
        let a = rand_bytes(10_000, 1);
        check(&a, &a, 0);
        let mut b = a.clone();
        b[100] ^= 1;
        b[5000] ^= 1;
        b[5001] ^= 1;
        check(&a, &b, 3);
    }

    #[test]
    fn insertion_in_a_large_section_is_found_not_smeared() {
        let a = rand_bytes(1 << 20, 2);
        let mut b = a.clone();
        // Two paths get longer by 20 and 7 bytes.
        b.splice(1000..1000, b"/tmp/longer/workdir/".iter().copied());
        b.splice(600_000..600_000, b"/deeper".iter().copied());
        check(&a, &b, 27);
        let hunks = align(&a, &b);
        assert!(
            hunks.iter().all(|h| h.kind == HunkKind::Inserted),
            "{hunks:?}"
        );
    }

    #[test]
    fn replacement_of_different_length_in_a_string_table() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        // As in a pclntab file table: GOROOT paths, the same on both sides,
        // with the main module's paths (one in ten) under differing workdirs.
        for i in 0..2000 {
            if i % 10 == 0 {
                a.extend_from_slice(format!("/tmp/a/src/pkg{i}/file.go\0").as_bytes());
                b.extend_from_slice(format!("/tmp/bb/deeper/source/pkg{i}/file.go\0").as_bytes());
            } else {
                let std = format!("/usr/local/go/src/internal/pkg{i}/file{}.go\0", i * 7);
                a.extend_from_slice(std.as_bytes());
                b.extend_from_slice(std.as_bytes());
            }
        }
        let hunks = align(&a, &b);
        let differing: u64 = hunks.iter().map(Hunk::differing_bytes).sum();
        // Each changed string's prefix differs: at most the longer prefix per string.
        assert!(differing <= 200 * 22, "{differing}");
        assert!(differing >= 200 * 11, "{differing}");
        check(&a, &b, differing);
    }

    #[test]
    fn deletion_at_end_and_start() {
        let a = rand_bytes(50_000, 3);
        check(&a, &a[10..], 10);
        check(&a, &a[..a.len() - 10], 10);
        check(&[], &a[..100], 100);
    }
}
