#!/usr/bin/python3
"""A hostile SFTP server (protocol version 3, draft-ietf-secsh-filexfer-02)
for Ferry's fault tests, run by a private sshd as its `Subsystem sftp`, so a
client reaches it through a real SSH login. Python 3 standard library only.

    hostile_sftp_server.py --root DIR --log FILE [--mode-file FILE]

It serves the real folder DIR read-only (REALPATH, STAT/LSTAT/FSTAT,
OPENDIR/READDIR/CLOSE, OPEN/READ for reading) and refuses every change
(permission denied). What it does wrong is chosen per session by the first
word of --mode-file (read when the session starts, so a test can switch it
between runs without restarting sshd; missing file: "names"):

  normal       no hostility: DIR as it is (a baseline for the same client)
  names        every listing of DIR itself also holds hostile names: "..",
               ".", "a/b", "../../etc/passwd", "/etc/passwd", a name with a
               NUL byte, "x\\ny", "", a 300-byte name, each as a regular file
               of 5 bytes; plus ".." and "sub/../.." as folders
  dirs         the same hostile names, every one of them as a folder
  huge-packet  the answer to the first READDIR of DIR announces a packet of
               almost 4 GiB, sends a few bytes of it and then nothing more
  duplicates   every entry of DIR is listed twice, the second time as the
               other kind (a file as a folder, a folder as a file)
  readdir-fail the listing of DIR sends its first entry, then fails
               (SSH_FX_FAILURE) instead of ending (SSH_FX_EOF)
  short-count  a NAME reply that announces more entries than it holds
  link-plant TARGET
               the root also lists "docs", a symlink to TARGET (a folder
               outside the client's root, say)
  link-swap    the root also lists "docs" as a folder holding "evil.txt"
               (5 bytes): after link-plant, a client that writes docs/evil.txt
               through its own copy of the link writes outside its root

Every request is logged to FILE, one line each: "<OP> <path as repr>", and
a request for a path that leaves DIR adds a line "OUTSIDE <path>": the test
fails on any such line (the client followed a hostile name).
"""

import io
import os
import posixpath
import stat
import struct
import sys

SSH_FXP_INIT, SSH_FXP_VERSION = 1, 2
SSH_FXP_OPEN, SSH_FXP_CLOSE, SSH_FXP_READ, SSH_FXP_WRITE = 3, 4, 5, 6
SSH_FXP_LSTAT, SSH_FXP_FSTAT, SSH_FXP_SETSTAT, SSH_FXP_FSETSTAT = 7, 8, 9, 10
SSH_FXP_OPENDIR, SSH_FXP_READDIR, SSH_FXP_REMOVE, SSH_FXP_MKDIR = 11, 12, 13, 14
SSH_FXP_RMDIR, SSH_FXP_REALPATH, SSH_FXP_STAT, SSH_FXP_RENAME = 15, 16, 17, 18
SSH_FXP_READLINK, SSH_FXP_SYMLINK = 19, 20
SSH_FXP_STATUS, SSH_FXP_HANDLE, SSH_FXP_DATA, SSH_FXP_NAME, SSH_FXP_ATTRS = 101, 102, 103, 104, 105
SSH_FXP_EXTENDED, SSH_FXP_EXTENDED_REPLY = 200, 201

FX_OK, FX_EOF, FX_NO_SUCH_FILE, FX_PERMISSION_DENIED, FX_FAILURE = 0, 1, 2, 3, 4
FX_BAD_MESSAGE, FX_OP_UNSUPPORTED = 5, 8

ATTR_SIZE, ATTR_UIDGID, ATTR_PERMISSIONS, ATTR_ACMODTIME = 0x1, 0x2, 0x4, 0x8
ATTR_EXTENDED = 0x80000000

PFLAG_READ = 0x1

HOSTILE_NAMES = [
    b"..", b".", b"a/b", b"../../etc/passwd", b"/etc/passwd", b"nul\x00byte",
    b"x\ny", b"", b"L" * 300,
]
HOSTILE_DIRS = [b"..", b"sub/../.."]


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError("short packet")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def u32(self):
        return struct.unpack(">I", self.take(4))[0]

    def u64(self):
        return struct.unpack(">Q", self.take(8))[0]

    def string(self):
        return self.take(self.u32())

    def attrs(self):
        flags = self.u32()
        if flags & ATTR_SIZE:
            self.u64()
        if flags & ATTR_UIDGID:
            self.u32(), self.u32()
        if flags & ATTR_PERMISSIONS:
            self.u32()
        if flags & ATTR_ACMODTIME:
            self.u32(), self.u32()
        if flags & ATTR_EXTENDED:
            for _ in range(self.u32()):
                self.string(), self.string()


def u32(v):
    return struct.pack(">I", v)


def sstr(b):
    if isinstance(b, str):
        b = b.encode()
    return u32(len(b)) + b


def attrs_of(st):
    return (u32(ATTR_SIZE | ATTR_UIDGID | ATTR_PERMISSIONS | ATTR_ACMODTIME)
            + struct.pack(">Q", st.st_size) + u32(st.st_uid) + u32(st.st_gid)
            + u32(st.st_mode) + u32(int(st.st_atime)) + u32(int(st.st_mtime)))


def fake_attrs(is_dir, size=5):
    mode = (stat.S_IFDIR | 0o755) if is_dir else (stat.S_IFREG | 0o644)
    return (u32(ATTR_SIZE | ATTR_PERMISSIONS | ATTR_ACMODTIME) + struct.pack(">Q", size)
            + u32(mode) + u32(1700000000) + u32(1700000000))


def link_attrs(target):
    # As lstat on Linux: a link's size is its target's length.
    return (u32(ATTR_SIZE | ATTR_PERMISSIONS | ATTR_ACMODTIME) + struct.pack(">Q", len(target))
            + u32(stat.S_IFLNK | 0o777) + u32(1700000000) + u32(1700000000))


def longname(name, is_dir):
    kind = "d" if is_dir else "-"
    return kind.encode() + b"rw-r--r--    1 root     root            5 Nov 14  2023 " + name


class Server:
    def __init__(self, root, log, mode, mode_args):
        self.root = os.path.realpath(root).encode()
        self.log = log
        self.mode = mode
        # Entries that exist only in what this server says: path -> kind.
        self.virtual = {}
        if mode == "link-plant" and mode_args:
            self.virtual[self.root + b"/docs"] = ("link", mode_args[0].encode())
        elif mode == "link-swap":
            self.virtual[self.root + b"/docs"] = ("dir", [b"evil.txt"])
            self.virtual[self.root + b"/docs/evil.txt"] = ("file", b"evil\n")
        self.handles = {}
        self.next_handle = 0
        self.out = sys.stdout.buffer

    # -- plumbing ---------------------------------------------------------
    def note(self, op, path=b""):
        self.log.write(f"{op} {path!r}\n")
        self.log.flush()

    def send(self, ptype, payload):
        body = bytes([ptype]) + payload
        self.out.write(u32(len(body)) + body)
        self.out.flush()

    def status(self, rid, code, msg):
        self.send(SSH_FXP_STATUS, u32(rid) + u32(code) + sstr(msg) + sstr(b"en"))

    def resolve(self, path):
        """The real path for a client's path, or None when it leaves the root."""
        if not path.startswith(b"/"):
            path = self.root + b"/" + path
        norm = posixpath.normpath(path)
        if norm.startswith(b"//"):
            norm = norm[1:]
        if b"\x00" in path or not (norm == self.root or norm.startswith(self.root + b"/")):
            self.note("OUTSIDE", path)
            return None
        return norm

    def new_handle(self, value):
        self.next_handle += 1
        h = b"h%d" % self.next_handle
        self.handles[h] = value
        return h

    # -- requests ---------------------------------------------------------
    def serve(self):
        inp = sys.stdin.buffer
        while True:
            head = inp.read(4)
            if len(head) < 4:
                return
            n = struct.unpack(">I", head)[0]
            if n == 0 or n > 1024 * 1024:
                return
            body = inp.read(n)
            if len(body) < n:
                return
            ptype, r = body[0], Reader(body[1:])
            if ptype == SSH_FXP_INIT:
                self.note("INIT")
                # No extensions offered: a client must not rely on any.
                self.send(SSH_FXP_VERSION, u32(3))
                continue
            rid = r.u32()
            try:
                self.dispatch(ptype, rid, r)
            except ValueError:
                self.status(rid, FX_BAD_MESSAGE, "bad message")
            except OSError as e:
                self.status(rid, FX_NO_SUCH_FILE if e.errno == 2 else FX_FAILURE, str(e))

    def virtual_attrs(self, real):
        kind, value = self.virtual[real]
        if kind == "link":
            return link_attrs(value)
        if kind == "dir":
            return fake_attrs(True, 4096)
        return fake_attrs(False, len(value))

    def dispatch(self, ptype, rid, r):
        if ptype == SSH_FXP_REALPATH:
            path = r.string()
            self.note("REALPATH", path)
            real = self.resolve(path)
            if real is None:
                return self.status(rid, FX_PERMISSION_DENIED, "outside the served folder")
            st = os.lstat(real) if os.path.lexists(real) else None
            a = attrs_of(st) if st else u32(0)
            self.send(SSH_FXP_NAME, u32(rid) + u32(1) + sstr(real) + sstr(real) + a)
        elif ptype in (SSH_FXP_STAT, SSH_FXP_LSTAT):
            path = r.string()
            self.note("STAT" if ptype == SSH_FXP_STAT else "LSTAT", path)
            real = self.resolve(path)
            if real is None:
                return self.status(rid, FX_PERMISSION_DENIED, "outside the served folder")
            if real in self.virtual:
                if ptype == SSH_FXP_STAT and self.virtual[real][0] == "link":
                    self.note("FOLLOWED", path)  # a client that stats through the link
                return self.send(SSH_FXP_ATTRS, u32(rid) + self.virtual_attrs(real))
            st = os.stat(real) if ptype == SSH_FXP_STAT else os.lstat(real)
            self.send(SSH_FXP_ATTRS, u32(rid) + attrs_of(st))
        elif ptype == SSH_FXP_FSTAT:
            h = r.string()
            self.note("FSTAT", h)
            value = self.handles.get(h)
            if not value or value[0] != "file":
                return self.status(rid, FX_FAILURE, "bad handle")
            if isinstance(value[1], io.BytesIO):
                return self.send(SSH_FXP_ATTRS, u32(rid) + fake_attrs(False, len(value[1].getvalue())))
            self.send(SSH_FXP_ATTRS, u32(rid) + attrs_of(os.fstat(value[1].fileno())))
        elif ptype == SSH_FXP_OPENDIR:
            path = r.string()
            self.note("OPENDIR", path)
            real = self.resolve(path)
            if real is None:
                return self.status(rid, FX_PERMISSION_DENIED, "outside the served folder")
            entries = []
            if real in self.virtual:
                kind, value = self.virtual[real]
                if kind != "dir":
                    self.note("FOLLOWED", path)  # a client that lists through the link
                    return self.status(rid, FX_NO_SUCH_FILE, "not a folder here")
                for name in value:
                    entries.append((name, longname(name, False), self.virtual_attrs(real + b"/" + name)))
                return self.send(SSH_FXP_HANDLE, u32(rid) + sstr(self.new_handle(["dir", entries, False])))
            for name in sorted(os.listdir(real)):
                st = os.lstat(real + b"/" + name)
                entries.append((name, longname(name, stat.S_ISDIR(st.st_mode)), attrs_of(st)))
            for vpath in self.virtual:
                if posixpath.dirname(vpath) == real:
                    name = posixpath.basename(vpath)
                    entries.append((name, longname(name, self.virtual[vpath][0] == "dir"), self.virtual_attrs(vpath)))
            if real == self.root and self.mode == "duplicates":
                for name, _, a in list(entries):
                    is_dir = stat.S_ISDIR(struct.unpack(">I", a[20:24])[0])  # flags, size, uid, gid, then mode
                    entries.append((name, longname(name, not is_dir), fake_attrs(not is_dir)))
            if real == self.root and self.mode in ("names", "dirs"):
                as_dir = self.mode == "dirs"
                for name in HOSTILE_NAMES:
                    entries.append((name, longname(name, as_dir), fake_attrs(as_dir)))
                if not as_dir:
                    for name in HOSTILE_DIRS:
                        entries.append((name, longname(name, True), fake_attrs(True, 4096)))
            self.send(SSH_FXP_HANDLE, u32(rid) + sstr(self.new_handle(["dir", entries, real == self.root])))
        elif ptype == SSH_FXP_READDIR:
            h = r.string()
            self.note("READDIR", h)
            value = self.handles.get(h)
            if not value or value[0] != "dir":
                return self.status(rid, FX_FAILURE, "bad handle")
            entries, at_root = value[1], value[2]
            if at_root and self.mode == "huge-packet":
                self.out.write(u32(0xFFFFFF00) + bytes([SSH_FXP_NAME]) + u32(rid) + u32(1))
                self.out.flush()
                sys.stdin.buffer.read()  # hold the channel open until the client gives up
                return
            if not entries:
                return self.status(rid, FX_EOF, "end of listing")
            if at_root and self.mode == "readdir-fail":
                if len(value) == 3:
                    value.append("sent")
                    n, l, a = entries[0]
                    return self.send(SSH_FXP_NAME, u32(rid) + u32(1) + sstr(n) + sstr(l) + a)
                return self.status(rid, FX_FAILURE, "the disk went away while listing")
            batch, value[1] = entries[:50], entries[50:]
            count = len(batch)
            if at_root and self.mode == "short-count":
                count += 1000
            self.send(SSH_FXP_NAME, u32(rid) + u32(count) + b"".join(
                sstr(n) + sstr(l) + a for n, l, a in batch))
        elif ptype == SSH_FXP_OPEN:
            path, pflags = r.string(), r.u32()
            r.attrs()
            self.note("OPEN" if pflags == PFLAG_READ else "OPENW", path)
            real = self.resolve(path)
            if real is None:
                return self.status(rid, FX_PERMISSION_DENIED, "outside the served folder")
            if pflags != PFLAG_READ:
                return self.status(rid, FX_PERMISSION_DENIED, "this server refuses every write")
            if real in self.virtual:
                kind, value = self.virtual[real]
                if kind != "file":
                    self.note("FOLLOWED", path)
                    return self.status(rid, FX_FAILURE, "not a file here")
                return self.send(SSH_FXP_HANDLE, u32(rid) + sstr(self.new_handle(["file", io.BytesIO(value)])))
            self.send(SSH_FXP_HANDLE, u32(rid) + sstr(self.new_handle(["file", open(real, "rb")])))
        elif ptype == SSH_FXP_READ:
            h, offset, length = r.string(), r.u64(), r.u32()
            value = self.handles.get(h)
            if not value or value[0] != "file":
                return self.status(rid, FX_FAILURE, "bad handle")
            value[1].seek(offset)
            chunk = value[1].read(min(length, 65536))
            if not chunk:
                return self.status(rid, FX_EOF, "end of file")
            self.send(SSH_FXP_DATA, u32(rid) + sstr(chunk))
        elif ptype == SSH_FXP_CLOSE:
            h = r.string()
            self.note("CLOSE", h)
            value = self.handles.pop(h, None)
            if value and value[0] == "file":
                value[1].close()
            self.status(rid, FX_OK if value else FX_FAILURE, "closed" if value else "bad handle")
        elif ptype == SSH_FXP_READLINK:
            path = r.string()
            self.note("READLINK", path)
            real = self.resolve(path)
            if real is None:
                return self.status(rid, FX_PERMISSION_DENIED, "outside the served folder")
            if real in self.virtual and self.virtual[real][0] == "link":
                target = self.virtual[real][1]
                return self.send(SSH_FXP_NAME, u32(rid) + u32(1) + sstr(target) + sstr(target) + u32(0))
            target = os.readlink(real)
            self.send(SSH_FXP_NAME, u32(rid) + u32(1) + sstr(target) + sstr(target) + u32(0))
        elif ptype in (SSH_FXP_WRITE, SSH_FXP_SETSTAT, SSH_FXP_FSETSTAT, SSH_FXP_REMOVE, SSH_FXP_MKDIR,
                       SSH_FXP_RMDIR, SSH_FXP_RENAME, SSH_FXP_SYMLINK):
            first = r.string()
            self.note(f"WRITEOP{ptype}", first)
            if ptype != SSH_FXP_WRITE:
                self.resolve(first)
            self.status(rid, FX_PERMISSION_DENIED, "this server refuses every write")
        elif ptype == SSH_FXP_EXTENDED:
            name = r.string()
            self.note("EXTENDED", name)
            self.status(rid, FX_OP_UNSUPPORTED, "no extensions here")
        else:
            self.note(f"UNKNOWN{ptype}")
            self.status(rid, FX_OP_UNSUPPORTED, "unsupported")


def main(argv):
    args = dict(zip(argv[1::2], argv[2::2]))
    words = ["names"]
    mode_file = args.get("--mode-file")
    if mode_file and os.path.exists(mode_file):
        with open(mode_file) as f:
            words = f.read().split() or ["names"]
    with open(args["--log"], "a") as log:
        log.write(f"SESSION mode={words[0]}\n")
        log.flush()
        Server(args["--root"], log, words[0], words[1:]).serve()


if __name__ == "__main__":
    main(sys.argv)
