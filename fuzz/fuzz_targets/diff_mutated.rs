//! `diff_mutated`: `diff` + `attribute` + the renderers on a real Go fixture
//! against a structurally mutated copy of itself. The input chooses the
//! fixture and then the mutations: header fields, program and section
//! headers (sizes, offsets, counts, names, flags), load commands, PE section
//! tables, note headers, compression headers, zlib bombs in place of a
//! compressed section's stream, truncation and stray byte changes.
//!
//! Input: fixture u8, flags u8 (bit 0: mutated copy on the lhs), then up to
//! 32 records `kind u8, ...`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twinbuild_fuzz::{diff_pipeline, fixture, layout, pick_value, zero_bombs, Input, Layout};

fuzz_target!(init: {
    // Make the bombs and layouts before the first input is timed.
    zero_bombs();
    for n in 0..=twinbuild_fuzz::FIXTURES.len() as u8 {
        layout_of(fixture(n));
    }
}, |data: &[u8]| {
    let mut input = Input::new(data);
    let original = fixture(input.u8());
    let flags = input.u8();
    let layout = layout_of(original);
    let mut bytes = original.to_vec();
    let mut records = 0;
    while !input.is_empty() && records < 32 {
        records += 1;
        match input.u8() % 8 {
            0..=4 if !layout.fields.is_empty() => {
                let f = layout.fields[input.u16() as usize % layout.fields.len()];
                let other = layout.fields[input.u16() as usize % layout.fields.len()].get(&bytes);
                let (op, arg) = (input.u8(), input.u64());
                let v = pick_value(op, arg, f.get(&bytes), f.width, bytes.len() as u64, other);
                f.set(&mut bytes, v);
            }
            5 if !layout.streams.is_empty() => {
                // A zlib bomb of zeros in place of a compressed stream, declaring some size.
                let s = layout.streams[input.u8() as usize % layout.streams.len()];
                let Some((n, bomb)) = zero_bombs().iter().rev().find(|(_, b)| b.len() <= s.len) else { continue };
                // (The file may have been truncated by an earlier record.)
                let Some(target) = bytes.get_mut(s.start..s.start + bomb.len()) else { continue };
                target.copy_from_slice(bomb);
                let (op, arg) = (input.u8(), input.u64());
                let declared = match op % 4 {
                    0 => *n,
                    1 => n.wrapping_sub(arg % 4096),
                    2 => n.wrapping_add(arg % 4096),
                    _ => pick_value(op / 4, arg, *n, 8, bytes.len() as u64, 1 << 40),
                };
                s.size.set(&mut bytes, declared);
            }
            6 => {
                let cut = input.u32() as usize % bytes.len().max(1);
                bytes.truncate(if input.u8() & 1 == 0 { cut } else { bytes.len() - cut });
            }
            _ => {
                let at = input.u32() as usize % bytes.len().max(1);
                let patch = input.bytes(8);
                let end = (at + patch.len()).min(bytes.len());
                bytes[at..end].copy_from_slice(&patch[..end - at]);
            }
        }
    }
    if flags & 1 == 1 {
        diff_pipeline(&bytes, original);
    } else {
        diff_pipeline(original, &bytes);
    }
});

fn layout_of(data: &'static [u8]) -> &'static Layout {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static CACHE: Mutex<Option<HashMap<usize, &'static Layout>>> = Mutex::new(None);
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    cache
        .get_or_insert_with(HashMap::new)
        .entry(data.as_ptr() as usize)
        .or_insert_with(|| Box::leak(Box::new(layout(data))))
}
