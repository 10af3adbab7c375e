//! Go-specific structures read from a [`Binary`]: the build IDs, the
//! buildinfo blob, the pclntab (file table and function names) and the DWARF
//! compile units and line tables.
//!
//! Input: a parsed [`Binary`]. Output: a [`GoInfo`], plain serde data in
//! which every value that comes from the file carries the [`Span`] of its
//! bytes, in the same coordinates the diff uses (a section index and a range
//! within [`Binary::contents`]), so that any differing byte can be traced to
//! the Go structure that holds it.
//!
//! Reading never fails and never panics: a structure that is missing is
//! `None`, and one that is malformed or of an unsupported Go version is
//! `None` (or cut short) with a sentence in [`GoInfo::warnings`].
//!
//! DWARF is the expensive part (it is inflated and walked unit by unit), so
//! there are two entry points: [`read`] reads everything, [`read_without_dwarf`]
//! leaves [`GoInfo::dwarf`] as `None`; a caller that later finds the DWARF
//! sections differ calls [`dwarf::read`] on its own.
//!
//! Layout facts checked against Go 1.26 binaries (see `tests/fixtures/`) are
//! noted in each reader's module documentation.

/// The environment variables that choose the instruction set or the
/// toolchain's experiments (`GOAMD64=v3`...): buildinfo records them, and the
/// go command hashes them into every action. Shared by those who read either.
pub const ARCH_LEVELS: &[&str] = &[
    "GOAMD64",
    "GOARM",
    "GOARM64",
    "GO386",
    "GOMIPS",
    "GOMIPS64",
    "GOPPC64",
    "GORISCV64",
    "GOWASM",
    "GOEXPERIMENT",
];

pub mod buildid;
pub mod buildinfo;
pub mod dwarf;
pub mod pclntab;

use std::borrow::Cow;
use std::ops::Range;

use serde::Serialize;

use super::Binary;

pub use buildid::{BuildIdPart, BuildIdSource, GnuBuildId, GoBuildId, MachUuid, PartRole};
pub use buildinfo::{BuildInfo, ModInfo, ModInfoEntry, ModInfoLine, Module};
pub use dwarf::{CompUnit, Dwarf, DwarfLanguage, DwarfString, LineFile, LineTable};
pub use pclntab::{FuncEntry, Pclntab, PclntabString, PclntabTable};

/// Where some bytes are: a section and a byte range within its contents
/// (decompressed contents for compressed sections).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Span {
    /// Index into [`Binary::sections`].
    pub section: usize,
    /// Offsets within [`Binary::contents`] of that section.
    pub range: Range<u64>,
}

impl Span {
    pub fn new(section: usize, range: Range<u64>) -> Span {
        Span { section, range }
    }

    pub fn len(&self) -> u64 {
        self.range.end.saturating_sub(self.range.start)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether byte `offset` of section `section` lies in this span.
    pub fn contains(&self, section: usize, offset: u64) -> bool {
        self.section == section && self.range.contains(&offset)
    }

    /// The bytes this span covers, or `None` if it does not fit the section.
    pub fn bytes<'b>(&self, bin: &'b Binary<'_>) -> Option<Cow<'b, [u8]>> {
        if self.section >= bin.sections.len() {
            return None;
        }
        let start = usize::try_from(self.range.start).ok()?;
        let end = usize::try_from(self.range.end).ok()?;
        match bin.contents(self.section).ok()? {
            Cow::Borrowed(b) => b.get(start..end).map(Cow::Borrowed),
            Cow::Owned(b) => b.get(start..end).map(|s| Cow::Owned(s.to_vec())),
        }
    }
}

/// Everything Go-specific twinbuild knows how to read from one binary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GoInfo {
    /// The Go build ID (`.note.go.buildid` or the text-section header).
    pub build_id: Option<GoBuildId>,
    /// The ELF GNU build-id note, derived from the Go build ID since Go 1.24.
    pub gnu_build_id: Option<GnuBuildId>,
    /// The Mach-O `LC_UUID`, derived from the Go build ID since Go 1.24.
    pub mach_uuid: Option<MachUuid>,
    /// The `\xff Go buildinf:` blob: Go version, main module, deps, build settings.
    pub buildinfo: Option<BuildInfo>,
    /// The pclntab: source file table, function names, entry table.
    pub pclntab: Option<Pclntab>,
    /// DWARF compile units and line tables; `None` when not read or absent.
    pub dwarf: Option<Dwarf>,
    /// Why something could not be read, one sentence each.
    pub warnings: Vec<String>,
}

/// Read every Go structure, DWARF included.
pub fn read(bin: &Binary) -> GoInfo {
    let mut info = read_without_dwarf(bin);
    info.dwarf = dwarf::read(bin, &mut info.warnings);
    info
}

/// Read every Go structure except DWARF (the costly one; see [`dwarf::read`]).
pub fn read_without_dwarf(bin: &Binary) -> GoInfo {
    let mut warnings = Vec::new();
    let build_id = buildid::read_go(bin, &mut warnings);
    let gnu_build_id = buildid::read_gnu(bin, build_id.as_ref(), &mut warnings);
    let mach_uuid = buildid::read_mach_uuid(bin, build_id.as_ref(), &mut warnings);
    let buildinfo = buildinfo::read(bin, &mut warnings);
    let pclntab = pclntab::read(bin, &mut warnings);
    GoInfo {
        build_id,
        gnu_build_id,
        mach_uuid,
        buildinfo,
        pclntab,
        dwarf: None,
        warnings,
    }
}

/// The uncompressed section holding file bytes `range`, as a [`Span`].
pub(crate) fn file_span(bin: &Binary, range: Range<u64>) -> Option<Span> {
    let (index, section) = bin.sections.iter().enumerate().find(|(_, s)| {
        s.compression.is_none()
            && s.file_range.start <= range.start
            && range.end <= s.file_range.end
            && range.start <= range.end
    })?;
    let base = section.file_range.start;
    Some(Span::new(index, range.start - base..range.end - base))
}

/// Index of the first section whose name is one of `names`. For Mach-O a
/// name without a comma matches the section part of `SEGMENT,section`.
pub(crate) fn find_section(bin: &Binary, names: &[&str]) -> Option<usize> {
    names.iter().find_map(|want| {
        bin.sections.iter().position(|s| {
            s.name == *want
                || (!want.contains(',')
                    && s.name
                        .split_once(',')
                        .is_some_and(|(_, sect)| sect == *want))
        })
    })
}

/// Bounds-checked little helpers over a byte slice, for the readers.
pub(crate) struct Bytes<'a> {
    pub data: &'a [u8],
    pub little_endian: bool,
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8], little_endian: bool) -> Self {
        Bytes {
            data,
            little_endian,
        }
    }

    pub fn get(&self, offset: u64, len: u64) -> Option<&'a [u8]> {
        let start = usize::try_from(offset).ok()?;
        let end = start.checked_add(usize::try_from(len).ok()?)?;
        self.data.get(start..end)
    }

    pub fn u32(&self, offset: u64) -> Option<u32> {
        let b: [u8; 4] = self.get(offset, 4)?.try_into().ok()?;
        Some(if self.little_endian {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    pub fn u64(&self, offset: u64) -> Option<u64> {
        let b: [u8; 8] = self.get(offset, 8)?.try_into().ok()?;
        Some(if self.little_endian {
            u64::from_le_bytes(b)
        } else {
            u64::from_be_bytes(b)
        })
    }

    /// A pointer-sized word (4 or 8 bytes).
    pub fn word(&self, offset: u64, ptr_size: u8) -> Option<u64> {
        match ptr_size {
            4 => self.u32(offset).map(u64::from),
            8 => self.u64(offset),
            _ => None,
        }
    }

    /// The NUL-terminated string starting at `offset`: its bytes (without the
    /// NUL) and the offset just past the NUL. `None` if there is no NUL.
    pub fn cstr(&self, offset: u64) -> Option<(&'a [u8], u64)> {
        let rest = self.data.get(usize::try_from(offset).ok()?..)?;
        let len = rest.iter().position(|&b| b == 0)?;
        Some((&rest[..len], offset + len as u64 + 1))
    }
}

/// First occurrence of `needle` in `haystack` at or after `from`.
pub(crate) fn find_bytes(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let first = *needle.first()?;
    let mut i = from;
    while i < haystack.len() {
        let rel = haystack.get(i..)?.iter().position(|&b| b == first)?;
        let at = i + rel;
        if haystack.get(at..at.checked_add(needle.len())?) == Some(needle) {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

/// Shared helpers for the readers' tests: the committed fixtures.
#[cfg(test)]
pub(crate) mod fixtures {
    use std::path::PathBuf;

    /// The bytes of `tests/fixtures/<target>/<name>`, e.g. `("linux-amd64", "plain-a")`.
    pub fn load(target: &str, name: &str) -> Vec<u8> {
        let path: PathBuf = [
            env!("CARGO_MANIFEST_DIR"),
            "tests",
            "fixtures",
            target,
            name,
        ]
        .iter()
        .collect();
        std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run scripts/make-fixtures)", path.display()))
    }

    pub const TARGETS: [&str; 4] = [
        "linux-amd64",
        "linux-arm64",
        "windows-amd64",
        "darwin-arm64",
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_span_maps_into_the_containing_section() {
        let data = fixtures::load("linux-amd64", "plain-a");
        let bin = Binary::parse(&data).unwrap();
        let i = bin.section_index(".text").unwrap();
        let start = bin.sections[i].file_range.start;
        assert_eq!(
            file_span(&bin, start + 4..start + 8),
            Some(Span::new(i, 4..8))
        );
        assert_eq!(file_span(&bin, u64::MAX - 1..u64::MAX), None);
    }

    #[test]
    fn find_bytes_edges() {
        assert_eq!(find_bytes(b"abcabc", b"bc", 0), Some(1));
        assert_eq!(find_bytes(b"abcabc", b"bc", 2), Some(4));
        assert_eq!(find_bytes(b"abc", b"abcd", 0), None);
        assert_eq!(find_bytes(b"abc", b"", 0), None);
        assert_eq!(find_bytes(b"abc", b"c", 10), None);
    }

    #[test]
    fn read_everything_on_every_fixture() {
        for target in fixtures::TARGETS {
            for name in ["release", "plain-a"] {
                let data = fixtures::load(target, name);
                let bin = Binary::parse(&data).unwrap();
                let info = read(&bin);
                assert!(
                    info.warnings.is_empty(),
                    "{target}/{name}: {:?}",
                    info.warnings
                );
                assert!(
                    info.buildinfo.is_some() && info.pclntab.is_some() && info.dwarf.is_some(),
                    "{target}/{name}"
                );
                assert_eq!(
                    info.build_id.is_some(),
                    name == "plain-a",
                    "{target}/{name}"
                );
                // The JSON form is what `twinbuild inspect` shows.
                assert!(serde_json::to_string(&info).is_ok());
            }
        }
    }

    /// A small deterministic generator for the mutation test (xorshift64).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    #[test]
    fn mutated_go_structures_never_panic() {
        // Overwrite random bytes of the structures the readers decode (the
        // pclntab header and tables, the buildinfo blob, the build ID note
        // or text header, the Mach-O load commands), then read again: the
        // readers must return, with or without warnings, and never panic.
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for target in ["linux-amd64", "windows-amd64", "darwin-arm64"] {
            let data = fixtures::load(target, "plain-a");
            let regions: Vec<std::ops::Range<usize>> = {
                let bin = Binary::parse(&data).unwrap();
                let info = read_without_dwarf(&bin);
                let file = |span: &Span| {
                    let base = bin.sections[span.section].file_range.start as usize;
                    base + span.range.start as usize..base + span.range.end as usize
                };
                let tab = info.pclntab.as_ref().unwrap();
                let mut r: Vec<_> = tab.tables.iter().map(|t| file(&t.span)).collect();
                r.push(file(&info.buildinfo.as_ref().unwrap().span));
                r.push(file(&info.build_id.as_ref().unwrap().container));
                if bin.format == crate::binary::Format::MachO {
                    r.push(32..bin.sections[0].file_range.end as usize);
                }
                r
            };
            for _ in 0..100 {
                let mut bad = data.clone();
                let region = &regions[rng.below(regions.len())];
                // Mostly near the start of a region, where headers and counts are.
                let span = if rng.below(2) == 0 {
                    80.min(region.len())
                } else {
                    region.len()
                };
                for _ in 0..1 + rng.below(8) {
                    let at = region.start + rng.below(span);
                    bad[at] = match rng.below(3) {
                        0 => 0xff,
                        1 => 0,
                        _ => rng.next() as u8,
                    };
                }
                if let Ok(bin) = Binary::parse(&bad) {
                    let _ = read_without_dwarf(&bin);
                }
            }
        }
    }
}
