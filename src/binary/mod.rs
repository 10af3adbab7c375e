//! Stage 2, `binary`: one model for ELF, Mach-O and PE executables.
//!
//! Input: the bytes of one file. Output: a [`Binary`], which lists every byte
//! range of the file as a [`Section`]: the real sections, plus pseudo-sections
//! for the bytes no section covers (file header and load commands, padding,
//! section header tables, trailing data), so that no difference can hide
//! between sections. Compressed DWARF is recognised here and inflated on
//! demand ([`Binary::contents`]) under a size cap.
//!
//! Go-specific structures (build ID, buildinfo, pclntab, DWARF) live in
//! [`go`]; they are read from a `Binary` and keep the offsets of their parts
//! relative to a section's contents, the same coordinates the diff uses.
//!
//! Everything here is a pure function of the input bytes and must never panic
//! on malformed input: sizes and offsets read from the file are checked
//! against the file before use.

pub mod compress;
pub mod go;
mod parse;

use std::borrow::Cow;
use std::ops::Range;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use compress::Compression;

/// The executable formats Go produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    Elf,
    MachO,
    Pe,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Elf => "elf",
            Format::MachO => "mach-o",
            Format::Pe => "pe",
        }
    }
}

/// What a [`Section`] stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SectionKind {
    /// A section named in the file's section table.
    Section,
    /// The file header, program headers or load commands, up to the first section.
    Header,
    /// A segment's bytes that no section covers (Mach-O `__LINKEDIT`).
    Segment,
    /// Bytes between or after sections (padding, section header table, symbol tables).
    Gap,
}

/// One byte range of the file.
#[derive(Debug, Clone)]
pub struct Section {
    /// Section name as the file spells it; pseudo-sections are in parentheses or brackets.
    pub name: String,
    pub kind: SectionKind,
    /// Where the section's bytes are in the file. Empty for sections with no file bytes (`.bss`).
    pub file_range: Range<u64>,
    /// Virtual address, when the section is loaded.
    pub address: Option<u64>,
    /// Size in memory when loaded (`.bss` has one but no file bytes); the
    /// file size for pseudo-sections.
    pub mem_size: u64,
    /// Set when the file bytes are a compressed stream (compressed DWARF).
    pub compression: Option<Compression>,
}

impl Section {
    /// Size of the section's contents as compared: decompressed size when compressed.
    pub fn content_size(&self) -> u64 {
        match &self.compression {
            Some(c) => c.uncompressed_size,
            None => self.file_range.end - self.file_range.start,
        }
    }

    pub fn file_size(&self) -> u64 {
        self.file_range.end - self.file_range.start
    }
}

/// A symbol from the file's symbol table, with its file position when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// Name with the Mach-O leading underscore removed.
    pub name: String,
    pub address: u64,
    pub size: u64,
    /// Whether the file gave the size (ELF); Mach-O and PE sizes run to the next symbol.
    pub sized: bool,
    /// Index into [`Binary::sections`] of the section holding the symbol.
    pub section: Option<usize>,
}

/// A parsed executable: its format, its byte ranges and its symbols.
#[derive(Debug)]
pub struct Binary<'data> {
    pub data: &'data [u8],
    pub format: Format,
    /// `amd64`, `arm64`, `386`, ... in Go's spelling where known.
    pub arch: String,
    pub is_64: bool,
    pub little_endian: bool,
    /// Every byte range of the file, sorted by file offset, pseudo-sections included.
    /// Sections without file bytes (`.bss`) come after, in table order.
    pub sections: Vec<Section>,
    /// Symbols sorted by address (empty when stripped).
    pub symbols: Vec<Symbol>,
    /// Inflated contents of compressed sections, filled on first use so that
    /// diff, attribution and the DWARF reader inflate each section once.
    inflated: Vec<OnceLock<Result<Vec<u8>, ContentError>>>,
}

/// Why a file could not be read as an executable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    #[error("empty file")]
    Empty,
    #[error("not an ELF, Mach-O or PE executable (starts with {magic})")]
    UnknownFormat { magic: String },
    #[error("malformed {format} file: {reason}")]
    Malformed {
        format: &'static str,
        reason: String,
    },
    #[error("file is {size} bytes, over the {limit}-byte input limit")]
    TooLarge { size: u64, limit: u64 },
}

/// Why a section's contents could not be produced.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
pub enum ContentError {
    #[error("section {section}: {reason}")]
    Decompress { section: String, reason: String },
}

/// The largest input twinbuild reads (a defence against hostile input, not a
/// Go limit). Both inputs are held in memory with up to
/// [`MAX_INFLATED_TOTAL`](compress::MAX_INFLATED_TOTAL) inflated beside each,
/// so a diff takes at most about 6 GiB whatever it is given.
pub const MAX_INPUT_SIZE: u64 = 2 << 30;

impl<'data> Binary<'data> {
    /// Parse `data` as ELF, Mach-O or PE.
    pub fn parse(data: &'data [u8]) -> Result<Binary<'data>, ParseError> {
        parse::parse(data)
    }

    /// The bytes of section `index` as compared: inflated when compressed
    /// (once: the inflated bytes are kept for the life of the `Binary`).
    pub fn contents(&self, index: usize) -> Result<Cow<'_, [u8]>, ContentError> {
        let section = &self.sections[index];
        let raw = self.raw(index);
        let Some(c) = &section.compression else {
            return Ok(Cow::Borrowed(raw));
        };
        let inflated = self.inflated[index].get_or_init(|| {
            c.inflate(raw).map_err(|reason| ContentError::Decompress {
                section: section.name.clone(),
                reason,
            })
        });
        match inflated {
            Ok(bytes) => Ok(Cow::Borrowed(bytes)),
            Err(e) => Err(e.clone()),
        }
    }

    /// Test support: compressed section `index` as if it inflated to its
    /// bytes rewritten by `edit` (an edit deep inside compressed DWARF).
    /// Before anything has read the section.
    #[cfg(test)]
    pub(crate) fn edit_inflated(&self, index: usize, edit: impl FnOnce(&mut Vec<u8>)) {
        let c = self.sections[index]
            .compression
            .as_ref()
            .expect("compressed");
        let mut bytes = c.inflate(self.raw(index)).expect("inflates");
        edit(&mut bytes);
        assert!(
            self.inflated[index].set(Ok(bytes)).is_ok(),
            "read before the edit"
        );
    }

    /// The on-disk bytes of section `index` (still compressed when compressed).
    pub fn raw(&self, index: usize) -> &'data [u8] {
        let r = &self.sections[index].file_range;
        // Ranges were checked against the file when parsed.
        &self.data[r.start as usize..r.end as usize]
    }

    /// Index of the first section with this name.
    pub fn section_index(&self, name: &str) -> Option<usize> {
        self.sections.iter().position(|s| s.name == name)
    }

    /// The symbol whose `[address, address+size)` contains `address` (or the
    /// nearest one before it, when sizes are unknown).
    pub fn symbol_at(&self, address: u64) -> Option<&Symbol> {
        let i = self.symbols.partition_point(|s| s.address <= address);
        let s = self.symbols.get(i.checked_sub(1)?)?;
        if s.size == 0 || address < s.address.saturating_add(s.size) {
            Some(s)
        } else {
            None
        }
    }

    /// The symbol containing byte `offset` of section `index`'s contents, if
    /// the section is loaded and not compressed.
    pub fn symbol_for(&self, index: usize, offset: u64) -> Option<&Symbol> {
        let s = &self.sections[index];
        if s.compression.is_some() {
            return None;
        }
        let sym = self.symbol_at(s.address?.checked_add(offset)?)?;
        (sym.section == Some(index)).then_some(sym)
    }
}

/// sha256 of `data`, lower-case hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}
