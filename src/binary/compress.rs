//! Compressed DWARF: recognising the framings Go and the system linkers use
//! and inflating them under a cap.
//!
//! - ELF `SHF_COMPRESSED`: an `Elf32_Chdr`/`Elf64_Chdr` with
//!   `ELFCOMPRESS_ZLIB` (Go's own linker) or `ELFCOMPRESS_ZSTD` (an external
//!   link with `-Wl,--compress-debug-sections=zstd`);
//! - `.zdebug_*` (ELF before Go 1.19, PE) and Mach-O `__zdebug_*`: `"ZLIB"`,
//!   an 8-byte big-endian uncompressed size, then a zlib stream.
//!
//! The declared size is checked before anything is allocated, and inflation
//! stops at the declared size: a zlib or zstd bomb becomes an error, not an
//! out-of-memory. A compression type this module does not know is not an
//! error of the file: [`Compression::inflate`] fails for that section, and
//! the diff compares it as stored, with a warning.

use std::io::Read;

/// The most one section may inflate to.
pub const MAX_INFLATED: u64 = 1 << 30;
/// The most all of one file's compressed sections may inflate to, together.
/// Inflated sections are kept for the life of the [`Binary`](super::Binary),
/// so this, not [`MAX_INFLATED`], bounds the memory one file can take: a file
/// with many sections each just under the per-section cap would otherwise
/// take many GiB. Sections are admitted in file order until the budget is
/// spent (so the result does not depend on which stage asks first); the rest
/// are compared as stored, with a warning. Real Go binaries inflate to a few
/// hundred MiB at most.
pub const MAX_INFLATED_TOTAL: u64 = 1 << 30;
/// The most a zlib section may claim to grow by (zlib's own ceiling is about 1032:1).
pub const MAX_RATIO: u64 = 1100;
/// The most a zstd section may claim to grow by: a frame of RLE blocks
/// spends 4 bytes on each block of up to 128 KiB.
pub const MAX_RATIO_ZSTD: u64 = 1 << 15;

/// The compression algorithm of a section's stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Zlib,
    Zstd,
    /// An ELF `ch_type` this module does not know: the section is compared as stored.
    Unknown(u32),
}

/// How a section's file bytes are compressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compression {
    pub algorithm: Algorithm,
    /// Bytes of framing before the compressed stream.
    pub header_len: u64,
    /// Size the section's contents claim once inflated.
    pub uncompressed_size: u64,
}

impl Compression {
    /// Recognise the `"ZLIB"` + u64be framing of `.zdebug_*`/`__zdebug_*`.
    pub fn from_zdebug(raw: &[u8]) -> Option<Compression> {
        if raw.len() < 12 || &raw[..4] != b"ZLIB" {
            return None;
        }
        let size = u64::from_be_bytes(raw[4..12].try_into().ok()?);
        Some(Compression {
            algorithm: Algorithm::Zlib,
            header_len: 12,
            uncompressed_size: size,
        })
    }

    /// Recognise an ELF compression header (`SHF_COMPRESSED` is set).
    /// Returns an error string for a truncated header; an unknown
    /// compression type is [`Algorithm::Unknown`].
    pub fn from_elf_chdr(
        raw: &[u8],
        is_64: bool,
        little_endian: bool,
    ) -> Result<Compression, String> {
        let u32_at = |o: usize| -> Option<u32> {
            let b: [u8; 4] = raw.get(o..o + 4)?.try_into().ok()?;
            Some(if little_endian {
                u32::from_le_bytes(b)
            } else {
                u32::from_be_bytes(b)
            })
        };
        let u64_at = |o: usize| -> Option<u64> {
            let b: [u8; 8] = raw.get(o..o + 8)?.try_into().ok()?;
            Some(if little_endian {
                u64::from_le_bytes(b)
            } else {
                u64::from_be_bytes(b)
            })
        };
        let (ch_type, size, header_len) = if is_64 {
            (u32_at(0), u64_at(8), 24)
        } else {
            (u32_at(0), u32_at(4).map(u64::from), 12)
        };
        let (Some(ch_type), Some(size)) = (ch_type, size) else {
            return Err("compression header is truncated".into());
        };
        let algorithm = match ch_type {
            1 => Algorithm::Zlib,
            2 => Algorithm::Zstd,
            other => Algorithm::Unknown(other),
        };
        Ok(Compression {
            algorithm,
            header_len,
            uncompressed_size: size,
        })
    }

    /// Inflate `raw` (the section's file bytes, framing included).
    pub fn inflate(&self, raw: &[u8]) -> Result<Vec<u8>, String> {
        let stream = raw
            .get(self.header_len as usize..)
            .ok_or("compressed section is shorter than its header")?;
        let size = self.uncompressed_size;
        if size > MAX_INFLATED {
            return Err(format!(
                "declares {size} bytes inflated, over the {MAX_INFLATED}-byte cap"
            ));
        }
        let corrupt =
            |name: &str, e: &dyn std::fmt::Display| format!("{name} stream is corrupt: {e}");
        let (name, ratio, decoder): (_, _, Box<dyn Read + '_>) = match self.algorithm {
            Algorithm::Zlib => (
                "zlib",
                MAX_RATIO,
                Box::new(flate2::read::ZlibDecoder::new(stream)),
            ),
            Algorithm::Zstd => (
                "zstd",
                MAX_RATIO_ZSTD,
                Box::new(
                    ruzstd::decoding::StreamingDecoder::new(stream)
                        .map_err(|e| corrupt("zstd", &e))?,
                ),
            ),
            Algorithm::Unknown(t) => {
                return Err(format!(
                    "compression type {t} is neither zlib (1) nor zstd (2)"
                ))
            }
        };
        if size > (stream.len() as u64 + 64).saturating_mul(ratio) {
            return Err(format!(
                "declares {size} bytes inflated from {} compressed bytes, more than {name} can produce",
                stream.len()
            ));
        }
        let mut out = Vec::new();
        out.try_reserve_exact(size as usize)
            .map_err(|_| format!("cannot allocate {size} bytes to inflate"))?;
        decoder
            .take(size + 1)
            .read_to_end(&mut out)
            .map_err(|e| corrupt(name, &e))?;
        if out.len() as u64 != size {
            return Err(format!(
                "inflates to {} bytes, but its header declares {size}",
                if out.len() as u64 > size {
                    format!("more than {size}")
                } else {
                    out.len().to_string()
                }
            ));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn zdebug(declared: u64, payload: &[u8]) -> Vec<u8> {
        let mut raw = b"ZLIB".to_vec();
        raw.extend_from_slice(&declared.to_be_bytes());
        raw.extend_from_slice(&zlib(payload));
        raw
    }

    #[test]
    fn inflates_zdebug() {
        let raw = zdebug(11, b"hello world");
        let c = Compression::from_zdebug(&raw).unwrap();
        assert_eq!(c.inflate(&raw).unwrap(), b"hello world");
    }

    #[test]
    fn bomb_is_an_error_not_an_allocation() {
        // Declares 2^40 bytes from a few bytes of stream.
        let raw = zdebug(1 << 40, b"x");
        let err = Compression::from_zdebug(&raw)
            .unwrap()
            .inflate(&raw)
            .unwrap_err();
        assert!(err.contains("cap"), "{err}");
        // A real bomb: 64 MiB of zeros declared as 1 KiB stops at the declared size.
        let raw = zdebug(1024, &vec![0u8; 64 << 20]);
        let err = Compression::from_zdebug(&raw)
            .unwrap()
            .inflate(&raw)
            .unwrap_err();
        assert!(err.contains("more than 1024"), "{err}");
    }

    #[test]
    fn truncated_stream_and_header() {
        let mut raw = zdebug(11, b"hello world");
        raw.truncate(raw.len() - 4);
        assert!(Compression::from_zdebug(&raw)
            .unwrap()
            .inflate(&raw)
            .is_err());
        assert!(Compression::from_zdebug(b"ZLIB\0\0").is_none());
        assert!(Compression::from_elf_chdr(&[1, 0, 0], true, true).is_err());
    }

    /// An Elf64_Chdr (little-endian) of `ch_type` declaring `size`, then `stream`.
    fn chdr64(ch_type: u32, size: u64, stream: &[u8]) -> Vec<u8> {
        let mut raw = ch_type.to_le_bytes().to_vec();
        raw.extend_from_slice(&[0; 4]);
        raw.extend_from_slice(&size.to_le_bytes());
        raw.extend_from_slice(&1u64.to_le_bytes());
        raw.extend_from_slice(stream);
        raw
    }

    fn zstd(data: &[u8]) -> Vec<u8> {
        ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
    }

    #[test]
    fn inflates_elf_zlib_and_zstd() {
        let text = b"the same DWARF, compressed two ways ".repeat(100);
        for (ch_type, stream) in [(1, zlib(&text)), (2, zstd(&text))] {
            let raw = chdr64(ch_type, text.len() as u64, &stream);
            let c = Compression::from_elf_chdr(&raw, true, true).unwrap();
            assert_eq!(c.header_len, 24);
            assert_eq!(c.inflate(&raw).unwrap(), text, "ch_type {ch_type}");
        }
    }

    #[test]
    fn zstd_bomb_and_corruption_are_errors() {
        // 64 MiB of zeros declared as 1 KiB stops at the declared size.
        let raw = chdr64(2, 1024, &zstd(&vec![0u8; 64 << 20]));
        let err = Compression::from_elf_chdr(&raw, true, true)
            .unwrap()
            .inflate(&raw)
            .unwrap_err();
        assert!(err.contains("more than 1024"), "{err}");
        // Declared far past what the stream's length allows.
        let raw = chdr64(2, 1 << 29, &zstd(b"x"));
        let err = Compression::from_elf_chdr(&raw, true, true)
            .unwrap()
            .inflate(&raw)
            .unwrap_err();
        assert!(err.contains("more than zstd can produce"), "{err}");
        // A zlib stream labelled zstd.
        let raw = chdr64(2, 11, &zlib(b"hello world"));
        let err = Compression::from_elf_chdr(&raw, true, true)
            .unwrap()
            .inflate(&raw)
            .unwrap_err();
        assert!(err.contains("zstd stream is corrupt"), "{err}");
    }

    #[test]
    fn unknown_type_fails_the_section_not_the_file() {
        let raw = chdr64(99, 11, &zlib(b"hello world"));
        let c = Compression::from_elf_chdr(&raw, true, true).unwrap();
        assert_eq!(c.algorithm, Algorithm::Unknown(99));
        let err = c.inflate(&raw).unwrap_err();
        assert!(err.contains("compression type 99"), "{err}");
    }
}
