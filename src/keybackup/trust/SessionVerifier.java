package keybackup.trust;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import keybackup.backup.DecryptionException;
import keybackup.backup.MegolmBackupV1;
import keybackup.backup.SessionData;
import keybackup.json.Json;
import keybackup.json.SignedJson;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.KeyFormatException;

/**
 * Reader side: turns one backed-up session into a {@link SessionVerdict} (protocol.md §10.7). The checks
 * run in the contract's order; the first that applies decides:
 * <ol>
 *   <li>decrypt; a {@code mac} that is missing or wrong is forgiven only when step 4 finds a valid
 *       signature by the usable signing key, else {@code rejected / decryption_failed};</li>
 *   <li>the Megolm key inside must belong to the session id it is stored under, else
 *       {@code rejected / session_id_mismatch};</li>
 *   <li>no usable signing key: {@code unauthenticated / no_signing_key | backup_not_trusted};</li>
 *   <li>no signature under {@code ed25519:<signing key>} (own user id first, then any entity):
 *       {@code signature_missing}; one that does not verify: {@code signature_invalid};</li>
 *   <li>the flag decides {@code authenticated} or {@code signed_not_authenticated / flag_false | flag_conflict}.</li>
 * </ol>
 * No signature is checked when no signing key is usable: it could not change the verdict.
 */
public final class SessionVerifier {
    private final AuthDataTrust trust;
    private final BackupDecryptionKey key;
    private final VerifiedSignatures verified;

    /**
     * The result for one session: the verdict, the SessionData when not rejected, and what it claimed. A
     * final class with a package-private constructor: only {@link #verify} makes one, so a result handed
     * to a writer ({@code KeySource.fromRestore}, an export, a migration) was really verified.
     */
    public static final class Result {
        private final String roomId;
        private final String sessionId;
        private final SessionVerdict verdict;
        private final SessionData sessionData;
        private final boolean claimedAuthenticated;

        Result(String roomId, String sessionId, SessionVerdict verdict, SessionData sessionData,
                boolean claimedAuthenticated) {
            this.roomId = roomId;
            this.sessionId = sessionId;
            this.verdict = Objects.requireNonNull(verdict, "verdict");
            this.sessionData = sessionData;
            this.claimedAuthenticated = claimedAuthenticated;
        }

        /**
         * Names the room the entry was stored under. The signature does not cover it: check the
         * {@code room_id} of events decrypted with the key.
         *
         * @return the room ID given to {@link #verify}, as given
         */
        public String roomId() { return roomId; }

        /**
         * Names the session ID the entry was stored under; unless the verdict is
         * {@code rejected / session_id_mismatch}, the Megolm key belongs to it.
         *
         * @return the session ID given to {@link #verify}, as given
         */
        public String sessionId() { return sessionId; }

        /**
         * Gives what the session may be used as.
         *
         * @return the verdict, never null
         */
        public SessionVerdict verdict() { return verdict; }

        /**
         * Gives the decrypted SessionData. Unless the verdict is {@link SessionVerdict.Authenticated}, what it
         * says (sender keys, forwarding chain) is only claimed by whoever wrote the entry.
         *
         * @return the decrypted SessionData, or null when rejected
         */
        public SessionData sessionData() { return sessionData; }

        /**
         * Tells what the plaintext's {@code authenticated} flag claimed; counts for nothing by itself.
         *
         * @return true when the flag read as {@link AuthenticatedFlag#TRUE}; false when it did not, or when
         *     the entry could not be decrypted
         */
        public boolean claimedAuthenticated() { return claimedAuthenticated; }
        @Override public String toString() { return "Result[" + roomId + ", " + sessionId + ", " + verdict + "]"; }
    }

    /**
     * A verifier for the entries of one backup version. Neither argument is checked here.
     *
     * @param trust the resolved AuthData of the same version; entries are authenticated only when it is
     *     {@link AuthDataTrust.Usable}; must not be null
     * @param key the backup decryption key; it stays the caller's, who must keep it open while verifying (a
     *     closed key makes every entry {@code rejected / decryption_failed})
     */
    public SessionVerifier(AuthDataTrust trust, BackupDecryptionKey key) {
        this(trust, key, null);
    }

    /**
     * A verifier that skips the Ed25519 check of a signature {@code verified} already holds (found valid
     * before, on the very same key, signature and signed bytes), and adds each one it finds valid. A speed
     * measure for a second read of the same entries; no verdict changes.
     *
     * @param trust the resolved AuthData of the same version, as for {@link #SessionVerifier(AuthDataTrust,
     *     BackupDecryptionKey)}
     * @param key the backup decryption key, as there
     * @param verified the signatures already found valid, shared with other verifiers; null for none
     */
    public SessionVerifier(AuthDataTrust trust, BackupDecryptionKey key, VerifiedSignatures verified) {
        this.trust = trust;
        this.key = key;
        this.verified = verified;
    }

    /**
     * Verifies one {@code KeyBackupData} stored under {@code roomId}/{@code sessionId}, running the checks in
     * the order of the class comment. Never throws on bad input: every failure to decrypt or parse is
     * {@code rejected / decryption_failed}. Keeps no state between calls (beyond the set of verified signatures it
     * may have been given, which is thread-safe), so one verifier may serve several threads at once.
     *
     * @param roomId the room ID the entry is stored under; kept in the result, not checked
     * @param sessionId the session ID the entry is stored under; compared as an exact string with the
     *     session ID of the Megolm key inside
     * @param keyBackupData the entry as served, holding {@code session_data}
     * @return the result, with the verdict and, unless rejected, the decrypted SessionData
     * @throws NullPointerException if {@code keyBackupData} is null
     */
    public Result verify(String roomId, String sessionId, Json.Obj keyBackupData) {
        // 1. Decrypt (the mac is only recorded here; it is judged below).
        Json.Obj sessionDataJson = keyBackupData.object("session_data");
        if (sessionDataJson == null) {
            return rejected(roomId, sessionId, Reason.DECRYPTION_FAILED, "session_data: missing or not an object",
                    null);
        }
        MegolmBackupV1.Decrypted decrypted;
        SessionData data;
        try {
            decrypted = MegolmBackupV1.decrypt(sessionDataJson, key);
            data = SessionData.from(decrypted.plaintext());
        } catch (DecryptionException | KeyFormatException e) {
            return rejected(roomId, sessionId, Reason.DECRYPTION_FAILED, e.getMessage(), null);
        } catch (RuntimeException e) { // fail closed on anything unexpected while decrypting or parsing
            return rejected(roomId, sessionId, Reason.DECRYPTION_FAILED, "unexpected error while decrypting", null);
        }
        Json.Obj plain = data.json();
        AuthenticatedFlag flag = AuthenticatedFlag.read(plain); // what the plaintext claims; decides only in step 5
        boolean claimed = flag == AuthenticatedFlag.TRUE;
        TrustedBackupKey signer = trust instanceof AuthDataTrust.Usable u ? u.key() : null;
        // Step 4's outcome is computed at most once, and only where it can change the verdict: here for a
        // mac that did not match, otherwise after steps 2 and 3 (no needless curve work).
        SignatureOutcome sig = null;
        if (decrypted.mac() != MegolmBackupV1.MacCheck.MATCH) {
            sig = signer == null ? null : checkSignature(plain, signer);
            if (sig != SignatureOutcome.VALID) {
                return rejected(roomId, sessionId, Reason.DECRYPTION_FAILED,
                        "mac " + decrypted.mac().name().toLowerCase(Locale.ROOT)
                                + " and no valid signature to stand in for it", claimed);
            }
        }
        // 2. Session id.
        if (!data.matchesSessionId(sessionId)) {
            return rejected(roomId, sessionId, Reason.SESSION_ID_MISMATCH,
                    "session_key belongs to session " + data.sessionId(), claimed);
        }
        // 3. Usable signing key.
        if (signer == null) {
            return new Result(roomId, sessionId, new SessionVerdict.Unauthenticated(trust.reason(), trust.detail()),
                    data, claimed);
        }
        // 4. Signature.
        if (sig == null) sig = checkSignature(plain, signer);
        if (sig == SignatureOutcome.MISSING) {
            return new Result(roomId, sessionId, new SessionVerdict.Unauthenticated(Reason.SIGNATURE_MISSING,
                    "no signature by " + signer.keyId()), data, claimed);
        }
        if (sig == SignatureOutcome.INVALID) {
            return new Result(roomId, sessionId, new SessionVerdict.Unauthenticated(Reason.SIGNATURE_INVALID,
                    "signature by " + signer.keyId() + " does not verify"), data, claimed);
        }
        // 5. The flag.
        SessionVerdict verdict = flag == AuthenticatedFlag.TRUE ? new SessionVerdict.Authenticated(signer)
                : new SessionVerdict.SignedNotAuthenticated(signer, flag == AuthenticatedFlag.CONFLICT
                ? Reason.FLAG_CONFLICT : Reason.FLAG_FALSE);
        return new Result(roomId, sessionId, verdict, data, claimed);
    }

    private enum SignatureOutcome { VALID, MISSING, INVALID }

    /**
     * Looks for {@code signatures[entity][ed25519:<key as written in auth_data>]}, under the own user id
     * first and then under any other entity (the key id pins the key, so the entity does not matter for
     * security). The key id is compared as an exact string.
     */
    private SignatureOutcome checkSignature(Json.Obj plain, TrustedBackupKey signer) {
        if (!(plain.get("signatures") instanceof Json.Obj sigs)) return SignatureOutcome.MISSING;
        Json value = sigs.get(signer.userId()) instanceof Json.Obj own ? own.get(signer.keyId()) : null;
        if (value == null) {
            for (Map.Entry<String, Json> e : sigs.members().entrySet()) {
                if (e.getValue() instanceof Json.Obj other && other.get(signer.keyId()) != null) {
                    value = other.get(signer.keyId());
                    break;
                }
            }
        }
        if (value == null) return SignatureOutcome.MISSING;
        boolean valid;
        if (verified != null && value instanceof Json.Str s) {
            byte[] signed = SignedJson.signedBytes(plain);
            valid = verified.valid(signer.publicKey(), s, signed,
                    () -> SignedJson.verifyValue(signed, s, signer.publicKey()).valid());
        } else {
            valid = SignedJson.verifyValue(plain, value, signer.publicKey()).valid();
        }
        return valid ? SignatureOutcome.VALID : SignatureOutcome.INVALID;
    }

    private static Result rejected(String roomId, String sessionId, Reason reason, String detail, Boolean claimed) {
        return new Result(roomId, sessionId, new SessionVerdict.Rejected(reason, detail), null,
                claimed != null && claimed);
    }
}
