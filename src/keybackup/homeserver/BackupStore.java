package keybackup.homeserver;

import java.util.Optional;
import keybackup.json.Json;

/**
 * Where a backup lives: the homeserver's {@code /room_keys} API (spec "Server-side key backups"), the
 * user's account data, and the user's published keys ({@code /keys/query}). Implemented by
 * {@link HomeserverClient} (over HTTPS) and by the offline local store ({@code keybackup.localstore}); both
 * answer with the same JSON shapes and the same {@link MatrixException} error codes. The interface holds
 * what the workflows use; the implementations have a few more endpoints of their own.
 *
 * <p>Security property: a store is untrusted. Every value returned is whatever the server (or the files)
 * held; callers must establish trust in {@code auth_data} and verify every session themselves.
 *
 * <p>Errors: a refusal is a {@link MatrixException} (status + errcode); everything else is a
 * {@link StoreException}. Methods returning {@link Optional} turn 404 {@code M_NOT_FOUND} into empty.
 */
public interface BackupStore {

    /** The Matrix user whose backup, account data and identity this store holds. */
    String userId();

    /**
     * {@code GET /account/whoami}: the user id that owns the access token (the server's word; compared
     * with {@link #userId()} before anything is signed for that user). A local store answers its own user.
     */
    String whoami() throws StoreException;

    /** {@code POST /room_keys/version}: creates a version, which becomes current; returns its id. */
    String createVersion(String algorithm, Json.Obj authData) throws StoreException;

    /** {@code GET /room_keys/version}: the current version info (passes {@link VersionInfo}); empty when there is no backup. */
    Optional<Json.Obj> currentVersion() throws StoreException;

    /** {@code GET /room_keys/version/{v}} (passes {@link VersionInfo}); 404 {@code M_NOT_FOUND} for an unknown or deleted version. */
    Json.Obj version(String version) throws StoreException;

    /** {@code DELETE /room_keys/version/{v}}: deletes the version and all its keys. */
    void deleteVersion(String version) throws StoreException;

    /** {@code PUT /room_keys/keys?version=V} with {@code {"rooms": rooms}}; returns {@code {"etag","count"}}. */
    Json.Obj putKeys(String version, Json.Obj rooms) throws StoreException;

    /**
     * {@code GET /room_keys/keys?version=V}, handing each stored session to {@code visitor} as it is read,
     * so memory stays bounded whatever the backup's size. If the transfer fails part way, the visitor
     * has already seen some sessions and a {@link StoreException} follows; a caller that retries must
     * tolerate seeing them again.
     */
    void streamKeys(String version, KeyVisitor visitor) throws StoreException;

    /** {@code GET /user/{userId}/account_data/{type}}; empty on 404 and for {@code {}} (a "deleted" entry). */
    Optional<Json.Obj> getAccountData(String type) throws StoreException;

    /** {@code PUT /user/{userId}/account_data/{type}}. */
    void putAccountData(String type, Json.Obj content) throws StoreException;

    /** {@code POST /keys/query} with {@code {"device_keys": {userId: []}}}: the full response. */
    Json.Obj queryOwnKeys() throws StoreException;

    /** Receives one backed-up session of {@link #streamKeys}. */
    @FunctionalInterface
    interface KeyVisitor {
        void visit(String roomId, String sessionId, Json.Obj keyBackupData) throws StoreException;
    }
}
