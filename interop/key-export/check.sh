#!/usr/bin/env bash
# Checks this project's encrypted key export against Element's code, both ways, and against an
# independent Python reader. Not part of `make test`: it needs Node 20+ with
# @matrix-org/matrix-sdk-crypto-wasm@18.9.0 in $MATRIX_INTEROP_NODE_PEERS/node_modules, and python3 with
# `cryptography` (Debian: python3-cryptography). Run from the project root after `make build/test-classes.stamp`:
#
#   MATRIX_INTEROP_NODE_PEERS=/path/to/peers/node interop/key-export/check.sh [COUNT]
#
# COUNT (default 2000) is the number of keys in the large export. Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
count=${1:-2000}
out=build/interop/key-export
rm -rf "$out" && mkdir -p "$out"
java=(java -cp build/classes:build/test-classes keybackup.interop.KeyExportInterop)
peer=(node interop/key-export/element_peer.mjs)
printf '%s\n' 'pässwörd ✓ 🔑 interop' > "$out/pass"
pass=0 fail=0
ok() { echo "ok:   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }
# The same key-export JSON, except that matrix-sdk-crypto-wasm adds its default "m.shared_history": false.
same_json() { "${PYTHON:-python3}" -c '
import json, sys
def norm(f): return [{k: v for k, v in e.items() if (k, v) != ("m.shared_history", False)} for e in json.load(open(f))]
sys.exit(0 if norm(sys.argv[1]) == norm(sys.argv[2]) else 1)' "$1" "$2"; }

"${java[@]}" write "$out" "$out/pass" "$count" || { echo "0 passed, 1 failed"; exit 1; }

# 1. Element's code decrypts ours (the restore --encrypt -> Element import direction).
if "${peer[@]}" decrypt "$out/java-export.txt" "$out/pass" > "$out/wasm-plain.json" && same_json "$out/plain.json" "$out/wasm-plain.json"
then ok "matrix-sdk-crypto-wasm decrypts the Java export ($count keys)"; else bad "matrix-sdk-crypto-wasm decrypt of the Java export"; fi
# 2. Element's importer takes it.
if r=$("${peer[@]}" import "$out/java-export.txt" "$out/pass") && [ "$r" = "imported $count of $count" ]
then ok "OlmMachine.importExportedRoomKeys: $r"; else bad "OlmMachine.importExportedRoomKeys: ${r:-failed}"; fi
# 3. The independent reader agrees byte for byte.
if "${PYTHON:-python3}" interop/key-export/reference.py "$out/java-export.txt" "$out/pass" > "$out/py-plain.json" && cmp -s "$out/plain.json" "$out/py-plain.json"
then ok "independent Python reader decrypts the Java export"; else bad "independent Python reader"; fi
# 4. We decrypt Element's (the upload --keys direction), at Element's 500,000 rounds.
if "${peer[@]}" encrypt "$out/plain.json" "$out/pass" 500000 > "$out/wasm-export.txt" \
   && "${java[@]}" read "$out/wasm-export.txt" "$out/pass" > "$out/java-plain.json" && same_json "$out/plain.json" "$out/java-plain.json"
then ok "Java decrypts the matrix-sdk-crypto-wasm export (500000 rounds)"; else bad "Java decrypt of the matrix-sdk-crypto-wasm export"; fi
# 5. A wrong passphrase is refused by both.
printf 'wrong\n' > "$out/wrong"
if ! "${peer[@]}" decrypt "$out/java-export.txt" "$out/wrong" >/dev/null 2>&1 && ! "${java[@]}" read "$out/wasm-export.txt" "$out/wrong" >/dev/null 2>&1
then ok "a wrong passphrase is refused both ways"; else bad "a wrong passphrase was accepted"; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
