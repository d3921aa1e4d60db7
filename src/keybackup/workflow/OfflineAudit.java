package keybackup.workflow;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import keybackup.backup.MegolmBackupV1;
import keybackup.homeserver.KeyStream;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;
import keybackup.json.JsonException;
import keybackup.json.JsonReader;
import keybackup.keys.BackupDecryptionKey;
import keybackup.trust.AuthDataTrust;
import keybackup.trust.BackupAudit;
import keybackup.trust.OwnIdentity;
import keybackup.trust.SessionVerifier;
import keybackup.trust.TrustAnchors;
import keybackup.trust.TrustResolver;

/**
 * The audit of one backup version from the homeserver's saved answers, without a store: the
 * {@code GET /room_keys/version} answer, the {@code POST /keys/query} identity and the
 * {@code GET /room_keys/keys} body. Trust comes only from the anchors the caller gives; the sessions are
 * verified in the order of the body, one at a time, and every entry is kept for the report.
 *
 * <pre>{@code
 * OfflineAudit audit = OfflineAudit.of(versionInfo, OwnIdentity.fromKeysQuery(userId, keysQuery), anchors);
 * BackupAudit report = audit.run(key, () -> Files.newInputStream(keysFile));
 * }</pre>
 */
public final class OfflineAudit {
    private final String userId;
    private final Json.Obj versionInfo;
    private final AuthDataTrust trust;

    /**
     * Opens the saved {@code GET /room_keys/keys} body; {@link #run} closes it.
     *
     * @param <E> what opening may throw besides {@link IOException} (the caller's own refusals)
     */
    @FunctionalInterface
    public interface Body<E extends Exception> {
        /**
         * Opens the saved body, once per {@link #run}.
         *
         * @return a fresh stream from the start of the body; {@link #run} closes it
         * @throws IOException the saved file could not be opened
         * @throws E the caller's own refusal to open it
         */
        InputStream open() throws IOException, E;
    }

    private OfflineAudit(String userId, Json.Obj versionInfo, AuthDataTrust trust) {
        this.userId = userId;
        this.versionInfo = versionInfo;
        this.trust = trust;
    }

    /**
     * Decides the AuthData's trust for {@code versionInfo}. Nothing is fetched: everything is the saved
     * answers and the caller's anchors.
     *
     * @param versionInfo the saved {@code GET /room_keys/version} answer
     * @param identity the identity validated from the saved {@code POST /keys/query} answer
     * @param anchors what the caller trusts; the only source of trust
     * @return the audit, with its trust decided, ready to {@link #run}
     * @throws WorkflowException the version is not an {@link MegolmBackupV1#ALGORITHM} backup
     */
    public static OfflineAudit of(Json.Obj versionInfo, OwnIdentity identity, TrustAnchors anchors)
            throws WorkflowException {
        AuthDataTrust trust = TrustResolver.resolve(versionInfo, identity, anchors);
        if (!MegolmBackupV1.ALGORITHM.equals(versionInfo.string("algorithm"))) {
            throw new WorkflowException("algorithm is not " + MegolmBackupV1.ALGORITHM);
        }
        return new OfflineAudit(anchors.userId(), versionInfo, trust);
    }

    /**
     * The AuthData's trust, as the report states it.
     *
     * @return the verdict on the version's AuthData, with its reason
     */
    public AuthDataTrust trust() {
        return trust;
    }

    /**
     * Checks that {@code key} belongs to the version, then opens {@code keysBody} and gives every session
     * its verdict (a wrong key is reported before the body is opened).
     *
     * @param <E> what {@code keysBody} may throw besides {@link IOException}
     * @param key the version's backup decryption key; still owned by the caller
     * @param keysBody opens the saved {@code GET /room_keys/keys} body
     * @return the audit of every entry, kept for the report
     * @throws WorkflowException the key does not match {@code auth_data.public_key}
     * @throws JsonException the body is not a {@code GET /room_keys/keys} answer
     * @throws IOException the body could not be opened
     * @throws StoreException declared by the body reader for its visitor; not thrown here, since the visitor
     *         makes no request
     * @throws E what {@code keysBody} throws
     * @throws java.io.UncheckedIOException the body could not be read
     */
    public <E extends Exception> BackupAudit run(BackupDecryptionKey key, Body<E> keysBody)
            throws WorkflowException, JsonException, StoreException, IOException, E {
        Restore.checkKeyMatches(key, versionInfo);
        BackupAudit audit = new BackupAudit(userId, trust);
        SessionVerifier verifier = new SessionVerifier(trust, key);
        try (InputStream in = new BufferedInputStream(keysBody.open());
             JsonReader reader = new JsonReader(in, Long.MAX_VALUE)) {
            KeyStream.readRooms(reader, (room, session, data) -> audit.add(verifier.verify(room, session, data)));
        }
        return audit;
    }
}
