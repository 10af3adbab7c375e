//! Step 4 of `rebuild`: judge the attempts and render the outcome.
//!
//! Input: the attempts and the published bytes. Output: the closest attempt,
//! the attribution [`Report`] of published vs. rebuilt made by the existing
//! pipeline (`binary` → `diff` → `attribute` → `report`) when no attempt is
//! byte-identical, and the human or JSON text of a [`RebuildOutcome`].
//!
//! Deterministic: no durations or workspace paths in the text (the JSON keeps
//! the attempts' durations, which `--format json` users asked for).

use std::fmt::Write as _;
use std::path::Path;

use super::search::Verdict;
use super::{Attempt, RebuildError, RebuildOutcome};
use crate::attribute;
use crate::binary::Binary;
use crate::harness::VariationHints;
use crate::report::{self, Artifact, OutputFormat, Report};

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

/// The outcome as text: human (the recipe, inputs, attempts, then the attribution) or JSON.
pub fn render(o: &RebuildOutcome, format: OutputFormat) -> String {
    match format {
        OutputFormat::Json => {
            let mut s = serde_json::to_string_pretty(o)
                .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
            s.push('\n');
            s
        }
        _ => human(o),
    }
}

fn human(o: &RebuildOutcome) -> String {
    let mut s = String::new();
    let r = &o.recipe;
    if o.fetched_only {
        let _ = writeln!(
            s,
            "fetched the inputs of {} (no build: --fetch-only)",
            o.published.path
        );
    } else if o.exit_code == 0 {
        let _ = writeln!(
            s,
            "identical: {} rebuilt byte for byte from {}@{} with {}",
            o.published.path, r.module.path, r.module.version, r.go_version
        );
    } else {
        let _ = writeln!(
            s,
            "differs: no rebuild of {} from {}@{} with {} is byte-identical; the closest is explained below",
            o.published.path, r.module.path, r.module.version, r.go_version
        );
    }
    let _ = writeln!(
        s,
        "  published  sha256 {}  {} bytes",
        o.published.sha256, o.published.size
    );
    if let Some(b) = best(&o.attempts) {
        let _ = writeln!(s, "  rebuilt    sha256 {}", o.attempts[b].sha256);
    }
    let _ = writeln!(s, "\nRecipe (read from the binary)");
    let row = |s: &mut String, k: &str, v: &str, from: &str| {
        let _ = writeln!(
            s,
            "  {k:<12} {v}{}",
            if from.is_empty() {
                String::new()
            } else {
                format!("   [{from}]")
            }
        );
    };
    row(&mut s, "go", &r.go_version, "buildinfo");
    row(
        &mut s,
        "module",
        &format!("{} {}", r.module.path, r.module.version),
        "buildinfo",
    );
    row(
        &mut s,
        "package",
        &format!("{} (./{})", r.main_package, r.package_dir),
        "buildinfo",
    );
    row(&mut s, "target", &r.target(), "buildinfo");
    let env: Vec<String> = r.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    row(&mut s, "env", &env.join(" "), "buildinfo");
    let mut flags = Vec::new();
    if r.trimpath {
        flags.push("-trimpath".to_string());
    }
    if let Some(t) = &r.tags {
        flags.push(format!("-tags={t}"));
    }
    flags.extend(r.flags.iter().cloned());
    row(&mut s, "flags", &flags.join(" "), "buildinfo");
    match &r.ldflags {
        Some(l) => row(&mut s, "ldflags", l, "buildinfo"),
        None if r.trimpath => row(
            &mut s,
            "ldflags",
            &format!(
                "not recorded (-trimpath hides them); symbols {}, DWARF {}, build ID {}",
                if r.strip_symbols {
                    "absent (-s)"
                } else {
                    "present"
                },
                if r.strip_dwarf {
                    "absent (-w)"
                } else {
                    "present"
                },
                if r.build_id.is_some() {
                    "present"
                } else {
                    "absent (-buildid=)"
                }
            ),
            "symbols, dwarf, build-id",
        ),
        None => row(&mut s, "ldflags", "none", "buildinfo"),
    }
    if let Some(g) = r.settings.get("DefaultGODEBUG") {
        row(&mut s, "godebug", g, "buildinfo (from go.mod)");
    }
    match &r.vcs {
        Some(v) => row(
            &mut s,
            "vcs",
            &format!(
                "{} {} {} {}",
                v.vcs,
                v.revision,
                v.time,
                if v.modified { "modified" } else { "clean" }
            ),
            "buildinfo; reproduced by the stand-in git",
        ),
        None => row(
            &mut s,
            "vcs",
            "none (built with -buildvcs=false or outside a checkout)",
            "buildinfo",
        ),
    }
    if let Some(p) = &r.paths {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "?".into());
        row(&mut s, "module root", &show(&p.module_root), "pclntab");
        row(&mut s, "GOROOT", &show(&p.goroot), "pclntab");
        row(&mut s, "GOMODCACHE", &show(&p.gomodcache), "pclntab");
    }
    row(
        &mut s,
        "deps",
        &format!("{} modules", r.deps.len()),
        "buildinfo",
    );
    let _ = writeln!(s, "\nInputs");
    for i in &o.inputs {
        let _ = writeln!(
            s,
            "  {:<10} {} {}   [{}]",
            i.role,
            i.name,
            if i.sum.is_empty() { "-" } else { &i.sum },
            i.from
        );
    }
    if !o.attempts.is_empty() {
        let _ = writeln!(s, "\nAttempts");
        for (n, a) in o.attempts.iter().enumerate() {
            let _ = writeln!(
                s,
                "  {}. -ldflags={}: {}",
                n + 1,
                a.ldflags
                    .as_deref()
                    .map(|l| format!("{l:?}"))
                    .unwrap_or_else(|| "(none)".into()),
                a.why
            );
        }
    }
    if !o.git_queries.is_empty() {
        let _ = writeln!(s, "\nThe go command asked the stand-in git:");
        for q in &o.git_queries {
            let _ = writeln!(s, "  git {q}");
        }
    }
    if !o.notes.is_empty() {
        let _ = writeln!(s, "\nNotes");
        for n in &o.notes {
            let _ = writeln!(s, "  - {n}");
        }
    }
    if let Some(report) = &o.report {
        let _ = writeln!(s, "\nAttribution (published = lhs, rebuilt = rhs)\n");
        s.push_str(&report.render(OutputFormat::Human, false));
    }
    s
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
