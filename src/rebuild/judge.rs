//! Step 4 of `rebuild`: judge the attempts and render the outcome.
//!
//! Input: the attempts and the published bytes. Output: the closest attempt,
//! the attribution [`Report`] of published vs. rebuilt made by the existing
//! pipeline (`binary` → `diff` → `attribute` → `report`) when no attempt is
//! byte-identical ([`super::render`] turns the outcome into text).

use std::path::Path;

use super::search::Verdict;
use super::{Attempt, RebuildError};
use crate::attribute;
use crate::binary::Binary;
use crate::harness::VariationHints;
use crate::report::{self, Artifact, Report};

/// The attempt to show when none is identical: identical first, then the one whose build ID is closest.
pub fn best(attempts: &[Attempt]) -> Option<usize> {
    let rank = |v: Verdict| match v {
        Verdict::Identical => 0,
        Verdict::SameBuildId => 1,
        Verdict::LinkDiffers => 2,
        Verdict::Differs => 3,
        Verdict::BuildIdPresence => 4,
        Verdict::CompileDiffers => 5,
    };
    (0..attempts.len()).min_by_key(|&i| (rank(attempts[i].verdict), i))
}

/// Diffs the published binary with an attempt and attributes every differing byte.
pub fn attribute(
    published_path: &Path,
    published: &[u8],
    attempt: &Attempt,
    recipe: &super::recipe::Recipe,
    notes: &[String],
) -> Result<Report, RebuildError> {
    let rebuilt = std::fs::read(&attempt.path)
        .map_err(|e| RebuildError::Build(format!("cannot read the rebuilt binary: {e}")))?;
    let lhs = Binary::parse(published).map_err(|e| RebuildError::Binary {
        path: published_path.display().to_string(),
        reason: e.to_string(),
    })?;
    let rhs = Binary::parse(&rebuilt)
        .map_err(|e| RebuildError::Build(format!("the rebuilt binary does not parse: {e}")))?;
    let d = crate::diff::diff(&lhs, &rhs);
    let attribution = attribute::attribute(&lhs, &rhs, &d, &VariationHints::default());
    let mut all_notes: Vec<String> = vec![format!(
        "rhs is the rebuild of lhs from its recipe ({}; -ldflags {})",
        recipe.go_version,
        attempt
            .ldflags
            .as_deref()
            .map(|l| format!("{l:?}"))
            .unwrap_or_else(|| "none".into())
    )];
    all_notes.extend(notes.iter().cloned());
    all_notes.extend(
        attribution
            .warnings
            .iter()
            .map(|w| format!("attribution: {w}")),
    );
    let context = report::Context {
        command: "rebuild".into(),
        toolchain: Some(crate::harness::ToolchainInfo {
            version: recipe.go_version.clone(),
            source: "buildinfo".into(),
            pinned: true,
        }),
        builds: Vec::new(),
        allowances: Vec::new(),
        notes: all_notes,
    };
    let lhs_sha = crate::binary::sha256_hex(published);
    Ok(Report::new(
        Artifact::with_sha256(&published_path.display().to_string(), &lhs, Some(lhs_sha)),
        Artifact::with_sha256("rebuilt", &rhs, Some(attempt.sha256.clone())),
        &d,
        attribution,
        context,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn attempt(v: Verdict) -> Attempt {
        Attempt {
            ldflags: None,
            command: Vec::new(),
            sha256: String::new(),
            build_id: None,
            verdict: v,
            why: String::new(),
            duration: Duration::ZERO,
            path: Default::default(),
        }
    }

    #[test]
    fn the_closest_attempt_is_shown() {
        let a = [
            attempt(Verdict::CompileDiffers),
            attempt(Verdict::LinkDiffers),
            attempt(Verdict::LinkDiffers),
        ];
        assert_eq!(best(&a), Some(1));
        let a = [attempt(Verdict::LinkDiffers), attempt(Verdict::Identical)];
        assert_eq!(best(&a), Some(1));
        assert_eq!(best(&[]), None);
    }
}
