//! Classify: what each differing hunk is, by what contains it.
//!
//! Input: both sides (binary, landmarks, contents), the [`Diff`] and the
//! variation hints (`variations`: the build's, and the paths derived from the
//! landmarks). Output: [`Classified`], a [`Class`] for every hunk of a section
//! both sides have and for every section only one side has.
//!
//! How: a hunk inside a landmark is the landmark's (the build ID or an ID
//! derived from it, buildinfo, the DWARF producer, a pclntab or DWARF file
//! name holding a hint's path); else a hunk in a `-X` string variable is
//! `ldflags-x`, a hint's path in data `embedded-path` (`cgo` where C code
//! holds it); else its section says what it is (code, data, header, DWARF)
//! and it is residual ([`Residual`]): a consequence for `prove` to show, or
//! a hash over the rest of the file.

use std::ops::Range;

use super::landmarks::{self, Landmarks, Mark};
use super::{is_code, is_debug, Cause, Side};
use crate::binary::SectionKind;
use crate::diff::{Diff, Hunk, SectionPair, Status};
use crate::harness::{Hint, VariationHints};

/// How a hunk was classified.
#[derive(Debug, Clone)]
pub(super) struct Class {
    pub(super) cause: Cause,
    /// Groups hunks into one finding together with cause and section.
    pub(super) subject: String,
    pub(super) title: String,
    pub(super) variation: Option<String>,
    pub(super) fix: Option<String>,
    pub(super) detail: Option<String>,
    /// Explained only by section: becomes layout-shift when a root moved something.
    pub(super) residual: Residual,
    /// Bytes no proof covered, made a root of their own.
    pub(super) unproven: bool,
}

/// Is a hunk a root, or left for the proofs?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Residual {
    /// A root cause in its own right.
    No,
    /// Code/data/header/DWARF bytes with no cause of their own.
    Yes,
    /// A hash or ID computed over other content (GNU build-id, LC_UUID, code signature).
    Derived,
}

/// What the classifier decided, in diff order.
pub(super) struct Classified {
    /// Every hunk of a section both sides have: (pair, hunk, class).
    pub(super) hunks: Vec<(usize, usize, Class)>,
    /// Every section only one side has: (pair, class).
    pub(super) one_sided: Vec<(usize, Class)>,
}

/// Classify every hunk, and every section only one side has.
pub(super) fn classify<'a, 'd>(
    l: &Side<'a, 'd>,
    r: &Side<'a, 'd>,
    diff: &Diff,
    hints: &[Hint],
) -> Classified {
    let ctx = Ctx {
        l,
        r,
        hints,
        buildinfo: landmarks::buildinfo_class(&l.marks, &r.marks),
        settings: landmarks::Taken::new(&l.marks, &r.marks),
    };
    let mut hunks = Vec::new();
    for (k, p) in diff.pairs.iter().enumerate() {
        if let (Some(i), Some(j)) = (p.lhs, p.rhs) {
            for (n, h) in p.hunks.iter().enumerate() {
                hunks.push((k, n, ctx.classify(i, j, h)));
            }
        }
    }
    let one_sided = diff
        .pairs
        .iter()
        .enumerate()
        .filter(|(_, p)| p.status != Status::Same && (p.lhs.is_none() || p.rhs.is_none()))
        .map(|(k, p)| (k, ctx.one_sided(p)))
        .collect();
    Classified { hunks, one_sided }
}

/// The build's variation hints and the paths derived from the sides'
/// landmarks, longest first.
pub(super) fn variations(hints: &VariationHints, l: &Landmarks, r: &Landmarks) -> Vec<Hint> {
    let mut all_hints: Vec<Hint> = hints
        .hints
        .iter()
        .filter(|h| h.lhs != h.rhs && h.lhs.len() >= 4 && h.rhs.len() >= 4)
        .cloned()
        .collect();
    for h in landmarks::derive_path_hints(l, r) {
        if !all_hints
            .iter()
            .any(|k| k.lhs.contains(&h.lhs) || h.lhs.contains(&k.lhs))
        {
            all_hints.push(h);
        }
    }
    // Longest first, so the most specific variation names a path.
    all_hints.sort_by(|a, b| {
        b.lhs
            .len()
            .max(b.rhs.len())
            .cmp(&a.lhs.len().max(a.rhs.len()))
            .then_with(|| a.variation.cmp(&b.variation))
    });
    all_hints
}

/// What a hunk is classified against: both sides, the hints (longest
/// first) and what both sides' buildinfo says.
struct Ctx<'c, 'a, 'd> {
    l: &'c Side<'a, 'd>,
    r: &'c Side<'a, 'd>,
    hints: &'c [Hint],
    buildinfo: landmarks::BuildinfoClass,
    /// What both sides' buildinfo says they did, so advice never asks for it.
    settings: landmarks::Taken,
}

impl Ctx<'_, '_, '_> {
    fn classify(&self, i: usize, j: usize, h: &Hunk) -> Class {
        let (ld, rd) = (self.l.data(i), self.r.data(j));
        let mark = self
            .l
            .marks
            .at(i, &h.lhs)
            .or_else(|| self.r.marks.at(j, &h.rhs));
        let hint = || self.hint_at(ld, &h.lhs, rd, &h.rhs);
        if let Some(m) = mark {
            match &m.mark {
                Mark::BuildId => return self.build_id_class(),
                Mark::DerivedId(what) => {
                    return Class {
                        cause: Cause::BuildId,
                        subject: (*what).into(),
                        title: format!("{what} differs: it is computed from the Go build ID or the file's contents"),
                        variation: None,
                        fix: Some("link with -ldflags=-buildid= (then no ID is derived), or remove the difference it is computed from".into()),
                        detail: Some((*what).into()),
                        residual: Residual::Derived,
                        unproven: false,
                    }
                }
                Mark::Buildinfo | Mark::Modinfo => {
                    let b = &self.buildinfo;
                    return Class {
                        cause: b.cause,
                        subject: b.subject.clone(),
                        title: b.title.clone(),
                        variation: None,
                        fix: b.fix.clone(),
                        detail: Some(if matches!(m.mark, Mark::Buildinfo) { "buildinfo blob".into() } else { "runtime.modinfo copy of the buildinfo".into() }),
                        residual: Residual::No,
        unproven: false,
                    };
                }
                // A file name that differs without a differing path in it
                // (a file used on one side only) falls through to the section.
                Mark::FileName | Mark::DwarfPath => {
                    if let Some(hint) = hint() {
                        let place = if matches!(m.mark, Mark::FileName) { "the pclntab file table" } else { "DWARF" };
                        let detail = Some(format!("{place}: {} {}", m.what(), m.text));
                        if is_c_source(&m.text) {
                            return cgo_class(hint, detail);
                        }
                        return self.path_class(hint, detail, Place::FileName);
                    }
                }
                Mark::DwarfProducer => {
                    return Class {
                        cause: Cause::Toolchain,
                        subject: "producer".into(),
                        title: "the compiler recorded in DWARF (DW_AT_producer) differs".into(),
                        variation: None,
                        fix: Some(TOOLCHAIN_FIX.into()),
                        detail: Some(m.text.clone()),
                        residual: Residual::No,
        unproven: false,
                    }
                }
                Mark::FuncName | Mark::DwarfOther => {}
            }
        }
        // A string set with -X lives in `<package>.<var>.str`.
        let section = &self.l.bin.sections[i];
        let sym = self
            .l
            .bin
            .symbol_for(i, h.lhs.start)
            .map(|s| s.name.as_str());
        // An inserted or moved string has its symbol on the rhs.
        let rhs_sym = self
            .r
            .bin
            .symbol_for(j, h.rhs.start)
            .map(|s| s.name.as_str());
        if let Some(var) = sym
            .and_then(ldflags_var)
            .or_else(|| rhs_sym.and_then(ldflags_var))
        {
            let hint = hint();
            return Class {
                cause: Cause::LdflagsX,
                subject: var.to_string(),
                title: format!("the -X value of {var} differs{}", hint.map(|h| format!(" (it holds the {})", h.variation)).unwrap_or_default()),
                variation: hint.map(|h| h.variation.clone()),
                fix: Some(match hint {
                    Some(h) => format!("do not set -X {var} from the build machine's {}: pass a fixed value, or resolve it at run time", h.variation),
                    None => format!("set -X {var} from the commit (e.g. git log -1 --format=%ct, SOURCE_DATE_EPOCH), not from the clock or the build machine"),
                }),
                detail: Some(format!("{var}.str")),
                residual: Residual::No,
        unproven: false,
            };
        }
        if section.kind == SectionKind::Section && !is_code(&section.name) {
            if let Some(hint) = hint() {
                let detail =
                    Some(sym.map_or_else(|| describe_section(&section.name), str::to_string));
                // A C symbol (no dot), C-only DWARF sections, or a string naming a C file.
                let c_symbol = sym.is_some_and(|s| !s.contains('.') && !s.starts_with("go:"));
                let c_dwarf =
                    section.name.ends_with("debug_line_str") || section.name.ends_with("debug_str");
                if c_symbol || c_dwarf || is_c_source(&string_around(ld, h.lhs.start)) {
                    return cgo_class(hint, detail);
                }
                return self.path_class(hint, detail, Place::Data);
            }
        }
        residual_class(&section.name, section.kind, sym)
    }

    fn build_id_class(&self) -> Class {
        let (a, b) = (
            self.l.marks.build_id.as_deref().unwrap_or(""),
            self.r.marks.build_id.as_deref().unwrap_or(""),
        );
        let pa: Vec<&str> = a.split('/').collect();
        let pb: Vec<&str> = b.split('/').collect();
        let names = [
            "action ID of the binary",
            "action ID of main.a",
            "content ID of main.a",
            "content ID of the binary",
        ];
        let differing: Vec<&str> = (0..pa.len().max(pb.len()))
            .filter(|&k| pa.get(k) != pb.get(k))
            .map(|k| names.get(k).copied().unwrap_or("extra part"))
            .collect();
        let inputs = differing.iter().any(|d| d.starts_with("action"));
        let meaning = if inputs {
            "the action IDs differ, so the build inputs differ (flags, paths, toolchain or sources)"
        } else {
            "only the content IDs differ: a consequence of other differing bytes"
        };
        Class {
            cause: Cause::BuildId,
            subject: "go build id".into(),
            title: if differing.len() >= 4 {
                format!("the Go build ID differs in all four parts: {meaning}")
            } else {
                format!(
                    "the Go build ID differs in its {}: {meaning}",
                    differing.join(", ")
                )
            },
            variation: None,
            fix: Some("link with -ldflags=-buildid= so no build ID is written".into()),
            detail: Some("Go build ID".into()),
            // Content IDs alone are hashes of the output: a consequence, proven
            // only when every other byte is.
            residual: if inputs {
                Residual::No
            } else {
                Residual::Derived
            },
            unproven: false,
        }
    }

    /// The first hint (longest first) whose lhs string covers the lhs range
    /// or whose rhs string covers the rhs range.
    fn hint_at(&self, ld: &[u8], lr: &Range<u64>, rd: &[u8], rr: &Range<u64>) -> Option<&Hint> {
        self.hints
            .iter()
            .find(|h| covers(ld, lr, h.lhs.as_bytes()) || covers(rd, rr, h.rhs.as_bytes()))
    }

    fn one_sided(&self, p: &SectionPair) -> Class {
        let name = &p.name;
        let side = if p.status == Status::OnlyLhs {
            "lhs"
        } else {
            "rhs"
        };
        if name.contains("buildid") || name.contains("build-id") {
            let mut c = self.build_id_class();
            c.title = format!("{name} exists only in the {side}: one build kept its build ID");
            c.subject = name.clone();
            return c;
        }
        let mut c = residual_class(name, SectionKind::Section, None);
        c.title = format!("section {name} exists only in the {side}");
        c.subject = name.clone();
        c
    }
}

pub(super) const TOOLCHAIN_FIX: &str = "pin the toolchain (a toolchain line in go.mod, GOTOOLCHAIN=goX.Y.Z) and the target level (GOAMD64, GOARM64, ...) explicitly";

/// Where an embedded path was found, for the advice.
#[derive(Clone, Copy)]
enum Place {
    /// A file name the compiler recorded (pclntab file table, DWARF).
    FileName,
    /// Program data (a string constant).
    Data,
}

impl Ctx<'_, '_, '_> {
    /// An embedded path, with advice checked against what both sides did.
    fn path_class(&self, hint: &Hint, detail: Option<String>, place: Place) -> Class {
        if let Some(m) = landmarks::module_forms(hint) {
            return module_class(&m, detail);
        }
        let variation = &hint.variation;
        let value = hint.value();
        let (title, fix) = if self.settings.trimpath {
            let source = match place {
                Place::FileName => "a //line directive or a generated file names it",
                Place::Data if self.settings.cgo => {
                    "the build itself put it in the program's data: a #cgo flag such as -DDIR=${SRCDIR}/... (a macro value), a generated file or a build script"
                }
                Place::Data => {
                    "the build itself put it in the program's data: a generated file or a build script"
                }
            };
            (
                format!("the {variation} path {value} is embedded, though both sides built with -trimpath"),
                format!(
                    "-trimpath rewrites only the file names the compiler records (and maps them for the C compiler), so it cannot remove this one: {source}. Keep the {variation} out of it: take the directory at run time (a flag, an environment variable, os.Executable) or go:embed the data"
                ),
            )
        } else {
            (
                format!("the {variation} path {value} is embedded"),
                format!("build with -trimpath so the {variation} path is not recorded"),
            )
        };
        Class {
            cause: Cause::EmbeddedPath,
            subject: variation.to_string(),
            title,
            variation: Some(variation.to_string()),
            fix: Some(fix),
            detail,
            residual: Residual::No,
            unproven: false,
        }
    }
}

/// One module's file names in its two forms: built as the main module on
/// one side (`mod/...`), as a dependency on the other (`mod@version/...`).
fn module_class(m: &landmarks::ModuleForms, detail: Option<String>) -> Class {
    let (main, dep) = if m.lhs_is_dependency {
        ("rhs", "lhs")
    } else {
        ("lhs", "rhs")
    };
    let (module, version) = (&m.module, &m.version);
    Class {
        cause: Cause::EmbeddedPath,
        subject: format!("{module} as a dependency"),
        title: format!(
            "{module} was built as the main module on the {main} and as a dependency on the {dep} (go install {module}/...@{version}): its file names are {module}/... on one side, {module}@{version}/... on the other"
        ),
        variation: None,
        fix: Some(format!(
            "build {module} the same way on both sides: as the main module (in its source tree or its unpacked module zip: go build ./...) or on both with go install {module}/...@{version}; -trimpath alone does not make the two forms agree"
        )),
        detail,
        residual: Residual::No,
        unproven: false,
    }
}

fn cgo_class(hint: &Hint, detail: Option<String>) -> Class {
    Class {
        cause: Cause::Cgo,
        subject: hint.variation.clone(),
        title: format!("C code embeds the {} path {} (__FILE__, C debug info)", hint.variation, hint.value()),
        variation: Some(hint.variation.clone()),
        fix: Some("build with CGO_ENABLED=0, or map the path away in the C compiler: CGO_CFLAGS=-ffile-prefix-map=<workdir>=.".into()),
        detail,
        residual: Residual::No,
        unproven: false,
    }
}

/// Names a C, C++, Objective-C or assembler source or header.
fn is_c_source(s: &str) -> bool {
    let s = s.trim_end_matches(|c: char| !c.is_ascii_graphic());
    [".c", ".h", ".cc", ".cpp", ".cxx", ".hh", ".hpp", ".m", ".S"]
        .iter()
        .any(|ext| s.ends_with(ext))
}

/// The printable string containing byte `at` of `data` (up to 512 bytes each way).
fn string_around(data: &[u8], at: u64) -> String {
    let at = (at as usize).min(data.len());
    let printable = |b: &u8| (0x20..0x7f).contains(b);
    let start = data[at.saturating_sub(512)..at]
        .iter()
        .rposition(|b| !printable(b))
        .map_or(at.saturating_sub(512), |p| at.saturating_sub(512) + p + 1);
    let end = data[at..(at + 512).min(data.len())]
        .iter()
        .position(|b| !printable(b))
        .map_or((at + 512).min(data.len()), |p| at + p);
    String::from_utf8_lossy(&data[start..end]).into_owned()
}

/// `main.date.str` → `main.date`, for user string variables only.
pub(super) fn ldflags_var(sym: &str) -> Option<&str> {
    let var = sym.strip_suffix(".str")?;
    let internal = [
        "runtime.",
        "go:",
        "type:",
        "internal/",
        "go.",
        "crypto/",
        "vendor/",
    ];
    (var.contains('.') && !internal.iter().any(|p| var.starts_with(p))).then_some(var)
}

/// Does `needle` occur in `data` overlapping `range` (or touching it, for an empty range)?
fn covers(data: &[u8], range: &Range<u64>, needle: &[u8]) -> bool {
    let n = needle.len() as u64;
    if n == 0 || data.is_empty() {
        return false;
    }
    let len = data.len() as u64;
    let from = range.start.saturating_sub(n).min(len);
    let to = range.end.saturating_add(n).min(len);
    let window = &data[from as usize..to as usize];
    let mut k = 0;
    while let Some(pos) = find(&window[k..], needle) {
        let start = from + (k + pos) as u64;
        let end = start + n;
        let overlaps = if range.is_empty() {
            start <= range.start && range.start <= end
        } else {
            start < range.end && range.start < end
        };
        if overlaps {
            return true;
        }
        k += pos + 1;
    }
    false
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() > hay.len() {
        return None;
    }
    let first = needle[0];
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        match hay[i..=hay.len() - needle.len()]
            .iter()
            .position(|&b| b == first)
        {
            None => return None,
            Some(p) => {
                i += p;
                if &hay[i..i + needle.len()] == needle {
                    return Some(i);
                }
                i += 1;
            }
        }
    }
    None
}

fn describe_section(name: &str) -> String {
    if is_debug(name) {
        format!("DWARF ({name})")
    } else {
        format!("section {name}")
    }
}

/// A hunk explained only by where it is.
fn residual_class(name: &str, kind: SectionKind, sym: Option<&str>) -> Class {
    let (cause, what, residual) = match kind {
        SectionKind::Header => (Cause::Header, "header fields".to_string(), Residual::Yes),
        SectionKind::Segment => (
            Cause::Data,
            format!("{name} (symbol tables, code signature)"),
            Residual::Derived,
        ),
        SectionKind::Gap if name == "(section headers)" => (
            Cause::Header,
            "section header fields".to_string(),
            Residual::Yes,
        ),
        SectionKind::Gap => (
            Cause::Data,
            format!("bytes between sections {name}"),
            Residual::Yes,
        ),
        SectionKind::Section if is_code(name) => (
            Cause::Code,
            format!("machine code in {name}"),
            Residual::Yes,
        ),
        SectionKind::Section if is_debug(name) => {
            (Cause::Dwarf, format!("DWARF in {name}"), Residual::Yes)
        }
        SectionKind::Section if name.contains("gnu.build-id") => (
            Cause::BuildId,
            "GNU build-id".to_string(),
            Residual::Derived,
        ),
        SectionKind::Section => (Cause::Data, format!("data in {name}"), Residual::Yes),
    };
    // One finding per section: the symbols are in the locations.
    Class {
        cause,
        subject: String::new(),
        title: format!("{what} differ"),
        variation: None,
        fix: None,
        detail: sym.map(str::to_string),
        residual,
        unproven: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_finds_needles_overlapping_a_range() {
        let data = b"xx/tmp/a/src/main.go\0yy";
        assert!(covers(data, &(8..9), b"/tmp/a/src"));
        assert!(
            covers(data, &(12..12), b"/tmp/a/src"),
            "an insertion touching the end"
        );
        assert!(!covers(data, &(16..18), b"/tmp/a/src"));
        assert!(!covers(data, &(0..2), b""));
        assert_eq!(ldflags_var("main.date.str"), Some("main.date"));
        assert_eq!(ldflags_var("runtime.buildVersion.str"), None);
        assert!(is_c_source("/tmp/x/src/include/fnv.h") && !is_c_source("main.go"));
    }
}
