//! The pclntab decoder's tests: the committed fixtures' functions and files,
//! stripped and symbol-less PE binaries (found by scanning), and patched
//! tables that must be errors, not panics.

use super::super::fixtures;
use super::*;

/// Read a fixture's pclntab and check it against expectations: the
/// section it is in, a file name it must hold and one it must not.
fn check(
    target: &str,
    name: &str,
    section: &str,
    has_file: &str,
    lacks_prefix: &str,
) -> (Vec<u8>, Pclntab) {
    let data = fixtures::load(target, name);
    let bin = Binary::parse(&data).unwrap();
    let mut warnings = Vec::new();
    let what = format!("{target}/{name}");
    let tab =
        read(&bin, &mut warnings).unwrap_or_else(|| panic!("{what}: no pclntab: {warnings:?}"));
    assert!(warnings.is_empty(), "{what}: {warnings:?}");
    assert_eq!(bin.sections[tab.span.section].name, section, "{what}");
    assert_eq!(tab.magic, MAGIC_GO120, "{what}");
    assert_eq!(tab.text_start, 0, "{what}: Go 1.26 writes textStart 0");
    assert_eq!(tab.ptr_size, 8);
    assert_eq!(tab.files.len() as u64, tab.nfiles, "{what}");
    assert_eq!(tab.functab.len() as u64, tab.nfunc, "{what}");
    assert!(tab.functab.iter().all(|f| f.name.is_some()), "{what}");
    let file = tab
        .files
        .iter()
        .find(|f| f.name == has_file)
        .unwrap_or_else(|| panic!("{what}: no {has_file}"));
    assert_eq!(
        &*file.span.bytes(&bin).unwrap(),
        has_file.as_bytes(),
        "{what}"
    );
    assert_eq!(
        tab.file_at(file.span.section, file.span.range.start + 1),
        Some(file)
    );
    assert!(
        !tab.files.iter().any(|f| f.name.starts_with(lacks_prefix)),
        "{what}: has a {lacks_prefix} path"
    );
    for s in tab.files.iter().chain(&tab.func_names).step_by(97) {
        assert_eq!(&*s.span.bytes(&bin).unwrap(), s.name.as_bytes(), "{what}");
    }

    // main.main's entry, from the symbol table, maps back to main.main.
    let main = bin.symbols.iter().find(|s| s.name == "main.main").unwrap();
    let text = tab.text_address.unwrap();
    assert_eq!(
        tab.function_at(main.address - text),
        Some("main.main"),
        "{what}"
    );
    assert_eq!(
        tab.function_at_address(main.address + 1),
        Some("main.main"),
        "{what}"
    );
    assert_eq!(tab.function_at(tab.text_end), None);
    let fmt = bin
        .symbols
        .iter()
        .find(|s| s.name == "fmt.Fprintln")
        .unwrap();
    assert_eq!(
        tab.function_at_address(fmt.address),
        Some("fmt.Fprintln"),
        "{what}"
    );
    // Every text symbol maps to its own function. The symbol table spells
    // assembly functions with an `.abi0` suffix, and `·` as `.` on some formats.
    let text_section = tab
        .text_address
        .and_then(|a| bin.sections.iter().position(|s| s.address == Some(a)));
    let mut checked = 0;
    for s in bin
        .symbols
        .iter()
        .filter(|s| s.section.is_some() && s.section == text_section)
    {
        let Some(f) = tab.function_at_address(s.address) else {
            continue;
        };
        let (f, sym) = (f.replace('·', "."), s.name.replace('·', "."));
        assert!(
            f == sym || sym.strip_suffix(".abi0") == Some(&f),
            "{what}: {} is in {f}",
            s.name
        );
        checked += 1;
    }
    assert!(
        checked as u64 >= tab.nfunc,
        "{what}: {checked} symbols checked"
    );
    let table = tab
        .table_at(file.span.section, file.span.range.start)
        .unwrap();
    assert_eq!(table.name, "filetab");
    (data, tab)
}

#[test]
fn pclntab_of_the_fixtures() {
    for (target, section) in [
        ("linux-amd64", ".gopclntab"),
        ("linux-arm64", ".gopclntab"),
        ("windows-amd64", ".rdata"),
        ("darwin-arm64", "__TEXT,__gopclntab"),
    ] {
        check(
            target,
            "plain-a",
            section,
            "/tmp/tbfx/a/src/main.go",
            "/tmp/tbfx/bb/",
        );
        check(
            target,
            "plain-b",
            section,
            "/tmp/tbfx/bb/deeper/source/main.go",
            "/tmp/tbfx/a/",
        );
        // -trimpath: module path for the main package, import paths for std.
        let (_, tab) = check(target, "release", section, "example.com/hello/main.go", "/");
        assert!(tab.files.iter().any(|f| f.name == "runtime/proc.go"));
        assert!(tab.func_names.iter().any(|f| f.name == "main.main"));
    }
}

#[test]
fn stripped_binary_still_has_paths() {
    // No symbols: function_at still works from the text section's address.
    let data = fixtures::load("linux-amd64", "stripped-a");
    let bin = Binary::parse(&data).unwrap();
    assert!(bin.symbols.is_empty());
    let tab = read(&bin, &mut Vec::new()).unwrap();
    assert!(tab
        .files
        .iter()
        .any(|f| f.name == "/tmp/tbfx/a/src/main.go"));
    let i = tab
        .functab
        .iter()
        .position(|f| tab.func_names[f.name.unwrap()].name == "main.main")
        .unwrap();
    let entry = tab.functab[i].entry;
    assert_eq!(
        tab.function_at_address(tab.text_address.unwrap() + entry),
        Some("main.main")
    );
}

#[test]
fn pe_without_symbols_is_found_by_scanning() {
    let data = fixtures::load("windows-amd64", "plain-a");
    let mut bin = Binary::parse(&data).unwrap();
    let with_symbols = read(&bin, &mut Vec::new()).unwrap();
    bin.symbols.clear();
    assert_eq!(
        locate(&bin).map(|l| l.1),
        Some(with_symbols.span.range.start)
    );
    let scanned = read(&bin, &mut Vec::new()).unwrap();
    assert_eq!(scanned.files, with_symbols.files);
}

/// Patch the linux-amd64 plain-a pclntab with `patch` and decode it.
fn decode_patched(patch: impl Fn(&mut Vec<u8>)) -> (Result<Pclntab, String>, Vec<String>) {
    let data = fixtures::load("linux-amd64", "plain-a");
    let bin = Binary::parse(&data).unwrap();
    let i = bin.section_index(".gopclntab").unwrap();
    let mut tab = bin.raw(i).to_vec();
    patch(&mut tab);
    let mut w = Vec::new();
    (decode(&tab, i, 0, &mut w), w)
}

#[test]
fn malformed_tables_are_errors_not_panics() {
    let set =
        |at: usize, v: u64| move |t: &mut Vec<u8>| t[at..at + 8].copy_from_slice(&v.to_le_bytes());
    type Patch = Box<dyn Fn(&mut Vec<u8>)>;
    let cases: Vec<(Patch, &str)> = vec![
        (Box::new(|t: &mut Vec<u8>| t.truncate(20)), "truncated"),
        (Box::new(|t: &mut Vec<u8>| t.truncate(3)), "shorter"),
        (Box::new(|t: &mut Vec<u8>| t[0] = 0xfa), "not supported"),
        (Box::new(|t: &mut Vec<u8>| t[0] = 0xfb), "not supported"),
        (Box::new(|t: &mut Vec<u8>| t[0] = 0x12), "unknown magic"),
        (Box::new(|t: &mut Vec<u8>| t[7] = 3), "implausible"),
        (Box::new(set(8, u64::MAX)), "nfunc"),
        (Box::new(set(16, u64::MAX)), "nfiles"),
        (Box::new(set(32, u64::MAX)), "outside"),
        (Box::new(set(48, 4)), "outside"),
        (Box::new(|t: &mut Vec<u8>| t.truncate(100_000)), "outside"),
    ];
    for (patch, want) in cases {
        let (got, _) = decode_patched(patch);
        let err = got.err().unwrap_or_default();
        assert!(err.contains(want), "want {want:?}, got {err:?}");
    }
    // A file name without its NUL: a warning, the other names kept.
    let (got, w) = decode_patched(|t| {
        let filetab = u64::from_le_bytes(t[48..56].try_into().unwrap()) as usize;
        let pctab = u64::from_le_bytes(t[56..64].try_into().unwrap()) as usize;
        for b in &mut t[pctab - 20..pctab] {
            *b = b'x';
        }
        assert!(filetab < pctab);
    });
    assert!(got.is_ok() && w.iter().any(|w| w.contains("NUL")), "{w:?}");
    // Function records pointing nowhere: warned, no panic.
    let (got, w) = decode_patched(|t| {
        let functab = u64::from_le_bytes(t[64..72].try_into().unwrap()) as usize;
        for k in 0..50 {
            t[functab + 8 * k + 4..functab + 8 * k + 8].copy_from_slice(&u32::MAX.to_le_bytes());
        }
    });
    assert!(
        got.is_ok() && w.iter().any(|w| w.contains("no valid name")),
        "{w:?}"
    );
    // Pure garbage.
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert!(decode(&garbage, 0, 0, &mut Vec::new()).is_err());
}
