//! Reading a zip (zip64 included), bounded: the end of central directory
//! record, the central directory (at most `MAX_ENTRIES` entries, names up to
//! `MAX_NAME`), each member's local header, and its bytes stored or
//! inflated (deflate) into the [`Store`], counted as they stream. A member
//! that declares more than `MAX_MEMBER` bytes, or a ratio over `MAX_RATIO`,
//! is refused before anything is inflated; one that inflates past what it
//! declares, fails its CRC, or whose bytes overlap another member's (the
//! overlapping-files bomb) is an error. Other methods and encrypted members
//! are compared as stored.

use std::io::{self, Read, Seek, SeekFrom};

use super::store::{Counted, ReadSeek};
use super::{
    malformed, quoted, ArchiveError, Entry, EntryKind, Source, Store, MAX_ENTRIES, MAX_MEMBER,
    MAX_NAME, MAX_RATIO,
};

const EOCD: &[u8; 4] = b"PK\x05\x06";

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or([0; 8]))
}

/// The offset of the end of central directory record: the last one whose
/// comment ends exactly at the end of the file and whose directory lies
/// before it.
pub(crate) fn find_eocd(r: &mut dyn ReadSeek, len: u64) -> io::Result<Option<u64>> {
    let tail_len = len.min(22 + 65_535);
    if tail_len < 22 {
        return Ok(None);
    }
    r.seek(SeekFrom::Start(len - tail_len))?;
    let mut tail = vec![0u8; tail_len as usize];
    r.read_exact(&mut tail)?;
    for i in (0..=tail.len() - 22).rev() {
        if &tail[i..i + 4] != EOCD {
            continue;
        }
        let comment = u16_at(&tail, i + 20) as usize;
        let (size, offset) = (u32_at(&tail, i + 12), u32_at(&tail, i + 16));
        let pos = len - tail_len + i as u64;
        let zip64 = size == u32::MAX || offset == u32::MAX;
        if i + 22 + comment == tail.len() && (zip64 || u64::from(size) + u64::from(offset) <= pos) {
            return Ok(Some(pos));
        }
    }
    Ok(None)
}

struct Central {
    name: Vec<u8>,
    made_by: u16,
    needed: u16,
    flags: u16,
    method: u16,
    time: u16,
    date: u16,
    crc: u32,
    csize: u64,
    usize: u64,
    internal: u16,
    external: u32,
    offset: u64,
    extra: Vec<u8>,
    comment: Vec<u8>,
}

/// The members of the zip in `src`, and its archive-wide metadata.
pub(crate) fn read(
    src: &Source,
    store: &mut Store,
    budget: &mut u64,
) -> Result<(Vec<Entry>, super::Meta), ArchiveError> {
    let len = src.len()?;
    let mut r = src.open()?;
    let eocd = find_eocd(&mut r, len)?
        .ok_or_else(|| malformed("no end of central directory record (truncated, or not a zip)"))?;
    let mut e = [0u8; 22];
    r.seek(SeekFrom::Start(eocd))?;
    r.read_exact(&mut e)?;
    if u16_at(&e, 4) != 0 || u16_at(&e, 6) != 0 {
        return Err(malformed("a multi-disk zip"));
    }
    let mut comment = vec![0u8; u16_at(&e, 20) as usize];
    r.read_exact(&mut comment)?;
    let (mut count, mut cd_size, mut cd_off) = (
        u64::from(u16_at(&e, 10)),
        u64::from(u32_at(&e, 12)),
        u64::from(u32_at(&e, 16)),
    );
    let mut cd_end = eocd;
    if count == 0xffff || cd_size == u64::from(u32::MAX) || cd_off == u64::from(u32::MAX) {
        // Zip64: the locator just before the record names the zip64 record.
        let mut loc = [0u8; 20];
        if eocd >= 20 {
            r.seek(SeekFrom::Start(eocd - 20))?;
            r.read_exact(&mut loc)?;
        }
        if &loc[..4] == b"PK\x06\x07" {
            let at = u64_at(&loc, 8);
            let mut z = [0u8; 56];
            if at.checked_add(56).is_none_or(|end| end > eocd) {
                return Err(malformed("the zip64 end record is out of bounds"));
            }
            r.seek(SeekFrom::Start(at))?;
            r.read_exact(&mut z)?;
            if &z[..4] != b"PK\x06\x06" {
                return Err(malformed("no zip64 end record where its locator says"));
            }
            (count, cd_size, cd_off) = (u64_at(&z, 32), u64_at(&z, 40), u64_at(&z, 48));
            cd_end = at;
        }
    }
    if count > MAX_ENTRIES as u64 {
        return Err(malformed(format!(
            "declares {count} entries (the limit is {MAX_ENTRIES})"
        )));
    }
    if cd_off.checked_add(cd_size).is_none_or(|end| end > cd_end) {
        return Err(malformed(
            "the central directory runs past its end record (truncated or corrupt)",
        ));
    }
    let mut cd = vec![0u8; cd_size as usize];
    r.seek(SeekFrom::Start(cd_off))?;
    r.read_exact(&mut cd)?;
    let centrals = central_directory(&cd, count)?;

    // Every member's bytes, from its local header to the end of its data,
    // lie before the directory and overlap no other member's.
    let mut spans = Vec::with_capacity(centrals.len());
    let mut locals = Vec::with_capacity(centrals.len());
    for c in &centrals {
        let what = || format!("member {}", quoted(&c.name));
        let mut h = [0u8; 30];
        if c.offset.checked_add(30).is_none_or(|end| end > cd_off) {
            return Err(malformed(format!("{}: local header out of bounds", what())));
        }
        r.seek(SeekFrom::Start(c.offset))?;
        r.read_exact(&mut h)?;
        if &h[..4] != b"PK\x03\x04" {
            return Err(malformed(format!(
                "{}: no local header at its offset",
                what()
            )));
        }
        let (nl, el) = (u16_at(&h, 26) as u64, u16_at(&h, 28) as u64);
        let mut name = vec![0u8; nl as usize];
        r.read_exact(&mut name)?;
        let mut extra = vec![0u8; el as usize];
        r.read_exact(&mut extra)?;
        if name != c.name {
            return Err(malformed(format!(
                "{}: its local header names it {} (a spoofing trick)",
                what(),
                quoted(&name)
            )));
        }
        let start = c.offset + 30 + nl + el;
        let end = start
            .checked_add(c.csize)
            .filter(|&end| end <= cd_off)
            .ok_or_else(|| {
                malformed(format!(
                    "{}: data runs past the central directory (truncated or corrupt)",
                    what()
                ))
            })?;
        spans.push((c.offset, end, c.name.clone()));
        locals.push((start, extra));
    }
    let mut sorted: Vec<&(u64, u64, Vec<u8>)> = spans.iter().collect();
    sorted.sort();
    for w in sorted.windows(2) {
        if w[1].0 < w[0].1 {
            return Err(malformed(format!(
                "members {} and {} overlap (the overlapping-files zip bomb)",
                quoted(&w[0].2),
                quoted(&w[1].2)
            )));
        }
    }
    let declared: u64 = centrals
        .iter()
        .map(|c| c.usize)
        .fold(0, u64::saturating_add);
    if declared > *budget {
        return Err(malformed(format!(
            "declares {declared} bytes uncompressed in all (the limit is {} a side)",
            super::MAX_TOTAL
        )));
    }

    let mut entries = Vec::with_capacity(centrals.len());
    for (c, (start, local_extra)) in centrals.into_iter().zip(locals) {
        entries.push(member(&mut r, c, start, &local_extra, store, budget)?);
    }
    let mut meta = Vec::new();
    if !comment.is_empty() {
        meta.push(("zip comment".into(), quoted(&comment)));
    }
    if cd_off + cd_size < cd_end {
        meta.push((
            "zip bytes between the directory and its end record".into(),
            (cd_end - cd_off - cd_size).to_string(),
        ));
    }
    Ok((entries, meta))
}

fn central_directory(cd: &[u8], count: u64) -> Result<Vec<Central>, ArchiveError> {
    let mut out = Vec::with_capacity(count as usize);
    let mut at = 0usize;
    let short = || malformed("the central directory is truncated or corrupt");
    for _ in 0..count {
        let h = cd.get(at..at + 46).ok_or_else(short)?;
        if &h[..4] != b"PK\x01\x02" {
            return Err(short());
        }
        let (nl, el, cl) = (
            u16_at(h, 28) as usize,
            u16_at(h, 30) as usize,
            u16_at(h, 32) as usize,
        );
        let var = cd.get(at + 46..at + 46 + nl + el + cl).ok_or_else(short)?;
        if nl > MAX_NAME {
            return Err(malformed(format!(
                "a name of {nl} bytes (the limit is {MAX_NAME})"
            )));
        }
        let mut c = Central {
            name: var[..nl].to_vec(),
            made_by: u16_at(h, 4),
            needed: u16_at(h, 6),
            flags: u16_at(h, 8),
            method: u16_at(h, 10),
            time: u16_at(h, 12),
            date: u16_at(h, 14),
            crc: u32_at(h, 16),
            csize: u64::from(u32_at(h, 20)),
            usize: u64::from(u32_at(h, 24)),
            internal: u16_at(h, 36),
            external: u32_at(h, 38),
            offset: u64::from(u32_at(h, 42)),
            extra: var[nl..nl + el].to_vec(),
            comment: var[nl + el..].to_vec(),
        };
        // Zip64 sizes and offset, in this order, for the fields at their maximum.
        if let Some(z) = extras(&c.extra)
            .into_iter()
            .find(|(id, _)| *id == 1)
            .map(|(_, d)| d)
        {
            let mut z = z.chunks_exact(8).map(|b| u64_at(b, 0));
            for f in [&mut c.usize, &mut c.csize, &mut c.offset] {
                if *f == u64::from(u32::MAX) {
                    *f = z.next().ok_or_else(short)?;
                }
            }
        }
        out.push(c);
        at += 46 + nl + el + cl;
    }
    Ok(out)
}

/// Extra fields as (header ID, data); a malformed tail is one field 0xffff.
fn extras(mut b: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    while b.len() >= 4 {
        let (id, len) = (u16_at(b, 0), u16_at(b, 2) as usize);
        let Some(data) = b.get(4..4 + len) else {
            out.push((0xffff, b));
            return out;
        };
        out.push((id, data));
        b = &b[4 + len..];
    }
    if !b.is_empty() {
        out.push((0xffff, b));
    }
    out
}

/// Extra fields as metadata, zip64 left out (sizes and offsets follow from the rest).
fn extra_meta(prefix: &str, extra: &[u8], meta: &mut Vec<(String, String)>) {
    for (id, d) in extras(extra) {
        let (name, value) = match id {
            0x0001 => continue,
            0x5455 => (
                "extended timestamp",
                match (d.first(), d.get(1..5)) {
                    (Some(f), Some(t)) if f & 1 != 0 => {
                        let t = i32::from_le_bytes([t[0], t[1], t[2], t[3]]);
                        format!(
                            "mtime {t} ({} UTC), flags {f:#04x}, {} bytes",
                            crate::rfc3339::utc(i64::from(t)),
                            d.len()
                        )
                    }
                    _ => crate::binary::hex(d),
                },
            ),
            0x7875 => ("unix uid/gid", crate::binary::hex(d)),
            0x000a => ("NTFS times", crate::binary::hex(d)),
            0x5855 => ("old unix times and ids", crate::binary::hex(d)),
            0xffff => ("malformed extra bytes", crate::binary::hex(d)),
            _ => ("", crate::binary::hex(d)),
        };
        let mut value = value;
        if value.len() > 128 {
            value.truncate(128);
            value.push('…');
        }
        meta.push((
            format!("{prefix} {id:#06x} {name}").trim_end().to_string(),
            value,
        ));
    }
}

fn method_name(m: u16) -> String {
    match m {
        0 => "stored".into(),
        8 => "deflate".into(),
        9 => "deflate64".into(),
        12 => "bzip2".into(),
        14 => "lzma".into(),
        93 => "zstd".into(),
        95 => "xz".into(),
        m => format!("method {m}"),
    }
}

fn os_name(made_by: u16) -> &'static str {
    match made_by >> 8 {
        0 => "MS-DOS/FAT",
        3 => "Unix",
        10 => "NTFS",
        19 => "macOS",
        _ => "other",
    }
}

/// One member: its metadata and its bytes.
fn member(
    r: &mut Box<dyn ReadSeek + '_>,
    c: Central,
    start: u64,
    local_extra: &[u8],
    store: &mut Store,
    budget: &mut u64,
) -> Result<Entry, ArchiveError> {
    let what = format!("member {}", quoted(&c.name));
    let mode = (c.external >> 16) & 0o177777;
    let unix = matches!(c.made_by >> 8, 3 | 19) || mode != 0;
    let kind = match mode & 0o170000 {
        _ if c.name.ends_with(b"/") => EntryKind::Dir,
        0o120000 if unix => EntryKind::Symlink,
        0o040000 if unix => EntryKind::Dir,
        0o100000 | 0 => EntryKind::File,
        _ if !unix => EntryKind::File,
        _ => EntryKind::Other,
    };
    let kind = if kind == EntryKind::File && c.external & 0x10 != 0 && !unix {
        EntryKind::Dir
    } else {
        kind
    };
    let dos = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} (local time)",
        1980 + (c.date >> 9),
        (c.date >> 5) & 15,
        c.date & 31,
        c.time >> 11,
        (c.time >> 5) & 63,
        (c.time & 31) * 2
    );
    let mut meta: Vec<(String, String)> = vec![
        (
            "version made by".into(),
            format!(
                "{} {}.{}",
                os_name(c.made_by),
                (c.made_by & 0xff) / 10,
                (c.made_by & 0xff) % 10
            ),
        ),
        (
            "version needed".into(),
            format!("{}.{}", (c.needed & 0xff) / 10, (c.needed & 0xff) % 10),
        ),
        ("flags".into(), format!("{:#06x}", c.flags)),
        ("compression method".into(), method_name(c.method)),
        ("DOS time".into(), dos),
        (
            "external attributes".into(),
            format!("{:#010x}", c.external),
        ),
        ("internal attributes".into(), format!("{:#06x}", c.internal)),
    ];
    if unix {
        meta.push(("mode".into(), format!("{:o}", mode & 0o7777)));
    }
    if !c.comment.is_empty() {
        meta.push(("member comment".into(), quoted(&c.comment)));
    }
    extra_meta("extra", &c.extra, &mut meta);
    extra_meta("local extra", local_extra, &mut meta);

    if c.usize > MAX_MEMBER {
        return Err(malformed(format!(
            "{what}: declares {} bytes (the limit is {MAX_MEMBER} a member)",
            c.usize
        )));
    }
    if c.method != 0 && c.usize > c.csize.saturating_mul(MAX_RATIO).saturating_add(4096) {
        return Err(malformed(format!(
            "{what}: declares {} bytes from {} compressed, a ratio over {MAX_RATIO}:1 (a zip bomb)",
            c.usize, c.csize
        )));
    }
    r.seek(SeekFrom::Start(start))?;
    let raw = Counted::new((&mut **r).take(c.csize), u64::MAX, true);
    let encrypted = c.flags & 1 != 0;
    let inflate = !encrypted && matches!(c.method, 0 | 8);
    let mut stored = format!("{}, {} bytes", method_name(c.method), c.csize);
    let mut link = None;
    let mut data = None;
    let mut size = c.usize;
    if kind != EntryKind::Dir {
        let (blob, raw) = if inflate {
            if c.method == 0 && c.csize != c.usize {
                return Err(malformed(format!(
                    "{what}: stored, but its sizes differ ({} and {})",
                    c.csize, c.usize
                )));
            }
            let mut raw = raw;
            let (blob, crc) = {
                let inner: Box<dyn Read> = if c.method == 8 {
                    Box::new(flate2::read::DeflateDecoder::new(&mut raw))
                } else {
                    Box::new(&mut raw)
                };
                let mut crc = flate2::CrcReader::new(inner.take(c.usize + 1));
                let limit = if kind == EntryKind::Symlink {
                    MAX_NAME as u64
                } else {
                    c.usize
                };
                let blob = store
                    .put(
                        &mut crc,
                        limit,
                        &format!("{what} (it declares {} bytes)", c.usize),
                    )
                    .map_err(|e| match e {
                        ArchiveError::Io(e) => malformed(format!("{what}: cannot inflate: {e}")),
                        e => e,
                    })?;
                (blob, crc.crc().sum())
            };
            if blob.len != c.usize {
                return Err(malformed(format!(
                    "{what}: inflates to {} bytes, not the {} it declares (corrupt)",
                    blob.len, c.usize
                )));
            }
            if crc != c.crc {
                return Err(malformed(format!("{what}: CRC mismatch (corrupt)")));
            }
            // The rest of the compressed bytes, for their digest.
            io::copy(&mut raw, &mut io::sink())?;
            (blob, raw)
        } else {
            let mut raw = raw;
            let blob = store.put(&mut raw, MAX_MEMBER, &what)?;
            if blob.len != c.csize {
                return Err(malformed(format!("{what}: truncated in its data")));
            }
            size = blob.len;
            (blob, raw)
        };
        *budget = budget.saturating_sub(blob.len);
        if let Some(sha) = raw.sha256() {
            stored = format!("{stored}, sha256 {}", &sha[..16]);
        }
        if !inflate {
            stored.push_str(if encrypted {
                " (encrypted: compared as stored)"
            } else {
                " (not inflated: compared as stored)"
            });
        }
        if kind == EntryKind::Symlink {
            let Source::Memory(v) = &blob.at else {
                return Err(malformed(format!(
                    "{what}: a symlink target over {MAX_NAME} bytes"
                )));
            };
            link = Some(v.to_vec());
            size = 0;
        } else {
            data = Some(blob);
        }
    }
    Ok(Entry {
        name: c.name,
        kind,
        size: if kind == EntryKind::File { size } else { 0 },
        link,
        meta,
        data,
        stored: (kind == EntryKind::File).then_some(stored),
    })
}
