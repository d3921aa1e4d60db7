package keybackup.trust;

import java.util.Objects;
import keybackup.backup.ExportedSession;
import keybackup.backup.FieldNames;
import keybackup.json.Json;
import keybackup.json.SignedJson;
import keybackup.keys.Ed25519PrivateKey;

/**
 * Writer side of a signed SessionData (protocol.md §10.4): sets the {@code authenticated} flag from the
 * {@link KeySource}, removes any other spelling of the flag (so a reader never sees a conflict we made),
 * and signs the object as the own user with key id {@code ed25519:<signing public key>}.
 *
 * <p>What the caller's object says about trust never reaches the signed result: its {@code signatures},
 * every spelling of the {@code authenticated} flag, the {@code unsigned} member (outside any signature)
 * and a restore's recorded verdict ({@code keybackup.verdict}) are removed; the {@link KeySource} decides
 * the flag, lowered by such a recorded verdict if the object still carries one (never raised).
 *
 * <p>This class owns every write of a SessionData, signed or not: {@link #withoutClaims} is the one rule
 * for what is removed, used by {@link #sign}, by {@link #unsignedEntry} (an uploader without the signing
 * key) and by a restore's output, which adds its own verdict.
 */
public final class SessionSigner {
    private final String userId;
    private final String keyId;
    private final Ed25519PrivateKey signingKey;
    private final FieldNames names;

    private SessionSigner(String userId, String keyId, Ed25519PrivateKey signingKey, FieldNames names) {
        this.userId = Objects.requireNonNull(userId, "userId");
        this.keyId = Objects.requireNonNull(keyId, "keyId");
        this.signingKey = Objects.requireNonNull(signingKey, "signingKey");
        this.names = Objects.requireNonNull(names, "names");
    }

    /**
     * A signer for a backup whose AuthData was found trusted. The private key (for example loaded from
     * Secret Storage) must be the one that AuthData names; otherwise signing would produce entries no
     * reader can verify, or worse, entries signed by a stale key.
     *
     * @param trusted the backup key that trust evaluation accepted; its user id and key id (spelled as the
     *     AuthData spells it) go into every signature
     * @param signingKey the private half of {@code trusted}'s signing key; the signer keeps a reference and the
     *     caller remains its owner (it is not copied or destroyed here)
     * @param names the field spelling of the backup being written, which decides the key of the flag
     * @return a signer that signs as {@code trusted}'s user under {@code trusted}'s key id
     * @throws IllegalArgumentException if {@code signingKey}'s public key is not the one {@code trusted} names
     */
    public static SessionSigner forTrustedBackup(TrustedBackupKey trusted, Ed25519PrivateKey signingKey,
            FieldNames names) {
        if (!signingKey.publicKey().equals(trusted.publicKey())) {
            throw new IllegalArgumentException(
                    "the backup signing key does not match the trusted AuthData's signing_public_key");
        }
        // The key id as the AuthData writes it (readers look it up exactly so, even if it is padded).
        return new SessionSigner(trusted.userId(), trusted.keyId(), signingKey, names);
    }

    /**
     * A signer without an AuthData at hand (the {@code sign-session} command); the caller checked the key.
     *
     * @param userId the user the signatures are made as; not checked against any AuthData here
     * @param signingKey the private key to sign with; the key id is {@code ed25519:} and its unpadded base64
     *     public key. The caller remains its owner
     * @param names the field spelling of the backup being written, which decides the key of the flag
     * @return a signer for {@code userId} under the key id derived from {@code signingKey}
     */
    public static SessionSigner unchecked(String userId, Ed25519PrivateKey signingKey, FieldNames names) {
        return new SessionSigner(userId, "ed25519:" + signingKey.publicKey().toBase64(), signingKey, names);
    }

    /**
     * The key id the signatures are made under.
     *
     * @return {@code ed25519:} followed by the signing public key, spelled as the trusted AuthData spells it
     */
    public String keyId() {
        return keyId;
    }

    /**
     * The signed SessionData object for a session key obtained from {@code source}. An object that still
     * carries a recorded verdict (a restore's output entry passed on as it is) is signed with {@code source}
     * lowered by it ({@link KeySource#limitedBy}; a verdict member of another shape lowers it too): a file's
     * word never lets {@code source} raise an entry.
     *
     * @param sessionData a SessionData object; its existing signatures, {@code unsigned} member, verdict and
     *     flag spellings are dropped ({@link #withoutClaims}), the rest is signed as it is
     * @param source where the session key came from, which decides the {@code authenticated} flag
     * @return a new object with the flag under this signer's spelling and a {@code signatures} member holding
     *     one signature by this signer; {@code sessionData} is not changed
     */
    public Json.Obj sign(Json.Obj sessionData, KeySource source) {
        if (sessionData.has(ExportedSession.VERDICT_MEMBER)) {
            source = source.limitedBy(recordedWord(sessionData.get(ExportedSession.VERDICT_MEMBER)));
        }
        Json.Obj o = withoutClaims(sessionData).with(names.authenticated(), Json.of(source.authenticated()));
        return SignedJson.sign(o, userId, keyId, signingKey);
    }

    /**
     * The SessionData a writer without the trusted signing key uploads: no signature, and the flag
     * {@code false} (under {@code names}' spelling), whatever the object or its source claimed, since an
     * unsigned flag means nothing to a reader.
     *
     * @param sessionData a SessionData object; whatever it says about trust is dropped ({@link #withoutClaims})
     * @param names the field spelling of the backup being written, which decides the key of the flag
     * @return a new object with the flag set to {@code false} and no signatures
     */
    public static Json.Obj unsignedEntry(Json.Obj sessionData, FieldNames names) {
        return withoutClaims(sessionData).with(names.authenticated(), Json.of(false));
    }

    /**
     * {@code sessionData} without anything that speaks of trust: its {@code signatures}, the {@code unsigned}
     * member (which no signature covers), a restore's recorded verdict ({@code keybackup.verdict}) and every
     * spelling of the {@code authenticated} flag. The one rule for every write: signed ({@link #sign}),
     * unsigned ({@link #unsignedEntry}), and a restore's output, whose verdict is then added anew.
     *
     * @param sessionData a SessionData object, which may come from a file or a server and is not trusted
     * @return a new object with every other member kept as it was; {@code sessionData} is not changed
     */
    public static Json.Obj withoutClaims(Json.Obj sessionData) {
        Json.Obj o = sessionData.without("signatures").without("unsigned").without(ExportedSession.VERDICT_MEMBER);
        for (String spelling : FieldNames.spellings(FieldNames.AUTHENTICATED)) o = o.without(spelling);
        return o;
    }

    /**
     * The word a recorded verdict member stands for ({@link ExportedSession#recordedWord}); for any other shape a word
     * that allows nothing.
     */
    private static String recordedWord(Json member) {
        String word = ExportedSession.recordedWord(member);
        return word == null ? "malformed" : word;
    }
}
