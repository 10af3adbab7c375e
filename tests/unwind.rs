//! The C toolchain's unwind tables in a cgo binary (`.eh_frame`,
//! `.eh_frame_hdr`): moved by a benign difference they are proven a
//! consequence; changed for real they are not.
//!
//! scenarios/cgo-srcdir is built twice with `-trimpath -ldflags=-buildid=`
//! and cgo, in two directories of different length (by 100 bytes): its C string holds the
//! build directory, so everything the external linker placed after it moves
//! (the unwind tables' pc-relative words among it). Then the rhs is
//! tampered: one call-frame instruction of an FDE (an advance of the
//! location by one more code unit), and separately one search-table entry
//! of `.eh_frame_hdr` pointed at another FDE. Each tampered pair must show
//! an unproven finding in that section, and fail the gate. Needs go and a C compiler (gcc), as the scenarios do.

use std::path::{Path, PathBuf};
use std::process::Command;

use object::{Object, ObjectSection};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Build scenarios/cgo-srcdir in a copy under `dir` (a path without `-`
/// or `@`, as the go command wants in a `-D` value) into `out`.
fn build(dir: &Path, out: &Path, cache: &Path) {
    let src = dir.join("src");
    std::fs::create_dir_all(src.join("data")).unwrap();
    for f in [
        "go.mod",
        "main.go",
        "datadir.c",
        "datadir.h",
        "data/motd.txt",
    ] {
        std::fs::copy(root().join("scenarios/cgo-srcdir").join(f), src.join(f)).unwrap();
    }
    let status = Command::new("go")
        .args(["build", "-trimpath", "-ldflags=-buildid=", "-o"])
        .arg(out)
        .arg(".")
        .current_dir(&src)
        .env("CGO_ENABLED", "1")
        .env("GOCACHE", cache)
        .env("GOFLAGS", "")
        .env("GOTOOLCHAIN", "local")
        .status()
        .expect("go on PATH");
    assert!(status.success(), "go build in {}", src.display());
}

/// `twinbuild diff` with the benign causes allowed: (exit code, report).
fn diff(lhs: &Path, rhs: &Path) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_twinbuild"))
        .arg("diff")
        .args([lhs, rhs])
        .args(["--format", "json"])
        .args(["--allow", "embedded-path", "--allow", "layout-shift"])
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .next()
                .unwrap_or("")
        )
    });
    (out.status.code().unwrap_or(-1), report)
}

/// Unproven root findings (`proven: false`) located in `section`.
fn unproven_in(report: &Value, section: &str) -> usize {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["proven"] == Value::Bool(false))
        .filter(|f| f["section"].as_str() == Some(section))
        .count()
}

/// File range of `name` in `data`.
fn section(data: &[u8], name: &str) -> (usize, usize, u64) {
    let f = object::File::parse(data).unwrap();
    let s = f.section_by_name(name).unwrap();
    let (start, len) = s.file_range().unwrap();
    (start as usize, len as usize, s.address())
}

/// Advance the first `DW_CFA_advance_loc` (`0x40 | delta`) in an FDE's
/// instructions by one more code unit: a frame description that is wrong
/// for its function, and still decodes.
fn tamper_fde(data: &mut [u8]) {
    let (start, len, _) = section(data, ".eh_frame");
    let frame = &mut data[start..start + len];
    let mut at = 0usize;
    while at + 8 <= frame.len() {
        let length = u32::from_le_bytes(frame[at..at + 4].try_into().unwrap()) as usize;
        if length == 0 {
            break;
        }
        let cie_pointer = u32::from_le_bytes(frame[at + 4..at + 8].try_into().unwrap());
        if cie_pointer != 0 {
            // An FDE: length, CIE pointer, pc-relative begin and range
            // (sdata4 each, as gcc writes them), augmentation length 0.
            let body = at + 4 + 4 + 4 + 4 + 1;
            let end = at + 4 + length;
            if let Some(k) =
                (body..end).find(|&k| frame[k] & 0xc0 == 0x40 && frame[k] & 0x3f < 0x3f)
            {
                frame[k] += 1;
                return;
            }
        }
        at += 4 + length;
    }
    panic!("no FDE with an advance_loc in .eh_frame");
}

/// Point the first `.eh_frame_hdr` search-table entry at the second entry's FDE.
fn tamper_hdr(data: &mut [u8]) {
    let (start, len, _) = section(data, ".eh_frame_hdr");
    let hdr = &mut data[start..start + len];
    // version 1, encodings: eh_frame_ptr sdata4|pcrel, count udata4, table
    // sdata4|datarel (gcc's), then the pointer and the count.
    assert_eq!(
        &hdr[..4],
        &[1, 0x1b, 0x03, 0x3b],
        "an .eh_frame_hdr laid out as gcc does"
    );
    let count = u32::from_le_bytes(hdr[8..12].try_into().unwrap());
    assert!(count >= 2, "at least two FDEs");
    let second_fde: [u8; 4] = hdr[24..28].try_into().unwrap();
    hdr[16..20].copy_from_slice(&second_fde);
}

#[test]
fn unwind_tables_moved_are_proven_and_changed_are_not() {
    let work = tempfile::Builder::new().prefix("unwind").tempdir().unwrap();
    let cache = root().join("target/unwind-cache");
    let (lhs, rhs) = (work.path().join("lhs"), work.path().join("rhs"));
    build(&work.path().join("a"), &lhs, &cache);
    // The rhs's directory is longer by far more than any section
    // alignment, so what follows the C string moves for sure.
    build(&work.path().join("b".repeat(100)).join("c"), &rhs, &cache);

    // Without the harness's hints `diff` cannot tell the C string holds a
    // path (it is a `data` root, unproven); everything it moved is proven.
    let (_, report) = diff(&lhs, &rhs);
    for section in [".eh_frame", ".eh_frame_hdr"] {
        assert_eq!(unproven_in(&report, section), 0, "benign: {section} proven");
    }
    let rhs_bytes = std::fs::read(&rhs).unwrap();
    let differs = |name: &str| {
        report["sections"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == name && s["status"] != "same")
    };
    assert!(
        differs(".eh_frame") && differs(".eh_frame_hdr"),
        "the unwind tables moved: the test tests something"
    );

    for (what, section, tamper) in [
        ("fde", ".eh_frame", tamper_fde as fn(&mut [u8])),
        ("hdr", ".eh_frame_hdr", tamper_hdr),
    ] {
        let mut bytes = rhs_bytes.clone();
        tamper(&mut bytes);
        let tampered = work.path().join(format!("rhs-{what}"));
        std::fs::write(&tampered, &bytes).unwrap();
        let (code, report) = diff(&lhs, &tampered);
        assert_eq!(code, 1, "{what}: a changed unwind table fails the gate");
        assert!(
            unproven_in(&report, section) > 0,
            "{what}: an unproven finding in {section}: {}",
            serde_json::to_string_pretty(&report["findings"]).unwrap()
        );
    }
}
