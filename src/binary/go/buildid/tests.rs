//! The build ID reader's tests: the committed fixtures' IDs and their parts,
//! what a build path changes, notes found by `PT_NOTE`, malformed notes that
//! must warn instead of panicking, and the IDs derived by Go 1.24's rules.

use super::super::fixtures;
use super::*;

struct Expect {
    target: &'static str,
    name: &'static str,
    source: Option<BuildIdSource>,
    section: &'static str,
    gnu: bool,
    uuid: bool,
}

/// Read all three IDs from a fixture and check them against `e`.
fn check(e: Expect) {
    let data = fixtures::load(e.target, e.name);
    let bin = Binary::parse(&data).unwrap();
    let mut warnings = Vec::new();
    let id = read_go(&bin, &mut warnings);
    let gnu = read_gnu(&bin, id.as_ref(), &mut warnings);
    let uuid = read_mach_uuid(&bin, id.as_ref(), &mut warnings);
    let what = format!("{}/{}", e.target, e.name);
    assert!(warnings.is_empty(), "{what}: {warnings:?}");
    assert_eq!(id.as_ref().map(|i| i.source), e.source, "{what}");
    if let Some(id) = &id {
        assert_eq!(bin.sections[id.span.section].name, e.section, "{what}");
        assert_eq!(
            &*id.span.bytes(&bin).unwrap(),
            id.value.as_bytes(),
            "{what}"
        );
        assert_eq!(id.value.len(), 83, "{what}");
        assert_eq!(id.parts.len(), 4, "{what}");
        for p in &id.parts {
            assert_eq!(p.value.len(), 20, "{what}");
            assert_eq!(&*p.span.bytes(&bin).unwrap(), p.value.as_bytes(), "{what}");
        }
        assert_eq!(
            id.part(PartRole::BinaryContentId).unwrap().value,
            id.value[63..],
            "{what}"
        );
        let container = id.container.bytes(&bin).unwrap();
        match id.source {
            BuildIdSource::TextHeader => {
                assert!(
                    container.starts_with(TEXT_PREFIX) && container.ends_with(TEXT_SUFFIX),
                    "{what}"
                );
                assert_eq!(
                    id.container.range.start, 0,
                    "{what}: go:buildid is the first text symbol"
                );
            }
            BuildIdSource::ElfNote => assert_eq!(container.len(), 12 + 4 + 84, "{what}"),
        }
    }
    assert_eq!(gnu.is_some(), e.gnu, "{what}");
    if let Some(g) = &gnu {
        assert_eq!(g.hex.len(), 40, "{what}");
        assert_eq!(
            bin.sections[g.span.section].name, ".note.gnu.build-id",
            "{what}"
        );
        assert_eq!(g.derived_from_go_build_id, Some(true), "{what}");
    }
    assert_eq!(uuid.is_some(), e.uuid, "{what}");
    if let Some(u) = &uuid {
        assert_eq!(bin.sections[u.span.section].name, "(header)", "{what}");
        assert_eq!(u.uuid.len(), 36, "{what}");
        assert_eq!(u.derived_from_go_build_id, Some(true), "{what}");
    }
}

#[test]
fn build_ids_of_the_fixtures() {
    use BuildIdSource::*;
    let e = |target, name, source, section, gnu, uuid| Expect {
        target,
        name,
        source,
        section,
        gnu,
        uuid,
    };
    for (target, section, note) in [
        ("linux-amd64", ".note.go.buildid", ElfNote),
        ("linux-arm64", ".note.go.buildid", ElfNote),
        ("windows-amd64", ".text", TextHeader),
        ("darwin-arm64", "__TEXT,__text", TextHeader),
    ] {
        let elf = note == ElfNote;
        let mach = target.starts_with("darwin");
        check(e(target, "plain-a", Some(note), section, elf, mach));
        check(e(target, "plain-b", Some(note), section, elf, mach));
        // -ldflags=-buildid= leaves no Go build ID, and so no derived ID either.
        check(e(target, "release", None, "", false, false));
    }
    check(e(
        "linux-amd64",
        "stripped-a",
        Some(ElfNote),
        ".note.go.buildid",
        true,
        false,
    ));
    check(e("linux-amd64", "stamp-a", None, "", false, false));
}

#[test]
fn build_path_changes_every_part() {
    // plain-a and plain-b differ only by the build directory: the main
    // package's inputs differ, so every part differs.
    let ids: Vec<GoBuildId> = ["plain-a", "plain-b"]
        .iter()
        .map(|n| {
            let data = fixtures::load("linux-amd64", n);
            read_go(&Binary::parse(&data).unwrap(), &mut Vec::new()).unwrap()
        })
        .collect();
    for (a, b) in ids[0].parts.iter().zip(&ids[1].parts) {
        assert_ne!(a.value, b.value);
        assert_eq!(a.span, b.span);
    }
}

#[test]
fn pt_note_is_scanned_without_the_section_name() {
    // Rename .note.go.buildid in the section table: the PT_NOTE still finds it.
    let mut data = fixtures::load("linux-amd64", "plain-a");
    let at = super::super::find_bytes(&data, b".note.go.buildid\0", 0).unwrap();
    data[at + 1] = b'X';
    let bin = Binary::parse(&data).unwrap();
    let id = read_go(&bin, &mut Vec::new()).unwrap();
    assert_eq!(id.source, BuildIdSource::ElfNote);
    assert_eq!(id.parts.len(), 4);
}

#[test]
fn malformed_notes_and_headers_warn_instead_of_panicking() {
    let data = fixtures::load("linux-amd64", "plain-a");
    let bin = Binary::parse(&data).unwrap();
    let i = bin.section_index(".note.go.buildid").unwrap();
    let off = bin.sections[i].file_range.start as usize;
    // Huge descsz.
    let mut bad = data.clone();
    bad[off + 4..off + 8].copy_from_slice(&u32::MAX.to_le_bytes());
    let mut w = Vec::new();
    assert!(read_go(&Binary::parse(&bad).unwrap(), &mut w).is_none());
    assert!(w.iter().any(|w| w.contains("past the end")), "{w:?}");
    // Huge namesz: overflows no arithmetic.
    let mut bad = data.clone();
    bad[off..off + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(read_go(&Binary::parse(&bad).unwrap(), &mut Vec::new()).is_none());

    // A text header without its end marker.
    let data = fixtures::load("windows-amd64", "plain-a");
    let bin = Binary::parse(&data).unwrap();
    let off = bin.sections[bin.section_index(".text").unwrap()]
        .file_range
        .start as usize;
    let mut bad = data.clone();
    bad[off + 100..off + 104].copy_from_slice(b"XXXX");
    let mut w = Vec::new();
    assert!(read_go(&Binary::parse(&bad).unwrap(), &mut w).is_none());
    assert_eq!(w.len(), 1, "{w:?}");

    // Mach-O with a load command of size 0.
    let data = fixtures::load("darwin-arm64", "plain-a");
    let mut bad = data.clone();
    bad[32 + 4..32 + 8].copy_from_slice(&0u32.to_le_bytes());
    let mut w = Vec::new();
    if let Ok(bin) = Binary::parse(&bad) {
        assert!(read_mach_uuid(&bin, None, &mut w).is_none());
        assert!(w[0].contains("bad size"), "{w:?}");
    }
}

#[test]
fn derived_ids_follow_go_1_24_rules() {
    // Values computed by hand from the linux-amd64/plain-a fixture:
    // GNU = Sum32("a/b/c/a")[:20].
    let id = "rXXaxTyu8ZsMKPkPAX6P/rdS0vWn0xwy1Dn4E6Vm4/FX2KCmiVxGRJkeKxYIrK/rXXaxTyu8ZsMKPkPAX6P";
    assert_eq!(
        crate::binary::hex(&sum32(id.as_bytes())[..20]),
        "e68a6b5577c666294838f9f2cc8f2fa8a6152b7f"
    );
    let u = uuid_from_build_id(id);
    assert_eq!(u[6] >> 4, 3);
    assert_eq!(u[8] >> 6, 3);
}
