//! The buildinfo blob: the Go version and the module information (`go
//! version -m`) that `cmd/go` embeds in every binary since Go 1.13.
//!
//! Where: ELF section `.go.buildinfo`, Mach-O `__DATA,__go_buildinfo`, PE the
//! start of `.data` (Go 1.26 puts the `go:buildinfo` symbol at `.data`'s
//! first byte); the magic is searched in the first 64 KiB at 16-byte
//! alignment, as `debug/buildinfo` does.
//!
//! Layout (Go 1.18+, flags bit 1 set): a 32-byte header, `"\xff Go buildinf:"`,
//! pointer size, flags (bit 0 big-endian, bit 1 pointer-free), zero padding;
//! then `uvarint(len) + runtime.buildVersion` and `uvarint(len) +
//! runtime.modinfo`; zero padding to 16 bytes. The modinfo string is framed
//! by two 16-byte sentinels (`cmd/go/internal/modload` `infoStart`/`infoEnd`),
//! stripped here as `debug/buildinfo` strips them. The older format (Go
//! 1.13–1.17) holds pointers to the strings instead; it is reported as
//! unsupported.
//!
//! The modinfo text is one entry per line: `path`, `mod`, `dep`, `=>`
//! (replaces the module on the line before), `build key=value`, parsed
//! and unquoted as `runtime/debug.ParseBuildInfo` does.
//!
//! The same framed modinfo string is also the data of the variable
//! `runtime.modinfo` (ELF `.rodata`, Mach-O `__TEXT,__rodata`, PE `.rdata` in
//! Go 1.26), so any change to it shows up twice; [`ModInfo::copy`] locates
//! the second copy by searching for the exact bytes.

use serde::Serialize;

use super::{find_bytes, find_section, Span};
use crate::binary::Binary;

/// The blob's magic.
pub const MAGIC: &[u8] = b"\xff Go buildinf:";
const HEADER_LEN: u64 = 32;
/// `debug/buildinfo` searches this far into the data section.
const SEARCH_LIMIT: usize = 64 << 10;
const FLAG_BIG_ENDIAN: u8 = 1;
const FLAG_INLINE_STRINGS: u8 = 2;
/// Longest Go version string accepted.
const MAX_VERSION_LEN: u64 = 1024;
/// Longest modinfo accepted (real ones are a few KiB, big programs ~100 KiB).
const MAX_MODINFO_LEN: u64 = 16 << 20;
/// Start sentinels tried per section when looking for the modinfo copy.
const MAX_COPY_CANDIDATES: usize = 64;
/// Lines of modinfo parsed before stopping.
const MAX_LINES: usize = 100_000;
/// `cmd/go/internal/modload.infoStart` and `infoEnd`, the modinfo framing.
pub const INFO_START: [u8; 16] = [
    0x30, 0x77, 0xaf, 0x0c, 0x92, 0x74, 0x08, 0x02, 0x41, 0xe1, 0xc1, 0x07, 0xe6, 0xd6, 0x18, 0xe6,
];
pub const INFO_END: [u8; 16] = [
    0xf9, 0x32, 0x43, 0x31, 0x86, 0x18, 0x20, 0x72, 0x00, 0x82, 0x42, 0x10, 0x41, 0x16, 0xd8, 0xf2,
];

/// The buildinfo blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuildInfo {
    /// Header and both strings (not the trailing padding).
    pub span: Span,
    /// The 32-byte header.
    pub header: Span,
    pub ptr_size: u8,
    pub big_endian: bool,
    /// `runtime.buildVersion`, e.g. `go1.26.8`.
    pub go_version: String,
    pub go_version_span: Span,
    /// `None` when the binary has no module information (built outside a module).
    pub modinfo: Option<ModInfo>,
}

/// The module information text and its parsed lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModInfo {
    /// The text between the sentinels.
    pub text: String,
    /// The text's bytes in the blob.
    pub span: Span,
    /// The same text in `runtime.modinfo`'s data, when found.
    pub copy: Option<Span>,
    /// One entry per line, in order.
    pub lines: Vec<ModInfoLine>,
}

/// One line of modinfo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModInfoLine {
    /// The line's bytes in the blob, its newline included, so that the lines
    /// tile [`ModInfo::span`].
    pub span: Span,
    pub entry: ModInfoEntry,
}

/// What a modinfo line says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ModInfoEntry {
    /// `path\t<main package path>`.
    Path { path: String },
    /// `mod\t<path>\t<version>[\t<sum>]`: the main module.
    Mod(Module),
    /// `dep\t<path>\t<version>[\t<sum>]`: a dependency.
    Dep(Module),
    /// `=>\t<path>\t<version>\t<sum>`: replaces the module on the previous line.
    Replace(Module),
    /// `build\t<key>=<value>`, unquoted.
    Build { key: String, value: String },
    /// A line Go would skip (unknown prefix) or reject (malformed).
    Unknown { text: String },
}

/// A module as modinfo names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Module {
    pub path: String,
    pub version: String,
    pub sum: String,
}

impl ModInfo {
    /// The value of build setting `key` (`-trimpath`, `GOOS`, `vcs.revision`, …).
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.lines.iter().find_map(|l| match &l.entry {
            ModInfoEntry::Build { key: k, value } if k == key => Some(value.as_str()),
            _ => None,
        })
    }

    /// The main package's import path.
    pub fn path(&self) -> Option<&str> {
        self.lines.iter().find_map(|l| match &l.entry {
            ModInfoEntry::Path { path } => Some(path.as_str()),
            _ => None,
        })
    }

    /// The main module.
    pub fn main_module(&self) -> Option<&Module> {
        self.lines.iter().find_map(|l| match &l.entry {
            ModInfoEntry::Mod(m) => Some(m),
            _ => None,
        })
    }

    /// The line whose bytes include byte `offset` of section `section`, in
    /// the blob or in the `runtime.modinfo` copy.
    pub fn line_at(&self, section: usize, offset: u64) -> Option<&ModInfoLine> {
        let offset = match &self.copy {
            Some(c) if c.contains(section, offset) => {
                offset - c.range.start + self.span.range.start
            }
            _ if self.span.contains(section, offset) => offset,
            _ => return None,
        };
        self.lines.iter().find(|l| l.span.range.contains(&offset))
    }

    /// Where `span` (a part of [`ModInfo::span`]) is in the `runtime.modinfo` copy.
    pub fn in_copy(&self, span: &Span) -> Option<Span> {
        let copy = self.copy.as_ref()?;
        if span.section != self.span.section
            || span.range.start < self.span.range.start
            || span.range.end > self.span.range.end
        {
            return None;
        }
        let delta = copy.range.start.checked_sub(self.span.range.start);
        let shift = |x: u64| match delta {
            Some(d) => x + d,
            None => x - (self.span.range.start - copy.range.start),
        };
        Some(Span::new(
            copy.section,
            shift(span.range.start)..shift(span.range.end),
        ))
    }
}

/// Find and parse the buildinfo blob.
pub fn read(bin: &Binary, warnings: &mut Vec<String>) -> Option<BuildInfo> {
    let index = find_section(bin, &[".go.buildinfo", "__go_buildinfo", ".data"])?;
    let contents = match bin.contents(index) {
        Ok(c) => c,
        Err(e) => {
            warnings.push(format!("buildinfo: {e}"));
            return None;
        }
    };
    let data: &[u8] = &contents;
    let limit = data.len().min(SEARCH_LIMIT);
    let start = (0..limit)
        .step_by(16)
        .find(|&i| data.get(i..i + MAGIC.len()) == Some(MAGIC))?;
    let name = &bin.sections[index].name;
    let start = start as u64;
    let Some(header) = super::Bytes::new(data, true).get(start, HEADER_LEN) else {
        warnings.push(format!(
            "buildinfo in {name} at offset {start:#x} is truncated"
        ));
        return None;
    };
    let ptr_size = header[14];
    let flags = header[15];
    if flags & FLAG_INLINE_STRINGS == 0 {
        warnings.push(format!(
            "buildinfo in {name} uses the pointer format of Go 1.13-1.17 (flags {flags:#x}); reading it is not supported"
        ));
        return None;
    }
    let mut at = start + HEADER_LEN;
    let Some((version_range, next)) = read_string(data, at, MAX_VERSION_LEN) else {
        warnings.push(format!(
            "buildinfo in {name}: the Go version string is truncated or too long"
        ));
        return None;
    };
    at = next;
    let go_version =
        String::from_utf8_lossy(&data[version_range.start as usize..version_range.end as usize])
            .into_owned();
    if go_version.is_empty() {
        warnings.push(format!("buildinfo in {name} has an empty Go version"));
        return None;
    }
    let Some((mod_range, end)) = read_string(data, at, MAX_MODINFO_LEN) else {
        warnings.push(format!(
            "buildinfo in {name}: the module information is truncated or too long"
        ));
        return None;
    };
    let framed = &data[mod_range.start as usize..mod_range.end as usize];
    let modinfo = if framed.len() >= 33 && framed[framed.len() - 17] == b'\n' {
        let text_range = mod_range.start + 16..mod_range.end - 16;
        let text = &framed[16..framed.len() - 16];
        let span = Span::new(index, text_range.clone());
        let lines = parse_lines(text, &span, warnings);
        let copy = find_copy(bin, framed)
            .map(|s| Span::new(s.section, s.range.start + 16..s.range.end - 16));
        Some(ModInfo {
            text: String::from_utf8_lossy(text).into_owned(),
            span,
            copy,
            lines,
        })
    } else {
        None
    };
    Some(BuildInfo {
        span: Span::new(index, start..end),
        header: Span::new(index, start..start + HEADER_LEN),
        ptr_size,
        big_endian: flags & FLAG_BIG_ENDIAN != 0,
        go_version,
        go_version_span: Span::new(index, version_range),
        modinfo,
    })
}

/// A `uvarint(len) + bytes` string at `at`: the bytes' range and the offset after them.
fn read_string(data: &[u8], at: u64, max: u64) -> Option<(std::ops::Range<u64>, u64)> {
    let (len, n) = uvarint(data.get(usize::try_from(at).ok()?..)?)?;
    if len > max {
        return None;
    }
    let start = at.checked_add(n)?;
    let end = start.checked_add(len)?;
    (end <= data.len() as u64).then_some((start..end, end))
}

/// Go's `binary.Uvarint`: the value and the number of bytes read.
fn uvarint(data: &[u8]) -> Option<(u64, u64)> {
    let mut x = 0u64;
    let mut shift = 0u32;
    for (i, &b) in data.iter().enumerate().take(10) {
        if b < 0x80 {
            if i == 9 && b > 1 {
                return None; // overflows u64
            }
            return Some((x | u64::from(b) << shift, i as u64 + 1));
        }
        x |= u64::from(b & 0x7f) << shift;
        shift += 7;
    }
    None
}

/// The framed modinfo's other copy, in a read-only data section.
fn find_copy(bin: &Binary, framed: &[u8]) -> Option<Span> {
    const CANDIDATES: [&str; 5] = [
        ".rodata",
        "__TEXT,__rodata",
        "__DATA_CONST,__rodata",
        ".rdata",
        ".data.rel.ro",
    ];
    for (i, s) in bin.sections.iter().enumerate() {
        if !CANDIDATES.contains(&s.name.as_str()) {
            continue;
        }
        let Ok(contents) = bin.contents(i) else {
            continue;
        };
        // Try each occurrence of the start sentinel (real binaries have one
        // or two), a bounded number of times: hostile data full of
        // near-copies must not make this quadratic.
        let mut from = 0;
        for _ in 0..MAX_COPY_CANDIDATES {
            let Some(at) = find_bytes(&contents, &INFO_START, from) else {
                break;
            };
            if contents.get(at..at + framed.len()) == Some(framed) {
                return Some(Span::new(i, at as u64..(at + framed.len()) as u64));
            }
            from = at + 1;
        }
    }
    None
}

/// Split modinfo text into lines and parse each as `ParseBuildInfo` does.
fn parse_lines(text: &[u8], span: &Span, warnings: &mut Vec<String>) -> Vec<ModInfoLine> {
    let mut lines = Vec::new();
    let mut at = 0usize;
    // Whether a `=>` may follow (Go: `last != nil`).
    let mut after_module = false;
    while at < text.len() {
        if lines.len() >= MAX_LINES {
            warnings.push(format!(
                "buildinfo: more than {MAX_LINES} modinfo lines; the rest is not parsed"
            ));
            break;
        }
        let Some(nl) = text[at..].iter().position(|&b| b == b'\n') else {
            // Go ignores an unterminated last line.
            let range = span.range.start + at as u64..span.range.end;
            let rest = String::from_utf8_lossy(&text[at..]).into_owned();
            lines.push(ModInfoLine {
                span: Span::new(span.section, range),
                entry: ModInfoEntry::Unknown { text: rest },
            });
            break;
        };
        let line = String::from_utf8_lossy(&text[at..at + nl]).into_owned();
        let range = span.range.start + at as u64..span.range.start + (at + nl + 1) as u64;
        let entry = match parse_line(&line, after_module) {
            Ok(e) => e,
            Err(reason) => {
                warnings.push(format!(
                    "buildinfo: modinfo line {}: {reason}",
                    lines.len() + 1
                ));
                ModInfoEntry::Unknown { text: line }
            }
        };
        after_module = matches!(entry, ModInfoEntry::Mod(_) | ModInfoEntry::Dep(_));
        lines.push(ModInfoLine {
            span: Span::new(span.section, range),
            entry,
        });
        at += nl + 1;
    }
    lines
}

fn parse_line(line: &str, after_module: bool) -> Result<ModInfoEntry, String> {
    let module = |rest: &str, replace: bool| -> Result<Module, String> {
        let elem: Vec<&str> = rest.split('\t').collect();
        match (elem.as_slice(), replace) {
            ([path, version, sum], _) => Ok(Module {
                path: path.to_string(),
                version: version.to_string(),
                sum: sum.to_string(),
            }),
            ([path, version], false) => Ok(Module {
                path: path.to_string(),
                version: version.to_string(),
                sum: String::new(),
            }),
            (_, false) => Err(format!("expected 2 or 3 columns; got {}", elem.len())),
            (_, true) => Err(format!(
                "expected 3 columns for replacement; got {}",
                elem.len()
            )),
        }
    };
    if let Some(rest) = line.strip_prefix("path\t") {
        Ok(ModInfoEntry::Path {
            path: rest.to_string(),
        })
    } else if let Some(rest) = line.strip_prefix("mod\t") {
        module(rest, false).map(ModInfoEntry::Mod)
    } else if let Some(rest) = line.strip_prefix("dep\t") {
        module(rest, false).map(ModInfoEntry::Dep)
    } else if let Some(rest) = line.strip_prefix("=>\t") {
        if !after_module {
            return Err("replacement with no module on previous line".into());
        }
        module(rest, true).map(ModInfoEntry::Replace)
    } else if let Some(kv) = line.strip_prefix("build\t") {
        parse_setting(kv).map(|(key, value)| ModInfoEntry::Build { key, value })
    } else {
        Ok(ModInfoEntry::Unknown {
            text: line.to_string(),
        })
    }
}

/// `key=value` with Go's quoting rules (`runtime/debug.ParseBuildInfo`).
fn parse_setting(kv: &str) -> Result<(String, String), String> {
    let (key, raw_value) = match kv.as_bytes().first() {
        None => return Err("build line missing '='".into()),
        Some(b'=') => return Err("build line with missing key".into()),
        Some(b'`' | b'"') => {
            let n = quoted_prefix(kv.as_bytes()).ok_or("invalid quoted key in build line")?;
            match kv.as_bytes().get(n) {
                None => return Err("build line missing '=' after quoted key".into()),
                Some(b'=') => {}
                Some(c) => {
                    return Err(format!(
                        "unexpected character after quoted key: {:?}",
                        *c as char
                    ))
                }
            }
            let key = unquote(&kv.as_bytes()[..n]).ok_or("invalid quoted key in build line")?;
            (key, &kv[n + 1..])
        }
        Some(_) => {
            let (key, value) = kv
                .split_once('=')
                .ok_or("build line missing '=' after key")?;
            if key.is_empty() || key.contains(['=', ' ', '\t', '\r', '\n', '"', '`']) {
                return Err(format!("unquoted key {key:?} must be quoted"));
            }
            (key.to_string(), value)
        }
    };
    let value = match raw_value.as_bytes().first() {
        None => String::new(),
        Some(b'`' | b'"') => {
            unquote(raw_value.as_bytes()).ok_or("invalid quoted value in build line")?
        }
        Some(_) => {
            if raw_value.contains([' ', '\t', '\r', '\n', '"', '`']) {
                return Err(format!("unquoted value {raw_value:?} must be quoted"));
            }
            raw_value.to_string()
        }
    };
    Ok((key, value))
}

/// Length of the Go quoted string (`"…"` or `` `…` ``) at the start of `s`
/// (`strconv.QuotedPrefix`), or `None`.
fn quoted_prefix(s: &[u8]) -> Option<usize> {
    match s.first()? {
        b'`' => s[1..].iter().position(|&b| b == b'`').map(|p| p + 2),
        b'"' => {
            let mut i = 1;
            while i < s.len() {
                match s[i] {
                    b'"' => {
                        let n = i + 1;
                        return unquote(&s[..n]).map(|_| n);
                    }
                    b'\\' => i += 2,
                    b'\n' => return None,
                    _ => i += 1,
                }
            }
            None
        }
        _ => None,
    }
}

/// Go's `strconv.Unquote` for double-quoted and raw strings. Bytes that are
/// not UTF-8 (from `\x` escapes) are replaced.
pub(crate) fn unquote(s: &[u8]) -> Option<String> {
    let (&q, rest) = s.split_first()?;
    let (&last, body) = rest.split_last()?;
    if q != last {
        return None;
    }
    match q {
        b'`' => {
            if body.contains(&b'`') {
                return None;
            }
            let raw: Vec<u8> = body.iter().copied().filter(|&b| b != b'\r').collect();
            Some(String::from_utf8_lossy(&raw).into_owned())
        }
        b'"' => {
            let mut out = Vec::with_capacity(body.len());
            let mut i = 0;
            while i < body.len() {
                let c = body[i];
                match c {
                    b'"' | b'\n' => return None,
                    b'\\' => {
                        let e = *body.get(i + 1)?;
                        i += 2;
                        let simple = match e {
                            b'a' => Some(7),
                            b'b' => Some(8),
                            b'f' => Some(12),
                            b'n' => Some(b'\n'),
                            b'r' => Some(b'\r'),
                            b't' => Some(b'\t'),
                            b'v' => Some(11),
                            b'\\' => Some(b'\\'),
                            b'"' => Some(b'"'),
                            _ => None,
                        };
                        if let Some(b) = simple {
                            out.push(b);
                            continue;
                        }
                        let hex = |n: usize, i: usize| -> Option<u32> {
                            let digits = std::str::from_utf8(body.get(i..i + n)?).ok()?;
                            if !digits.bytes().all(|d| d.is_ascii_hexdigit()) {
                                return None;
                            }
                            u32::from_str_radix(digits, 16).ok()
                        };
                        match e {
                            b'x' => {
                                out.push(u8::try_from(hex(2, i)?).ok()?);
                                i += 2;
                            }
                            b'u' | b'U' => {
                                let n = if e == b'u' { 4 } else { 8 };
                                let ch = char::from_u32(hex(n, i)?)?;
                                out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
                                i += n;
                            }
                            b'0'..=b'7' => {
                                let digits = body.get(i - 1..i + 2)?;
                                if !digits.iter().all(|d| (b'0'..=b'7').contains(d)) {
                                    return None;
                                }
                                let v =
                                    digits.iter().fold(0u32, |v, d| v * 8 + u32::from(d - b'0'));
                                out.push(u8::try_from(v).ok()?);
                                i += 2;
                            }
                            _ => return None,
                        }
                    }
                    _ => {
                        out.push(c);
                        i += 1;
                    }
                }
            }
            Some(String::from_utf8_lossy(&out).into_owned())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
