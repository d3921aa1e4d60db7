"""Shared helpers of this project's interop checks: the independent Python peers (Debian's python3-olm,
python3-signedjson, python3-canonicaljson), imported in one place so a missing one is named clearly.
Run with the Debian interpreter (/usr/bin/python3), the one those packages install into."""
import sys

try:
    import canonicaljson
    import olm
    import signedjson.key
    import signedjson.sign
    from _libolm import ffi, lib
except ImportError as e:  # pragma: no cover - reported, not tested
    sys.stderr.write("interop: a Python peer is missing (%s); install python3-olm python3-signedjson "
                     "python3-canonicaljson and run with /usr/bin/python3\n" % e)
    sys.exit(2)

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class Tally:
    """Counts results; the last line printed is always 'N passed, N failed'."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL: " + what)

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.exit(0 if self.failed == 0 and self.passed > 0 else 1)


def recovery_key_bytes(text):
    """The 32 private key bytes of a Matrix recovery key (base58, prefix 0x8B 0x01, XOR parity byte)."""
    n = 0
    digits = "".join(text.split())
    for ch in digits:
        n = n * 58 + B58.index(ch)
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    raw = b"\0" * (len(digits) - len(digits.lstrip("1"))) + raw
    parity = 0
    for b in raw:
        parity ^= b
    if len(raw) != 35 or raw[:2] != b"\x8b\x01" or parity != 0:
        raise ValueError("not a recovery key")
    return raw[2:34]


def pk_decryption(private_key):
    """libolm's PkDecryption holding the given private key (the Python wrapper only makes random ones)."""
    d = olm.PkDecryption()
    pub = ffi.new("char[]", lib.olm_pk_key_length())
    priv = ffi.new("char[]", private_key)
    if lib.olm_pk_key_from_private(d._pk_decryption, pub, lib.olm_pk_key_length(), priv, len(private_key)) == lib.olm_error():
        raise ValueError("libolm refused the private key")
    return d, ffi.unpack(pub, lib.olm_pk_key_length()).decode()


def verify(obj, user_id, key_id, public_key):
    """python signedjson's verdict on one signature: True, or False on any error it raises."""
    try:
        vk = signedjson.key.decode_verify_key_base64("ed25519", key_id.split(":", 1)[1], public_key)
        signedjson.sign.verify_signed_json(obj, user_id, vk)
        return True
    except Exception:  # every refusal of the reference counts as invalid
        return False
