//! `go_metadata`: the Go readers (build IDs, buildinfo, pclntab, DWARF) on a
//! real Go binary whose bytes are mutated only inside the regions that hold
//! Go structures, so the file still parses and the mutations reach the
//! readers. One of the fixtures has its DWARF inflated in place, so gimli
//! and the DWARF reader see mutated DWARF rather than a broken zlib stream.
//!
//! Input: a fixture number, then records `region u8, offset u32, op u8,
//! payload`, applied in order. Region 0xff instead rewrites the head of a
//! plain `.debug_info` as many tiny units sharing line tables (`k u16,
//! stmt_list u32, step u32`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use twinbuild::binary::{go, Binary};
use twinbuild_fuzz::{fixture, go_regions, Input};

const VALUES: [u64; 16] = [
    0,
    1,
    2,
    4,
    8,
    0x7f,
    0x80,
    0xff,
    0x100,
    0xffff,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    1 << 32,
    1 << 40,
    u64::MAX,
];

fuzz_target!(init: {
    // Build the plain-DWARF fixture and the regions before the first input is timed.
    for n in 0..=twinbuild_fuzz::FIXTURES.len() as u8 {
        regions_of(fixture(n));
    }
}, |data: &[u8]| {
    let mut input = Input::new(data);
    let original = fixture(input.u8());
    let regions = regions_of(original);
    let mut bytes = original.to_vec();
    let mut records = 0;
    while !input.is_empty() && records < 64 {
        records += 1;
        let selector = input.u8();
        if selector == 0xff {
            restructure_dwarf(original, &mut bytes, &mut input);
            continue;
        }
        let Some(region) = regions.get(selector as usize % regions.len().max(1)) else {
            break;
        };
        let len = region.end - region.start;
        let at = region.start + input.u32() as usize % len;
        let op = input.u8();
        let n = (op >> 3) as usize % 16 + 1;
        let patch: Vec<u8> = match op & 7 {
            0 => input.bytes(n).to_vec(),
            1 => (VALUES[input.u8() as usize % 16] as u32).to_le_bytes().to_vec(),
            2 => (VALUES[input.u8() as usize % 16] as u32).to_be_bytes().to_vec(),
            3 => VALUES[input.u8() as usize % 16].to_le_bytes().to_vec(),
            4 => (len as u64 - (at - region.start) as u64).to_le_bytes().to_vec(),
            5 => vec![input.u8(); n * 8],
            6 => vec![0; n * 64],
            _ => {
                // Copy bytes from elsewhere in the region (a plausible but wrong value).
                let from = region.start + input.u32() as usize % len;
                original[from..(from + n).min(region.end)].to_vec()
            }
        };
        let end = (at + patch.len()).min(region.end);
        bytes[at..end].copy_from_slice(&patch[..end - at]);
    }
    let Ok(bin) = Binary::parse(&bytes) else { return };
    // (`inspect`'s renderers are left to the `parse` target: here they would
    // take most of the time.)
    let info = go::read(&bin);
    let _ = info.warnings.len();
});

/// Rewrite the head of a plain (uncompressed) `.debug_info` as `k` tiny
/// DWARF 4 compile units whose only attribute is `DW_AT_stmt_list`, at
/// offsets `stmt + u * step`: units sharing (or aliasing into) line tables,
/// which byte patches in place cannot make. The abbreviation they use is
/// written over the head of `.debug_abbrev`.
fn restructure_dwarf(original: &[u8], bytes: &mut [u8], input: &mut Input<'_>) {
    // Only the fixture with its DWARF inflated in place has it uncompressed.
    static RANGES: std::sync::OnceLock<Option<(std::ops::Range<usize>, std::ops::Range<usize>)>> =
        std::sync::OnceLock::new();
    let plain = fixture(twinbuild_fuzz::FIXTURES.len() as u8);
    if original.as_ptr() != plain.as_ptr() {
        return;
    }
    let Some((info, abbrev)) = RANGES.get_or_init(|| dwarf_ranges(plain)).clone() else {
        return;
    };
    let (k, stmt, step) = (input.u16() as usize, input.u32(), input.u32() % 4096);
    if abbrev.len() < 8 {
        return;
    }
    bytes[abbrev.start..abbrev.start + 8].copy_from_slice(&[1, 0x11, 0, 0x10, 0x17, 0, 0, 0]);
    for u in 0..k.min(info.len() / 16) {
        let at = info.start + 16 * u;
        let stmt_list = stmt.wrapping_add(step.wrapping_mul(u as u32));
        let unit = [
            &12u32.to_le_bytes()[..],
            &4u16.to_le_bytes(),
            &0u32.to_le_bytes(),
            &[8, 1],
            &stmt_list.to_le_bytes(),
        ]
        .concat();
        bytes[at..at + 16].copy_from_slice(&unit);
    }
}

/// File ranges of `.debug_info` and `.debug_abbrev`, when both are uncompressed.
fn dwarf_ranges(data: &[u8]) -> Option<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    let bin = Binary::parse(data).ok()?;
    let range = |name: &str| {
        let s = &bin.sections[bin.section_index(name)?];
        s.compression
            .is_none()
            .then(|| s.file_range.start as usize..s.file_range.end as usize)
    };
    Some((range(".debug_info")?, range(".debug_abbrev")?))
}

fn regions_of(data: &'static [u8]) -> Vec<std::ops::Range<usize>> {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static CACHE: Mutex<Option<HashMap<usize, Vec<std::ops::Range<usize>>>>> = Mutex::new(None);
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    cache
        .get_or_insert_with(HashMap::new)
        .entry(data.as_ptr() as usize)
        .or_insert_with(|| go_regions(data))
        .clone()
}
