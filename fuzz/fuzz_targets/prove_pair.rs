//! `prove_pair`: the provers (address map, code, data, the pclntab and DWARF
//! comparisons, symbol tables, relocations) on a real pair of Go binaries
//! that differ the way builds do (`plain-a`/`plain-b`: workdir paths of
//! different lengths; `stamp-a`/`stamp-b`: a longer `-X` stamp), with one
//! side's bytes then changed inside the regions holding Go structures, so
//! that the tables the provers decode are both shifted and corrupt. The
//! linux pair also comes with its DWARF inflated in place, so mutations reach
//! gimli rather than breaking a zlib stream. Runs `diff_pipeline`: no panic,
//! and the findings add up to the diff's differing bytes.
//!
//! Input: pair u8, flags u8 (bit 0: mutate the rhs), then up to 32 records
//! `region u8, offset u32, len u8, bytes`.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use twinbuild_fuzz::{diff_pipeline, go_regions, with_plain_dwarf, Input};

/// The pairs: (lhs, rhs).
const PAIRS: [(&[u8], &[u8]); 6] = [
    (
        include_bytes!("../../tests/fixtures/linux-amd64/plain-a"),
        include_bytes!("../../tests/fixtures/linux-amd64/plain-b"),
    ),
    (
        include_bytes!("../../tests/fixtures/linux-amd64/stamp-a"),
        include_bytes!("../../tests/fixtures/linux-amd64/stamp-b"),
    ),
    (
        include_bytes!("../../tests/fixtures/linux-amd64/stripped-a"),
        include_bytes!("../../tests/fixtures/linux-amd64/stripped-b"),
    ),
    (
        include_bytes!("../../tests/fixtures/linux-arm64/plain-a"),
        include_bytes!("../../tests/fixtures/linux-arm64/plain-b"),
    ),
    (
        include_bytes!("../../tests/fixtures/windows-amd64/plain-a"),
        include_bytes!("../../tests/fixtures/windows-amd64/plain-b"),
    ),
    (
        include_bytes!("../../tests/fixtures/darwin-arm64/plain-a"),
        include_bytes!("../../tests/fixtures/darwin-arm64/plain-b"),
    ),
];

/// A pair by number (number `PAIRS.len()`: the linux plain pair with its
/// DWARF inflated), with each side's Go regions.
fn pair(n: u8) -> &'static Pair {
    static ALL: OnceLock<Vec<Pair>> = OnceLock::new();
    let all = ALL.get_or_init(|| {
        let mut v: Vec<(Vec<u8>, Vec<u8>)> =
            PAIRS.iter().map(|(l, r)| (l.to_vec(), r.to_vec())).collect();
        v.push((with_plain_dwarf(PAIRS[0].0), with_plain_dwarf(PAIRS[0].1)));
        v.into_iter()
            .map(|(l, r)| Pair {
                regions: [go_regions(&l), go_regions(&r)],
                sides: [l, r],
            })
            .collect()
    });
    &all[n as usize % all.len()]
}

struct Pair {
    sides: [Vec<u8>; 2],
    regions: [Vec<std::ops::Range<usize>>; 2],
}

fuzz_target!(init: {
    pair(0);
}, |data: &[u8]| {
    let mut input = Input::new(data);
    let p = pair(input.u8());
    let side = (input.u8() & 1) as usize;
    let regions = &p.regions[side];
    let mut bytes = p.sides[side].clone();
    let mut records = 0;
    while !input.is_empty() && records < 32 && !regions.is_empty() {
        records += 1;
        let region = &regions[input.u8() as usize % regions.len()];
        let len = region.end - region.start;
        let at = region.start + input.u32() as usize % len.max(1);
        let n = input.u8() as usize % 8 + 1;
        let patch = input.bytes(n);
        let end = (at + patch.len()).min(bytes.len());
        if at < end {
            bytes[at..end].copy_from_slice(&patch[..end - at]);
        }
    }
    if side == 1 {
        diff_pipeline(&p.sides[0], &bytes);
    } else {
        diff_pipeline(&bytes, &p.sides[1]);
    }
});
