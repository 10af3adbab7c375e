//! Reading a tar stream (ustar, GNU, PAX, v7), bounded: entry headers with
//! their metadata, GNU long names and PAX records (at most `MAX_NAME` and
//! `MAX_PAX` bytes), each regular file's bytes into the [`Store`] (at most
//! `MAX_MEMBER`). The stream is read once, front to back; what it declares is
//! only used to refuse early.

use std::io::{self, Read};

use super::{
    malformed, quoted, ArchiveError, Entry, EntryKind, Store, MAX_ENTRIES, MAX_MEMBER, MAX_NAME,
    MAX_PAX,
};

/// Whether a 512-byte header's checksum holds (unsigned or signed sum).
pub(crate) fn checksum_ok(h: &[u8]) -> bool {
    let Ok(stored) = number(&h[148..156]) else {
        return false;
    };
    let (mut unsigned, mut signed) = (0u64, 0i64);
    for (i, &b) in h[..512].iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { b };
        unsigned += u64::from(b);
        signed += i64::from(b as i8);
    }
    stored == unsigned || i64::try_from(stored).is_ok_and(|s| s == signed)
}

/// A numeric field: octal (spaces and NULs around it), or base-256 when the
/// first byte's high bit is set.
fn number(f: &[u8]) -> Result<u64, ()> {
    if f.first().is_some_and(|&b| b & 0x80 != 0) {
        if f[0] & 0x40 != 0 {
            return Err(()); // negative
        }
        let mut v: u64 = u64::from(f[0] & 0x3f);
        for &b in &f[1..] {
            v = v.checked_mul(256).ok_or(())? + u64::from(b);
        }
        return Ok(v);
    }
    let t: &[u8] = trim(f);
    let mut v: u64 = 0;
    for &b in t {
        if !(b'0'..=b'7').contains(&b) {
            return Err(());
        }
        v = v.checked_mul(8).ok_or(())? + u64::from(b - b'0');
    }
    Ok(v)
}

fn trim(f: &[u8]) -> &[u8] {
    let f = &f[f
        .iter()
        .position(|&b| b != b' ' && b != 0)
        .unwrap_or(f.len())..];
    let end = f
        .iter()
        .position(|&b| b == b' ' || b == 0)
        .unwrap_or(f.len());
    &f[..end]
}

/// A NUL-terminated string field.
fn text(f: &[u8]) -> &[u8] {
    &f[..f.iter().position(|&b| b == 0).unwrap_or(f.len())]
}

/// Reads exactly `buf.len()` bytes, or says the archive is truncated.
fn exact(r: &mut dyn Read, buf: &mut [u8], what: &dyn Fn() -> String) -> Result<(), ArchiveError> {
    r.read_exact(buf).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => malformed(format!("truncated in {}", what())),
        _ => ArchiveError::Io(e),
    })
}

/// Skips `n` bytes (counted by the caller's reader like any others).
fn skip(r: &mut dyn Read, n: u64, what: &dyn Fn() -> String) -> Result<(), ArchiveError> {
    let copied = io::copy(&mut (&mut *r).take(n), &mut io::sink())?;
    if copied != n {
        return Err(malformed(format!("truncated in {}", what())));
    }
    Ok(())
}

fn padding(size: u64) -> u64 {
    (512 - size % 512) % 512
}

/// What a PAX header or GNU long name set for the next entry.
#[derive(Default)]
struct Pending {
    name: Option<Vec<u8>>,
    link: Option<Vec<u8>>,
    pax: Vec<(String, Vec<u8>)>,
}

/// The entries of the tar stream `r`, and the archive-wide PAX records.
pub(crate) fn read(
    r: &mut dyn Read,
    store: &mut Store,
) -> Result<(Vec<Entry>, super::Meta), ArchiveError> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut globals = Vec::new();
    let mut pending = Pending::default();
    let mut headers = 0usize;
    let mut block = [0u8; 512];
    loop {
        let at = || format!("the header after entry {}", entries.len());
        // The end: two zero blocks, or (leniently) the end of the stream.
        let n = io::copy(
            &mut (&mut *r).take(512),
            &mut io::Cursor::new(&mut block[..]),
        )?;
        if n == 0 {
            break;
        }
        if n < 512 {
            return Err(malformed(format!("truncated in {}", at())));
        }
        if block.iter().all(|&b| b == 0) {
            break;
        }
        headers += 1;
        if headers > 4 * MAX_ENTRIES {
            return Err(malformed(format!(
                "more than {} headers (the limit is {MAX_ENTRIES} entries)",
                4 * MAX_ENTRIES
            )));
        }
        if !checksum_ok(&block) {
            return Err(malformed(format!(
                "{}: header checksum mismatch (corrupt, or not a tar)",
                at()
            )));
        }
        let h = block;
        let field = |name: &str, f: &[u8]| {
            number(f).map_err(|()| malformed(format!("{}: bad {name} field", at())))
        };
        let size = field("size", &h[124..136])?;
        let typeflag = h[156];
        let meta_size = |what: &str, cap: u64| -> Result<(), ArchiveError> {
            if size > cap {
                Err(malformed(format!(
                    "{}: a {what} of {size} bytes (the limit is {cap})",
                    at()
                )))
            } else {
                Ok(())
            }
        };
        match typeflag {
            b'L' | b'K' => {
                meta_size("GNU long name", MAX_NAME as u64 + 1)?;
                let mut v = vec![0u8; size as usize];
                exact(r, &mut v, &at)?;
                skip(r, padding(size), &at)?;
                let v = text(&v).to_vec();
                if typeflag == b'L' {
                    pending.name = Some(v);
                } else {
                    pending.link = Some(v);
                }
                continue;
            }
            b'x' | b'g' => {
                meta_size("PAX header", MAX_PAX)?;
                let mut v = vec![0u8; size as usize];
                exact(r, &mut v, &at)?;
                skip(r, padding(size), &at)?;
                let records =
                    pax(&v).ok_or_else(|| malformed(format!("{}: malformed PAX records", at())))?;
                if typeflag == b'g' {
                    for (k, v) in records {
                        globals.push((format!("pax global {k}"), quoted(&v)));
                    }
                } else {
                    pending.pax.extend(records);
                }
                continue;
            }
            _ => {}
        }
        if entries.len() >= MAX_ENTRIES {
            return Err(malformed(format!("more than {MAX_ENTRIES} entries")));
        }
        let magic = &h[257..265];
        let (format, ustar) = if &magic[..6] == b"ustar\0" {
            ("ustar (POSIX)", true)
        } else if magic == b"ustar  \0" {
            ("GNU", false)
        } else {
            ("v7", false)
        };
        let mut name = text(&h[..100]).to_vec();
        if ustar && h[345] != 0 {
            let mut full = text(&h[345..500]).to_vec();
            full.push(b'/');
            full.extend_from_slice(&name);
            name = full;
        }
        let mut link = text(&h[157..257]).to_vec();
        let mut size = size;
        let mut meta: Vec<(String, String)> = vec![
            ("tar header format".into(), format.into()),
            ("mode".into(), format!("{:o}", field("mode", &h[100..108])?)),
            ("uid".into(), field("uid", &h[108..116])?.to_string()),
            ("gid".into(), field("gid", &h[116..124])?.to_string()),
        ];
        let mtime = field("mtime", &h[136..148])?;
        meta.push((
            "mtime".into(),
            format!(
                "{mtime} ({} UTC)",
                crate::rfc3339::utc(i64::try_from(mtime).unwrap_or(i64::MAX / 2))
            ),
        ));
        if format != "v7" {
            meta.push(("user name".into(), quoted(text(&h[265..297]))));
            meta.push(("group name".into(), quoted(text(&h[297..329]))));
        }
        let p = std::mem::take(&mut pending);
        if let Some(n) = p.name {
            name = n;
        }
        if let Some(l) = p.link {
            link = l;
        }
        for (k, v) in p.pax {
            match k.as_str() {
                "path" => name = v,
                "linkpath" => link = v,
                "size" => {
                    size = std::str::from_utf8(&v)
                        .ok()
                        .and_then(|s| s.parse().ok())
                        .ok_or_else(|| malformed(format!("{}: bad PAX size", at())))?;
                }
                _ => meta.push((format!("pax {k}"), quoted(&v))),
            }
        }
        if name.len() > MAX_NAME || link.len() > MAX_NAME {
            return Err(malformed(format!(
                "{}: a name or link target longer than {MAX_NAME} bytes",
                at()
            )));
        }
        let kind = match typeflag {
            b'0' | 0 | b'7' => EntryKind::File,
            b'1' => EntryKind::Hardlink,
            b'2' => EntryKind::Symlink,
            b'3' | b'4' => EntryKind::Device,
            b'5' => EntryKind::Dir,
            b'6' => EntryKind::Fifo,
            _ => EntryKind::Other,
        };
        if kind == EntryKind::Device {
            meta.push((
                "device".into(),
                format!(
                    "{} {},{}",
                    if typeflag == b'3' { "char" } else { "block" },
                    field("devmajor", &h[329..337])?,
                    field("devminor", &h[337..345])?
                ),
            ));
        }
        if kind == EntryKind::Other {
            meta.push(("tar type".into(), quoted(&[typeflag])));
        }
        let what = || format!("member {}", quoted(&name));
        // Links, devices and fifos carry no data whatever their size field says.
        let has_data = !matches!(
            kind,
            EntryKind::Hardlink | EntryKind::Symlink | EntryKind::Device | EntryKind::Fifo
        );
        let data_len = if has_data { size } else { 0 };
        let mut data = None;
        if kind == EntryKind::File {
            if size > MAX_MEMBER {
                return Err(malformed(format!(
                    "{}: declares {size} bytes (the limit is {MAX_MEMBER} a member)",
                    what()
                )));
            }
            let mut take = (&mut *r).take(size);
            let blob = store.put(&mut take, MAX_MEMBER, &what())?;
            if blob.len != size {
                return Err(malformed(format!("truncated in {}'s data", what())));
            }
            data = Some(blob);
        } else {
            skip(r, data_len, &what)?;
        }
        skip(r, padding(data_len), &what)?;
        entries.push(Entry {
            name,
            kind,
            size: if kind == EntryKind::File { size } else { 0 },
            link: matches!(kind, EntryKind::Symlink | EntryKind::Hardlink).then_some(link),
            meta,
            data,
            stored: None,
        });
    }
    Ok((entries, globals))
}

/// PAX records: `LEN KEY=VALUE\n` each, LEN counting the whole record.
fn pax(mut v: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    while !v.is_empty() {
        if v.iter().all(|&b| b == 0) {
            break;
        }
        let sp = v.iter().position(|&b| b == b' ')?;
        let len: usize = std::str::from_utf8(&v[..sp]).ok()?.parse().ok()?;
        if len <= sp + 1 || len > v.len() || v[len - 1] != b'\n' {
            return None;
        }
        let rec = &v[sp + 1..len - 1];
        let eq = rec.iter().position(|&b| b == b'=')?;
        out.push((
            String::from_utf8_lossy(&rec[..eq]).into_owned(),
            rec[eq + 1..].to_vec(),
        ));
        v = &v[len..];
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_octal_and_base256() {
        assert_eq!(number(b"0000644\0"), Ok(0o644));
        assert_eq!(number(b"  644 \0"), Ok(0o644));
        assert_eq!(number(&[0x80, 0, 0, 0, 0, 0, 1, 0]), Ok(256));
        assert_eq!(number(b"9"), Err(()));
        assert_eq!(
            number(&[0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            Err(())
        );
    }

    #[test]
    fn pax_records() {
        assert_eq!(
            pax(b"20 path=a/b/c/d.txt\n"),
            Some(vec![("path".into(), b"a/b/c/d.txt".to_vec())])
        );
        assert_eq!(pax(b"99 path=x\n"), None);
        assert_eq!(pax(b"x"), None);
    }
}
