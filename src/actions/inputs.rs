//! Input differences: for each action hashed on both sides, the hashed
//! lines that differ, paired lhs with rhs, and the report cause they explain.
//!
//! Input: the two sides' [`Hashed`] computations. Output: the
//! [`InputDifference`]s sorted by mode then package, at most
//! [`MAX_DIFFERENCES`] of at most [`MAX_DIFFERENCE_LINES`] lines, and notes.
//!
//! The lines are compared as multisets (a line on both sides, anywhere, is
//! not a difference); what is left is paired by the line's key (its first
//! word: `dir`, `linkflags`, `GOAMD64`; `file NAME`; `CC ID`...), the i-th
//! lhs line of a key with the i-th rhs line of it, and listed in hashing
//! order. Dependency lines (`import PKG ID`, `packagefile PKG=ID`,
//! `packagemain ...`, `packageshlib PKG=ID`) differ whenever a dependency
//! does: they are counted, not listed, and an action whose only differing
//! lines are those is not a difference of its own. Pure.

use std::collections::{BTreeMap, VecDeque};

use super::{Hashed, InputDifference, LinePair};
use crate::attribute::Cause;
use crate::binary::go::ARCH_LEVELS;

/// At most this many input differences are listed (a note says how many there were).
pub const MAX_DIFFERENCES: usize = 500;
/// At most this many lines of one input difference are listed.
pub const MAX_DIFFERENCE_LINES: usize = 50;

/// File extensions of the C, C++, Objective-C and Fortran files cgo compiles.
const CGO_FILES: &[&str] = &[
    ".c", ".h", ".S", ".sx", ".cc", ".cpp", ".cxx", ".hh", ".hpp", ".hxx", ".m", ".f", ".F",
    ".for", ".f90", ".syso", ".swig", ".swigcxx",
];

/// The input differences of the actions hashed on both sides; a note
/// counts those hashed on one side only (when both sides hashed some), and
/// what the caps left out.
pub(super) fn differences(
    lhs: &[Hashed],
    rhs: &[Hashed],
    notes: &mut Vec<String>,
) -> Vec<InputDifference> {
    let by_key = |side: &'_ [Hashed]| -> BTreeMap<(String, String), usize> {
        let mut m = BTreeMap::new();
        for (i, h) in side.iter().enumerate() {
            m.insert((h.mode.clone(), h.package.clone()), i);
        }
        m
    };
    let (l, r) = (by_key(lhs), by_key(rhs));
    let one_side: Vec<String> = l
        .keys()
        .filter(|k| !r.contains_key(*k))
        .chain(r.keys().filter(|k| !l.contains_key(*k)))
        .map(|(mode, package)| format!("{mode} {package}"))
        .collect();
    // A side with no hashes at all has its own note (no log, empty, old Go).
    if !one_side.is_empty() && !l.is_empty() && !r.is_empty() {
        notes.push(format!(
            "{} actions were hashed on one side only: {}",
            one_side.len(),
            super::hashlog::names(one_side.iter())
        ));
    }
    let mut found: Vec<InputDifference> = l
        .iter()
        .filter_map(|(key, &i)| Some((&lhs[i], &rhs[*r.get(key)?])))
        .filter_map(|(a, b)| difference(a, b))
        .collect();
    if found.len() > MAX_DIFFERENCES {
        notes.push(format!(
            "{} actions differ in their inputs; the first {MAX_DIFFERENCES} are listed",
            found.len()
        ));
        found.truncate(MAX_DIFFERENCES);
    }
    let cut = found
        .iter_mut()
        .filter(|d| d.lines.len() > MAX_DIFFERENCE_LINES)
        .map(|d| d.lines.truncate(MAX_DIFFERENCE_LINES))
        .count();
    if cut > 0 {
        notes.push(format!(
            "{cut} input differences have more than {MAX_DIFFERENCE_LINES} differing lines; the first {MAX_DIFFERENCE_LINES} are listed"
        ));
    }
    found
}

/// How one action's inputs differ, if they do in more than dependency lines.
fn difference(lhs: &Hashed, rhs: &Hashed) -> Option<InputDifference> {
    if lhs.lines == rhs.lines {
        return None;
    }
    let ((l_deps, l_own), (r_deps, r_own)) = (split(lhs), split(rhs));
    let dependency_lines = paired(&l_deps, &r_deps, dependency_key).len();
    let lines = paired(&l_own, &r_own, line_key);
    if lines.is_empty() {
        return None;
    }
    let cause = lines.iter().find_map(cause_of).map(|c| c.code().to_owned());
    Some(InputDifference {
        mode: lhs.mode.clone(),
        package: lhs.package.clone(),
        lines,
        dependency_lines,
        cause,
    })
}

/// How `after`'s inputs differ from `before`'s, for one action computed
/// twice: its own differing lines (paired, hashing order, at most
/// [`MAX_DIFFERENCE_LINES`]) and the dependencies whose IDs changed (import
/// paths, sorted; `main package` for `packagemain`).
pub(super) fn changed(before: &Hashed, after: &Hashed) -> (Vec<LinePair>, Vec<String>) {
    let ((b_deps, b_own), (a_deps, a_own)) = (split(before), split(after));
    let mut lines = paired(&b_own, &a_own, line_key);
    lines.truncate(MAX_DIFFERENCE_LINES);
    let mut deps: Vec<String> = paired(&b_deps, &a_deps, dependency_key)
        .iter()
        .filter_map(|p| p.lhs.as_deref().or(p.rhs.as_deref()))
        .map(|line| {
            let key = dependency_key(line);
            // `packagemain ID` has no import path: its key is the bare word.
            key.split_once(' ')
                .map_or_else(|| "main package".to_owned(), |(_, p)| p.to_owned())
        })
        .collect();
    deps.sort();
    deps.dedup();
    (lines, deps)
}

/// What a differing line is an input of: its pairing key (`dir`, `file
/// gen.go`, `compile` for the compiler's version and flags, `GOAMD64`...).
pub(super) fn input_name(pair: &LinePair) -> &str {
    pair.lhs
        .as_deref()
        .or(pair.rhs.as_deref())
        .map_or("", line_key)
}

/// The dependency lines, and the others.
fn split(h: &Hashed) -> (Vec<&str>, Vec<&str>) {
    h.lines
        .iter()
        .map(String::as_str)
        .partition(|l| is_dependency(l))
}

/// The lines not on both sides, paired by `key`, in hashing order (an lhs
/// line's position, else the rhs line's).
fn paired(lhs: &[&str], rhs: &[&str], key: fn(&str) -> &str) -> Vec<LinePair> {
    let (l_only, r_only) = (only_in(lhs, rhs), only_in(rhs, lhs));
    let mut r_by_key: BTreeMap<&str, VecDeque<(usize, &str)>> = BTreeMap::new();
    for &(j, line) in &r_only {
        r_by_key.entry(key(line)).or_default().push_back((j, line));
    }
    let mut pairs: Vec<(usize, bool, LinePair)> = Vec::new();
    for &(i, line) in &l_only {
        let other = r_by_key.get_mut(key(line)).and_then(VecDeque::pop_front);
        pairs.push((
            i,
            false,
            LinePair {
                lhs: Some(line.to_owned()),
                rhs: other.map(|(_, r)| r.to_owned()),
            },
        ));
    }
    for (j, line) in r_by_key.into_values().flatten() {
        pairs.push((
            j,
            true,
            LinePair {
                lhs: None,
                rhs: Some(line.to_owned()),
            },
        ));
    }
    pairs.sort_by_key(|&(at, rhs_only, _)| (at, rhs_only));
    pairs.into_iter().map(|(_, _, p)| p).collect()
}

/// The lines of `a` (with their positions) that `b` does not have, as
/// multisets: a line twice in `a` and once in `b` is left once.
fn only_in<'a>(a: &[&'a str], b: &[&str]) -> Vec<(usize, &'a str)> {
    let mut have: BTreeMap<&str, usize> = BTreeMap::new();
    for line in b {
        *have.entry(line).or_default() += 1;
    }
    a.iter()
        .enumerate()
        .filter(|(_, line)| match have.get_mut(**line) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        })
        .map(|(i, line)| (i, *line))
        .collect()
}

/// Whether the line names a dependency's ID: `import PKG ID` (not the
/// action's own `import "PKG"`), `packagefile PKG=ID`, `packagemain ID`,
/// `packageshlib PKG=ID`.
fn is_dependency(line: &str) -> bool {
    line.strip_prefix("import ")
        .is_some_and(|rest| !rest.starts_with('"'))
        || line.starts_with("packagefile ")
        || line.starts_with("packagemain ")
        || line.starts_with("packageshlib ")
}

/// The key pairing dependency lines: `import PKG`, `packagefile PKG`, `packagemain`.
fn dependency_key(line: &str) -> &str {
    let end = if line.starts_with("import ") {
        nth_space(line, 1)
    } else if line.starts_with("packagemain ") {
        line.find(' ')
    } else {
        line.find('=') // packagefile PKG=ID, packageshlib PKG=ID
    };
    &line[..end.unwrap_or(line.len())]
}

/// The key pairing other lines: `(go version)` for the toolchain line that
/// starts every computation; `file NAME`; `CC ID` (and `CXX ID`, `FC ID`);
/// else the first word, ending at a space or `=` (`dir`, `GOAMD64`, `CC`).
fn line_key(line: &str) -> &str {
    if is_go_version(line) {
        return "(go version)";
    }
    if line.starts_with("file ") {
        return &line[..nth_space(line, 1).unwrap_or(line.len())];
    }
    let first = line.find([' ', '=']).unwrap_or(line.len());
    if line[first..].starts_with(" ID") {
        let end = line.find('=').unwrap_or(line.len());
        return &line[..end];
    }
    &line[..first]
}

/// The byte index of the `n`th space (0-based).
fn nth_space(line: &str, n: usize) -> Option<usize> {
    line.match_indices(' ').nth(n).map(|(i, _)| i)
}

/// Whether the line is the Go version the go command hashes first
/// (`go1.26.8`, `devel go1.27-...`), not the module's `go 1.26`.
fn is_go_version(line: &str) -> bool {
    let b = line.as_bytes();
    (b.starts_with(b"go") && b.get(2).is_some_and(u8::is_ascii_digit)) || line.starts_with("devel ")
}

/// The report cause a differing line explains, if its kind is known.
pub(super) fn cause_of(pair: &LinePair) -> Option<Cause> {
    let (l, r) = (pair.lhs.as_deref(), pair.rhs.as_deref());
    let key = line_key(l.or(r)?);
    if key == "dir" {
        return Some(Cause::EmbeddedPath);
    }
    if key == "linkflags" {
        let x = |s: Option<&str>| s.is_some_and(|s| s.contains("-X"));
        return (x(l) || x(r)).then_some(Cause::LdflagsX);
    }
    if key == "modinfo" || key.starts_with("vcs") {
        return Some(Cause::Buildinfo);
    }
    if key == "(go version)" || ARCH_LEVELS.contains(&key) {
        return Some(Cause::Toolchain);
    }
    if matches!(key, "compile" | "link" | "asm" | "cgo") {
        // `compile compile version go1.26.8 [] []`: the tool's version, then
        // its flags in brackets (a difference in those is not the toolchain's).
        return (l.map(tool_version) != r.map(tool_version)).then_some(Cause::Toolchain);
    }
    if let (Some(l), Some(r)) = (l, r) {
        if differs_in_path(l, r) {
            return Some(Cause::EmbeddedPath);
        }
    }
    let cgo_file = key
        .strip_prefix("file ")
        .is_some_and(|name| CGO_FILES.iter().any(|ext| name.ends_with(ext)));
    let cgo_key = key.starts_with("CGO_")
        || key.starts_with("CC")
        || key.starts_with("CXX")
        || key.starts_with("FC")
        || key == "GO_EXTLINK_ENABLED";
    (cgo_file || cgo_key).then_some(Cause::Cgo)
}

/// A tool line up to its flags: `compile compile version go1.26.8 `.
fn tool_version(line: &str) -> &str {
    line.split('[').next().unwrap_or(line)
}

/// Whether the two lines differ in an absolute path: the word where they
/// start to differ (after a space, tab, quote, `=`, `[` or `,`) starts with
/// `/`, a drive (`C:\`), or a flag glued to one (`-I/src/include`).
fn differs_in_path(l: &str, r: &str) -> bool {
    let common = l
        .char_indices()
        .zip(r.chars())
        .find(|((_, a), b)| a != b)
        .map_or(l.len().min(r.len()), |((i, _), _)| i);
    let start = l[..common]
        .rfind([' ', '"', '=', '[', ',', '\t'])
        .map_or(0, |i| i + 1);
    is_absolute(&l[start..]) || is_absolute(&r[start..])
}

/// Whether a word starts with an absolute path, maybe after a short flag (`-I`, `-L`).
fn is_absolute(word: &str) -> bool {
    let flagless = word
        .strip_prefix('-')
        .map(|w| w.trim_start_matches(|c: char| c.is_ascii_alphabetic()))
        .unwrap_or(word);
    let b = flagless.as_bytes();
    flagless.starts_with('/')
        || (b.len() >= 3
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && matches!(b[2], b'\\' | b'/'))
}

#[cfg(test)]
mod tests {
    //! Pairing, dependency lines, causes by line kind, and the caps.

    use super::*;

    /// The cause of one differing line pair.
    fn check_cause(lhs: Option<&str>, rhs: Option<&str>, expected: Option<&str>) {
        let pair = LinePair {
            lhs: lhs.map(str::to_owned),
            rhs: rhs.map(str::to_owned),
        };
        let got = cause_of(&pair);
        assert_eq!(got.map(|c| c.code()), expected, "{lhs:?} / {rhs:?}");
    }

    #[test]
    fn causes_by_line_kind() {
        check_cause(Some("dir /a"), None, Some("embedded-path"));
        check_cause(Some("go1.26.8"), Some("go1.25.3"), Some("toolchain"));
        check_cause(Some("GOAMD64=v1"), Some("GOAMD64=v3"), Some("toolchain"));
        check_cause(
            Some("compile compile version go1.26.8 [] []"),
            Some("compile compile version go1.25.3 [] []"),
            Some("toolchain"),
        );
        // Only the flags differ: not the toolchain.
        check_cause(
            Some("compile compile version go1.26.8 [] []"),
            Some(r#"compile compile version go1.26.8 [] ["-N" "-l"]"#),
            None,
        );
        check_cause(Some(r#"linkflags ["-s"]"#), Some("linkflags []"), None);
        check_cause(
            Some(r#"linkflags ["-X=main.v=1"]"#),
            Some("linkflags []"),
            Some("ldflags-x"),
        );
        check_cause(
            Some("modinfo \"x\""),
            Some("modinfo \"y\""),
            Some("buildinfo"),
        );
        check_cause(Some("CGO_CFLAGS=-O2"), Some("CGO_CFLAGS=-O3"), Some("cgo"));
        check_cause(
            Some("CC ID=\"gcc 12\""),
            Some("CC ID=\"gcc 13\""),
            Some("cgo"),
        );
        check_cause(
            Some("file fnv.c AAAA"),
            Some("file fnv.c BBBB"),
            Some("cgo"),
        );
        check_cause(Some("file main.go AAAA"), Some("file main.go BBBB"), None);
        check_cause(
            Some("GOROOT=/usr/local/go"),
            Some("GOROOT=/opt/go"),
            Some("embedded-path"),
        );
        check_cause(
            Some(r#"CGO_LDFLAGS=-L/a/lib"#),
            Some(r#"CGO_LDFLAGS=-L/bb/lib"#),
            Some("embedded-path"),
        );
        check_cause(Some(r"x C:\a\b"), Some(r"x D:\a\b"), Some("embedded-path"));
        check_cause(Some("trimpath"), None, None);
    }

    #[test]
    fn lines_pair_by_key_and_dependencies_are_counted() {
        let h = |lines: &[&str]| Hashed {
            mode: "build".into(),
            package: "p".into(),
            lines: lines.iter().map(|l| l.to_string()).collect(),
            sum: String::new(),
        };
        let lhs = h(&[
            "go1.26.8",
            "file a.go A",
            "file b.go B",
            "import q Q1",
            "import unsafe ",
            "only-lhs",
        ]);
        let rhs = h(&[
            "go1.26.8",
            "file b.go B2",
            "file a.go A",
            "import q Q2",
            "import unsafe ",
            "only-rhs 1",
        ]);
        let mut notes = Vec::new();
        let got = differences(std::slice::from_ref(&lhs), &[rhs], &mut notes);
        let [d] = &got[..] else { panic!("{got:?}") };
        let pairs: Vec<_> = d
            .lines
            .iter()
            .map(|p| (p.lhs.as_deref(), p.rhs.as_deref()))
            .collect();
        assert_eq!(
            pairs,
            [
                (Some("file b.go B"), Some("file b.go B2")),
                (Some("only-lhs"), None),
                (None, Some("only-rhs 1")),
            ]
        );
        assert_eq!((d.dependency_lines, d.cause.as_deref()), (1, None));
        // Dependency lines alone are not a difference of the action's own.
        let deps_only = h(&[
            "go1.26.8",
            "file a.go A",
            "file b.go B",
            "import q Q9",
            "import unsafe ",
            "only-lhs",
        ]);
        assert!(differences(&[lhs], &[deps_only], &mut notes).is_empty());
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn keys_on_one_side_and_caps_are_noted() {
        let h = |package: String, line: &str| Hashed {
            mode: "build".into(),
            package,
            lines: vec![line.to_owned()],
            sum: String::new(),
        };
        let n = MAX_DIFFERENCES + 2;
        let lhs: Vec<Hashed> = (0..n).map(|i| h(format!("p{i:04}"), "dir /a")).collect();
        let mut rhs: Vec<Hashed> = (1..n).map(|i| h(format!("p{i:04}"), "dir /b")).collect();
        rhs.push(h("q".into(), "x"));
        let mut many = h("p0001".into(), "");
        many.lines = (0..MAX_DIFFERENCE_LINES + 5)
            .map(|i| format!("k{i} 2"))
            .collect();
        rhs[0] = many;
        let mut notes = Vec::new();
        let got = differences(&lhs, &rhs, &mut notes);
        assert_eq!(got.len(), MAX_DIFFERENCES);
        assert_eq!(got[0].package, "p0001");
        assert_eq!(got[0].lines.len(), MAX_DIFFERENCE_LINES);
        assert_eq!(
            notes,
            [
                "2 actions were hashed on one side only: build p0000, build q",
                "501 actions differ in their inputs; the first 500 are listed",
                "1 input differences have more than 50 differing lines; the first 50 are listed",
            ]
        );
    }
}
