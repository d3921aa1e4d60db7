"""Checks this project's canonical JSON with python canonicaljson: for every case of FILE (a JSON array of
{id, input, canonical}), the reference's encoding of the parsed input must be exactly the project's bytes."""
import json
import sys

import peers

t = peers.Tally()
for case in json.load(open(sys.argv[1], encoding="utf-8")):
    try:
        ours = case["canonical"].encode("utf-8", "surrogatepass")
        theirs = peers.canonicaljson.encode_canonical_json(json.loads(case["input"]))
        t.check(theirs == ours, "%s: canonicaljson gives %r, the project %r" % (case["id"], theirs[:80], ours[:80]))
    except Exception as e:  # an input the reference cannot encode is a disagreement too
        t.check(False, "%s: canonicaljson failed: %s" % (case["id"], e))
t.finish()
