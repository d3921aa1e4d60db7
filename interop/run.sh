#!/usr/bin/env bash
# `make interop`: this project's output checked by implementations written by others, all from this
# repository (interop/python, interop/key-export) plus the peers it names:
#   Python (Debian packages, run with the Debian interpreter $PYTHON, default /usr/bin/python3):
#     python3-olm (libolm), python3-signedjson, python3-canonicaljson, python3-cryptography
#   Node 20+ with, in $MATRIX_INTEROP_NODE_PEERS/node_modules (default build/interop-peers):
#     @matrix-org/matrix-sdk-crypto-wasm@18.9.0 (Element's crypto: vodozemac / matrix-rust-sdk)
# .ci/run installs them. Exit 0: every check ran and agreed; 1: a disagreement (or a failed check);
# 2: a peer is missing, so nothing was checked (never reported as a pass).
set -u
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-/usr/bin/python3}
NODE_PEERS=${MATRIX_INTEROP_NODE_PEERS:-$PWD/build/interop-peers}
out=build/interop
rm -rf "$out" && mkdir -p "$out"
if ! "$PYTHON" -c 'import olm, signedjson, canonicaljson, cryptography' 2>/dev/null; then
    echo "interop: NOT CHECKED: $PYTHON lacks python3-olm, python3-signedjson, python3-canonicaljson or python3-cryptography"
    exit 2
fi
if ! command -v node >/dev/null || [ ! -d "$NODE_PEERS/node_modules/@matrix-org/matrix-sdk-crypto-wasm" ]; then
    echo "interop: NOT CHECKED: Node or @matrix-org/matrix-sdk-crypto-wasm is missing (in $NODE_PEERS/node_modules)"
    exit 2
fi
java -cp build/classes:build/test-classes keybackup.interop.InteropExport "$out" > "$out/export.txt" 2>&1 \
    || { cat "$out/export.txt"; echo "interop: the Java side failed to write its files"; exit 1; }
rc=0
check() {
    local name=$1; shift
    if "$@" > "$out/$name.txt" 2>&1; then :; else rc=1; fi
    echo "interop: $name: $(tail -n 1 "$out/$name.txt")  ($out/$name.txt)"
}
check signed-json "$PYTHON" interop/python/signed_json.py "$out/java-signed.json"
check canonical-json "$PYTHON" interop/python/canonical_json.py "$out/java-canonical.json"
check backup "$PYTHON" interop/python/backup.py "$out/java-backup.json" "$(cat "$out/user-id")" \
    "$(cat "$out/signing-public-key")" "$out/recovery-key"
# Element's encrypted key export both ways (restore --encrypt -> Element's import; Element's export -> upload --keys).
check key-export env MATRIX_INTEROP_NODE_PEERS="$NODE_PEERS" PYTHON="$PYTHON" interop/key-export/check.sh "${INTEROP_EXPORT_KEYS:-300}"
[ "$rc" -eq 0 ] && echo "interop: all checks agree" || echo "interop: DISAGREEMENT: see the files above"
exit "$rc"
