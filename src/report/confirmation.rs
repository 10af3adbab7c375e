//! [`Confirmation`]: what `verify --confirm` found when it rebuilt the rhs
//! with one of the harness's variations removed: the causal proof of a root
//! cause, next to the structural one.
//!
//! The judgement is a pure function of the original roots and the report of
//! the lhs against the confirming build, attributed with the *original*
//! variation hints: a path of the removed variation that is still there is
//! still named after it.

use serde::{Deserialize, Serialize};

use super::{Report, Verdict};
use crate::attribute::{Cause, Finding};

/// How a confirming build came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConfirmOutcome {
    /// Without the variation the roots' bytes are gone.
    Confirmed,
    /// Without the variation some of the roots' bytes still differ.
    Refuted,
    /// Not tried, or the build did not give a binary (`detail` says why).
    NotRun,
}

impl ConfirmOutcome {
    pub fn code(self) -> &'static str {
        match self {
            ConfirmOutcome::Confirmed => "confirmed",
            ConfirmOutcome::Refuted => "refuted",
            ConfirmOutcome::NotRun => "not-run",
        }
    }
}

/// The binary of a confirming build (its path is a temp path and stays out of the report).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RebuiltArtifact {
    pub size: u64,
    pub sha256: String,
}

/// One variation removed and what that did to the roots naming it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Confirmation {
    /// The variation removed (`workdir`, `HOME`, `GOCACHE`, ...), or the
    /// one the roots name when it was not removed.
    pub variation: String,
    /// The root findings (ids) that name it.
    pub roots: Vec<usize>,
    pub outcome: ConfirmOutcome,
    /// One line: what the confirming build showed, or why there was none.
    pub detail: String,
    /// The confirming build's binary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rebuilt: Option<RebuiltArtifact>,
    /// Bytes that differ between the lhs and the confirming build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub differing_bytes: Option<u64>,
    /// Of those, the bytes of roots with the same cause and variation as
    /// the tested roots, with their consequences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_bytes_remaining: Option<u64>,
    /// The root causes of what still differs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remaining_root_causes: Vec<Cause>,
    /// Other roots of the report (ids) that the confirming build no longer
    /// has either: the removed variation explains them too (a build ID
    /// computed over the paths, for one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_gone: Vec<usize>,
}

impl Confirmation {
    /// A variation that was not removed, or whose build gave no binary.
    pub fn not_run(variation: &str, roots: &[&Finding], reason: String) -> Confirmation {
        Confirmation {
            variation: variation.to_string(),
            roots: roots.iter().map(|f| f.id).collect(),
            outcome: ConfirmOutcome::NotRun,
            detail: reason,
            rebuilt: None,
            differing_bytes: None,
            root_bytes_remaining: None,
            remaining_root_causes: Vec::new(),
            also_gone: Vec::new(),
        }
    }

    /// Judges `roots` (of the original report) by `after`, the report of the
    /// lhs against the build without `variation`; `others` are the report's
    /// other roots.
    pub fn judge(
        variation: &str,
        roots: &[&Finding],
        others: &[&Finding],
        after: &Report,
    ) -> Confirmation {
        let same = |f: &Finding, g: &Finding| f.cause == g.cause && f.variation == g.variation;
        let same_root = |g: &Finding| g.root.is_none() && roots.iter().any(|f| same(f, g));
        let also_gone: Vec<usize> = others
            .iter()
            .filter(|f| !after.roots().any(|g| same(f, g)))
            .map(|f| f.id)
            .collect();
        let remaining_ids: Vec<usize> = after
            .findings
            .iter()
            .filter(|g| same_root(g))
            .map(|g| g.id)
            .collect();
        let remaining: u64 = after
            .findings
            .iter()
            .filter(|g| {
                remaining_ids.contains(&g.id) || g.root.is_some_and(|r| remaining_ids.contains(&r))
            })
            .map(|g| g.bytes)
            .sum();
        let s = &after.summary;
        let with = if variation == "vcs" {
            "from the lhs's git snapshot".to_string()
        } else {
            format!("with the lhs's {variation}")
        };
        let (outcome, detail) = if after.verdict == Verdict::Reproducible {
            (
                ConfirmOutcome::Confirmed,
                format!("built {with}, the rhs is byte-identical to the lhs"),
            )
        } else if remaining == 0 {
            let causes: Vec<&str> = s.root_causes.iter().map(|c| c.code()).collect();
            (
                ConfirmOutcome::Confirmed,
                format!(
                    "built {with}, the rhs no longer has these roots' bytes; {} B of other root causes still differ ({})",
                    s.differing_bytes,
                    causes.join(", ")
                ),
            )
        } else {
            (
                ConfirmOutcome::Refuted,
                format!(
                    "built {with}, {remaining} B of these roots still differ: the {variation} is not (alone) their cause"
                ),
            )
        };
        Confirmation {
            variation: variation.to_string(),
            roots: roots.iter().map(|f| f.id).collect(),
            outcome,
            detail,
            rebuilt: Some(RebuiltArtifact {
                size: after.rhs.size,
                sha256: after.rhs.sha256.clone(),
            }),
            differing_bytes: Some(s.differing_bytes),
            root_bytes_remaining: Some(remaining),
            remaining_root_causes: s.root_causes.clone(),
            also_gone,
        }
    }

    /// The facts of the confirming build in one line (`None` when there was none).
    pub fn evidence(&self) -> Option<String> {
        let (Some(b), Some(d)) = (&self.rebuilt, self.differing_bytes) else {
            return None;
        };
        let mut line = format!(
            "confirming build: sha256 {}, {d} B differ from the lhs",
            b.sha256
        );
        if let Some(n) = self.root_bytes_remaining.filter(|n| *n > 0) {
            line.push_str(&format!(", {n} B of them these roots'"));
        }
        if !self.also_gone.is_empty() {
            let ids: Vec<String> = self.also_gone.iter().map(|id| format!("[{id}]")).collect();
            line.push_str(&format!("; gone with it too: {}", ids.join(" ")));
        }
        Some(line)
    }

    /// The roots as `[1] [3]`.
    pub fn root_list(&self) -> String {
        self.roots
            .iter()
            .map(|id| format!("[{id}]"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}
