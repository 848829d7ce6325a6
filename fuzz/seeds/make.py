"""Writes the seed inputs of the fuzz targets (fuzz/fuzz_targets/) into the folders beside it,
byte for byte the same at every run.

Run from anywhere: python3 fuzz/seeds/make.py. The bundle is one `gomodoff unpack` accepts: a
module with zip, go.mod and .info, a pseudo-version with only its go.mod, and an .info alone,
with go's h1: hashes (dirhash.Hash1) computed here.
"""
import base64
import hashlib
import io
import os
import zipfile

os.chdir(os.path.dirname(os.path.abspath(__file__)))
for d in ["modzip", "bundle_manifest", "bundle_unpack"]:
    os.makedirs(d, exist_ok=True)


def h1(files):
    """go's dirhash.Hash1 over {name: bytes}."""
    summary = "".join(f"{hashlib.sha256(files[n]).hexdigest()}  {n}\n" for n in sorted(files))
    return "h1:" + base64.b64encode(hashlib.sha256(summary.encode()).digest()).decode()


def put(z, name, data, compress=zipfile.ZIP_DEFLATED):
    info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
    info.compress_type = compress
    z.writestr(info, data)


def modzip(prefix, files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, b in files.items():
            put(z, prefix + n, b)
    return buf.getvalue(), h1({prefix + n: b for n, b in files.items()})


# A zip of the module version the modzip target reads every input as: a deflated and a stored
# file, a directory entry, a LICENSE.
p = "example.com/major/v2@v2.1.0-RC.1/"
with zipfile.ZipFile("modzip/major.zip", "w") as z:
    put(z, p + "go.mod", b"module example.com/major/v2\n")
    put(z, p + "major.go", b"package major\n", zipfile.ZIP_STORED)
    put(z, p + "sub/", b"", zipfile.ZIP_STORED)
    put(z, p + "sub/x.go", b"package sub\n" * 20)
    put(z, p + "LICENSE", b"MIT\n")

gomod_a = b"module example.com/a\n\ngo 1.21\n"
zip_a, zip_a_h1 = modzip(
    "example.com/a@v1.0.0/",
    {"go.mod": gomod_a, "a.go": b"package a\n", "LICENSE": b"MIT\n", "sub/b.go": b"package sub\n"},
)
gomod_a_h1 = h1({"go.mod": gomod_a})
gomod_b = b"module example.com/b/v2\n"
gomod_b_h1 = h1({"go.mod": gomod_b})
pseudo = "v2.0.0-20200101000000-abcdefabcdef"
manifest = f"""# Written by gomodoff
format = 1
repos = ["example.com/main"]

[[module]]
path = "example.com/a"
version = "v1.0.0"
zip_h1 = "{zip_a_h1}"
gomod_h1 = "{gomod_a_h1}"
info = true
gosum = ["example.com/a v1.0.0 {zip_a_h1}", "example.com/a v1.0.0/go.mod {gomod_a_h1}"]

[[module]]
path = "example.com/b/v2"
version = "{pseudo}"
gomod_h1 = "{gomod_b_h1}"
info = false
gosum = ["example.com/b/v2 {pseudo}/go.mod {gomod_b_h1}"]

[[module]]
path = "example.com/C"
version = "v0.1.0"
info = true
gosum = []
"""
with open("bundle_manifest/full.toml", "w") as f:
    f.write(manifest)
with open("bundle_manifest/empty.toml", "w") as f:
    f.write("format = 1\nrepos = []\n")
with open("bundle_manifest/workspace.toml", "w") as f:
    f.write('format = 1\nrepos = ["example.com/w", "example.com/w/sub"]\nworkspace = true\n')

# As `gomodoff pack` lays a bundle out: the manifest first, then every file in name order, module
# zips stored, the rest deflated.
tree = {
    "example.com/a/@v/list": b"v1.0.0\n",
    "example.com/a/@v/v1.0.0.info": b'{"Version":"v1.0.0"}',
    "example.com/a/@v/v1.0.0.mod": gomod_a,
    "example.com/a/@v/v1.0.0.zip": zip_a,
    "example.com/b/v2/@v/list": f"{pseudo}\n".encode(),
    f"example.com/b/v2/@v/{pseudo}.mod": gomod_b,
    "example.com/!c/@v/v0.1.0.info": b'{"Version":"v0.1.0"}',
}
with zipfile.ZipFile("bundle_unpack/bundle.zip", "w") as z:
    put(z, "gomodoff-manifest.toml", manifest.encode())
    for name in sorted(tree):
        put(z, name, tree[name], zipfile.ZIP_STORED if name.endswith(".zip") else zipfile.ZIP_DEFLATED)
