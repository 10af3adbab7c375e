//! Hostile input to the pure stages (`binary`, its Go readers, `diff`,
//! `attribute`, the report renderers), after the bad-input catalogue: lying
//! headers, counts and sizes, bad string indices, overlapping sections,
//! compression bombs. Each case patches a committed fixture and runs the
//! whole pipeline on it; nothing may panic, and a size the file cannot hold
//! is refused before anything is allocated.
//!
//! The last tests run the `twinbuild` binary under a 2 GiB address-space
//! limit on the fixtures and on bombs: the exit code must be 0, 1 or 2,
//! never a signal.
//!
//! Regression tests are named after what they guard and say what found them.

mod common;

use std::ops::Range;
use std::path::{Path, PathBuf};

use twinbuild::binary::{compress, go, Binary, ParseError};

fn fixture(target: &str, name: &str) -> Vec<u8> {
    let p: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "fixtures",
        target,
        name,
    ]
    .iter()
    .collect();
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Everything `twinbuild diff` and `inspect` do with two byte strings, as
/// the fuzz targets do it. Returns whether both parsed.
fn pipeline(lhs: &[u8], rhs: &[u8]) -> Result<(), ParseError> {
    let a = Binary::parse(lhs)?;
    let b = Binary::parse(rhs)?;
    for bin in [&a, &b] {
        for i in 0..bin.sections.len() {
            let _ = bin.contents(i);
        }
        let _ = go::read(bin);
        for format in [
            twinbuild::report::OutputFormat::Human,
            twinbuild::report::OutputFormat::Json,
        ] {
            let _ = twinbuild::report::inspect::render("x", bin, format);
        }
    }
    if a.format != b.format {
        return Ok(());
    }
    let d = twinbuild::diff::diff(&a, &b);
    let attribution = twinbuild::attribute::attribute(&a, &b, &d, &Default::default());
    let total: u64 = attribution.findings.iter().map(|f| f.bytes).sum();
    assert_eq!(
        total,
        d.differing_bytes(),
        "the findings account for every differing byte"
    );
    let report = twinbuild::report::Report::new(
        twinbuild::report::Artifact::new("lhs", &a),
        twinbuild::report::Artifact::new("rhs", &b),
        &d,
        attribution,
        twinbuild::report::Context {
            command: "diff".into(),
            ..Default::default()
        },
    );
    use twinbuild::report::OutputFormat as F;
    for format in [F::Human, F::Json, F::Markdown, F::Html] {
        let _ = report.render(format, false);
    }
    Ok(())
}

/// Put `value` at `offset` as `width` little-endian bytes.
fn put(data: &mut [u8], offset: usize, width: usize, value: u64) {
    data[offset..offset + width].copy_from_slice(&value.to_le_bytes()[..width]);
}

fn get(data: &[u8], offset: usize, width: usize) -> u64 {
    let mut b = [0u8; 8];
    b[..width].copy_from_slice(&data[offset..offset + width]);
    u64::from_le_bytes(b)
}

/// ELF64 little-endian: file offset of the section header named `name`.
fn elf_shdr(data: &[u8], name: &str) -> usize {
    let (shoff, shnum, shstrndx) = (
        get(data, 0x28, 8) as usize,
        get(data, 0x3c, 2) as usize,
        get(data, 0x3e, 2) as usize,
    );
    let strtab = get(data, shoff + shstrndx * 64 + 24, 8) as usize;
    (0..shnum)
        .map(|i| shoff + i * 64)
        .find(|&h| {
            let at = strtab + get(data, h, 4) as usize;
            data[at..].starts_with(name.as_bytes()) && data[at + name.len()] == 0
        })
        .unwrap_or_else(|| panic!("no section {name}"))
}

/// The file range of the section named `name`, as twinbuild sees it.
fn section(data: &[u8], name: &str) -> Range<usize> {
    let bin = Binary::parse(data).unwrap();
    let i = bin
        .section_index(name)
        .unwrap_or_else(|| panic!("no section {name}"));
    let r = &bin.sections[i].file_range;
    r.start as usize..r.end as usize
}

/// How a patched file must come out.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// Refused by `Binary::parse` (a `Malformed` error).
    Refused,
    /// Parsed, and the pipeline ran.
    Parsed,
    /// Either; only no panic is required.
    Either,
}

/// One bad-input case: patch `target`'s release fixture, run the pipeline on
/// (original, patched). (The other order takes the same paths; the fuzz
/// target `diff_mutated` tries both.)
fn check(target: &str, what: &str, expect: Expect, patch: impl Fn(&mut Vec<u8>)) {
    let original = fixture(target, "release");
    let mut bad = original.clone();
    patch(&mut bad);
    let result = std::panic::catch_unwind(|| pipeline(&original, &bad));
    let r = result.unwrap_or_else(|_| panic!("{target}: {what}: panicked"));
    match expect {
        Expect::Refused => assert!(
            matches!(r, Err(ParseError::Malformed { .. })),
            "{target}: {what}: expected a malformed-file error, got {r:?}"
        ),
        Expect::Parsed => assert!(r.is_ok(), "{target}: {what}: expected to parse, got {r:?}"),
        Expect::Either => {}
    }
}

#[test]
fn elf_truncated_and_lying_headers() {
    let t = "linux-amd64";
    check(t, "shorter than the ELF header", Expect::Refused, |d| {
        d.truncate(40)
    });
    check(t, "header only", Expect::Refused, |d| d.truncate(64));
    check(t, "e_shoff past the end", Expect::Refused, |d| {
        let n = d.len() as u64;
        put(d, 0x28, 8, n - 10)
    });
    check(t, "e_shoff near u64::MAX", Expect::Refused, |d| {
        put(d, 0x28, 8, u64::MAX - 8)
    });
    check(t, "e_phnum 0xffff", Expect::Either, |d| {
        put(d, 0x38, 2, 0xffff)
    });
    check(t, "e_phoff past the end", Expect::Either, |d| {
        let n = d.len() as u64;
        put(d, 0x20, 8, n - 4)
    });
    check(t, "e_shnum 0xffff", Expect::Refused, |d| {
        put(d, 0x3c, 2, 0xffff)
    });
    check(
        t,
        "e_shnum 0 and a huge count in section 0",
        Expect::Refused,
        |d| {
            let shoff = get(d, 0x28, 8) as usize;
            put(d, 0x3c, 2, 0);
            put(d, shoff + 32, 8, u64::MAX);
        },
    );
    check(t, "e_shentsize 0", Expect::Either, |d| put(d, 0x3a, 2, 0));
}

#[test]
fn elf_bad_string_indices() {
    let t = "linux-amd64";
    check(t, "e_shstrndx out of range", Expect::Either, |d| {
        put(d, 0x3e, 2, 0xfffe)
    });
    check(t, "e_shstrndx pointing at .text", Expect::Either, |d| {
        let shoff = get(d, 0x28, 8) as usize;
        let text = (elf_shdr(d, ".text") - shoff) / 64;
        put(d, 0x3e, 2, text as u64);
    });
    check(t, "sh_name past the string table", Expect::Either, |d| {
        let h = elf_shdr(d, ".gopclntab");
        put(d, h, 4, 0xffff_fff0);
    });
    check(t, "every sh_name 0", Expect::Either, |d| {
        let (shoff, shnum) = (get(d, 0x28, 8) as usize, get(d, 0x3c, 2) as usize);
        for i in 0..shnum {
            put(d, shoff + i * 64, 4, 0);
        }
    });
}

#[test]
fn elf_sizes_and_offsets_past_the_file() {
    let t = "linux-amd64";
    check(t, "section size past the end", Expect::Refused, |d| {
        let h = elf_shdr(d, ".gopclntab");
        put(d, h + 32, 8, u64::MAX);
    });
    check(t, "offset + size wraps", Expect::Refused, |d| {
        let h = elf_shdr(d, ".gopclntab");
        put(d, h + 24, 8, u64::MAX - 10);
        put(d, h + 32, 8, 100);
    });
    check(t, "section size one past the end", Expect::Refused, |d| {
        let h = elf_shdr(d, ".shstrtab");
        let off = get(d, h + 24, 8);
        let n = d.len() as u64;
        put(d, h + 32, 8, n - off + 1);
    });
    check(
        t,
        "symbol values and sizes at the extremes",
        Expect::Parsed,
        |d| {
            let r = section(d, ".symtab");
            for (k, e) in r.step_by(24).skip(1).take(2000).enumerate() {
                put(d, e + 8, 8, if k % 2 == 0 { u64::MAX } else { 1 });
                put(d, e + 16, 8, u64::MAX - k as u64);
            }
        },
    );
}

#[test]
fn elf_overlapping_and_aliased_sections() {
    let t = "linux-amd64";
    check(t, "every section at the same offset", Expect::Parsed, |d| {
        let (shoff, shnum) = (get(d, 0x28, 8) as usize, get(d, 0x3c, 2) as usize);
        for i in 1..shnum {
            let h = shoff + i * 64;
            // Not NOBITS, not the symbol and string tables (object refuses a cut
            // symbol table), not compressed (their headers would be garbage).
            if ![8, 2, 3].contains(&get(d, h + 4, 4)) && get(d, h + 8, 8) & 0x800 == 0 {
                put(d, h + 24, 8, 0x1000);
                put(d, h + 32, 8, 0x800);
            }
        }
    });
    check(t, ".gopclntab over the whole file", Expect::Parsed, |d| {
        let h = elf_shdr(d, ".gopclntab");
        put(d, h + 24, 8, 0);
        let n = d.len() as u64;
        put(d, h + 32, 8, n);
    });
    check(t, "two sections with the same name", Expect::Parsed, |d| {
        let (a, b) = (elf_shdr(d, ".typelink"), elf_shdr(d, ".itablink"));
        let name = get(d, a, 4);
        put(d, b, 4, name);
    });
}

#[test]
fn elf_lying_notes() {
    let t = "linux-amd64";
    for (what, field, value) in [
        ("namesz", 0, 0xffff_ffffu64),
        ("descsz", 4, 0xffff_ffff),
        ("descsz 0x7fffffff", 4, 0x7fff_ffff),
        ("namesz 0", 0, 0),
    ] {
        // The release fixture has no Go build ID note, so the GNU one is there only in plain builds.
        for note in [".note.gnu.build-id", ".note.go.buildid"]
            .into_iter()
            .filter(|n| {
                Binary::parse(&fixture(t, "release"))
                    .unwrap()
                    .section_index(n)
                    .is_some()
            })
        {
            check(t, &format!("{note} {what}"), Expect::Parsed, |d| {
                let r = section(d, note);
                put(d, r.start + field, 4, value);
            });
        }
    }
    check(t, "PT_NOTE pointing past the end", Expect::Either, |d| {
        let (phoff, phnum) = (get(d, 0x20, 8) as usize, get(d, 0x38, 2) as usize);
        for i in 0..phnum {
            let p = phoff + i * 56;
            if get(d, p, 4) == 4 {
                put(d, p + 8, 8, u64::MAX - 100);
                put(d, p + 32, 8, 0x1000);
            }
        }
    });
}

#[test]
fn elf_compression_headers() {
    let t = "linux-amd64";
    check(t, "ch_size 2^40", Expect::Parsed, |d| {
        let r = section(d, ".debug_info");
        put(d, r.start + 8, 8, 1 << 40);
    });
    check(t, "ch_size 0", Expect::Parsed, |d| {
        let r = section(d, ".debug_line");
        put(d, r.start + 8, 8, 0);
    });
    check(t, "ch_size one less than the truth", Expect::Parsed, |d| {
        let r = section(d, ".debug_abbrev");
        let n = get(d, r.start + 8, 8);
        put(d, r.start + 8, 8, n - 1);
    });
    // A zlib stream labelled zstd, and a type no one knows: the section
    // cannot be inflated, so it is compared as stored; the file is fine.
    check(t, "ch_type zstd on a zlib stream", Expect::Parsed, |d| {
        let r = section(d, ".debug_info");
        put(d, r.start, 4, 2);
    });
    check(t, "ch_type 99", Expect::Parsed, |d| {
        let r = section(d, ".debug_line");
        put(d, r.start, 4, 99);
    });
    check(
        t,
        "compressed flag on a 3-byte section",
        Expect::Refused,
        |d| {
            let h = elf_shdr(d, ".debug_abbrev");
            put(d, h + 32, 8, 3);
        },
    );
    check(t, "compressed flag on .text", Expect::Either, |d| {
        let h = elf_shdr(d, ".text");
        let f = get(d, h + 8, 8);
        put(d, h + 8, 8, f | 0x800);
    });
    check(t, "corrupt zlib stream", Expect::Parsed, |d| {
        let r = section(d, ".debug_info");
        for b in &mut d[r.start + 30..r.start + 300] {
            *b ^= 0x5a;
        }
    });
}

#[test]
fn macho_lying_load_commands() {
    let t = "darwin-arm64";
    check(t, "shorter than the header", Expect::Refused, |d| {
        d.truncate(20)
    });
    check(t, "ncmds 0xffffffff", Expect::Refused, |d| {
        put(d, 16, 4, 0xffff_ffff)
    });
    check(t, "ncmds one more than there are", Expect::Refused, |d| {
        let n = get(d, 16, 4);
        put(d, 16, 4, n + 1);
    });
    check(t, "sizeofcmds past the end", Expect::Refused, |d| {
        put(d, 20, 4, 0xffff_fff0)
    });
    check(t, "cmdsize 0", Expect::Refused, |d| put(d, 32 + 4, 4, 0));
    check(
        t,
        "segments and sections past the end",
        Expect::Either,
        |d| {
            let ncmds = get(d, 16, 4) as usize;
            let mut at = 32;
            for _ in 0..ncmds {
                let (cmd, size) = (get(d, at, 4), get(d, at + 4, 4) as usize);
                if cmd == 0x19 {
                    put(d, at + 40, 8, u64::MAX - 4096);
                    let nsects = get(d, at + 64, 4) as usize;
                    for s in 0..nsects {
                        put(d, at + 72 + s * 80 + 40, 8, u64::MAX);
                    }
                }
                at += size;
            }
        },
    );
    check(t, "nsects larger than the command", Expect::Either, |d| {
        let ncmds = get(d, 16, 4) as usize;
        let mut at = 32;
        for _ in 0..ncmds {
            let (cmd, size) = (get(d, at, 4), get(d, at + 4, 4) as usize);
            if cmd == 0x19 {
                put(d, at + 64, 4, 0xffff_ffff);
            }
            at += size;
        }
    });
    check(t, "LC_UUID cut short", Expect::Either, |d| {
        let ncmds = get(d, 16, 4) as usize;
        let mut at = 32;
        for _ in 0..ncmds {
            let (cmd, size) = (get(d, at, 4), get(d, at + 4, 4) as usize);
            if cmd == 0x1b {
                put(d, at + 4, 4, 8);
            }
            at += size;
        }
    });
    check(
        t,
        "symbol table offsets past the end",
        Expect::Either,
        |d| {
            let ncmds = get(d, 16, 4) as usize;
            let mut at = 32;
            for _ in 0..ncmds {
                let (cmd, size) = (get(d, at, 4), get(d, at + 4, 4) as usize);
                if cmd == 0x2 {
                    put(d, at + 8, 4, 0xffff_fff0);
                    put(d, at + 12, 4, 0x0fff_ffff);
                }
                at += size;
            }
        },
    );
}

/// Regression (found by tests/cli.rs `truncated_binaries_of_every_format`):
/// `object` stops quietly at the first Mach-O load command that does not
/// fit, so the first 100 bytes of a Mach-O parsed as a binary with no
/// sections and `inspect` exited 0. Guards `check_load_commands` in
/// src/binary/parse.rs.
#[test]
fn truncated_macho_load_commands_are_refused() {
    let data = fixture("darwin-arm64", "release");
    for len in [100, 32 + 72, 1000, 4096] {
        let err = Binary::parse(&data[..len]).unwrap_err();
        assert!(
            matches!(
                err,
                ParseError::Malformed {
                    format: "mach-o",
                    ..
                }
            ),
            "{len} bytes: {err}"
        );
    }
    // The whole table is there but one command claims to run past it.
    let mut d = data.clone();
    let cmds = get(&d, 20, 4);
    put(&mut d, 32 + 4, 4, cmds + 8);
    assert!(Binary::parse(&d).is_err());
    assert!(Binary::parse(&data).is_ok());
}

#[test]
fn fat_macho_is_refused_with_a_reason() {
    // A universal header claiming 2^32-1 architectures.
    let mut fat = vec![0xca, 0xfe, 0xba, 0xbe, 0xff, 0xff, 0xff, 0xff];
    fat.extend_from_slice(&fixture("darwin-arm64", "release")[..4096]);
    let err = Binary::parse(&fat).unwrap_err();
    assert!(err.to_string().contains("universal"), "{err}");
}

/// PE: the offset of the first section header and the section count field.
fn pe_sections(d: &[u8]) -> (usize, usize) {
    let coff = get(d, 0x3c, 4) as usize + 4;
    (coff + 20 + get(d, coff + 16, 2) as usize, coff + 2)
}

#[test]
fn pe_lying_headers() {
    let t = "windows-amd64";
    check(t, "e_lfanew past the end", Expect::Refused, |d| {
        put(d, 0x3c, 4, 0xffff_fff0)
    });
    check(t, "NumberOfSections 0xffff", Expect::Refused, |d| {
        let (_, count) = pe_sections(d);
        put(d, count, 2, 0xffff);
    });
    check(t, "SizeOfOptionalHeader 0xffff", Expect::Either, |d| {
        let coff = get(d, 0x3c, 4) as usize + 4;
        put(d, coff + 16, 2, 0xffff);
    });
    // The file range is min(VirtualSize, SizeOfRawData), as the loader reads it.
    check(t, "SizeOfRawData past the end", Expect::Either, |d| {
        let (first, _) = pe_sections(d);
        put(d, first + 16, 4, 0xffff_fff0);
    });
    check(t, "PointerToRawData past the end", Expect::Refused, |d| {
        let (first, _) = pe_sections(d);
        put(d, first + 20, 4, 0xffff_0000);
    });
    check(t, "symbol table past the end", Expect::Either, |d| {
        let coff = get(d, 0x3c, 4) as usize + 4;
        put(d, coff + 8, 4, 0xffff_fff0);
        put(d, coff + 12, 4, 0x0fff_ffff);
    });
    check(
        t,
        "long section name past the string table",
        Expect::Either,
        |d| {
            let (first, _) = pe_sections(d);
            d[first + 5 * 40..first + 5 * 40 + 8].copy_from_slice(b"/9999999");
        },
    );
    check(t, "every section at the same offset", Expect::Either, |d| {
        let (first, count) = pe_sections(d);
        for s in 0..get(d, count, 2) as usize {
            put(d, first + s * 40 + 20, 4, 0x600);
            put(d, first + s * 40 + 16, 4, 0x200);
        }
    });
}

/// A zlib stream of `n` zero bytes made by hand with fixed Huffman codes
/// (a literal 0, then runs of 258 at distance 1: 13 bits per 258 bytes),
/// so the test does not spend seconds compressing zeros.
fn zeros_zlib(n: u64) -> Vec<u8> {
    assert!(n >= 1 && (n - 1).is_multiple_of(258), "n = 1 + 258k");
    let mut out = vec![0x78, 0x01];
    let (mut acc, mut nbits) = (0u64, 0u32);
    let mut bits = |value: u64, count: u32, out: &mut Vec<u8>| {
        acc |= value << nbits;
        nbits += count;
        while nbits >= 8 {
            out.push(acc as u8);
            acc >>= 8;
            nbits -= 8;
        }
    };
    // Huffman codes go most significant bit first.
    let code = |c: u64, len: u32| (0..len).fold(0u64, |r, i| r | (((c >> (len - 1 - i)) & 1) << i));
    bits(1, 1, &mut out); // BFINAL
    bits(1, 2, &mut out); // fixed Huffman
    bits(code(0x30, 8), 8, &mut out); // literal 0
    for _ in 0..(n - 1) / 258 {
        bits(code(0xc5, 8), 8, &mut out); // length 258
        bits(0, 5, &mut out); // distance 1
    }
    bits(0, 7, &mut out); // end of block
    if nbits > 0 {
        out.push(acc as u8);
    }
    let adler = ((n % 65521) << 16) | 1;
    out.extend_from_slice(&(adler as u32).to_be_bytes());
    out
}

#[test]
fn hand_made_zero_stream_inflates() {
    let n: u64 = 1 + 258 * 1000;
    let raw = [b"ZLIB".as_slice(), &n.to_be_bytes(), &zeros_zlib(n)].concat();
    let c = compress::Compression::from_zdebug(&raw).unwrap();
    assert_eq!(c.inflate(&raw).unwrap(), vec![0u8; n as usize]);
}

/// The linux-amd64 fixture with `.debug_info`'s stream replaced by zeros
/// that inflate to `n` bytes, the header declaring `declared`.
fn elf_zero_bomb(n: u64, declared: u64) -> Vec<u8> {
    let mut d = fixture("linux-amd64", "release");
    let r = section(&d, ".debug_info");
    let stream = zeros_zlib(n);
    assert!(stream.len() <= r.len() - 24, "the bomb fits in the section");
    d[r.start + 24..r.start + 24 + stream.len()].copy_from_slice(&stream);
    put(&mut d, r.start + 8, 8, declared);
    d
}

#[test]
fn zlib_bomb_in_elf_debug_info_is_an_error_not_an_allocation() {
    let original = fixture("linux-amd64", "release");
    let n = 1 + 258 * 100_000; // 25.8 MB of zeros from ~160 KB
    for (declared, expect_error) in [
        (1u64 << 40, "cap"),
        (1024, "more than 1024"),
        (n + 1, "inflates to"),
        (compress::MAX_INFLATED, "more than zlib can produce"),
    ] {
        let bomb = elf_zero_bomb(n, declared);
        let bin = Binary::parse(&bomb).unwrap();
        let i = bin.section_index(".debug_info").unwrap();
        let err = bin.contents(i).unwrap_err().to_string();
        // At the per-section cap, the per-file budget (other DWARF sections
        // come first in file order) may refuse it before the ratio check does.
        let budget = declared == compress::MAX_INFLATED && err.contains("budget");
        assert!(
            err.contains(expect_error) || budget,
            "declared {declared}: {err}"
        );
        // The Go readers warn; the diff compares the section as stored and says why.
        let info = go::read(&bin);
        assert!(
            info.warnings
                .iter()
                .any(|w| w.contains("debug_info") || w.contains("DWARF")),
            "declared {declared}: {:?}",
            info.warnings
        );
        let lhs = Binary::parse(&original).unwrap();
        let d = twinbuild::diff::diff(&lhs, &bin);
        let pair = d.pairs.iter().find(|p| p.name == ".debug_info").unwrap();
        assert!(
            pair.warning
                .as_deref()
                .is_some_and(|w| w.contains("compared as stored")),
            "{:?}",
            pair.warning
        );
        pipeline(&original, &bomb).unwrap();
    }
    // Declared truthfully, it is a large but legal section: inflated and compared.
    let bomb = elf_zero_bomb(n, n);
    let bin = Binary::parse(&bomb).unwrap();
    assert_eq!(
        bin.contents(bin.section_index(".debug_info").unwrap())
            .unwrap()
            .len() as u64,
        n
    );
    pipeline(&original, &bomb).unwrap();
}

/// The windows-amd64 fixture with `.zdebug_info`'s "ZLIB" header declaring `declared`.
fn pe_zdebug_declaring(declared: u64) -> Vec<u8> {
    let mut d = fixture("windows-amd64", "release");
    let r = section(&d, ".zdebug_info");
    assert_eq!(&d[r.start..r.start + 4], b"ZLIB");
    d[r.start + 4..r.start + 12].copy_from_slice(&declared.to_be_bytes());
    d
}

#[test]
fn zlib_header_in_pe_zdebug_declaring_a_huge_size_is_an_error() {
    let original = fixture("windows-amd64", "release");
    for declared in [u64::MAX, 1 << 40, compress::MAX_INFLATED + 1, 0] {
        let bomb = pe_zdebug_declaring(declared);
        let bin = Binary::parse(&bomb).unwrap();
        let i = bin.section_index(".zdebug_info").unwrap();
        assert!(bin.contents(i).is_err(), "declared {declared}");
        pipeline(&original, &bomb).unwrap();
    }
}

/// `twinbuild ARGS` under a 2 GiB address-space limit: the exit code and stderr.
fn under_2gib(args: &[&Path]) -> (i32, String) {
    let out = common::twinbuild_under_2gib(args, None);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap_or_default(), stderr)
}

#[test]
fn memory_is_bounded_on_fixtures_and_bombs() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "fixtures"]
        .iter()
        .collect();
    let (diff, inspect) = (Path::new("diff"), Path::new("inspect"));
    for target in [
        "linux-amd64",
        "linux-arm64",
        "windows-amd64",
        "darwin-arm64",
    ] {
        let (a, b) = (
            fixtures.join(target).join("plain-a"),
            fixtures.join(target).join("plain-b"),
        );
        let (code, err) = under_2gib(&[diff, &a, &b]);
        assert_eq!(code, 1, "{target}: {err}");
        let (code, err) = under_2gib(&[inspect, &a]);
        assert_eq!(code, 0, "{target}: {err}");
    }
    let n = 1 + 258 * 100_000;
    let files = [
        ("elf-bomb-huge", elf_zero_bomb(n, 1 << 40)),
        ("elf-bomb-small", elf_zero_bomb(n, 1024)),
        ("elf-bomb-true", elf_zero_bomb(n, n)),
        ("pe-bomb-huge", pe_zdebug_declaring(1 << 40)),
        ("pe-bomb-cap", pe_zdebug_declaring(compress::MAX_INFLATED)),
        (
            "elf-shared-line-table",
            elf_with_shared_line_table(60_000, 100_000),
        ),
    ];
    for (name, data) in &files {
        let p = dir.path().join(name);
        std::fs::write(&p, data).unwrap();
        let original = fixtures
            .join(if name.starts_with("elf") {
                "linux-amd64"
            } else {
                "windows-amd64"
            })
            .join("release");
        let (code, err) = under_2gib(&[diff, &original, &p]);
        assert!(code == 1, "{name}: diff exit {code}: {err}");
        let (code, err) = under_2gib(&[inspect, &p]);
        assert!(code == 0, "{name}: inspect exit {code}: {err}");
    }
}

/// Guards `MAX_INFLATED_TOTAL` (src/binary/compress.rs, applied in
/// src/binary/parse.rs): inflated sections are kept for the life of a
/// `Binary`, so many sections each under the per-section cap could take
/// unbounded memory together. In file order, the sections past the per-file
/// budget are refused (and compared as stored); those before it inflate.
#[test]
fn compressed_sections_past_the_per_file_budget_are_refused() {
    let original = fixture("linux-amd64", "release");
    let mut d = original.clone();
    // .debug_line comes before .debug_frame and .debug_info in the file.
    let line = section(&d, ".debug_line");
    put(
        &mut d,
        line.start + 8,
        8,
        compress::MAX_INFLATED_TOTAL - 100,
    );
    let bin = Binary::parse(&d).unwrap();
    let ok = |name: &str| {
        bin.contents(bin.section_index(name).unwrap())
            .map(|c| c.len())
    };
    assert!(ok(".debug_abbrev").is_ok(), "before the budget is spent");
    // With .debug_abbrev's bytes it is past the budget itself (and its stream is too short anyway).
    assert!(ok(".debug_line").is_err());
    for name in [".debug_frame", ".debug_info", ".debug_addr"] {
        let err = ok(name).unwrap_err().to_string();
        assert!(err.contains("budget"), "{name}: {err}");
    }
    pipeline(&original, &d).unwrap();
    // The fixtures are far under it.
    let bin = Binary::parse(&original).unwrap();
    assert!((0..bin.sections.len()).all(|i| bin.contents(i).is_ok()));
}

/// Guards `MAX_HINT_FILES` (src/attribute/landmarks.rs): deriving build-path
/// hints pairs every lhs-only file name with every rhs-only one; a hostile
/// pclntab with a hundred thousand names per side took 10^9 comparisons
/// (minutes). Now each side is cut to its first 4096 names, and the hint
/// is still found.
#[test]
fn path_hints_from_huge_file_tables_are_bounded() {
    use twinbuild::attribute::landmarks::{derive_path_hints, Landmarks};
    let side = |prefix: &str| {
        let mut l = Landmarks::default();
        l.files = (0..100_000)
            .map(|i| format!("{prefix}/pkg{i}/f{i}.go"))
            .collect();
        l
    };
    let started = std::time::Instant::now();
    let hints = derive_path_hints(&side("/a/src"), &side("/bb/deeper"));
    assert_eq!(hints.len(), 1, "{hints:?}");
    assert_eq!(
        (hints[0].lhs.as_str(), hints[0].rhs.as_str()),
        ("/a/src", "/bb/deeper")
    );
    eprintln!(
        "derive_path_hints on 2 x 100,000 names: {:?}",
        started.elapsed()
    );
}

/// The linux-amd64 fixture with its DWARF replaced (appended, the section
/// headers pointed at it, not compressed): `units` DWARF 4 compile units of
/// 16 bytes, all with `DW_AT_stmt_list` 0, and one line table naming `files`
/// files.
fn elf_with_shared_line_table(units: usize, files: usize) -> Vec<u8> {
    let mut d = fixture("linux-amd64", "release");
    let abbrev = vec![1, 0x11, 0, 0x10, 0x17, 0, 0, 0];
    let mut unit = Vec::new();
    unit.extend_from_slice(&12u32.to_le_bytes());
    unit.extend_from_slice(&4u16.to_le_bytes());
    unit.extend_from_slice(&0u32.to_le_bytes());
    unit.push(8);
    unit.push(1);
    unit.extend_from_slice(&0u32.to_le_bytes());
    let info = unit.repeat(units);
    let mut body = vec![
        1,
        1,
        1,
        (-5i8) as u8,
        14,
        13,
        0,
        1,
        1,
        1,
        1,
        0,
        0,
        0,
        1,
        0,
        0,
        1,
        0,
    ];
    body.extend_from_slice(&b"a\0\0\0\0".repeat(files));
    body.push(0);
    let mut line = 4u16.to_le_bytes().to_vec();
    line.extend_from_slice(&(body.len() as u32).to_le_bytes());
    line.extend_from_slice(&body);
    let line = [(line.len() as u32).to_le_bytes().to_vec(), line].concat();
    for (name, data) in [
        (".debug_abbrev", abbrev),
        (".debug_info", info),
        (".debug_line", line),
    ] {
        let h = elf_shdr(&d, name);
        while !d.len().is_multiple_of(8) {
            d.push(0);
        }
        let at = d.len() as u64;
        d.extend_from_slice(&data);
        let flags = get(&d, h + 8, 8);
        put(&mut d, h + 8, 8, flags & !0x800);
        put(&mut d, h + 24, 8, at);
        put(&mut d, h + 32, 8, data.len() as u64);
    }
    d
}

/// Regression (found by reasoning over the DWARF reader, then this test: a
/// 3.8 MB file made `twinbuild inspect` abort on allocation failure under a
/// 2 GiB limit after 37 s): compile units sharing one line table each
/// copied it. Guards `MAX_LINE_ENTRIES` in src/binary/go/dwarf.rs.
#[test]
fn dwarf_units_sharing_one_huge_line_table_are_bounded() {
    let small = elf_with_shared_line_table(3, 5);
    let bin = Binary::parse(&small).unwrap();
    let dwarf = go::read(&bin).dwarf.unwrap();
    assert_eq!(dwarf.units.len(), 3);
    assert_eq!(dwarf.units[0].line_table.as_ref().unwrap().files.len(), 5);

    let hostile = elf_with_shared_line_table(60_000, 100_000);
    let bin = Binary::parse(&hostile).unwrap();
    let info = go::read(&bin);
    let dwarf = info.dwarf.unwrap();
    assert!(dwarf.units.len() <= 10, "{} units read", dwarf.units.len());
    assert!(
        info.warnings
            .iter()
            .any(|w| w.contains("line-table entries")),
        "{:?}",
        info.warnings
    );
    assert!(
        info.warnings.len() <= 110,
        "warnings are capped: {}",
        info.warnings.len()
    );
    pipeline(&fixture("linux-amd64", "release"), &hostile).unwrap();
}
