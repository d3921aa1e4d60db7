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
        InputStream open() throws IOException, E;
    }

    private OfflineAudit(String userId, Json.Obj versionInfo, AuthDataTrust trust) {
        this.userId = userId;
        this.versionInfo = versionInfo;
        this.trust = trust;
    }

    /**
     * Decides the AuthData's trust for {@code versionInfo}.
     *
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

    /** The AuthData's trust, as the report states it. */
    public AuthDataTrust trust() {
        return trust;
    }

    /**
     * Checks that {@code key} belongs to the version, then opens {@code keysBody} and gives every session
     * its verdict (a wrong key is reported before the body is opened).
     *
     * @throws WorkflowException the key does not match {@code auth_data.public_key}
     * @throws JsonException the body is not a {@code GET /room_keys/keys} answer
     * @throws IOException the body could not be opened
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
