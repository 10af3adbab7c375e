//! The DWARF reader's tests: the committed fixtures' units (DWARF version,
//! section names, the main unit's line file), stripped binaries (no DWARF),
//! Mach-O's 16-byte section names, and corrupt DWARF that must warn instead
//! of panicking.

use super::super::fixtures;
use super::*;

/// Read a fixture's DWARF and check the unit for `main`, its line table
/// file `main_file`, the DWARF version and the section names.
fn check(
    target: &str,
    name: &str,
    (version, line_version): (u16, u16),
    info: &str,
    line: &str,
    main_file: &str,
) -> Dwarf {
    let data = fixtures::load(target, name);
    let bin = Binary::parse(&data).unwrap();
    let mut warnings = Vec::new();
    let what = format!("{target}/{name}");
    let dwarf =
        read(&bin, &mut warnings).unwrap_or_else(|| panic!("{what}: no DWARF: {warnings:?}"));
    assert!(warnings.is_empty(), "{what}: {warnings:?}");
    assert!(dwarf.units.len() > 10, "{what}");
    let main = dwarf
        .units
        .iter()
        .find(|u| u.name.as_ref().is_some_and(|n| n.value == "main"))
        .unwrap_or_else(|| panic!("{what}: no main unit"));
    assert_eq!(main.version, version, "{what}");
    assert_eq!(bin.sections[main.span.section].name, info, "{what}");
    let name = main.name.as_ref().unwrap();
    assert_eq!(&*name.span.bytes(&bin).unwrap(), b"main");
    // DW_FORM_string: the attribute is the string and its NUL.
    assert_eq!(
        &*name.attr.as_ref().unwrap().bytes(&bin).unwrap(),
        b"main\0"
    );
    assert_eq!(main.comp_dir.as_ref().unwrap().value, ".");
    let producer = &main.producer.as_ref().unwrap().value;
    assert!(
        producer.starts_with("Go cmd/compile go1.26"),
        "{what}: {producer}"
    );
    assert_eq!(main.language.as_ref().unwrap().name, Some("DW_LANG_Go"));
    assert_eq!(
        dwarf.unit_at(main.span.section, main.span.range.start + 3),
        Some(main)
    );

    let table = main.line_table.as_ref().unwrap();
    assert_eq!(bin.sections[table.span.section].name, line, "{what}");
    assert_eq!(table.version, line_version, "{what}");
    let file = table
        .files
        .iter()
        .find(|f| f.path.value == main_file || table_path(table, f) == main_file);
    let file = file.unwrap_or_else(|| {
        panic!(
            "{what}: {main_file} not in {:?} / {:?}",
            table.directories, table.files
        )
    });
    assert_eq!(
        &*file.path.span.bytes(&bin).unwrap(),
        file.path.value.as_bytes()
    );
    // Inflate each section once: Span::bytes inflates on every call.
    let mut contents = std::collections::HashMap::new();
    for s in dwarf.strings() {
        let data = contents
            .entry(s.span.section)
            .or_insert_with(|| bin.contents(s.span.section).unwrap().into_owned());
        assert_eq!(
            &data[s.span.range.start as usize..s.span.range.end as usize],
            s.value.as_bytes(),
            "{what}"
        );
    }
    dwarf
}

fn table_path(table: &LineTable, f: &LineFile) -> String {
    let dir = if table.version >= 5 {
        table.directories.get(f.directory_index as usize)
    } else {
        (f.directory_index as usize)
            .checked_sub(1)
            .and_then(|i| table.directories.get(i))
    };
    match dir {
        Some(d) => format!("{}/{}", d.value, f.path.value),
        None => f.path.value.clone(),
    }
}

#[test]
fn dwarf_of_the_fixtures() {
    for (target, version, info, line) in [
        // darwin: DWARF 4 units with version 2 line tables.
        ("linux-amd64", (5, 5), ".debug_info", ".debug_line"),
        ("linux-arm64", (5, 5), ".debug_info", ".debug_line"),
        ("windows-amd64", (5, 5), ".zdebug_info", ".zdebug_line"),
        (
            "darwin-arm64",
            (4, 2),
            "__DWARF,__zdebug_info",
            "__DWARF,__zdebug_line",
        ),
    ] {
        check(
            target,
            "plain-a",
            version,
            info,
            line,
            "/tmp/tbfx/a/src/main.go",
        );
        check(
            target,
            "plain-b",
            version,
            info,
            line,
            "/tmp/tbfx/bb/deeper/source/main.go",
        );
        let release = check(
            target,
            "release",
            version,
            info,
            line,
            "example.com/hello/main.go",
        );
        assert!(
            release.strings().all(|s| !s.value.contains("/tmp/tbfx")),
            "{target}"
        );
        assert!(release
            .units
            .iter()
            .any(|u| u.name.as_ref().is_some_and(|n| n.value == "runtime")));
    }
}

#[test]
fn no_dwarf_in_stripped_binaries() {
    let data = fixtures::load("linux-amd64", "stripped-a");
    let mut w = Vec::new();
    assert_eq!(read(&Binary::parse(&data).unwrap(), &mut w), None);
    assert!(w.is_empty());
}

#[test]
fn mach_o_names_are_cut_to_16_bytes() {
    let data = fixtures::load("darwin-arm64", "plain-a");
    let bin = Binary::parse(&data).unwrap();
    let i = dwarf_section(&bin, SectionId::DebugInfo).unwrap();
    assert_eq!(bin.sections[i].name, "__DWARF,__zdebug_info");
    assert_eq!(dwarf_section(&bin, SectionId::DebugRngLists), None);
    assert_eq!(
        bin.sections[dwarf_section(&bin, SectionId::DebugRanges).unwrap()].name,
        "__DWARF,__zdebug_ranges"
    );
}

#[test]
fn corrupt_dwarf_warns_instead_of_panicking() {
    let data = fixtures::load("linux-amd64", "plain-a");
    let bin = Binary::parse(&data).unwrap();
    let info = bin.section_index(".debug_info").unwrap();
    let abbrev = bin.section_index(".debug_abbrev").unwrap();
    let line = bin.section_index(".debug_line").unwrap();
    let mut info_bytes = bin.contents(info).unwrap().into_owned();
    let abbrev_bytes = bin.contents(abbrev).unwrap().into_owned();
    let line_bytes = bin.contents(line).unwrap();

    let run = |info_bytes: &[u8], abbrev_bytes: &[u8]| {
        let loaded = Loaded {
            sections: vec![
                (SectionId::DebugInfo, info, Cow::Borrowed(info_bytes)),
                (SectionId::DebugAbbrev, abbrev, Cow::Borrowed(abbrev_bytes)),
                (SectionId::DebugLine, line, Cow::Borrowed(&line_bytes)),
            ],
        };
        let sections =
            gimli::DwarfSections::load(|id| Ok::<_, std::convert::Infallible>(loaded.get(id)))
                .unwrap();
        let dwarf = sections.borrow(|s| EndianSlice::new(s, RunTimeEndian::Little));
        let mut warnings = Vec::new();
        let mut units = 0;
        let mut headers = dwarf.units();
        while let Ok(Some(h)) = headers.next() {
            if read_unit(&dwarf, &loaded, h, &mut warnings).is_ok() {
                units += 1;
            }
        }
        (units, warnings)
    };
    let (good, _) = run(&info_bytes, &abbrev_bytes);
    assert!(good > 10);
    // Truncated .debug_info: fewer units, no panic.
    let (units, _) = run(&info_bytes[..info_bytes.len() / 2], &abbrev_bytes);
    assert!(units < good);
    // Garbage abbreviations: every unit fails, no panic.
    let garbage: Vec<u8> = (0..abbrev_bytes.len() as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 9) as u8)
        .collect();
    let (units, _) = run(&info_bytes, &garbage);
    assert!(units < good);
    // Random bytes overwritten, many times over.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..100 {
        let mut bad = info_bytes.clone();
        for _ in 0..4 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let at = (seed % bad.len() as u64) as usize;
            bad[at] = (seed >> 32) as u8;
        }
        let _ = run(&bad, &abbrev_bytes);
    }
    // A unit length pointing past the end.
    info_bytes[0..4].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
    let (units, _) = run(&info_bytes, &abbrev_bytes);
    assert_eq!(units, 0);
}
