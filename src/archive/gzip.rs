//! The gzip header of a tar.gz (RFC 1952): MTIME, the OS byte, the
//! compression-level flag (XFL), the file name and comment a `gzip` without
//! `-n` writes, as metadata fields. Read from the file's first bytes, bounded.

use std::io::Read;

use super::{malformed, quoted, ArchiveError, MAX_NAME};
use crate::rfc3339::utc;

/// The header's fields as `(field, value)`, in header order.
pub(crate) fn header(r: &mut dyn Read) -> Result<Vec<(String, String)>, ArchiveError> {
    let truncated = || malformed("the gzip header is truncated");
    let mut fixed = [0u8; 10];
    r.read_exact(&mut fixed).map_err(|_| truncated())?;
    if fixed[..2] != [0x1f, 0x8b] || fixed[2] != 8 {
        return Err(malformed("not a deflate gzip stream"));
    }
    let flags = fixed[3];
    let mtime = u32::from_le_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]);
    let mut out = vec![(
        "gzip MTIME".to_string(),
        if mtime == 0 {
            "0 (none)".to_string()
        } else {
            format!("{mtime} ({} UTC)", utc(i64::from(mtime)))
        },
    )];
    let xfl = match fixed[8] {
        2 => "2 (slowest, best compression)".to_string(),
        4 => "4 (fastest)".to_string(),
        x => x.to_string(),
    };
    out.push(("gzip XFL (compression level)".into(), xfl));
    let os = match fixed[9] {
        0 => "0 (FAT)",
        3 => "3 (Unix)",
        7 => "7 (Macintosh)",
        10 => "10 (TOPS-20/NTFS)",
        11 => "11 (NTFS)",
        19 => "19 (macOS)",
        255 => "255 (unknown)",
        _ => "",
    };
    out.push((
        "gzip OS".into(),
        if os.is_empty() {
            fixed[9].to_string()
        } else {
            os.into()
        },
    ));
    if flags & 4 != 0 {
        let mut len = [0u8; 2];
        r.read_exact(&mut len).map_err(|_| truncated())?;
        let len = u16::from_le_bytes(len) as u64;
        let mut extra = Vec::new();
        r.take(len).read_to_end(&mut extra)?;
        if extra.len() as u64 != len {
            return Err(truncated());
        }
        out.push(("gzip extra field".into(), crate::binary::hex(&extra)));
    }
    for (bit, field) in [(8u8, "gzip file name"), (16, "gzip comment")] {
        if flags & bit == 0 {
            continue;
        }
        let mut s = Vec::new();
        let mut byte = [0u8; 1];
        loop {
            r.read_exact(&mut byte).map_err(|_| truncated())?;
            if byte[0] == 0 {
                break;
            }
            if s.len() >= MAX_NAME {
                return Err(malformed(format!(
                    "the {field} in the gzip header is longer than {MAX_NAME} bytes"
                )));
            }
            s.push(byte[0]);
        }
        out.push((field.into(), quoted(&s)));
    }
    Ok(out)
}
