//! The ldflags search (step 3 of `rebuild`): which `-ldflags` to try, and
//! what each attempt's build ID says about why it was dropped.
//!
//! Input: the [`Recipe`]. Output: the candidate `-ldflags` values, most
//! likely first, and for a finished attempt a [`Verdict`] comparing its Go
//! build ID with the published one.
//!
//! When the binary records `-ldflags` (builds without `-trimpath`), that is
//! the only candidate. `-trimpath` hides them: then the candidates are the
//! forms release pipelines write for what the binary shows, `-s`/`-w` from the
//! missing symbols and DWARF in both orders (the order changes the link action
//! ID, so only one is byte-identical), and `-buildid=` (before or after) when
//! the binary has no build ID. Package variables set with `-X` are found by
//! [`x_candidates`] from the strings of the published binary.
//!
//! The build ID of an executable is `link action / main compile action /
//! main content / binary content`: the same main compile action ID means the
//! compile inputs match; a different link action ID with it means the link
//! inputs (the flags) differ.
//!
//! Pure.

use serde::Serialize;

use super::recipe::Recipe;

/// The `-ldflags` values to try, most likely first (`None`: no `-ldflags` at all).
pub fn ldflags_candidates(recipe: &Recipe) -> Vec<Option<String>> {
    if !recipe.trimpath {
        // Recorded when given (the go command hides them only under -trimpath).
        return vec![recipe.ldflags.clone()];
    }
    if let Some(l) = &recipe.ldflags {
        return vec![Some(l.clone())];
    }
    let strip: Vec<&str> = match (recipe.strip_symbols, recipe.strip_dwarf) {
        (true, _) => vec!["-s -w", "-w -s", "-s"],
        (false, true) => vec!["-w"],
        (false, false) => vec![""],
    };
    let mut out = Vec::new();
    for s in strip {
        if recipe.build_id.is_some() {
            out.push(s.to_string());
        } else if s.is_empty() {
            out.push("-buildid=".to_string());
        } else {
            out.push(format!("{s} -buildid="));
            out.push(format!("-buildid= {s}"));
        }
    }
    out.into_iter()
        .map(|s| (!s.is_empty()).then_some(s))
        .collect()
}

/// Adds `-X name=value` settings to a candidate.
pub fn with_x(base: &Option<String>, xs: &[(String, String)]) -> Option<String> {
    let mut parts: Vec<String> = base.iter().cloned().collect();
    for (name, value) in xs {
        parts.push(format!("-X {name}={value}"));
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// What a package variable's name suggests it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Version,
    Commit,
    Date,
}

fn kind_of(var: &str) -> Option<Kind> {
    let name = var.rsplit('.').next().unwrap_or(var).to_ascii_lowercase();
    if name.contains("version") || name == "tag" {
        Some(Kind::Version)
    } else if name.contains("commit")
        || name.contains("revision")
        || name.contains("sha")
        || name == "hash"
    {
        Some(Kind::Commit)
    } else if name.contains("date") || name.contains("time") || name.contains("built") {
        Some(Kind::Date)
    } else {
        None
    }
}

/// For the string variables `vars` of the main module (full symbol names,
/// e.g. `example.com/app/internal/version.commit`), the sets of `-X` values to
/// try: each variable whose name says what it holds gets the values the
/// recipe can explain (the module version with or without `v`, the revision
/// in full or the usual short forms, the commit time) that the published
/// binary's bytes contain. Every combination is a candidate, at most
/// [`MAX_X_SETS`] of them, in a fixed order.
pub fn x_candidates(
    recipe: &Recipe,
    vars: &[String],
    published: &[u8],
) -> Vec<Vec<(String, String)>> {
    let version = recipe.module.version.clone();
    let rev = recipe
        .vcs
        .as_ref()
        .map(|v| v.revision.clone())
        .unwrap_or_default();
    let time = recipe
        .vcs
        .as_ref()
        .map(|v| v.time.clone())
        .unwrap_or_default();
    let mut per_var: Vec<(String, Vec<String>)> = Vec::new();
    for var in vars {
        let values: Vec<String> = match kind_of(var) {
            Some(Kind::Version) if version.starts_with('v') => {
                vec![version.clone(), version[1..].to_string()]
            }
            Some(Kind::Commit) if rev.len() >= 12 => {
                vec![
                    rev.clone(),
                    rev[..12].to_string(),
                    rev[..8].to_string(),
                    rev[..7].to_string(),
                ]
            }
            Some(Kind::Date) if !time.is_empty() => vec![time.clone()],
            _ => continue,
        };
        let present: Vec<String> = values
            .into_iter()
            .filter(|v| !v.is_empty() && contains(published, v.as_bytes()))
            .collect();
        if !present.is_empty() {
            per_var.push((var.clone(), present));
        }
    }
    let mut sets: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for (var, values) in &per_var {
        let mut next = Vec::new();
        for set in &sets {
            for v in values {
                let mut s = set.clone();
                s.push((var.clone(), v.clone()));
                next.push(s);
            }
        }
        next.truncate(MAX_X_SETS);
        sets = next;
    }
    sets.retain(|s| !s.is_empty());
    sets
}

/// The most `-X` value sets tried.
pub const MAX_X_SETS: usize = 8;

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// How an attempt's build ID compares with the published one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Byte-identical.
    Identical,
    /// Same build ID, different bytes (something the build ID does not cover).
    SameBuildId,
    /// The main package compiled the same; the link inputs (flags, -X values) differ.
    LinkDiffers,
    /// The main package's compile inputs differ (source, toolchain, settings, paths).
    CompileDiffers,
    /// One side has a build ID and the other none (`-buildid=`).
    BuildIdPresence,
    /// Neither has a build ID; the bytes differ.
    Differs,
}

impl Verdict {
    pub fn why(self) -> &'static str {
        match self {
            Verdict::Identical => "byte-identical",
            Verdict::SameBuildId => "same Go build ID, yet the bytes differ",
            Verdict::LinkDiffers => {
                "the main package compiled the same but the link action ID differs: the link flags differ"
            }
            Verdict::CompileDiffers => {
                "the main package's compile action ID differs: the source, toolchain, settings or paths differ"
            }
            Verdict::BuildIdPresence => "one has a Go build ID and the other none (-buildid=)",
            Verdict::Differs => "the bytes differ (no build ID to tell which inputs)",
        }
    }
}

/// Compares two Go build IDs (`None`: no build ID) of binaries that are not identical.
pub fn compare_build_ids(published: Option<&str>, rebuilt: Option<&str>) -> Verdict {
    match (published, rebuilt) {
        (None, None) => Verdict::Differs,
        (Some(_), None) | (None, Some(_)) => Verdict::BuildIdPresence,
        (Some(a), Some(b)) if a == b => Verdict::SameBuildId,
        (Some(a), Some(b)) => {
            let (pa, pb): (Vec<&str>, Vec<&str>) = (a.split('/').collect(), b.split('/').collect());
            if pa.len() == 4 && pb.len() == 4 && pa[1] == pb[1] && pa[2] == pb[2] {
                Verdict::LinkDiffers
            } else {
                Verdict::CompileDiffers
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binary::go::Module;
    use std::collections::BTreeMap;

    fn recipe(trimpath: bool, s: bool, w: bool, build_id: bool, ldflags: Option<&str>) -> Recipe {
        Recipe {
            go_version: "go1.27.1".into(),
            main_package: "example.com/app".into(),
            module: Module {
                path: "example.com/app".into(),
                version: "v1.2.3".into(),
                sum: String::new(),
            },
            package_dir: ".".into(),
            installed: false,
            deps: Vec::new(),
            settings: BTreeMap::new(),
            trimpath,
            tags: None,
            ldflags: ldflags.map(str::to_string),
            env: BTreeMap::new(),
            flags: Vec::new(),
            vcs: Some(super::super::recipe::VcsStamp {
                vcs: "git".into(),
                revision: "a3f0c75d21d918756fa38de8b5d3429efde7948b".into(),
                time: "2026-09-06T14:51:11Z".into(),
                modified: false,
            }),
            strip_symbols: s,
            strip_dwarf: w,
            build_id: build_id.then(|| "a/b/c/d".to_string()),
            paths: None,
            origins: BTreeMap::new(),
            format: crate::binary::Format::Elf,
        }
    }

    #[test]
    fn candidates() {
        let check = |r: Recipe, want: &[Option<&str>]| {
            let got = ldflags_candidates(&r);
            let want: Vec<Option<String>> = want.iter().map(|w| w.map(str::to_string)).collect();
            assert_eq!(got, want);
        };
        check(
            recipe(true, true, true, true, None),
            &[Some("-s -w"), Some("-w -s"), Some("-s")],
        );
        check(
            recipe(true, false, true, false, None),
            &[Some("-w -buildid="), Some("-buildid= -w")],
        );
        check(recipe(true, false, false, true, None), &[None]);
        check(
            recipe(true, false, false, false, None),
            &[Some("-buildid=")],
        );
        check(
            recipe(false, true, true, true, Some("-s -w -X a.b=c")),
            &[Some("-s -w -X a.b=c")],
        );
        check(recipe(false, false, false, true, None), &[None]);
    }

    #[test]
    fn x_values_found_in_the_published_bytes() {
        let r = recipe(true, true, true, true, None);
        let vars = vec![
            "example.com/app/internal/version.version".to_string(),
            "example.com/app/internal/version.commit".to_string(),
            "example.com/app/internal/version.date".to_string(),
            "example.com/app.unrelated".to_string(),
        ];
        let published = b"...1.2.3...a3f0c75d...";
        let v = |a: &str, b: &str| {
            (
                format!("example.com/app/internal/version.{a}"),
                b.to_string(),
            )
        };
        assert_eq!(
            x_candidates(&r, &vars, published),
            vec![
                vec![v("version", "1.2.3"), v("commit", "a3f0c75d")],
                vec![v("version", "1.2.3"), v("commit", "a3f0c75")],
            ]
        );
        assert_eq!(
            with_x(&Some("-s -w".into()), &[("a.b".into(), "c".into())]),
            Some("-s -w -X a.b=c".into())
        );
        assert_eq!(with_x(&None, &[]), None);
    }

    #[test]
    fn build_id_verdicts() {
        assert_eq!(
            compare_build_ids(Some("L/M/C/B"), Some("L2/M/C/B2")),
            Verdict::LinkDiffers
        );
        assert_eq!(
            compare_build_ids(Some("L/M/C/B"), Some("L2/M2/C2/B2")),
            Verdict::CompileDiffers
        );
        assert_eq!(
            compare_build_ids(None, Some("a/b/c/d")),
            Verdict::BuildIdPresence
        );
        assert_eq!(compare_build_ids(None, None), Verdict::Differs);
        assert_eq!(
            compare_build_ids(Some("x"), Some("x")),
            Verdict::SameBuildId
        );
    }
}
