//! A corpus no one here wrote: every object file under the Go distribution's
//! `src/debug/*/testdata` (ELF of many architectures, relocatable objects, a
//! core file, Mach-O including a fat file, PE including an EFI kernel, DWARF
//! 4/5, zlib- and zstd-compressed DWARF, a Go 1.17 binary, a non-Go binary)
//! goes through `twinbuild inspect` and `twinbuild diff`.
//!
//! Asserted: the exit code is 0, 1 or 2 and nothing panics; a file that
//! parses diffs against itself with exit 0; one that does not parse fails
//! with one `twinbuild: error:` line. GOROOT comes from `go env GOROOT` at
//! test time (Go is required by the test suite anyway). Files stored
//! base64- or gzip-encoded are decoded first.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;

/// Source, text and build files in the testdata folders, not objects.
const NOT_OBJECTS: [&str; 7] = ["c", "cc", "h", "s", "go", "md", "mod"];

fn goroot() -> PathBuf {
    let out = Command::new("go")
        .args(["env", "GOROOT"])
        .output()
        .expect("`go` is on PATH (the test suite needs Go)");
    assert!(out.status.success(), "go env GOROOT failed");
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

/// Every file under `dir`, recursively, sorted.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Standard base64 (RFC 4648), whitespace ignored.
fn base64_decode(text: &[u8]) -> Vec<u8> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for &c in text {
        let Some(v) = value(c) else { continue };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

#[test]
fn base64_decoder() {
    assert_eq!(base64_decode(b"aGVsbG8="), b"hello");
    assert_eq!(base64_decode(b"aGVs\nbG8gd29y\nbGQ="), b"hello world");
    assert_eq!(base64_decode(b"YQ=="), b"a");
}

/// The corpus, decoded into `dir`: (name shown in failures, path to the bytes).
fn corpus(dir: &Path) -> Vec<(String, PathBuf)> {
    let root = goroot().join("src").join("debug");
    let mut files = Vec::new();
    let Ok(packages) = std::fs::read_dir(&root) else {
        panic!("{} is missing", root.display())
    };
    let mut packages: Vec<PathBuf> = packages
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("testdata"))
        .collect();
    packages.sort();
    for testdata in packages {
        walk(&testdata, &mut files);
    }
    let mut out = Vec::new();
    for f in files {
        let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
        if NOT_OBJECTS.contains(&ext) {
            continue;
        }
        let name = f.strip_prefix(&root).unwrap().display().to_string();
        let raw = std::fs::read(&f).unwrap();
        let data = match ext {
            "base64" => base64_decode(&raw),
            "gz" => {
                let mut d = Vec::new();
                flate2::read::GzDecoder::new(&raw[..])
                    .read_to_end(&mut d)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                d
            }
            _ => raw,
        };
        let path = dir.join(name.replace('/', "__"));
        std::fs::write(&path, &data).unwrap();
        out.push((name, path));
    }
    out
}

struct Outcome {
    code: i32,
    stderr: String,
}

fn twinbuild(args: &[&Path]) -> Outcome {
    let out = Command::cargo_bin("twinbuild")
        .unwrap()
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    // A signal (no exit code) is as bad as a panic.
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("{args:?} killed by a signal: {:?}\n{stderr}", out.status));
    Outcome { code, stderr }
}

fn check(what: &str, o: &Outcome, expect: &[i32], failures: &mut Vec<String>) {
    if o.stderr.contains("panicked") || !expect.contains(&o.code) {
        failures.push(format!(
            "{what}: exit {} (expected one of {expect:?})\n{}",
            o.code, o.stderr
        ));
    } else if o.code == 2
        && !(o.stderr.lines().count() == 1 && o.stderr.starts_with("twinbuild: error: "))
    {
        failures.push(format!(
            "{what}: exit 2 without one `twinbuild: error:` line:\n{}",
            o.stderr
        ));
    }
}

#[test]
fn go_debug_testdata_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let files = corpus(dir.path());
    assert!(
        files.len() >= 50,
        "expected the Go debug testdata, found {} files",
        files.len()
    );
    let mut failures = Vec::new();
    let mut parsed = Vec::new();
    let (inspect, diff): (&Path, &Path) = (Path::new("inspect"), Path::new("diff"));
    for (name, path) in &files {
        let data = std::fs::read(path).unwrap();
        let parses = twinbuild::binary::Binary::parse(&data).is_ok();
        let o = twinbuild(&[inspect, path]);
        check(
            &format!("inspect {name}"),
            &o,
            if parses { &[0] } else { &[2] },
            &mut failures,
        );
        let o = twinbuild(&[diff, path, path]);
        check(
            &format!("diff {name} {name}"),
            &o,
            if parses { &[0] } else { &[2] },
            &mut failures,
        );
        if parses {
            parsed.push((name, path));
        }
    }
    // Each parsed file against the next one: different files, often different
    // formats or architectures. Only 1 (differs) or 2 (cannot compare).
    for pair in parsed.windows(2) {
        let ((na, a), (nb, b)) = (pair[0], pair[1]);
        let o = twinbuild(&[diff, a, b]);
        check(&format!("diff {na} {nb}"), &o, &[1, 2], &mut failures);
    }
    eprintln!(
        "{} files, {} parsed, {} pairs diffed",
        files.len(),
        parsed.len(),
        parsed.len().saturating_sub(1)
    );
    assert!(
        parsed.len() >= 30,
        "only {} of {} files parsed",
        parsed.len(),
        files.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `line-gcc-zstd.elf` (gcc -Wl,--compress-debug-sections=zstd, from Go's
/// debug/dwarf tests): its DWARF sections carry `ELFCOMPRESS_ZSTD` headers,
/// and they inflate to the declared size and to real DWARF.
#[test]
fn zstd_compressed_dwarf_is_inflated() {
    use twinbuild::binary::compress::Algorithm;
    use twinbuild::binary::Binary;
    let path = goroot().join("src/debug/dwarf/testdata/line-gcc-zstd.elf");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let bin = Binary::parse(&bytes).expect("parses");
    let mut zstd = 0;
    for (i, s) in bin.sections.iter().enumerate() {
        let Some(c) = &s.compression else { continue };
        assert_eq!(c.algorithm, Algorithm::Zstd, "{}", s.name);
        zstd += 1;
        let inflated = bin
            .contents(i)
            .unwrap_or_else(|e| panic!("{}: {e}", s.name));
        assert_eq!(inflated.len() as u64, c.uncompressed_size, "{}", s.name);
        if s.name == ".debug_info" {
            // unit_length (u32), then the DWARF version.
            let version = u16::from_le_bytes([inflated[4], inflated[5]]);
            assert!((2..=5).contains(&version), "DWARF version {version}");
        }
    }
    assert!(
        zstd >= 3,
        "expected zstd-compressed DWARF sections, found {zstd}"
    );
    let bin_path = assert_cmd::cargo::cargo_bin("twinbuild");
    let out = Command::new(bin_path)
        .args(["diff".as_ref(), path.as_os_str(), path.as_os_str()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}
