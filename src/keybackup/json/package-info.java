/**
 * JSON for signing: an immutable value model ({@link keybackup.json.Json}), a strict streaming parser
 * ({@link keybackup.json.JsonReader}), the Matrix canonical JSON encoder
 * ({@link keybackup.json.CanonicalJson}) and signed JSON ({@link keybackup.json.SignedJson}).
 *
 * <p>Implements the Matrix spec appendix "Canonical JSON" and "Signing JSON" as described in digest
 * protocol.md §2 and §4.2–§4.3. The model has no floats and holds only integers within ±(2^53−1) and
 * valid Unicode, so every value can be canonicalized. The parser rejects what two parsers could read
 * differently: duplicate keys, lone surrogates, invalid UTF-8, fractions and exponents, out-of-range
 * integers, a BOM, trailing data, nesting deeper than 64 and input over a per-use size limit.
 *
 * <p>Not guaranteed: agreement with peers on inputs the spec forbids (python canonicaljson accepts
 * floats, another-json sorts by UTF-16 units: protocol.md §2.4); that a VALID signature means the key
 * is trusted — {@code SignedJson} only checks a signature against the key it is given.
 */
package keybackup.json;
