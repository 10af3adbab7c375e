//! Landmarks: the Go structures of one binary reduced to what attribution
//! needs: labelled spans (build ID, buildinfo, file names, DWARF strings)
//! sorted for lookup, plus the parsed build settings and file names.

use std::collections::BTreeMap;
use std::ops::Range;

use super::classify::TOOLCHAIN_FIX;
use super::Cause;
use crate::binary::go::{self, GoInfo};
use crate::binary::Binary;
use crate::harness::Hint;

/// What a span of a section holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mark {
    /// The Go build ID (note or text header).
    BuildId,
    /// An ID computed from the build ID or from the contents (GNU build-id, LC_UUID).
    DerivedId(&'static str),
    /// The buildinfo blob.
    Buildinfo,
    /// The runtime.modinfo copy of the buildinfo text.
    Modinfo,
    /// A pclntab file-table entry.
    FileName,
    /// A pclntab function name.
    FuncName,
    /// A DWARF directory, file or compilation-directory string.
    DwarfPath,
    /// A DWARF DW_AT_producer string.
    DwarfProducer,
    /// Another DWARF unit attribute.
    DwarfOther,
}

#[derive(Debug, Clone)]
pub struct Landmark {
    pub section: usize,
    pub range: Range<u64>,
    pub mark: Mark,
    pub text: String,
}

impl Landmark {
    pub fn what(&self) -> &'static str {
        match self.mark {
            Mark::FileName => "file table entry",
            Mark::FuncName => "function name",
            Mark::DwarfPath => "DWARF path",
            Mark::DwarfProducer => "DWARF producer",
            _ => "",
        }
    }
}

/// One binary's landmarks.
#[derive(Debug, Default)]
pub struct Landmarks {
    /// Sorted by (section, start).
    marks: Vec<Landmark>,
    pub build_id: Option<String>,
    pub go_version: Option<String>,
    /// buildinfo `build` settings.
    pub settings: BTreeMap<String, String>,
    /// buildinfo `mod`, `dep` and `=>` lines.
    pub modules: Vec<String>,
    /// pclntab file names.
    pub files: Vec<String>,
    /// The decoded pclntab, for the proofs (function table, tables).
    pub pclntab: Option<go::pclntab::Pclntab>,
    pub warnings: Vec<String>,
}

impl Landmarks {
    /// Read `bin`'s Go structures; DWARF only when `with_dwarf` (it is the costly part).
    pub fn read(bin: &Binary<'_>, with_dwarf: bool) -> Landmarks {
        let mut info = go::read_without_dwarf(bin);
        if with_dwarf {
            info.dwarf = go::dwarf::read(bin, &mut info.warnings);
        }
        Landmarks::from_go(info)
    }

    pub fn from_go(mut info: GoInfo) -> Landmarks {
        let mut l = Landmarks {
            warnings: std::mem::take(&mut info.warnings),
            ..Landmarks::default()
        };
        let pclntab = info.pclntab.take();
        let mut marks = Vec::new();
        let mut add = |span: &go::Span, mark: Mark, text: &str| {
            marks.push(Landmark {
                section: span.section,
                range: span.range.clone(),
                mark,
                text: text.to_string(),
            });
        };
        if let Some(id) = &info.build_id {
            add(&id.container, Mark::BuildId, &id.value);
        }
        if let Some(g) = &info.gnu_build_id {
            add(&g.span, Mark::DerivedId("GNU build-id"), &g.hex);
        }
        if let Some(u) = &info.mach_uuid {
            add(&u.span, Mark::DerivedId("Mach-O LC_UUID"), &u.uuid);
        }
        if let Some(b) = &info.buildinfo {
            add(&b.span, Mark::Buildinfo, "");
            l.go_version = Some(b.go_version.clone());
            if let Some(m) = &b.modinfo {
                if let Some(copy) = &m.copy {
                    add(copy, Mark::Modinfo, "");
                }
                for line in &m.lines {
                    match &line.entry {
                        go::ModInfoEntry::Build { key, value } => {
                            l.settings.insert(key.clone(), value.clone());
                        }
                        go::ModInfoEntry::Mod(m) => l
                            .modules
                            .push(format!("mod\t{}\t{}\t{}", m.path, m.version, m.sum)),
                        go::ModInfoEntry::Dep(m) => l
                            .modules
                            .push(format!("dep\t{}\t{}\t{}", m.path, m.version, m.sum)),
                        go::ModInfoEntry::Replace(m) => l
                            .modules
                            .push(format!("=>\t{}\t{}\t{}", m.path, m.version, m.sum)),
                        go::ModInfoEntry::Path { .. } | go::ModInfoEntry::Unknown { .. } => {}
                    }
                }
            }
        }
        if let Some(p) = &pclntab {
            for f in &p.files {
                add(&f.span, Mark::FileName, &f.name);
            }
            for f in &p.func_names {
                add(&f.span, Mark::FuncName, &f.name);
            }
            l.files = p.files.iter().map(|f| f.name.clone()).collect();
        }
        if let Some(d) = &info.dwarf {
            for u in &d.units {
                for s in [&u.name, &u.comp_dir].into_iter().flatten() {
                    add(&s.span, Mark::DwarfPath, &s.value);
                }
                if let Some(s) = &u.producer {
                    add(&s.span, Mark::DwarfProducer, &s.value);
                }
                if let Some(t) = &u.line_table {
                    for s in t.directories.iter().chain(t.files.iter().map(|f| &f.path)) {
                        add(&s.span, Mark::DwarfPath, &s.value);
                    }
                }
            }
        }
        marks.sort_by(|a, b| {
            (a.section, a.range.start, a.range.end).cmp(&(b.section, b.range.start, b.range.end))
        });
        l.marks = marks;
        l.build_id = info.build_id.as_ref().map(|b| b.value.clone());
        l.pclntab = pclntab;
        l
    }

    /// The innermost landmark in `section` overlapping `range` (touching it, for an empty range).
    pub fn at(&self, section: usize, range: &Range<u64>) -> Option<&Landmark> {
        let first = self.marks.partition_point(|m| m.section < section);
        let end = self.marks.partition_point(|m| m.section <= section);
        let within = &self.marks[first..end];
        // Landmarks starting at or before the range's end.
        let upto = within.partition_point(|m| m.range.start <= range.end);
        within[..upto]
            .iter()
            .rev()
            .take(64)
            .filter(|m| {
                if range.is_empty() {
                    m.range.start <= range.start && range.start <= m.range.end
                } else {
                    m.range.start < range.end && range.start < m.range.end
                }
            })
            .min_by_key(|m| m.range.end - m.range.start)
    }
}

/// The variation named for paths found by comparing the binaries themselves.
pub const DERIVED_VARIATION: &str = "build directory";

/// File names per side that [`derive_path_hints`] pairs up (far more than a
/// few build-path pairs need; a Go program has about as many source files).
const MAX_HINT_FILES: usize = 4096;

/// Build-path pairs derived from pclntab file names that differ between the
/// sides: `/a/src/main.go` vs `/bb/x/main.go` gives `/a/src` ↔ `/bb/x`.
/// This is how `twinbuild diff`, which has no build hints, names paths.
pub fn derive_path_hints(l: &Landmarks, r: &Landmarks) -> Vec<Hint> {
    let ls: std::collections::BTreeSet<&str> = l.files.iter().map(String::as_str).collect();
    let rs: std::collections::BTreeSet<&str> = r.files.iter().map(String::as_str).collect();
    // The pairing below is quadratic: a hostile pclntab with a million
    // names on each side must not take hours, so each side is cut short.
    let only_l: Vec<&str> = ls.difference(&rs).copied().take(MAX_HINT_FILES).collect();
    let only_r: Vec<&str> = rs.difference(&ls).copied().take(MAX_HINT_FILES).collect();
    let mut by_suffix: BTreeMap<&str, &str> = BTreeMap::new();
    for f in &only_r {
        if let Some(base) = f.rsplit('/').next() {
            by_suffix.entry(base).or_insert(f);
        }
    }
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    for a in &only_l {
        let base = a.rsplit('/').next().unwrap_or(a);
        // Prefer a same-suffix partner with the longest common suffix.
        let best = only_r
            .iter()
            .filter(|b| b.ends_with(base))
            .max_by_key(|b| common_suffix(a, b))
            .or(by_suffix.get(base));
        if let Some(b) = best {
            let n = common_suffix(a, b);
            let (pa, pb) = (
                a[..a.len() - n].trim_end_matches('/'),
                b[..b.len() - n].trim_end_matches('/'),
            );
            // One side empty: that side was built with -trimpath.
            if pa.len().max(pb.len()) >= 2 && pa != pb {
                *counts.entry((pa.to_string(), pb.to_string())).or_insert(0) += 1;
            }
        }
    }
    let mut pairs: Vec<((String, String), usize)> = counts.into_iter().collect();
    pairs.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    pairs
        .into_iter()
        .take(4)
        .map(|((lhs, rhs), _)| Hint {
            variation: DERIVED_VARIATION.into(),
            lhs,
            rhs,
        })
        .collect()
}

/// Length of the common suffix of `a` and `b`, cut back to a path boundary
/// (so `/a/src/x.go` vs `/bb/src/x.go` keeps `/src/x.go` whole, and the
/// differing prefixes are `/a` and `/bb`).
fn common_suffix(a: &str, b: &str) -> usize {
    let n = a
        .bytes()
        .rev()
        .zip(b.bytes().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let at_boundary = |s: &str| n == s.len() || s.as_bytes()[s.len() - n - 1] == b'/';
    if at_boundary(a) && at_boundary(b) {
        return n;
    }
    // Mid-component: back off to the next '/' inside the suffix.
    match a[a.len() - n..].find('/') {
        Some(k) => n - k,
        None => 0,
    }
}

/// Build settings both sides recorded in buildinfo: advice must not ask
/// for what was already done.
#[derive(Debug, Clone, Copy, Default)]
pub struct Taken {
    /// `-trimpath=true` on both sides.
    pub trimpath: bool,
    /// `CGO_ENABLED=1` on either side.
    pub cgo: bool,
}

impl Taken {
    pub fn new(l: &Landmarks, r: &Landmarks) -> Taken {
        let both = |k: &str, v: &str| {
            l.settings.get(k).is_some_and(|x| x == v) && r.settings.get(k).is_some_and(|x| x == v)
        };
        let either = |k: &str, v: &str| {
            l.settings.get(k).is_some_and(|x| x == v) || r.settings.get(k).is_some_and(|x| x == v)
        };
        Taken {
            trimpath: both("-trimpath", "true"),
            cgo: either("CGO_ENABLED", "1"),
        }
    }
}

/// A module's file names in its two forms: `mod/...` where it was built as
/// the main module, `mod@version/...` where it was built as a dependency
/// (`go install mod/cmd@version`, or required by another main module).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleForms {
    pub module: String,
    pub version: String,
    pub lhs_is_dependency: bool,
}

/// The two forms of one module path, when that is what `hint` pairs.
pub fn module_forms(hint: &Hint) -> Option<ModuleForms> {
    let split = |long: &str, short: &str| {
        let version = long.strip_prefix(short)?.strip_prefix('@')?;
        let plausible = version.starts_with('v')
            && version.len() > 1
            && !version.contains('/')
            && !short.is_empty()
            && !short.starts_with('/');
        plausible.then(|| (short.to_string(), version.to_string()))
    };
    if let Some((module, version)) = split(&hint.lhs, &hint.rhs) {
        return Some(ModuleForms {
            module,
            version,
            lhs_is_dependency: true,
        });
    }
    let (module, version) = split(&hint.rhs, &hint.lhs)?;
    Some(ModuleForms {
        module,
        version,
        lhs_is_dependency: false,
    })
}

/// What a buildinfo difference means, decided once from both sides' settings.
#[derive(Debug, Clone)]
pub struct BuildinfoClass {
    pub cause: Cause,
    pub subject: String,
    pub title: String,
    pub fix: Option<String>,
}

pub fn buildinfo_class(l: &Landmarks, r: &Landmarks) -> BuildinfoClass {
    let mut keys: Vec<String> = l
        .settings
        .keys()
        .chain(r.settings.keys())
        .filter(|k| l.settings.get(*k) != r.settings.get(*k))
        .cloned()
        .collect();
    keys.sort();
    keys.dedup();
    let show = |k: &str| {
        format!(
            "{k} ({} vs {})",
            l.settings.get(k).map_or("absent", |v| v.as_str()),
            r.settings.get(k).map_or("absent", |v| v.as_str())
        )
    };
    let listed = keys.iter().map(|k| show(k)).collect::<Vec<_>>().join(", ");
    if l.go_version != r.go_version {
        return BuildinfoClass {
            cause: Cause::Toolchain,
            subject: "go version".into(),
            title: format!(
                "built by different Go versions ({} vs {})",
                l.go_version.as_deref().unwrap_or("?"),
                r.go_version.as_deref().unwrap_or("?")
            ),
            fix: Some(TOOLCHAIN_FIX.into()),
        };
    }
    let toolchain_keys = ["GOOS", "GOARCH", "-compiler", "DefaultGODEBUG", "GOFIPS140"];
    let tk: Vec<&String> = keys
        .iter()
        .filter(|k| toolchain_keys.contains(&k.as_str()) || go::ARCH_LEVELS.contains(&k.as_str()))
        .collect();
    if !tk.is_empty() {
        return BuildinfoClass {
            cause: Cause::Toolchain,
            subject: "target settings".into(),
            title: format!(
                "the toolchain target settings differ: {}",
                tk.iter().map(|k| show(k)).collect::<Vec<_>>().join(", ")
            ),
            fix: Some(TOOLCHAIN_FIX.into()),
        };
    }
    if keys.iter().any(|k| k.starts_with("vcs")) {
        return BuildinfoClass {
            cause: Cause::Buildinfo,
            subject: "vcs".into(),
            title: format!("the VCS stamp differs: {listed}"),
            fix: Some("build with -buildvcs=false, or build both from a clean checkout of the same tagged commit".into()),
        };
    }
    if keys.iter().any(|k| k.starts_with("CGO_")) {
        return BuildinfoClass {
            cause: Cause::Cgo,
            subject: "cgo settings".into(),
            title: format!("the cgo settings recorded in buildinfo differ: {listed}"),
            fix: Some("use the same CGO_* settings, or build with -trimpath (which omits the flags) or CGO_ENABLED=0".into()),
        };
    }
    if !keys.is_empty() {
        return BuildinfoClass {
            cause: Cause::Buildinfo,
            subject: "build settings".into(),
            title: format!("the build settings recorded in buildinfo differ: {listed}"),
            fix: Some("build both sides with the same flags (the recorded -ldflags are omitted with -trimpath)".into()),
        };
    }
    if l.modules != r.modules {
        let main_l = l.modules.iter().find(|m| m.starts_with("mod\t"));
        let main_r = r.modules.iter().find(|m| m.starts_with("mod\t"));
        if main_l != main_r {
            // A sum on one side only: that side built the module from its
            // zip as a dependency (`go install mod/cmd@version`).
            let fields = |m: Option<&String>| -> Vec<String> {
                m.map(|s| s.split('\t').map(str::to_string).collect())
                    .unwrap_or_default()
            };
            let (fl, fr) = (fields(main_l), fields(main_r));
            let summed = |f: &[String]| f.get(3).is_some_and(|s| s.starts_with("h1:"));
            if fl.get(1) == fr.get(1) && summed(&fl) != summed(&fr) {
                let module = fl.get(1).cloned().unwrap_or_default();
                let (dep, main, version) = if summed(&fl) {
                    ("lhs", "rhs", fl.get(2).cloned().unwrap_or_default())
                } else {
                    ("rhs", "lhs", fr.get(2).cloned().unwrap_or_default())
                };
                return BuildinfoClass {
                    cause: Cause::Buildinfo,
                    subject: "main module".into(),
                    title: format!("the main module is recorded as {module} {version} with its sum on the {dep} (built from the module zip: go install {module}/...@{version}) and without a sum on the {main} (built from a source tree)"),
                    fix: Some(format!("build {module} the same way on both sides: in its source tree (for the version, from a clean checkout of the tag, where the go command stamps it from VCS) or on both with go install {module}/...@{version}")),
                };
            }
            return BuildinfoClass {
                cause: Cause::Buildinfo,
                subject: "main module".into(),
                title: format!("the main module's recorded version differs ({} vs {}); Go stamps it from VCS", main_l.map_or("absent", |s| s.as_str()).replace('\t', " ").trim_end(), main_r.map_or("absent", |s| s.as_str()).replace('\t', " ").trim_end()),
                fix: Some("build with -buildvcs=false, or build both from a clean checkout of the same tagged commit".into()),
            };
        }
        return BuildinfoClass {
            cause: Cause::Buildinfo,
            subject: "dependencies".into(),
            title: "the dependency list recorded in buildinfo differs".into(),
            fix: Some("build with the same go.mod and go.sum on both sides (-mod=readonly)".into()),
        };
    }
    BuildinfoClass {
        cause: Cause::Buildinfo,
        subject: "buildinfo".into(),
        title: "the buildinfo blob differs".into(),
        fix: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hint(lhs: &str, rhs: &str) -> Hint {
        Hint {
            variation: DERIVED_VARIATION.into(),
            lhs: lhs.into(),
            rhs: rhs.into(),
        }
    }

    #[test]
    fn a_module_and_its_versioned_form_are_told_apart_from_other_paths() {
        let m = module_forms(&hint("mvdan.cc/sh/v3", "mvdan.cc/sh/v3@v3.14.1")).unwrap();
        assert_eq!(
            (m.module.as_str(), m.version.as_str(), m.lhs_is_dependency),
            ("mvdan.cc/sh/v3", "v3.14.1", false)
        );
        let m = module_forms(&hint(
            "example.com/x@v0.0.0-20260101-abcdef",
            "example.com/x",
        ));
        assert!(m.is_some_and(|m| m.lhs_is_dependency));
        // Directories, a version that is not one, a longer path: not this case.
        for (a, b) in [
            ("/tmp/a/src", "/tmp/bb/src"),
            ("/tmp/x", "/tmp/x@v1"),
            ("example.com/x", "example.com/x@latest"),
            ("example.com/x", "example.com/x@v1/sub"),
            ("example.com/x", "example.com/xy"),
        ] {
            assert_eq!(module_forms(&hint(a, b)), None, "{a} vs {b}");
        }
    }
}
