//! `inflate`: the bounded decompressor on arbitrary framing and streams.
//!
//! Input: mode u8, then bytes. Modes: the bytes as a `.zdebug` section
//! ("ZLIB" + u64be size + stream); as an ELF compressed section (32/64-bit,
//! either byte order); or the bytes zlib-compressed here with a declared
//! size taken from the input (so the decoder sees valid streams whose
//! declared size lies); or the bytes as a zstd stream behind an ELF
//! `Chdr` of type `ELFCOMPRESS_ZSTD` with a declared size from the input.
//! Inflation must end in the declared bytes or an error, never more, and
//! never allocate past the caps.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use twinbuild::binary::compress::{Compression, MAX_INFLATED};
use twinbuild_fuzz::Input;

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let mode = input.u8();
    let (c, raw): (Option<Compression>, Vec<u8>) = match mode % 5 {
        0 => {
            let raw = input.bytes(usize::MAX).to_vec();
            (Compression::from_zdebug(&raw), raw)
        }
        1 => {
            let raw = input.bytes(usize::MAX).to_vec();
            (
                Compression::from_elf_chdr(&raw, mode & 4 != 0, mode & 8 != 0).ok(),
                raw,
            )
        }
        4 => {
            let declared = input.u64() % (1 << 24);
            // Elf64_Chdr, little-endian: ch_type 2 (zstd), reserved, ch_size, ch_addralign.
            let mut raw = 2u32.to_le_bytes().to_vec();
            raw.extend_from_slice(&[0; 4]);
            raw.extend_from_slice(&declared.to_le_bytes());
            raw.extend_from_slice(&1u64.to_le_bytes());
            raw.extend_from_slice(input.bytes(usize::MAX));
            (Compression::from_elf_chdr(&raw, true, true).ok(), raw)
        }
        _ => {
            let declared = input.u64();
            let declared = if mode & 4 != 0 {
                declared
            } else {
                declared % (1 << 20)
            };
            let payload = input.bytes(usize::MAX);
            // Stretch the payload so small inputs make large streams (up to 256 KiB:
            // compressing more in an instrumented build takes seconds per input).
            let repeat = if mode & 8 != 0 {
                1 + (mode as usize >> 4) * 1024
            } else {
                1
            };
            let repeat = repeat.min((256 << 10) / payload.len().max(1)).max(1);
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            for _ in 0..repeat {
                e.write_all(payload).expect("in memory");
            }
            let mut raw = b"ZLIB".to_vec();
            raw.extend_from_slice(&declared.to_be_bytes());
            raw.extend_from_slice(&e.finish().expect("in memory"));
            (Compression::from_zdebug(&raw), raw)
        }
    };
    let Some(c) = c else { return };
    if let Ok(out) = c.inflate(&raw) {
        assert_eq!(
            out.len() as u64,
            c.uncompressed_size,
            "inflated size must be the declared size"
        );
        assert!(out.len() as u64 <= MAX_INFLATED);
    }
});
