//! `twinbuild inspect`: one binary's format, sections and Go metadata, for
//! people (human) and pipelines (JSON, the [`GoInfo`] as serde writes it).

use std::fmt::Write;

use serde::Serialize;

use super::human::escape;
use super::view::size;
use super::OutputFormat;
use crate::binary::go::{self, GoInfo};
use crate::binary::{Binary, Format, SectionKind};

#[derive(Serialize)]
struct Inspection<'a> {
    schema_version: u32,
    path: &'a str,
    size: u64,
    sha256: String,
    format: Format,
    arch: &'a str,
    sections: Vec<SectionInfo<'a>>,
    go: &'a GoInfo,
}

#[derive(Serialize)]
struct SectionInfo<'a> {
    name: &'a str,
    kind: SectionKind,
    file_offset: u64,
    file_size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uncompressed_size: Option<u64>,
}

/// Most file names listed on a terminal; the JSON has them all.
const MAX_FILES: usize = 30;

pub fn render(path: &str, bin: &Binary<'_>, format: OutputFormat) -> String {
    let info = go::read(bin);
    let sections: Vec<SectionInfo> = bin
        .sections
        .iter()
        .map(|s| SectionInfo {
            name: &s.name,
            kind: s.kind,
            file_offset: s.file_range.start,
            file_size: s.file_size(),
            address: s.address,
            uncompressed_size: s.compression.as_ref().map(|c| c.uncompressed_size),
        })
        .collect();
    let inspection = Inspection {
        schema_version: super::SCHEMA_VERSION,
        path,
        size: bin.data.len() as u64,
        sha256: crate::binary::sha256_hex(bin.data),
        format: bin.format,
        arch: &bin.arch,
        sections,
        go: &info,
    };
    match format {
        OutputFormat::Json => {
            let mut s =
                serde_json::to_string_pretty(&inspection).expect("an inspection always serialises");
            s.push('\n');
            s
        }
        _ => human(&inspection, bin),
    }
}

fn human(x: &Inspection<'_>, bin: &Binary<'_>) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}: {} {} executable, {}, sha256 {}",
        escape(x.path),
        x.format.name(),
        x.arch,
        size(x.size),
        x.sha256
    );
    let g = x.go;
    match &g.buildinfo {
        Some(b) => {
            let _ = writeln!(o, "\nGo version   {}", escape(&b.go_version));
            if let Some(m) = &b.modinfo {
                if let Some(p) = m.path() {
                    let _ = writeln!(o, "main package {}", escape(p));
                }
                if let Some(main) = m.main_module() {
                    let _ = writeln!(
                        o,
                        "main module  {} {}",
                        escape(&main.path),
                        escape(&main.version)
                    );
                }
                for line in &m.lines {
                    match &line.entry {
                        go::ModInfoEntry::Dep(d) => {
                            let _ = writeln!(
                                o,
                                "dependency   {} {}",
                                escape(&d.path),
                                escape(&d.version)
                            );
                        }
                        go::ModInfoEntry::Replace(d) => {
                            let _ = writeln!(
                                o,
                                "  replaced by {} {}",
                                escape(&d.path),
                                escape(&d.version)
                            );
                        }
                        go::ModInfoEntry::Build { key, value } => {
                            let _ = writeln!(o, "setting      {}={}", escape(key), escape(value));
                        }
                        _ => {}
                    }
                }
            }
        }
        None => {
            let _ = writeln!(o, "\nno Go buildinfo found");
        }
    }
    match &g.build_id {
        Some(id) => {
            let _ = writeln!(o, "build ID     {}", escape(&id.value));
        }
        // A Go binary without one was linked with -ldflags=-buildid=; other files never had one.
        None if g.pclntab.is_some() => {
            let _ = writeln!(o, "build ID     none (built with -ldflags=-buildid=)");
        }
        None => {
            let _ = writeln!(o, "build ID     none");
        }
    }
    if let Some(gnu) = &g.gnu_build_id {
        let _ = writeln!(o, "GNU build-id {}", gnu.hex);
    }
    if let Some(u) = &g.mach_uuid {
        let _ = writeln!(o, "LC_UUID      {}", u.uuid);
    }
    if let Some(p) = &g.pclntab {
        let _ = writeln!(
            o,
            "\npclntab: {} functions, {} files (magic {:#x}, {})",
            p.nfunc, p.nfiles, p.magic, p.go_versions
        );
        let absolute: Vec<&str> = p
            .files
            .iter()
            .map(|f| f.name.as_str())
            .filter(|f| f.starts_with('/') || f.get(1..3) == Some(":\\"))
            .collect();
        if absolute.is_empty() {
            let _ = writeln!(o, "  no absolute paths embedded (built with -trimpath)");
        } else {
            let _ = writeln!(o, "  {} absolute paths embedded, e.g.:", absolute.len());
            // The module's own files first: GOROOT and module-cache paths are alike everywhere.
            let mut shown: Vec<&str> = absolute
                .iter()
                .copied()
                .filter(|f| !f.contains("/go/src/") && !f.contains("/pkg/mod/"))
                .collect();
            shown.extend(
                absolute
                    .iter()
                    .copied()
                    .filter(|f| f.contains("/go/src/") || f.contains("/pkg/mod/")),
            );
            for f in shown.into_iter().take(8) {
                let _ = writeln!(o, "    {}", escape(f));
            }
        }
    }
    if let Some(d) = &g.dwarf {
        let _ = writeln!(o, "\nDWARF: {} compile units", d.units.len());
        for u in d.units.iter().take(MAX_FILES) {
            let name = u.name.as_ref().map_or("?", |n| n.value.as_str());
            let producer = u.producer.as_ref().map_or("", |n| n.value.as_str());
            let _ = writeln!(o, "  {}  {}", escape(name), escape(producer));
        }
        if d.units.len() > MAX_FILES {
            let _ = writeln!(
                o,
                "  ... {} more (see --format json)",
                d.units.len() - MAX_FILES
            );
        }
    }
    let _ = writeln!(o, "\nsections:");
    for s in &bin.sections {
        let c = s
            .compression
            .as_ref()
            .map(|c| format!(" (compressed, {} inflated)", size(c.uncompressed_size)))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "  {:<28} {:>#10x} {:>10}{c}",
            escape(&s.name),
            s.file_range.start,
            size(s.file_size())
        );
    }
    for w in &g.warnings {
        let _ = writeln!(o, "warning: {}", escape(w));
    }
    o
}
