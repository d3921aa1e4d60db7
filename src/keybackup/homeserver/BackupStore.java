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

    /**
     * The Matrix user whose backup, account data and identity this store holds.
     *
     * @return the user id the store was opened for, as the caller gave it (not the server's word)
     */
    String userId();

    /**
     * {@code GET /account/whoami}: the user id that owns the access token (the server's word; compared
     * with {@link #userId()} before anything is signed for that user). A local store answers its own user.
     *
     * @return the user id the server names; compare it, never adopt it
     * @throws StoreException if the request failed, or a {@link MatrixException} if the store refused it
     */
    String whoami() throws StoreException;

    /**
     * {@code POST /room_keys/version}: creates a version, which becomes current.
     *
     * @param algorithm the backup algorithm, such as {@code m.megolm_backup.v1.curve25519-aes-sha2}
     * @param authData the AuthData object, stored as given (the caller signs it first)
     * @return the new version's id, checked against {@link VersionInfo#isValidVersion}
     * @throws StoreException if the request failed, or a {@link MatrixException} if the store refused it
     */
    String createVersion(String algorithm, Json.Obj authData) throws StoreException;

    /**
     * {@code GET /room_keys/version}: the current version info.
     *
     * @return the info, which passed {@link VersionInfo#check(String, Json.Obj)} (its {@code auth_data} is
     *     still untrusted); empty when there is no backup
     * @throws StoreException if the request failed, or a {@link MatrixException} if the store refused it
     */
    Optional<Json.Obj> currentVersion() throws StoreException;

    /**
     * {@code GET /room_keys/version/{v}}: one version's info.
     *
     * @param version the version id to read
     * @return the info, which passed {@link VersionInfo#check(String, Json.Obj, String)}: it is for
     *     {@code version} and its fields have the right shapes ({@code auth_data} is still untrusted)
     * @throws StoreException if the request failed, or a {@link MatrixException} with {@code M_NOT_FOUND} (404)
     *     for an unknown or deleted version
     */
    Json.Obj version(String version) throws StoreException;

    /**
     * {@code DELETE /room_keys/version/{v}}: deletes the version and all its keys.
     *
     * @param version the version id to delete
     * @throws StoreException if the request failed, or a {@link MatrixException} if the store refused it (such as
     *     {@code M_NOT_FOUND} for an unknown version)
     */
    void deleteVersion(String version) throws StoreException;

    /**
     * {@code PUT /room_keys/keys?version=V} with {@code {"rooms": rooms}}.
     *
     * @param version the version to write to, which must be the current one
     * @param rooms the {@code {room: {"sessions": {session: KeyBackupData}}}} map to add or replace
     * @return the answer {@code {"etag", "count"}} as the store sent it; nothing decides on it
     * @throws StoreException if the request failed, or a {@link MatrixException} if the store refused it, such
     *     as {@code M_WRONG_ROOM_KEYS_VERSION} when {@code version} is no longer current
     */
    Json.Obj putKeys(String version, Json.Obj rooms) throws StoreException;

    /**
     * {@code GET /room_keys/keys?version=V}, handing each stored session to {@code visitor} as it is read,
     * so memory stays bounded whatever the backup's size. If the transfer fails part way, the visitor
     * has already seen some sessions and a {@link StoreException} follows; a caller that retries must
     * tolerate seeing them again.
     *
     * @param version the version to read
     * @param visitor called once per stored session with the KeyBackupData object as stored; only its being
     *     an object is checked here, the rest is the visitor's to validate
     * @throws StoreException if the request failed, the answer (a response body or the store's files) is
     *     malformed, or the visitor threw; a {@link MatrixException} if the store refused the request
     */
    void streamKeys(String version, KeyVisitor visitor) throws StoreException;

    /**
     * {@code GET /user/{userId}/account_data/{type}}.
     *
     * @param type the account data event type, such as {@code m.megolm_backup.v1}
     * @return the content as stored (untrusted); empty on 404 and for {@code {}} (a "deleted" entry)
     * @throws StoreException if the request failed, or a {@link MatrixException} if the store refused it
     */
    Optional<Json.Obj> getAccountData(String type) throws StoreException;

    /**
     * {@code PUT /user/{userId}/account_data/{type}}: replaces the content of one account data type.
     *
     * @param type the account data event type
     * @param content the new content, stored as given
     * @throws StoreException if the request failed, or a {@link MatrixException} if the store refused it
     */
    void putAccountData(String type, Json.Obj content) throws StoreException;

    /**
     * {@code POST /keys/query} with {@code {"device_keys": {userId: []}}}.
     *
     * @return the full response as the server sent it; the caller checks the cross-signing keys and their
     *     signatures itself
     * @throws StoreException if the request failed, or a {@link MatrixException} if the store refused it
     */
    Json.Obj queryOwnKeys() throws StoreException;

    /** Receives one backed-up session of {@link #streamKeys}. */
    @FunctionalInterface
    interface KeyVisitor {
        /**
         * Receives one session. The ids and the object are the store's word: the client checks only that they
         * are JSON strings and an object, the local store also that its files are consistent.
         *
         * @param roomId the room id the session is stored under
         * @param sessionId the session id it is stored under
         * @param keyBackupData the stored KeyBackupData object, untrusted
         * @throws StoreException to stop reading; the stream then fails with this exception
         */
        void visit(String roomId, String sessionId, Json.Obj keyBackupData) throws StoreException;
    }
}
