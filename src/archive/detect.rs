//! Knowing an archive by its content, not its name: gzip whose first
//! inflated block is a tar header, a tar header (ustar, GNU, or a v7 header
//! whose checksum holds), a zip local file header or an end of central
//! directory record. An ELF, Mach-O or PE file is never an archive here,
//! whatever bytes it holds.

use std::io::{self, Read, Seek, SeekFrom};

use serde::Serialize;

use super::Source;

/// The archive formats twinbuild reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Kind {
    #[serde(rename = "tar")]
    Tar,
    #[serde(rename = "tar.gz")]
    TarGz,
    #[serde(rename = "zip")]
    Zip,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Tar => "tar",
            Kind::TarGz => "tar.gz",
            Kind::Zip => "zip",
        }
    }
}

/// The archive kind of `src`, or `None` when it is not one.
pub(crate) fn detect(src: &Source) -> io::Result<Option<Kind>> {
    let mut r = src.open()?;
    let mut head = Vec::with_capacity(512);
    (&mut r).take(512).read_to_end(&mut head)?;
    if is_binary(&head) || head.starts_with(&FAT_MACHO) {
        return Ok(None);
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        r.seek(SeekFrom::Start(0))?;
        let mut block = Vec::with_capacity(512);
        let gz = flate2::read::GzDecoder::new(r);
        // A damaged stream is not known as a tar.gz; reading it later would say why.
        let _ = gz.take(512).read_to_end(&mut block);
        return Ok(is_tar_header(&block).then_some(Kind::TarGz));
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Ok(Some(Kind::Zip));
    }
    if is_tar_header(&head) {
        return Ok(Some(Kind::Tar));
    }
    // A zip with something before it (a self-extractor's stub).
    let len = src.len()?;
    Ok(super::zip::find_eocd(&mut r, len)?
        .is_some()
        .then_some(Kind::Zip))
}

/// ELF, thin Mach-O or PE/MZ magic: a file the binary pipeline reads.
pub(crate) fn is_binary(head: &[u8]) -> bool {
    const MAGICS: [&[u8]; 6] = [
        b"\x7fELF",
        b"MZ",
        &[0xfe, 0xed, 0xfa, 0xce],
        &[0xfe, 0xed, 0xfa, 0xcf],
        &[0xce, 0xfa, 0xed, 0xfe],
        &[0xcf, 0xfa, 0xed, 0xfe],
    ];
    MAGICS.iter().any(|m| head.starts_with(m))
}

/// A fat (universal) Mach-O's magic: not an archive either.
const FAT_MACHO: [u8; 4] = [0xca, 0xfe, 0xba, 0xbe];

/// A 512-byte tar header: ustar/GNU magic, or a v7 header whose checksum holds.
pub(crate) fn is_tar_header(b: &[u8]) -> bool {
    if b.len() < 512 || b[..512].iter().all(|&x| x == 0) {
        return false;
    }
    &b[257..262] == b"ustar" || super::tar::checksum_ok(&b[..512])
}
