//! Compressed DWARF: recognising the three framings Go uses and inflating
//! them under a cap.
//!
//! - ELF `SHF_COMPRESSED`: an `Elf32_Chdr`/`Elf64_Chdr` with `ELFCOMPRESS_ZLIB`;
//! - `.zdebug_*` (ELF before Go 1.19, PE) and Mach-O `__zdebug_*`: `"ZLIB"`,
//!   an 8-byte big-endian uncompressed size, then a zlib stream.
//!
//! The declared size is checked before anything is allocated, and inflation
//! stops at the declared size: a zlib bomb becomes an error, not an
//! out-of-memory.

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
/// The most a section may claim to grow by (zlib's own ceiling is about 1032:1).
pub const MAX_RATIO: u64 = 1100;

/// How a section's file bytes are compressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compression {
    /// Bytes of framing before the zlib stream.
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
            header_len: 12,
            uncompressed_size: size,
        })
    }

    /// Recognise an ELF compression header (`SHF_COMPRESSED` is set).
    /// Returns an error string for an unsupported or truncated header.
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
        if ch_type != 1 {
            return Err(format!("compression type {ch_type} is not zlib"));
        }
        Ok(Compression {
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
        if size > (stream.len() as u64 + 64).saturating_mul(MAX_RATIO) {
            return Err(format!(
                "declares {size} bytes inflated from {} compressed bytes, more than zlib can produce",
                stream.len()
            ));
        }
        let mut out = Vec::new();
        out.try_reserve_exact(size as usize)
            .map_err(|_| format!("cannot allocate {size} bytes to inflate"))?;
        let mut decoder = flate2::read::ZlibDecoder::new(stream).take(size + 1);
        decoder
            .read_to_end(&mut out)
            .map_err(|e| format!("zlib stream is corrupt: {e}"))?;
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
        let mut chdr = vec![2, 0, 0, 0, 0, 0, 0, 0];
        chdr.extend_from_slice(&[0; 16]);
        assert!(Compression::from_elf_chdr(&chdr, true, true)
            .unwrap_err()
            .contains("not zlib"));
    }
}
