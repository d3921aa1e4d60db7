"""Checks a backup this project wrote (the body of PUT /room_keys/keys) with libolm and signedjson:
every session decrypts with libolm's PkDecryption under the recovery key, its session id is the key inside
its session_key, and its SessionData signature (if any) verifies under the backup signing key.

usage: backup.py BACKUP.json USER_ID SIGNING_PUBLIC_KEY RECOVERY_KEY_FILE"""
import base64
import json
import sys

import peers


def b64(s):
    return base64.b64decode(s + "=" * (-len(s) % 4))


body = json.load(open(sys.argv[1], encoding="utf-8"))
user_id, signing_key = sys.argv[2], sys.argv[3]
decryption, public_key = peers.pk_decryption(peers.recovery_key_bytes(open(sys.argv[4]).read()))
key_id = "ed25519:" + signing_key
t = peers.Tally()
signed = 0
for room, r in body["rooms"].items():
    for session_id, entry in r["sessions"].items():
        where = "%s %s" % (room, session_id)
        m = entry["session_data"]
        try:
            plain = decryption.decrypt(peers.olm.PkMessage(m["ephemeral"], m["mac"], m["ciphertext"]))
            data = json.loads(plain)
        except Exception as e:
            t.check(False, where + ": libolm cannot decrypt it: %s" % e)
            continue
        t.check(True, where)
        key = b64(data["session_key"])
        # an exported Megolm session: version byte, 4-byte index, 128-byte ratchet, then the Ed25519 key
        t.check(base64.b64encode(key[133:165]).decode().rstrip("=") == session_id, where + ": session id is not the key in session_key")
        sigs = data.get("signatures", {}).get(user_id, {})
        if key_id in sigs:
            signed += 1
            t.check(peers.verify(data, user_id, key_id, signing_key), where + ": signedjson rejects the SessionData signature")
t.check(signed > 0, "no SessionData was signed by " + key_id)
print("backup public key (libolm, from the recovery key): " + public_key)
t.finish()
