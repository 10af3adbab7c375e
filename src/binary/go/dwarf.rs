//! DWARF compile units and line tables, read with `gimli` from the
//! decompressed sections.
//!
//! Section names: ELF `.debug_*` (Go ≥ 1.19 compresses with
//! `SHF_COMPRESSED`), PE `.zdebug_*`, Mach-O `__DWARF,__zdebug_*`; Mach-O
//! names are cut to 16 bytes (`__zdebug_rnglist`), handled here.
//! [`Binary::contents`] inflates them; every span here is an offset in the
//! *decompressed* section.
//!
//! Go 1.26 emits DWARF 5 (`.debug_addr`, `.debug_rnglists`,
//! `.debug_loclists`) except on darwin, ios and aix, where it still emits
//! DWARF 4 (`.debug_loc`, `.debug_ranges`; `internal/buildcfg` turns the
//! `dwarf5` experiment off there). Go compile units have one unit per
//! package, named by import path (`main` is the main package), `comp_dir`
//! `.`, producer `Go cmd/compile go1.26.8; …`; all these attributes and the
//! line tables' directories and file names are inline `DW_FORM_string`s, so
//! a build path is right inside `.debug_info` / `.debug_line`.
//!
//! The work is bounded ([`MAX_UNITS`], [`MAX_FILES`] per line table,
//! [`MAX_LINE_ENTRIES`] in all, [`MAX_WARNINGS`]); the first error in
//! the unit list stops the walk with a warning, an error in one unit skips
//! that unit.

use std::borrow::Cow;

use gimli::{AttributeValue, EndianSlice, RunTimeEndian, SectionId};
use serde::Serialize;

use super::{find_section, Span};
use crate::binary::Binary;

/// Compile units read before stopping (a Go binary has one per package).
pub const MAX_UNITS: usize = 100_000;
/// Directories plus file names read from one line table before stopping.
pub const MAX_FILES: usize = 100_000;
/// Directories plus file names read from all line tables together. Units
/// can share one line table (`DW_AT_stmt_list` at the same offset), so
/// without it a few MiB of hostile DWARF (60,000 units of 16 bytes sharing a
/// table of 100,000 names) asked for 6·10⁹ entries. A large Go program has
/// about 10⁵.
pub const MAX_LINE_ENTRIES: usize = 500_000;
/// Warnings kept from one read; the rest are counted in one more.
pub const MAX_WARNINGS: usize = 100;

/// The sections loaded; the others (frames, locations, ranges) are not
/// needed for unit names and line-table headers, so they are not inflated.
const SECTIONS: [SectionId; 7] = [
    SectionId::DebugAbbrev,
    SectionId::DebugInfo,
    SectionId::DebugLine,
    SectionId::DebugLineStr,
    SectionId::DebugStr,
    SectionId::DebugStrOffsets,
    SectionId::DebugAddr,
];

/// A string read from DWARF and where its bytes are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DwarfString {
    pub value: String,
    /// The string's bytes, without the NUL: in `.debug_info` or `.debug_line`
    /// for `DW_FORM_string`, else in `.debug_str` / `.debug_line_str`.
    pub span: Span,
    /// For unit attributes: the attribute's own bytes in `.debug_info`
    /// (the inline string with its NUL, or the offset/index that points at it).
    pub attr: Option<Span>,
}

/// A unit's `DW_AT_language`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DwarfLanguage {
    pub code: u16,
    /// `DW_LANG_Go`, …
    pub name: Option<&'static str>,
    /// The attribute's bytes in `.debug_info`.
    pub attr: Span,
}

/// One compile unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompUnit {
    /// The whole unit in `.debug_info`, header included.
    pub span: Span,
    pub version: u16,
    pub name: Option<DwarfString>,
    pub comp_dir: Option<DwarfString>,
    pub producer: Option<DwarfString>,
    pub language: Option<DwarfLanguage>,
    pub line_table: Option<LineTable>,
}

/// The header of a unit's line program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineTable {
    /// The whole line program (header and opcodes) in `.debug_line`.
    pub span: Span,
    pub version: u16,
    /// The include directories, in header order.
    pub directories: Vec<DwarfString>,
    pub files: Vec<LineFile>,
}

/// One file entry of a line table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineFile {
    pub path: DwarfString,
    /// Index into the directories, as the header numbers them (DWARF 5: 0 is
    /// the first listed; DWARF 4: 0 is the unit's `comp_dir`, 1 the first listed).
    pub directory_index: u64,
}

/// What was read from the DWARF sections.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Dwarf {
    pub units: Vec<CompUnit>,
}

impl Dwarf {
    /// The unit whose `.debug_info` bytes or line program hold byte `offset` of `section`.
    pub fn unit_at(&self, section: usize, offset: u64) -> Option<&CompUnit> {
        self.units.iter().find(|u| {
            u.span.contains(section, offset)
                || u.line_table
                    .as_ref()
                    .is_some_and(|l| l.span.contains(section, offset))
        })
    }

    /// Every string read (unit attributes, directories, files), for
    /// looking up which one holds a byte.
    pub fn strings(&self) -> impl Iterator<Item = &DwarfString> {
        self.units.iter().flat_map(|u| {
            let attrs = [&u.name, &u.comp_dir, &u.producer].into_iter().flatten();
            let lines = u
                .line_table
                .iter()
                .flat_map(|l| l.directories.iter().chain(l.files.iter().map(|f| &f.path)));
            attrs.chain(lines)
        })
    }
}

/// The loaded (decompressed) DWARF sections and where each came from.
struct Loaded<'data> {
    sections: Vec<(SectionId, usize, Cow<'data, [u8]>)>,
}

impl Loaded<'_> {
    fn get(&self, id: SectionId) -> &[u8] {
        self.sections
            .iter()
            .find(|s| s.0 == id)
            .map(|s| &*s.2)
            .unwrap_or(&[])
    }

    /// The section holding `slice` (which gimli returned from one of ours).
    fn locate(&self, slice: &[u8]) -> Option<Span> {
        let p = slice.as_ptr() as usize;
        self.sections.iter().find_map(|(_, index, data)| {
            let base = data.as_ptr() as usize;
            let start = p.checked_sub(base)?;
            (start + slice.len() <= data.len())
                .then(|| Span::new(*index, start as u64..(start + slice.len()) as u64))
        })
    }
}

/// Index of the section holding DWARF section `id`, under any of its names.
pub(crate) fn dwarf_section(bin: &Binary, id: SectionId) -> Option<usize> {
    let base = id.name().strip_prefix(".debug_")?;
    let cut = |s: String| -> String { s.chars().take(16).collect() };
    let names = [
        format!(".debug_{base}"),
        format!(".zdebug_{base}"),
        cut(format!("__debug_{base}")),
        cut(format!("__zdebug_{base}")),
    ];
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    find_section(bin, &names)
}

/// The DWARF sections of `bin`, inflated; `None` without `.debug_info`.
fn load<'b>(bin: &'b Binary, warnings: &mut Vec<String>) -> Option<Loaded<'b>> {
    let mut loaded = Loaded {
        sections: Vec::new(),
    };
    for id in SECTIONS {
        let Some(index) = dwarf_section(bin, id) else {
            continue;
        };
        match bin.contents(index) {
            Ok(data) => loaded.sections.push((id, index, data)),
            Err(e) => warnings.push(format!("DWARF: {e}")),
        }
    }
    loaded
        .sections
        .iter()
        .any(|s| s.0 == SectionId::DebugInfo)
        .then_some(loaded)
}

/// Read the compile units and line-table headers. `None` when the binary
/// has no `.debug_info` (built with `-w` or `-s`); problems go to `warnings`.
pub fn read(bin: &Binary, warnings: &mut Vec<String>) -> Option<Dwarf> {
    let loaded = load(bin, warnings)?;
    let endian = if bin.little_endian {
        RunTimeEndian::Little
    } else {
        RunTimeEndian::Big
    };
    let sections =
        gimli::DwarfSections::load(|id| Ok::<_, std::convert::Infallible>(loaded.get(id))).ok()?;
    let dwarf = sections.borrow(|s| EndianSlice::new(s, endian));

    let mut out = Dwarf::default();
    let warnings_before = warnings.len();
    let mut line_entries = 0usize;
    let mut headers = dwarf.units();
    loop {
        let header = match headers.next() {
            Ok(Some(h)) => h,
            Ok(None) => break,
            Err(e) => {
                warnings.push(format!(
                    "DWARF: unit list unreadable after {} units: {e}",
                    out.units.len()
                ));
                break;
            }
        };
        if out.units.len() >= MAX_UNITS {
            warnings.push(format!(
                "DWARF: more than {MAX_UNITS} units; the rest are not read"
            ));
            break;
        }
        let offset = header.offset().0;
        match read_unit(&dwarf, &loaded, header, warnings) {
            Ok(unit) => {
                line_entries += unit
                    .line_table
                    .as_ref()
                    .map_or(0, |t| t.directories.len() + t.files.len());
                out.units.push(unit);
            }
            Err(e) => warnings.push(format!(
                "DWARF: unit at .debug_info offset {offset:#x}: {e}"
            )),
        }
        if line_entries > MAX_LINE_ENTRIES {
            warnings.push(format!(
                "DWARF: more than {MAX_LINE_ENTRIES} line-table entries after {} units; the rest are not read",
                out.units.len()
            ));
            break;
        }
    }
    let mine = warnings.len() - warnings_before;
    if mine > MAX_WARNINGS {
        warnings.truncate(warnings_before + MAX_WARNINGS);
        warnings.push(format!("DWARF: {} more warnings", mine - MAX_WARNINGS));
    }
    Some(out)
}

type R<'a> = EndianSlice<'a, RunTimeEndian>;

fn read_unit(
    dwarf: &gimli::Dwarf<R<'_>>,
    loaded: &Loaded,
    header: gimli::UnitHeader<R<'_>>,
    warnings: &mut Vec<String>,
) -> gimli::Result<CompUnit> {
    let info = loaded
        .sections
        .iter()
        .find(|s| s.0 == SectionId::DebugInfo)
        .map(|s| s.1)
        .unwrap_or(0);
    let unit_start = header.offset().0 as u64;
    let span = Span::new(
        info,
        unit_start..unit_start + header.length_including_self() as u64,
    );
    let version = header.version();
    let unit = dwarf.unit(header)?;
    let mut cu = CompUnit {
        span,
        version,
        name: None,
        comp_dir: None,
        producer: None,
        language: None,
        line_table: None,
    };

    // The root DIE's attributes, with the bytes each one occupies.
    let mut entries = unit.entries_raw(None)?;
    if let Some(abbrev) = entries.read_abbreviation()? {
        for spec in abbrev.attributes() {
            let start = entries.next_offset().0 as u64;
            let attr = entries.read_attribute(*spec)?;
            let end = entries.next_offset().0 as u64;
            let attr_span = Span::new(info, unit_start + start..unit_start + end);
            let slot = match attr.name() {
                gimli::DW_AT_name => &mut cu.name,
                gimli::DW_AT_comp_dir => &mut cu.comp_dir,
                gimli::DW_AT_producer => &mut cu.producer,
                gimli::DW_AT_language => {
                    if let AttributeValue::Language(lang) = attr.value() {
                        cu.language = Some(DwarfLanguage {
                            code: lang.0,
                            name: lang.static_string(),
                            attr: attr_span,
                        });
                    }
                    continue;
                }
                _ => continue,
            };
            *slot = string(
                dwarf,
                &unit,
                loaded,
                attr.value(),
                Some(attr_span),
                warnings,
            );
        }
    }

    if let Some(program) = &unit.line_program {
        let h = program.header();
        let start = h.offset().0 as u64;
        let length = h.unit_length() as u64 + u64::from(h.format().initial_length_size());
        let line = loaded
            .sections
            .iter()
            .find(|s| s.0 == SectionId::DebugLine)
            .map(|s| s.1)
            .unwrap_or(0);
        let mut table = LineTable {
            span: Span::new(line, start..start.saturating_add(length)),
            version: h.version(),
            directories: Vec::new(),
            files: Vec::new(),
        };
        let total = h.include_directories().len() + h.file_names().len();
        if total > MAX_FILES {
            warnings.push(format!("DWARF: line table at .debug_line offset {start:#x} lists {total} entries; only the first {MAX_FILES} are read"));
        }
        for dir in h.include_directories().iter().take(MAX_FILES) {
            if let Some(s) = string(dwarf, &unit, loaded, *dir, None, warnings) {
                table.directories.push(s);
            }
        }
        for file in h
            .file_names()
            .iter()
            .take(MAX_FILES.saturating_sub(table.directories.len()))
        {
            if let Some(path) = string(dwarf, &unit, loaded, file.path_name(), None, warnings) {
                table.files.push(LineFile {
                    path,
                    directory_index: file.directory_index(),
                });
            }
        }
        cu.line_table = Some(table);
    }
    Ok(cu)
}

/// Resolve a string-valued attribute and locate its bytes.
fn string(
    dwarf: &gimli::Dwarf<R<'_>>,
    unit: &gimli::Unit<R<'_>>,
    loaded: &Loaded,
    value: AttributeValue<R<'_>>,
    attr: Option<Span>,
    warnings: &mut Vec<String>,
) -> Option<DwarfString> {
    let slice = match dwarf.attr_string(unit, value) {
        Ok(s) => s,
        Err(e) => {
            warnings.push(format!(
                "DWARF: unit at .debug_info offset {:#x}: a string attribute is unreadable: {e}",
                unit.header.offset().0
            ));
            return None;
        }
    };
    let bytes = slice.slice();
    let span = loaded.locate(bytes)?;
    Some(DwarfString {
        value: String::from_utf8_lossy(bytes).into_owned(),
        span,
        attr,
    })
}

/// Variables read at the most by [`integer_variables`].
pub const MAX_VARIABLES: usize = 2_000_000;

/// The address ranges of package-level variables whose DWARF type is an
/// integer, float or boolean base type (not `uintptr`): bytes that never hold
/// an address the linker wrote, whatever value they have. Empty without DWARF.
pub fn integer_variables(bin: &Binary) -> Vec<std::ops::Range<u64>> {
    let mut out = Vec::new();
    let Some(loaded) = load(bin, &mut Vec::new()) else {
        return out;
    };
    let endian = if bin.little_endian {
        RunTimeEndian::Little
    } else {
        RunTimeEndian::Big
    };
    let Ok(sections) =
        gimli::DwarfSections::load(|id| Ok::<_, std::convert::Infallible>(loaded.get(id)));
    let dwarf = sections.borrow(|s| EndianSlice::new(s, endian));
    // Types live in their own unit and variables refer to them by
    // .debug_info offset: collect both, then resolve.
    let mut base_types: std::collections::HashMap<usize, u64> = std::collections::HashMap::new();
    let mut variables: Vec<(u64, usize)> = Vec::new();
    let mut units = dwarf.units();
    let mut seen = 0usize;
    while let Ok(Some(header)) = units.next() {
        let Ok(unit) = dwarf.unit(header) else {
            continue;
        };
        let mut entries = unit.entries();
        while let Ok(Some(e)) = entries.next_dfs() {
            seen += 1;
            if seen > MAX_VARIABLES {
                break;
            }
            if e.tag() == gimli::DW_TAG_base_type {
                let name = e
                    .attr_value(gimli::DW_AT_name)
                    .and_then(|v| dwarf.attr_string(&unit, v).ok())
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let size = e
                    .attr_value(gimli::DW_AT_byte_size)
                    .and_then(|v| v.udata_value())
                    .unwrap_or(0);
                if let Some(at) = e.offset().to_debug_info_offset(&unit.header) {
                    if name != "uintptr" && name != "unsafe.Pointer" && (1..=16).contains(&size) {
                        base_types.insert(at.0, size);
                    }
                }
                continue;
            }
            if e.tag() != gimli::DW_TAG_variable {
                continue;
            }
            let Some(AttributeValue::Exprloc(expr)) = e.attr_value(gimli::DW_AT_location) else {
                continue;
            };
            let mut ops = expr.operations(unit.encoding());
            let Ok(Some(gimli::Operation::Address { address })) = ops.next() else {
                continue;
            };
            if !matches!(ops.next(), Ok(None)) {
                continue;
            }
            let ty = match e.attr_value(gimli::DW_AT_type) {
                Some(AttributeValue::UnitRef(t)) => match t.to_debug_info_offset(&unit.header) {
                    Some(at) => at.0,
                    None => continue,
                },
                Some(AttributeValue::DebugInfoRef(t)) => t.0,
                _ => continue,
            };
            variables.push((address, ty));
        }
        if seen > MAX_VARIABLES {
            break;
        }
    }
    for (address, ty) in variables {
        if let Some(size) = base_types.get(&ty) {
            out.push(address..address.saturating_add(*size));
        }
    }
    out.sort_by_key(|r| r.start);
    out
}

#[cfg(test)]
mod tests;
