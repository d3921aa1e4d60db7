package keybackup.workflow;

import java.util.Collection;
import keybackup.backup.AuthData;
import keybackup.json.Json;
import keybackup.keys.Ed25519PublicKey;

/**
 * Finds the backup version that a failed create request of ours made after all (the server acted, then the
 * answer was lost or timed out, and a retry or the error hid it). {@link Enable} and {@link Migrate} both
 * ask this one question, the same way, before they give up or create another version.
 */
final class CreatedVersion {
    private CreatedVersion() {}

    /**
     * The id of {@code current} if it is ours: its AuthData names {@code signingKey} (compared as keys, so
     * a server that re-spells the base64 changes nothing) and it is none of {@code older}, the versions that
     * existed before our request (their AuthData may name the same key). Null when {@code current} is null
     * or not ours.
     */
    static String ours(Json.Obj current, Ed25519PublicKey signingKey, Collection<String> older) {
        String version = current == null ? null : current.string("version");
        if (version == null || older.contains(version)) return null;
        return signingKey.equals(namedSigningKey(current)) ? version : null;
    }

    /**
     * The signing key {@code version}'s AuthData names (as written there: not yet trusted), or null when
     * {@code version} is null, has no AuthData, or names no single well-formed key.
     */
    static Ed25519PublicKey namedSigningKey(Json.Obj version) {
        Json.Obj ad = version == null ? null : version.object("auth_data");
        return ad != null && AuthData.of(ad).signingKey() instanceof AuthData.SigningKeyField.Present p ? p.key()
                : null;
    }
}
