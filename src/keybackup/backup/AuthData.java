package keybackup.backup;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import keybackup.json.Json;
import keybackup.keys.Ed25519PublicKey;
import keybackup.keys.KeyFormatException;

/**
 * The {@code auth_data} of an {@code m.megolm_backup.v1.curve25519-aes-sha2} backup version, kept as
 * the JSON tree it was read from (so signatures are checked over every member, known or not).
 * This class only reads fields; whether the AuthData is trusted is decided in {@code keybackup.trust}.
 */
public final class AuthData {
    private final Json.Obj json;

    private AuthData(Json.Obj json) {
        this.json = json;
    }

    /**
     * Wraps an {@code auth_data} object as read; nothing is dropped or re-encoded. Never fails on content:
     * its readers report a malformed field as a value ({@link SigningKeyField.Malformed}, a null public key).
     *
     * @param authData the {@code auth_data} object of a backup version, as served
     * @return the AuthData, untrusted until {@code keybackup.trust} says otherwise
     * @throws NullPointerException if {@code authData} is null
     */
    public static AuthData of(Json.Obj authData) {
        return new AuthData(Objects.requireNonNull(authData, "authData"));
    }

    /**
     * Makes a new, unsigned AuthData with the backup public key and the backup signing key, and nothing else.
     * The public key string is written as given, not checked.
     *
     * @param backupPublicKeyB64 the backup's Curve25519 public key in unpadded base64, for {@code public_key}
     * @param signingKey the backup signing key's public half
     * @param names which spelling of {@code signing_public_key} to write
     * @return the AuthData, to be signed before it is published
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code backupPublicKeyB64} holds a lone surrogate
     */
    public static AuthData create(String backupPublicKeyB64, Ed25519PublicKey signingKey, FieldNames names) {
        return new AuthData(Json.obj("public_key", Json.of(backupPublicKeyB64),
                names.signingPublicKey(), Json.of(signingKey.toBase64())));
    }

    /**
     * Gives the object this AuthData wraps, for signing, verifying and uploading.
     *
     * @return the {@code auth_data} object, unchanged, unknown members included
     */
    public Json.Obj json() {
        return json;
    }

    /**
     * Reads the backup public key without checking it.
     *
     * @return {@code public_key} as written, or null when absent or not a string
     */
    public String publicKey() {
        return json.string("public_key");
    }

    /** What the AuthData says about the backup signing key. */
    public sealed interface SigningKeyField {
        /** No spelling of {@code signing_public_key} is present. */
        record Absent() implements SigningKeyField {}

        /** Present but not a string holding 32 bytes of base64; the detail says which spelling and why. */
        record Malformed(String detail) implements SigningKeyField {}

        /** Several spellings are present with different values: none of them is used. */
        record Conflict(List<String> spellings) implements SigningKeyField {}

        /** One well-formed key; {@code asWritten} is the exact string, which forms the key id. */
        record Present(String asWritten, Ed25519PublicKey key) implements SigningKeyField {}
    }

    /**
     * Reads {@code signing_public_key} in all accepted spellings (protocol.md §10.3): several spellings with
     * the same string are fine; different strings are a conflict; a value that is not a string of
     * 32 base64-encoded bytes is malformed. Never throws on content.
     *
     * @return {@link SigningKeyField.Absent}, {@link SigningKeyField.Malformed},
     *     {@link SigningKeyField.Conflict} or {@link SigningKeyField.Present}; a present key is not yet trusted
     */
    public SigningKeyField signingKey() {
        List<String> present = new ArrayList<>();
        String value = null;
        for (String name : FieldNames.spellings(FieldNames.SIGNING_PUBLIC_KEY)) {
            Json v = json.get(name);
            if (v == null) continue;
            present.add(name);
            if (!(v instanceof Json.Str s)) return new SigningKeyField.Malformed(name + ": not a string");
            if (value != null && !value.equals(s.value())) return new SigningKeyField.Conflict(List.copyOf(present));
            value = s.value();
        }
        if (value == null) return new SigningKeyField.Absent();
        try {
            return new SigningKeyField.Present(value, Ed25519PublicKey.parse(present.get(0), value));
        } catch (KeyFormatException e) {
            return new SigningKeyField.Malformed(e.getMessage());
        }
    }
}
