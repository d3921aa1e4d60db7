#!/usr/bin/env python3
"""An independent reader of the encrypted key export (Matrix spec "Key exports"), written from the spec
with Python's hashlib/hmac and the `cryptography` package; a dev-only peer, not part of `make test`.

    python3 reference.py FILE PASSFILE > plain.json

Exits 1 with a message if the armour, version or MAC is wrong."""
import base64, hashlib, hmac, sys
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

HEADER, FOOTER = "-----BEGIN MEGOLM SESSION DATA-----", "-----END MEGOLM SESSION DATA-----"

def main(path, passfile):
    lines = [l.strip() for l in open(path, encoding="ascii").read().splitlines()]
    if HEADER not in lines or FOOTER not in lines:
        sys.exit("bad armour")
    body = "".join(lines[lines.index(HEADER) + 1:lines.index(FOOTER)])
    data = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    if data[0] != 1:
        sys.exit("unsupported version %d" % data[0])
    salt, iv, rounds = data[1:17], data[17:33], int.from_bytes(data[33:37], "big")
    passphrase = open(passfile, encoding="utf-8").read().removesuffix("\n")
    keys = hashlib.pbkdf2_hmac("sha512", passphrase.encode("utf-8"), salt, rounds, 64)
    if not hmac.compare_digest(hmac.new(keys[32:], data[:-32], "sha256").digest(), data[-32:]):
        sys.exit("MAC mismatch")
    if iv[8] & 0x80:
        sys.exit("IV bit 63 is set (the spec says writers clear it)")
    # With bit 63 clear a 128-bit counter gives the same keystream as Element's 64-bit one.
    dec = Cipher(algorithms.AES(keys[:32]), modes.CTR(iv)).decryptor()
    sys.stdout.buffer.write(dec.update(data[37:-32]) + dec.finalize())

if __name__ == "__main__":
    main(*sys.argv[1:3])
