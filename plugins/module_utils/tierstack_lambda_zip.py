# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Deterministic Lambda deployment packages.

The same files give the same bytes, on any machine and at any time, so that the package's
SHA-256 (Lambda's CodeSha256) only changes when the code does:

- entries are sorted by their path in the archive, with ``/`` separators;
- every entry has the timestamp 1980-01-01 00:00:00 (the ZIP epoch), Unix as the creating
  system and mode 0644 (0755 for files that were executable), and no extra fields;
- entries are STORED, not deflated, so the bytes do not depend on the zlib version;
- byte-code caches and editor droppings (``__pycache__``, ``*.pyc``, ``.DS_Store``) are left out.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import stat
import zipfile

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
SKIP_DIRS = frozenset(("__pycache__", ".git", ".pytest_cache", ".mypy_cache"))
SKIP_SUFFIXES = (".pyc", ".pyo")
SKIP_NAMES = frozenset((".DS_Store",))


def collect_files(roots):
    """Map archive path -> file path for every file under each root (a later root wins on a clash)."""
    entries = {}
    for root in roots:
        root = os.path.abspath(root)
        if os.path.isfile(root):
            entries[os.path.basename(root)] = root
            continue
        if not os.path.isdir(root):
            raise FileNotFoundError(f"no such file or directory: {root}")
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            for name in filenames:
                if name in SKIP_NAMES or name.endswith(SKIP_SUFFIXES):
                    continue
                path = os.path.join(dirpath, name)
                arcname = os.path.relpath(path, root).replace(os.sep, "/")
                entries[arcname] = path
    return entries


def build_zip(roots):
    """The bytes of a deterministic zip of the files under ``roots`` (directories or single files)."""
    entries = collect_files(roots)
    if not entries:
        raise ValueError(f"no files to package under {', '.join(roots)}")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as archive:
        for arcname in sorted(entries):
            path = entries[arcname]
            info = zipfile.ZipInfo(arcname, date_time=ZIP_EPOCH)
            info.create_system = 3
            executable = os.stat(path).st_mode & stat.S_IXUSR
            info.external_attr = ((0o100755 if executable else 0o100644) & 0xFFFF) << 16
            info.compress_type = zipfile.ZIP_STORED
            with open(path, "rb") as handle:
                archive.writestr(info, handle.read())
    return buf.getvalue()


def code_sha256(data):
    """Base64 SHA-256 of a package, as Lambda reports it in CodeSha256."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")
