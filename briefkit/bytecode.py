"""Jinja's compiled templates kept in the build cache, each file checked before it is run.

A build that renders a few pages does not compile the theme again; a file damaged on disk is compiled
again rather than run.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
from pathlib import Path

import jinja2
import jinja2.bccache

_DIGEST = 16  # bytes of the digest that leads each file


@functools.cache
def _compiled_by() -> str:
    """A digest of the code that compiles templates and of what the compiled code expects to find
    (codegen.py, engine.py): a template compiled by another briefkit is not run by this one."""
    here = Path(__file__).resolve().parent
    return hashlib.blake2b(b"".join((here / f).read_bytes() for f in ("codegen.py", "engine.py")),
                           digest_size=8).hexdigest()


class CheckedBytecode(jinja2.FileSystemBytecodeCache):
    """Jinja's compiled templates in a folder, each file led by a digest of the rest: a file damaged on disk
    is compiled again, not run (Jinja's own check is of the template's source only, and damaged code
    would fail every build until .cache/ was deleted)."""

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        """Jinja's key (the template's name and file) with the compiler's digest: its source's checksum alone
        would run a template compiled by another version of codegen.py, which may call what this one lacks."""
        return f"{super().get_cache_key(name, filename)}-{_compiled_by()}"

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            with open(self._get_cache_filename(bucket), "rb") as fh:
                data = fh.read()
        except OSError:
            return
        digest, code = data[:_DIGEST], data[_DIGEST:]
        if hashlib.blake2b(code, digest_size=_DIGEST).digest() != digest:
            return
        try:
            bucket.bytecode_from_string(code)
        except Exception:  # noqa: BLE001 - saved by another Python, say: compiled again
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = bucket.bytecode_to_string()
        name = self._get_cache_filename(bucket)
        tmp = f"{name}.{os.getpid()}.tmp"
        try:
            with open(tmp, "wb") as fh:
                fh.write(hashlib.blake2b(code, digest_size=_DIGEST).digest() + code)
            os.replace(tmp, name)
        except OSError:  # a cache that cannot be written: the template is compiled again next time
            with contextlib.suppress(OSError):
                os.unlink(tmp)
