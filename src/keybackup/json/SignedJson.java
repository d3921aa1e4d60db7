package keybackup.json;

import java.util.LinkedHashMap;
import java.util.Objects;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.keys.Ed25519PublicKey;
import keybackup.keys.KeyFormatException;

/**
 * Matrix signed JSON (spec appendix "Signing JSON"; protocol.md §4.2–§4.3). The signed bytes are the
 * canonical JSON of the object without its top-level {@code signatures} and {@code unsigned} members,
 * so every signature on an object covers the same bytes and unknown fields are covered too.
 */
public final class SignedJson {
    private SignedJson() {}

    /** Why a signature check came out as it did. */
    public enum Status {
        /** The signature verifies with the given key. */
        VALID,
        /** No signature under that entity and key id (or no {@code signatures} at all). */
        MISSING,
        /** A value is there but is not a string of base64 decoding to 64 bytes, or the map is not an object. */
        MALFORMED,
        /** A well-formed signature that does not verify. */
        INVALID
    }

    /** The outcome of a signature check, with a reason a person can read. */
    public record Check(Status status, String detail) {
        /**
         * Tells whether the check passed. That says only that the signature verifies with the key it was
         * checked against; whether that key is trusted is the caller's decision.
         *
         * @return true exactly when the status is {@link Status#VALID}
         */
        public boolean valid() {
            return status == Status.VALID;
        }
    }

    /**
     * Computes the bytes a signature on {@code object} covers: the canonical JSON of the object without its
     * top-level {@code signatures} and {@code unsigned} members (nested members of those names stay).
     *
     * @param object the signed or unsigned object
     * @return the canonical UTF-8 bytes, a new array
     */
    public static byte[] signedBytes(Json.Obj object) {
        return CanonicalJson.encode(object.without("signatures").without("unsigned"));
    }

    /**
     * Signs {@code object} as {@code entity} with key id {@code keyId} (for example
     * {@code ed25519:<public key>}), keeping every existing signature and the {@code unsigned} member.
     * A {@code signatures} member, or its entry for {@code entity}, that is not an object is a caller
     * error ({@link IllegalArgumentException}): it is never overwritten.
     *
     * @param object the object to sign; it is not changed
     * @param entity the signer's name in the {@code signatures} map: a user ID, or a server name
     * @param keyId the key's name under {@code entity}; a signature already there under this name is replaced
     * @param key the signing key; it stays the caller's to close
     * @return a copy of {@code object} with the signature added
     * @throws NullPointerException if {@code entity} or {@code keyId} is null
     * @throws IllegalArgumentException if {@code signatures}, or {@code signatures[entity]}, is present but
     *     not an object
     * @throws IllegalStateException if {@code key} has been closed
     */
    public static Json.Obj sign(Json.Obj object, String entity, String keyId, Ed25519PrivateKey key) {
        Objects.requireNonNull(entity, "entity");
        Objects.requireNonNull(keyId, "keyId");
        // Refuse rather than replace a malformed map: replacing would silently drop existing entries.
        if (object.has("signatures") && !(object.get("signatures") instanceof Json.Obj)) {
            throw new IllegalArgumentException("signatures: not a JSON object");
        }
        Json.Obj signatures = object.get("signatures") instanceof Json.Obj s ? s : new Json.Obj(new LinkedHashMap<>());
        if (signatures.has(entity) && !(signatures.get(entity) instanceof Json.Obj)) {
            throw new IllegalArgumentException("signatures." + entity + ": not a JSON object");
        }
        Json.Obj forEntity = signatures.get(entity) instanceof Json.Obj e ? e : new Json.Obj(new LinkedHashMap<>());
        String signature = Base64Unpadded.encode(key.sign(signedBytes(object)));
        return object.with("signatures", signatures.with(entity, forEntity.with(keyId, Json.of(signature))));
    }

    /**
     * Checks the signature at {@code signatures[entity][keyId]} with {@code key}. Never throws on bad input:
     * every problem with the object is a {@link Check} with its reason.
     *
     * @param object the signed object, as received
     * @param entity the signer's name to look up in {@code signatures}
     * @param keyId the key's name to look up under {@code entity}; nothing checks that it names {@code key}
     * @param key the public key the signature must verify with; the caller decides whether it is trusted
     * @return {@link Status#MISSING} when there is no such signature, {@link Status#MALFORMED} when a map on
     *     the way or the value is of the wrong shape, else the outcome of {@link #verifyValue}
     */
    public static Check verify(Json.Obj object, String entity, String keyId, Ed25519PublicKey key) {
        Json sigs = object.get("signatures");
        if (sigs == null) return new Check(Status.MISSING, "no signatures");
        if (!(sigs instanceof Json.Obj sigMap)) return new Check(Status.MALFORMED, "signatures is not an object");
        Json forEntity = sigMap.get(entity);
        if (forEntity == null) return new Check(Status.MISSING, "no signature by " + entity);
        if (!(forEntity instanceof Json.Obj entityMap)) {
            return new Check(Status.MALFORMED, "signatures." + entity + " is not an object");
        }
        Json value = entityMap.get(keyId);
        if (value == null) return new Check(Status.MISSING, "no signature by " + entity + " with key " + keyId);
        return verifyValue(object, value, key);
    }

    /**
     * Checks one signature value (as found in a signatures map) over {@code object}. Never throws on bad
     * input.
     *
     * @param object the signed object; its signed bytes are computed as {@link #signedBytes} does
     * @param value the signature value, which must be a string of base64 (unpadded, or padded) decoding to 64 bytes
     * @param key the public key the signature must verify with
     * @return {@link Status#VALID}, {@link Status#INVALID} for a well-formed signature that does not verify,
     *     or {@link Status#MALFORMED} when {@code value} is not a string or not 64 bytes of base64
     */
    public static Check verifyValue(Json.Obj object, Json value, Ed25519PublicKey key) {
        if (!(value instanceof Json.Str)) return new Check(Status.MALFORMED, "signature is not a string");
        return verifyValue(signedBytes(object), value, key);
    }

    /**
     * Checks one signature value over signed bytes already computed with {@link #signedBytes}. Never throws on
     * bad input.
     *
     * @param signedBytes the canonical bytes the signature covers, as {@link #signedBytes} gives them
     * @param value the signature value, which must be a string of base64 (unpadded, or padded) decoding to 64 bytes
     * @param key the public key the signature must verify with
     * @return {@link Status#VALID}, {@link Status#INVALID} for a well-formed signature that does not verify,
     *     or {@link Status#MALFORMED} when {@code value} is not a string or not 64 bytes of base64
     */
    public static Check verifyValue(byte[] signedBytes, Json value, Ed25519PublicKey key) {
        if (!(value instanceof Json.Str s)) return new Check(Status.MALFORMED, "signature is not a string");
        byte[] sig;
        try {
            sig = Base64Unpadded.decode("signature", s.value(), Ed25519PublicKey.SIGNATURE_LENGTH);
        } catch (KeyFormatException e) {
            return new Check(Status.MALFORMED, e.getMessage());
        }
        return key.verify(signedBytes, sig)
                ? new Check(Status.VALID, "valid")
                : new Check(Status.INVALID, "signature does not verify");
    }
}
