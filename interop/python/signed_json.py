"""Checks this project's signed JSON with python signedjson: every case of FILE (a JSON array of
{id, object, user_id, key_id, public_key, expected_valid}) must get the verdict the project expects."""
import json
import sys

import peers

t = peers.Tally()
for case in json.load(open(sys.argv[1], encoding="utf-8")):
    got = peers.verify(case["object"], case["user_id"], case["key_id"], case["public_key"])
    t.check(got == case["expected_valid"], "%s: signedjson says %s, expected %s" % (case["id"], got, case["expected_valid"]))
t.finish()
