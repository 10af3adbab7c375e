//! The build IDs of a Go binary: the Go build ID, the ELF GNU build-id note
//! and the Mach-O `LC_UUID`.
//!
//! **Go build ID.** On ELF it is the note named `Go` of type 4 in section
//! `.note.go.buildid` (also covered by its own `PT_NOTE`, which is scanned
//! when the section table is gone). Elsewhere (Mach-O, PE) it is the first
//! text symbol, `go:buildid`: the bytes `\xff Go build ID: "<quoted ID>"\n \xff`
//! at the start of `__TEXT,__text` / `.text`. With `-ldflags=-buildid=` there
//! is neither.
//!
//! The value `cmd/go` writes into a binary has four parts separated by `/`,
//! each 20 base64url characters (the first 120 bits of a SHA-256):
//!
//! 1. `actionID(binary)`: hash of the link step's inputs (flags, toolchain,
//!    the content IDs of every linked package);
//! 2. `actionID(main.a)`: hash of the main package's compile inputs (its
//!    sources, their paths unless `-trimpath`, flags, dependencies);
//! 3. `contentID(main.a)`: hash of the compiled main package;
//! 4. `contentID(binary)`: hash of the final binary with the build ID bytes
//!    zeroed, rewritten after linking by `buildid -w`.
//!
//! So a differing part 4 alone only says "some other byte differs"; a
//! differing part 1 or 2 says the *inputs* differ. Packages and plain
//! `-buildid=x` values have other shapes (`actionID/contentID`, or anything);
//! their parts get [`PartRole::Other`] roles.
//!
//! **Derived IDs.** Since Go 1.24 the linker also writes, by default, a GNU
//! build-id note (`.note.gnu.build-id`, name `GNU`, type 3) holding the first
//! 20 bytes of `Sum32(id)`, and on Mach-O an `LC_UUID` holding the first 16
//! bytes of `Sum32(id)` with the RFC 4122 version-3 bits set, where
//! `Sum32(x)` is SHA-256 with the first byte inverted and `id` is the
//! build ID *as passed to the linker*: parts 1–3 and, as a placeholder for
//! part 4, part 1 again (checked on Go 1.26.8 fixtures). Both therefore
//! change whenever parts 1–3 change and never because of part 4 alone;
//! [`GnuBuildId::derived_from_go_build_id`] and
//! [`MachUuid::derived_from_go_build_id`] say whether that relation holds.
//! Go 1.26 puts the GNU note in `.note.gnu.build-id` right after the Go note
//! but does not cover it with a `PT_NOTE`.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{file_span, find_section, Bytes, Span};
use crate::binary::{Binary, Format};

/// ELF note type of the Go build ID (`ELF_NOTE_GOBUILDID_TAG`).
pub const NT_GO_BUILD_ID: u32 = 4;
/// ELF note type of the GNU build ID (`NT_GNU_BUILD_ID`).
pub const NT_GNU_BUILD_ID: u32 = 3;
/// Mach-O load command holding the UUID.
pub const LC_UUID: u32 = 0x1b;
const PT_NOTE: u32 = 4;
/// Start and end of the build ID text header (`cmd/internal/buildid`).
pub const TEXT_PREFIX: &[u8] = b"\xff Go build ID: \"";
pub const TEXT_SUFFIX: &[u8] = b"\"\n \xff";
/// How far into the text section the header is looked for (`readSize` in Go).
const TEXT_SEARCH: usize = 32 << 10;
/// The longest build ID accepted; Go's are 83 bytes.
const MAX_ID_LEN: usize = 1024;
/// Notes walked per note section before giving up.
const MAX_NOTES: usize = 256;
/// Mach-O load commands walked before giving up.
const MAX_LOAD_COMMANDS: u32 = 4096;

/// Where a Go build ID was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BuildIdSource {
    /// ELF note `Go`, type 4.
    ElfNote,
    /// The `\xff Go build ID: "…"` header at the start of the text section.
    TextHeader,
}

/// What a part of the build ID hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartRole {
    /// Hash of the link step's inputs (part 1 of 4).
    BinaryActionId,
    /// Hash of the main package's compile inputs (part 2 of 4).
    MainActionId,
    /// Hash of the compiled main package (part 3 of 4).
    MainContentId,
    /// Hash of the binary itself, build ID zeroed (part 4 of 4).
    BinaryContentId,
    /// First part of a two-part `actionID/contentID`.
    ActionId,
    /// Last part of a two-part `actionID/contentID`.
    ContentId,
    /// Any other shape (a user-supplied `-buildid=`).
    Other,
}

/// One `/`-separated part of the Go build ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuildIdPart {
    pub value: String,
    pub span: Span,
    pub role: PartRole,
}

/// The Go build ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoBuildId {
    /// The ID as a string (unquoted when read from the text header).
    pub value: String,
    /// The ID's bytes (inside the quotes of the text header).
    pub span: Span,
    /// The whole container: the ELF note (header, name, desc, padding) or the
    /// text header from `\xff` to `\xff`.
    pub container: Span,
    pub source: BuildIdSource,
    /// The parts split on `/`. Empty when the text header used escapes (never
    /// seen in practice), since the parts' bytes are then not the value's.
    pub parts: Vec<BuildIdPart>,
}

impl GoBuildId {
    /// The part with this role, if the ID has that shape.
    pub fn part(&self, role: PartRole) -> Option<&BuildIdPart> {
        self.parts.iter().find(|p| p.role == role)
    }

    /// The ID the linker saw for a four-part binary build ID: parts 1–3 plus
    /// part 1 again as the placeholder for the not yet known content ID. The
    /// GNU build ID and Mach-O UUID are hashes of this string.
    pub fn link_time_id(&self) -> Option<String> {
        match self.parts.as_slice() {
            [a, b, c, _] => Some(format!("{}/{}/{}/{}", a.value, b.value, c.value, a.value)),
            _ => None,
        }
    }
}

/// The ELF GNU build-id note (`NT_GNU_BUILD_ID`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GnuBuildId {
    /// The note's descriptor, lower-case hex.
    pub hex: String,
    /// The descriptor bytes.
    pub span: Span,
    /// Whether the value is what Go ≥ 1.24 derives from the Go build ID;
    /// `None` when there is no four-part Go build ID to check against.
    pub derived_from_go_build_id: Option<bool>,
}

/// The Mach-O `LC_UUID` load command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MachUuid {
    /// The UUID in the usual `8-4-4-4-12` upper-case form.
    pub uuid: String,
    /// The 16 UUID bytes, inside the `(header)` pseudo-section.
    pub span: Span,
    /// Whether the value is what Go ≥ 1.24 derives from the Go build ID;
    /// `None` when there is no four-part Go build ID to check against.
    pub derived_from_go_build_id: Option<bool>,
}

/// Read the Go build ID: the ELF note, else the text header.
pub fn read_go(bin: &Binary, warnings: &mut Vec<String>) -> Option<GoBuildId> {
    if bin.format == Format::Elf {
        if let Some(id) = read_go_note(bin, warnings) {
            return Some(id);
        }
    }
    read_text_header(bin, warnings)
}

/// Read the GNU build-id note (ELF only).
pub fn read_gnu(
    bin: &Binary,
    go: Option<&GoBuildId>,
    warnings: &mut Vec<String>,
) -> Option<GnuBuildId> {
    if bin.format != Format::Elf {
        return None;
    }
    let notes = elf_notes(bin, &[".note.gnu.build-id"], warnings);
    let note = notes
        .into_iter()
        .find(|n| n.name == b"GNU" && n.kind == NT_GNU_BUILD_ID)?;
    let bytes = note.desc.bytes(bin)?.into_owned();
    let derived_from_go_build_id = go
        .and_then(GoBuildId::link_time_id)
        .map(|id| sum32(id.as_bytes()).get(..20) == Some(bytes.as_slice()));
    Some(GnuBuildId {
        hex: crate::binary::hex(&bytes),
        span: note.desc,
        derived_from_go_build_id,
    })
}

/// Read the `LC_UUID` load command (Mach-O only).
pub fn read_mach_uuid(
    bin: &Binary,
    go: Option<&GoBuildId>,
    warnings: &mut Vec<String>,
) -> Option<MachUuid> {
    if bin.format != Format::MachO {
        return None;
    }
    let b = Bytes::new(bin.data, bin.little_endian);
    let header_size: u64 = if bin.is_64 { 32 } else { 28 };
    let (Some(ncmds), Some(sizeofcmds)) = (b.u32(16), b.u32(20)) else {
        warnings.push("Mach-O header is truncated; no LC_UUID read".into());
        return None;
    };
    let end = header_size
        .saturating_add(u64::from(sizeofcmds))
        .min(bin.data.len() as u64);
    let mut offset = header_size;
    for _ in 0..ncmds.min(MAX_LOAD_COMMANDS) {
        let (Some(cmd), Some(cmdsize)) = (b.u32(offset), b.u32(offset + 4)) else {
            break;
        };
        let next = offset.checked_add(u64::from(cmdsize)).filter(|&n| n <= end);
        let Some(next) = next.filter(|_| cmdsize >= 8) else {
            warnings.push(format!(
                "Mach-O load command at file offset {offset:#x} has a bad size ({cmdsize})"
            ));
            return None;
        };
        if cmd == LC_UUID {
            if cmdsize < 24 {
                warnings.push(format!(
                    "LC_UUID at file offset {offset:#x} is {cmdsize} bytes, not 24"
                ));
                return None;
            }
            let range = offset + 8..offset + 24;
            let bytes = b.get(range.start, 16)?;
            let span = file_span(bin, range)?;
            let derived_from_go_build_id = go
                .and_then(GoBuildId::link_time_id)
                .map(|id| uuid_from_build_id(&id) == bytes);
            return Some(MachUuid {
                uuid: format_uuid(bytes),
                span,
                derived_from_go_build_id,
            });
        }
        offset = next;
    }
    None
}

/// `cmd/internal/hash.Sum32`: SHA-256 with the first byte inverted.
fn sum32(data: &[u8]) -> [u8; 32] {
    let mut sum: [u8; 32] = Sha256::digest(data).into();
    sum[0] ^= 0xff;
    sum
}

/// `cmd/link`'s `uuidFromGoBuildId`.
fn uuid_from_build_id(id: &str) -> [u8; 16] {
    let mut rv = [0u8; 16];
    rv.copy_from_slice(&sum32(id.as_bytes())[..16]);
    rv[6] = (rv[6] & 0x0f) | 0x30;
    rv[8] = (rv[8] & 0x3f) | 0xc0;
    rv
}

fn format_uuid(b: &[u8]) -> String {
    let h = crate::binary::hex(b).to_uppercase();
    if h.len() != 32 {
        return h;
    }
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// One ELF note, located.
struct Note {
    name: Vec<u8>,
    kind: u32,
    /// The descriptor bytes.
    desc: Span,
    /// Header, name, descriptor and padding.
    whole: Span,
}

fn read_go_note(bin: &Binary, warnings: &mut Vec<String>) -> Option<GoBuildId> {
    let notes = elf_notes(bin, &[".note.go.buildid"], warnings);
    let note = notes
        .into_iter()
        .find(|n| n.name == b"Go" && n.kind == NT_GO_BUILD_ID)?;
    let bytes = note.desc.bytes(bin)?;
    if bytes.len() > MAX_ID_LEN {
        warnings.push(format!(
            "Go build ID note is {} bytes long; ignored",
            bytes.len()
        ));
        return None;
    }
    let Ok(value) = std::str::from_utf8(&bytes) else {
        warnings.push("Go build ID note is not UTF-8; ignored".into());
        return None;
    };
    let parts = split_parts(value, &note.desc);
    Some(GoBuildId {
        value: value.to_string(),
        span: note.desc.clone(),
        container: note.whole,
        source: BuildIdSource::ElfNote,
        parts,
    })
}

/// The notes in the named sections, else in every `PT_NOTE` segment.
fn elf_notes(bin: &Binary, sections: &[&str], warnings: &mut Vec<String>) -> Vec<Note> {
    if let Some(i) = find_section(bin, sections) {
        return parse_notes(bin, i, 0..bin.sections[i].file_size(), warnings);
    }
    let mut out = Vec::new();
    for range in note_segments(bin) {
        if let Some(span) = file_span(bin, range) {
            out.extend(parse_notes(bin, span.section, span.range, warnings));
        }
    }
    out
}

/// File ranges of the `PT_NOTE` program headers.
fn note_segments(bin: &Binary) -> Vec<std::ops::Range<u64>> {
    let b = Bytes::new(bin.data, bin.little_endian);
    let (phoff, phentsize, phnum) = if bin.is_64 {
        (b.u64(0x20), b.get(0x36, 2), b.get(0x38, 2))
    } else {
        (b.u32(0x1c).map(u64::from), b.get(0x2a, 2), b.get(0x2c, 2))
    };
    let u16_of = |s: Option<&[u8]>| -> Option<u64> {
        let a: [u8; 2] = s?.try_into().ok()?;
        Some(u64::from(if bin.little_endian {
            u16::from_le_bytes(a)
        } else {
            u16::from_be_bytes(a)
        }))
    };
    let (Some(phoff), Some(entsize), Some(num)) = (phoff, u16_of(phentsize), u16_of(phnum)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for i in 0..num {
        let at = i.checked_mul(entsize).and_then(|o| o.checked_add(phoff));
        let Some(at) = at.filter(|&a| a < bin.data.len() as u64) else {
            break;
        };
        let Some(p_type) = b.u32(at) else { break };
        if p_type != PT_NOTE {
            continue;
        }
        let (off, size) = if bin.is_64 {
            (b.u64(at + 8), b.u64(at + 32))
        } else {
            (b.u32(at + 4).map(u64::from), b.u32(at + 16).map(u64::from))
        };
        if let (Some(off), Some(size)) = (off, size) {
            if let Some(end) = off
                .checked_add(size)
                .filter(|&e| e <= bin.data.len() as u64)
            {
                out.push(off..end);
            }
        }
    }
    out
}

/// Walk the notes in `range` of section `index`'s contents.
fn parse_notes(
    bin: &Binary,
    index: usize,
    range: std::ops::Range<u64>,
    warnings: &mut Vec<String>,
) -> Vec<Note> {
    let Ok(contents) = bin.contents(index) else {
        return Vec::new();
    };
    let b = Bytes::new(&contents, bin.little_endian);
    let pad4 = |n: u64| n.checked_add(3).map(|n| n & !3);
    let mut out = Vec::new();
    let mut at = range.start;
    while at < range.end && out.len() < MAX_NOTES {
        let (Some(namesz), Some(descsz), Some(kind)) = (b.u32(at), b.u32(at + 4), b.u32(at + 8))
        else {
            warnings.push(format!(
                "note in {} at offset {at:#x} is truncated",
                bin.sections[index].name
            ));
            break;
        };
        let name_at = at + 12;
        let desc_at = pad4(u64::from(namesz)).and_then(|n| name_at.checked_add(n));
        let next = desc_at.and_then(|d| pad4(u64::from(descsz)).and_then(|n| d.checked_add(n)));
        let (Some(desc_at), Some(next)) = (desc_at, next) else {
            break;
        };
        let desc_end = desc_at + u64::from(descsz);
        if desc_end > range.end {
            warnings.push(format!(
                "note in {} at offset {at:#x} claims {descsz} descriptor bytes, past the end of its section",
                bin.sections[index].name
            ));
            break;
        }
        let mut name = b
            .get(name_at, u64::from(namesz))
            .unwrap_or_default()
            .to_vec();
        while name.last() == Some(&0) {
            name.pop();
        }
        out.push(Note {
            name,
            kind,
            desc: Span::new(index, desc_at..desc_end),
            whole: Span::new(index, at..next.min(range.end)),
        });
        at = next;
    }
    out
}

/// The `\xff Go build ID: "…"\n \xff` header near the start of the text section.
fn read_text_header(bin: &Binary, warnings: &mut Vec<String>) -> Option<GoBuildId> {
    let index = find_section(bin, &["__TEXT,__text", ".text"])?;
    let contents = bin.contents(index).ok()?;
    let head = &contents[..contents.len().min(TEXT_SEARCH)];
    let start = super::find_bytes(head, TEXT_PREFIX, 0)?;
    let value_start = start + TEXT_PREFIX.len();
    let search_end = head.len().min(value_start + MAX_ID_LEN + TEXT_SUFFIX.len());
    let Some(value_len) =
        super::find_bytes(&head[..search_end], TEXT_SUFFIX, value_start).map(|e| e - value_start)
    else {
        warnings.push(format!(
            "Go build ID header in {} has no end marker",
            bin.sections[index].name
        ));
        return None;
    };
    let raw = &head[value_start..value_start + value_len];
    let span = Span::new(index, value_start as u64..(value_start + value_len) as u64);
    let container = Span::new(
        index,
        start as u64..(value_start + value_len + TEXT_SUFFIX.len()) as u64,
    );
    let (value, parts) = if raw.contains(&b'\\') {
        let quoted = [b"\"", raw, b"\""].concat();
        let Some(value) = super::buildinfo::unquote(&quoted) else {
            warnings.push(format!(
                "Go build ID header in {} is not a valid quoted string",
                bin.sections[index].name
            ));
            return None;
        };
        (value, Vec::new())
    } else {
        let Ok(value) = std::str::from_utf8(raw) else {
            warnings.push(format!(
                "Go build ID header in {} is not UTF-8",
                bin.sections[index].name
            ));
            return None;
        };
        let parts = split_parts(value, &span);
        (value.to_string(), parts)
    };
    Some(GoBuildId {
        value,
        span,
        container,
        source: BuildIdSource::TextHeader,
        parts,
    })
}

fn split_parts(value: &str, span: &Span) -> Vec<BuildIdPart> {
    let pieces: Vec<&str> = value.split('/').collect();
    let roles: &[PartRole] = match pieces.len() {
        4 => &[
            PartRole::BinaryActionId,
            PartRole::MainActionId,
            PartRole::MainContentId,
            PartRole::BinaryContentId,
        ],
        2 => &[PartRole::ActionId, PartRole::ContentId],
        _ => &[],
    };
    let mut offset = span.range.start;
    pieces
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let part = BuildIdPart {
                value: p.to_string(),
                span: Span::new(span.section, offset..offset + p.len() as u64),
                role: roles.get(i).copied().unwrap_or(PartRole::Other),
            };
            offset += p.len() as u64 + 1;
            part
        })
        .collect()
}

#[cfg(test)]
mod tests;
