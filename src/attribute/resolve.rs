//! Resolve: the proven hunks become findings, roots and their consequences.
//!
//! Input: both sides, the diff, the `Proven` hunks and the classes of the
//! sections only one side has. Output: the [`Finding`]s, numbered: roots
//! first (by cause, then bytes), then the `layout-shift` findings, each
//! naming its root.
//!
//! How: hunks are grouped by (cause, section, subject), a root's across
//! sections (one workdir path in the pclntab and in DWARF is one finding).
//! An ID computed over the rest of the file is proven only when every other
//! byte is. The root that moved the most bytes is the one the residual
//! groups follow from (IDs follow the build ID); a residual group is "moved
//! by" its root only when proven, else "NOT proven to follow from" it.

use std::collections::BTreeMap;

use super::classify::{Class, Residual};
use super::finding::{self, Excerpt, Finding, Location};
use super::prove::{self, Proven};
use super::{Cause, Side};
use crate::binary::SectionKind;
use crate::diff::{Diff, SectionPair};

/// Ranges kept per finding (all are counted).
const MAX_LOCATIONS: usize = 8;
/// Excerpt size on each side.
const EXCERPT_BYTES: u64 = 64;

/// Group the proven hunks, the sections only one side has and the hashes
/// over the rest into findings; then roots and consequences.
pub(super) fn resolve<'a, 'd>(
    l: &Side<'a, 'd>,
    r: &Side<'a, 'd>,
    diff: &Diff,
    proven: Proven,
    one_sided: Vec<(usize, Class)>,
) -> Vec<Finding> {
    let mut groups = Groups {
        l,
        r,
        diff,
        by_key: BTreeMap::new(),
    };
    for p in proven.hunks {
        let bytes = diff.pairs[p.pair].hunks[p.hunk].differing_bytes();
        let g = groups.add(p.pair, p.hunk, p.class);
        if let Some(kind) = p.proof {
            *g.proven_by.entry(kind).or_insert(0) += bytes;
        }
        for d in p.instructions {
            if g.instructions.len() < MAX_LOCATIONS && !g.instructions.contains(&d) {
                g.instructions.push(d);
            }
        }
    }
    for (k, class) in one_sided {
        let p = &diff.pairs[k];
        let g = groups.entry(class, &p.name);
        g.bytes += p.differing_bytes;
        g.ranges += 1;
        if g.section.is_empty() {
            g.section = p.name.clone();
        }
        g.size_changing += p.differing_bytes;
        // Padding between sections that only one side needs (an alignment
        // the other side met already): the layout's, when it is all fill.
        let (bin, s) = match (p.lhs, p.rhs) {
            (Some(i), None) => (l.bin, i),
            (None, Some(j)) => (r.bin, j),
            _ => continue,
        };
        if g.class.residual != Residual::No
            && bin.sections[s].kind == SectionKind::Gap
            && bin.raw(s).iter().all(|&b| b == 0)
        {
            *g.proven_by.entry(prove::ProofKind::Offset).or_insert(0) += p.differing_bytes;
        }
    }
    // IDs computed over the rest of the file: proven only when every other byte is.
    let all_proven = groups
        .by_key
        .values()
        .all(|g| !g.class.unproven && (g.class.residual == Residual::No || g.proven() == g.bytes));
    for (k, n, class) in proven.derived {
        let bytes = diff.pairs[k].hunks[n].differing_bytes();
        let g = groups.add(k, n, class);
        if all_proven {
            *g.proven_by.entry(prove::ProofKind::Hash).or_insert(0) += bytes;
        }
    }
    roots_and_consequences(groups.by_key)
}

/// Root causes group across sections (one workdir path embedded in the
/// pclntab and in DWARF is one finding); section-only residuals per section.
fn group_key(class: &Class, section: &str) -> (Cause, String, String) {
    let section = if class.residual == Residual::No {
        String::new()
    } else {
        section.to_string()
    };
    (class.cause, section, class.subject.clone())
}

/// Findings in the making, by (cause, section, subject).
struct Groups<'s, 'a, 'd> {
    l: &'s Side<'a, 'd>,
    r: &'s Side<'a, 'd>,
    diff: &'s Diff,
    by_key: BTreeMap<(Cause, String, String), Group>,
}

impl Groups<'_, '_, '_> {
    /// The group of `class` in `section`, made at its first hunk.
    fn entry(&mut self, class: Class, section: &str) -> &mut Group {
        self.by_key
            .entry(group_key(&class, section))
            .or_insert_with(|| Group::new(class))
    }

    /// Add hunk `n` of pair `k` to the group of `class`.
    fn add(&mut self, k: usize, n: usize, class: Class) -> &mut Group {
        let (l, r, p) = (self.l, self.r, &self.diff.pairs[k]);
        let detail = class.detail.clone();
        let g = self.entry(class, &p.name);
        g.add(l, r, p, n, detail);
        g
    }
}

/// Hunks of one (cause, section, subject).
struct Group {
    class: Class,
    bytes: u64,
    ranges: u64,
    /// Net bytes inserted or deleted (lhs total minus rhs total, absolute):
    /// a root that moved what follows. A same-length value that Myers
    /// happened to align as inserts and deletes nets to zero.
    size_changing: u64,
    net: i64,
    section: String,
    /// Every section it touches, in first-seen order.
    sections: Vec<String>,
    locations: Vec<Location>,
    lhs_excerpt: Option<Excerpt>,
    rhs_excerpt: Option<Excerpt>,
    /// Proven bytes by what proved them.
    proven_by: BTreeMap<prove::ProofKind, u64>,
    instructions: Vec<prove::InstructionDiff>,
}

impl Group {
    fn proven(&self) -> u64 {
        self.proven_by.values().sum()
    }

    fn new(class: Class) -> Group {
        Group {
            class,
            bytes: 0,
            ranges: 0,
            size_changing: 0,
            net: 0,
            section: String::new(),
            sections: vec![],
            locations: vec![],
            lhs_excerpt: None,
            rhs_excerpt: None,
            proven_by: BTreeMap::new(),
            instructions: vec![],
        }
    }

    /// Add hunk `n` of `p`.
    fn add(
        &mut self,
        l: &Side<'_, '_>,
        r: &Side<'_, '_>,
        p: &SectionPair,
        n: usize,
        detail: Option<String>,
    ) {
        let (i, j, h) = (p.lhs.unwrap_or(0), p.rhs.unwrap_or(0), &p.hunks[n]);
        let bytes = h.differing_bytes();
        self.bytes += bytes;
        self.ranges += 1;
        self.net += (h.rhs.end - h.rhs.start) as i64 - (h.lhs.end - h.lhs.start) as i64;
        self.size_changing = self.net.unsigned_abs();
        // A pair's hunks come together, so the last section is the usual
        // answer; the scan is then once per (group, section), not per hunk.
        if self.sections.last() != Some(&p.name) && !self.sections.contains(&p.name) {
            self.sections.push(p.name.clone());
        }
        if self.section.is_empty() {
            self.section = p.name.clone();
            self.lhs_excerpt = Some(finding::excerpt(
                l.data(i),
                h.lhs.start,
                h.lhs.end,
                EXCERPT_BYTES,
            ));
            self.rhs_excerpt = Some(finding::excerpt(
                r.data(j),
                h.rhs.start,
                h.rhs.end,
                EXCERPT_BYTES,
            ));
        }
        if self.locations.len() < MAX_LOCATIONS {
            let s = &l.bin.sections[i];
            self.locations.push(Location {
                section: p.name.clone(),
                lhs_offset: h.lhs.start,
                lhs_length: h.lhs.end - h.lhs.start,
                rhs_offset: h.rhs.start,
                rhs_length: h.rhs.end - h.rhs.start,
                lhs_file_offset: s
                    .compression
                    .is_none()
                    .then(|| s.file_range.start + h.lhs.start),
                symbol: l.bin.symbol_for(i, h.lhs.start).map(|s| s.name.clone()),
                detail,
            });
        }
    }
}

/// Decide roots and consequences, order the findings and number them.
/// Residual bytes follow a root only as what they are: proven, or (under a
/// toolchain root, and hashes of unproven content) marked unproven.
fn roots_and_consequences(groups: BTreeMap<(Cause, String, String), Group>) -> Vec<Finding> {
    let mut roots: Vec<Group> = Vec::new();
    let mut residual: Vec<Group> = Vec::new();
    for (_, g) in groups {
        if g.class.residual == Residual::No {
            roots.push(g);
        } else {
            residual.push(g);
        }
    }
    // The root that moved the most bytes explains the shift; among roots that
    // moved nothing, one that can change a length (a path, a -X value) rather
    // than a fixed-size ID.
    let shifter = roots
        .iter()
        .enumerate()
        .max_by_key(|(k, g)| {
            (
                g.size_changing,
                g.class.cause != Cause::BuildId,
                !g.class.unproven,
                g.bytes,
                std::cmp::Reverse(*k),
            )
        })
        .map(|(k, _)| k);
    let build_id_root = roots.iter().position(|g| g.class.cause == Cause::BuildId);
    let mut shifted: Vec<(usize, Group)> = Vec::new();
    for g in residual {
        let root = match g.class.residual {
            Residual::Derived => build_id_root.or(shifter),
            _ => shifter,
        };
        match root {
            Some(k) => shifted.push((k, g)),
            None => roots.push(g),
        }
    }
    // Order roots by cause, then bytes.
    let mut order: Vec<usize> = (0..roots.len()).collect();
    order.sort_by(|&a, &b| {
        let (ga, gb) = (&roots[a], &roots[b]);
        ga.class
            .cause
            .cmp(&gb.class.cause)
            .then(gb.bytes.cmp(&ga.bytes))
            .then_with(|| ga.section.cmp(&gb.section))
            .then_with(|| ga.class.subject.cmp(&gb.class.subject))
    });
    let mut id_of = vec![0usize; roots.len()];
    for (n, &k) in order.iter().enumerate() {
        id_of[k] = n + 1;
    }
    shifted.sort_by(|(ka, a), (kb, b)| {
        id_of[*ka]
            .cmp(&id_of[*kb])
            .then(b.bytes.cmp(&a.bytes))
            .then_with(|| a.section.cmp(&b.section))
            .then_with(|| a.class.subject.cmp(&b.class.subject))
    });

    let mut findings: Vec<Finding> = Vec::new();
    let mut roots: Vec<Option<Group>> = roots.into_iter().map(Some).collect();
    for &k in &order {
        let g = roots[k].take().expect("each root once");
        findings.push(finish(findings.len() + 1, g, None));
    }
    for (k, g) in shifted {
        let root_id = id_of[k];
        let mut f = finish(findings.len() + 1, g, Some(root_id));
        let how = if f.proven == Some(true) {
            "moved by"
        } else {
            "NOT proven to follow from"
        };
        f.title = format!(
            "{} ({}): {how} [{root_id}] {}",
            f.title,
            f.cause,
            findings[root_id - 1].cause
        );
        f.cause = Cause::LayoutShift;
        f.fix = None;
        findings.push(f);
    }
    findings
}

fn finish(id: usize, g: Group, root: Option<usize>) -> Finding {
    let proven = if g.class.unproven {
        Some(false)
    } else if root.is_some() || g.class.residual != Residual::No {
        Some(g.proven() == g.bytes)
    } else {
        None
    };
    let title = if g.sections.len() > 1 {
        format!("{} (in {})", g.class.title, g.sections.join(", "))
    } else {
        g.class.title
    };
    Finding {
        id,
        cause: g.class.cause,
        root,
        title,
        section: g.section,
        bytes: g.bytes,
        ranges: g.ranges,
        locations: g.locations,
        variation: g.class.variation,
        lhs_excerpt: g.lhs_excerpt,
        rhs_excerpt: g.rhs_excerpt,
        fix: g.class.fix,
        proven,
        proven_by: g
            .proven_by
            .iter()
            .map(|(k, v)| (k.code().to_string(), *v))
            .collect(),
        instructions: g.instructions,
    }
}
