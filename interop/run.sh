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
# The same through the command line: `restore --encrypt` imported by Element's code, and Element's export
# read by `upload --keys` into a new backup that then audits with every key present.
cli_both_ways() {
    local d=$out/cli kb=(java -p build/keybackup.jar -m keybackup) u=@alice:example.org n peer
    peer=(env MATRIX_INTEROP_NODE_PEERS="$NODE_PEERS" node interop/key-export/element_peer.mjs)
    mkdir -p "$d" && printf 'interop passphrase\n' > "$d/pass" || return 1
    "${kb[@]}" demo --keep "$d/demo" > /dev/null || return 1
    "${kb[@]}" restore --store "$d/demo/signed" --user $u --recovery-key-file "$d/demo/signed-recovery-key.txt" \
        --out "$d/ours.txt" --encrypt --export-passphrase-file "$d/pass" --export-rounds 100000 || return 1
    "${kb[@]}" restore --store "$d/demo/signed" --user $u --recovery-key-file "$d/demo/signed-recovery-key.txt" --out "$d/plain.json" || return 1
    n=$("${peer[@]}" import "$d/ours.txt" "$d/pass") && echo "restore --encrypt -> Element import: $n" && [ "$n" = "imported 5 of 5" ] || return 1
    "${peer[@]}" encrypt "$d/plain.json" "$d/pass" 500000 > "$d/element.txt" || return 1
    "${kb[@]}" setup --store "$d/new" --user $u --recovery-key-out "$d/rk" --device-id PHONE --device-key-out "$d/pk" > /dev/null || return 1
    "${kb[@]}" enable --store "$d/new" --user $u --recovery-key-file "$d/rk" --device-id PHONE --device-key-file "$d/pk" > /dev/null || return 1
    "${kb[@]}" upload --store "$d/new" --user $u --recovery-key-file "$d/rk" --keys "$d/element.txt" --export-passphrase-file "$d/pass" \
        --source export || return 1
    "${kb[@]}" audit --store "$d/new" --user $u --recovery-key-file "$d/rk" | tee "$d/audit.txt" | grep -q '^total 5: ' || return 1
    echo "2 passed, 0 failed"
}
check cli-element-export cli_both_ways
[ "$rc" -eq 0 ] && echo "interop: all checks agree" || echo "interop: DISAGREEMENT: see the files above"
exit "$rc"
