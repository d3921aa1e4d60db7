package keybackup.workflow;

import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import keybackup.backup.ExportedSession;
import keybackup.backup.FieldNames;
import keybackup.backup.MegolmBackupV1;
import keybackup.backup.SessionData;
import keybackup.homeserver.AccessToken;
import keybackup.homeserver.BackupStore;
import keybackup.homeserver.ClientOptions;
import keybackup.homeserver.HomeserverClient;
import keybackup.homeserver.LocalStore;
import keybackup.homeserver.ReplacementRule;
import keybackup.homeserver.TestHomeserver;
import keybackup.json.Json;
import keybackup.json.SignedJson;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.secrets.SecretStorage;
import keybackup.secrets.SecretStorageKey;
import keybackup.trust.KeySource;

/**
 * Shared set-up for the workflow and CLI tests: a store (local directory or the loopback test homeserver
 * behind a real {@link HomeserverClient} with millisecond retry delays), Alice's identity with one
 * cross-signed device, Secret Storage holding her master key, deterministic Megolm sessions, and helpers
 * that decrypt a whole version so tests can compare key material, not just counts.
 */
public final class WorkflowFixture implements AutoCloseable {
    public static final String USER = "@alice:example.org";
    public static final String TOKEN = "syt_YWxpY2U_fixtureTokenValue_4711";
    public static final String DEVICE = "ALICEPHONE";
    /** Five sessions per request, so a few hundred sessions make dozens of batches. */
    public static final Uploader.Limits SMALL_BATCHES = new Uploader.Limits(1 << 20, 5);

    public enum Backend { LOCAL, HOMESERVER }

    public final BackupStore store;
    /** The test homeserver, or null for the local store. */
    public final TestHomeserver server;
    public final NewIdentity alice = new NewIdentity(USER);
    public final Ed25519PrivateKey deviceKey;
    public final SecretStorageKey ssKey;
    public final UnlockedSecretStorage secrets;

    private WorkflowFixture(BackupStore store, TestHomeserver server) throws Exception {
        this.store = store;
        this.server = server;
        deviceKey = alice.addDevice(DEVICE, true);
        if (server != null) server.setIdentity(alice.keysQueryResponse());
        else ((LocalStore) store).publishIdentity(alice.keysQueryResponse());
        ssKey = SecretStorageKey.generate();
        secrets = UnlockedSecretStorage.create(store, ssKey, "fixture");
        byte[] seed = alice.master().exportSeed();
        try {
            secrets.storeKeyBytes(SecretStorage.CROSS_SIGNING_MASTER, seed);
        } finally {
            java.util.Arrays.fill(seed, (byte) 0);
        }
    }

    /** Alice's identity and Secret Storage on a new store of the given kind. */
    public static WorkflowFixture open(Backend backend, Path dir, ReplacementRule rule) throws Exception {
        if (backend == Backend.LOCAL) return new WorkflowFixture(LocalStore.open(dir.resolve("store"), USER, rule), null);
        TestHomeserver server = TestHomeserver.start(USER, TOKEN);
        server.setRule(rule);
        try {
            return new WorkflowFixture(client(server), server);
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
    }

    public static WorkflowFixture open(Backend backend, Path dir) throws Exception {
        return open(backend, dir, ReplacementRule.SPEC);
    }

    /** A client with 8 attempts and 1–20 ms backoff: faults are retried without slowing the tests. */
    public static HomeserverClient client(TestHomeserver server) throws Exception {
        return HomeserverClient.connect(server.uri(), USER, AccessToken.of(TOKEN),
                ClientOptions.defaults().withRetries(8, Duration.ofMillis(1), Duration.ofMillis(20)));
    }

    /** Alice on this device, with Secret Storage unlocked and no supplied master key. */
    public Account account() {
        return new Account(store, secrets, new Account.Device(DEVICE, deviceKey), null, java.util.Map.of());
    }

    @Override
    public void close() {
        alice.close();
        secrets.close(); // closes ssKey
        if (server != null) server.close();
    }

    // ---- sessions ----

    /** {@code perRoom} sessions in each of {@code rooms} rooms, made from {@code seed}: fixed ratchets and session keys. */
    public static List<ExportedSession> sessions(int rooms, int perRoom, long seed) throws Exception {
        Random random = new Random(seed);
        List<ExportedSession> out = new ArrayList<>();
        for (int r = 0; r < rooms; r++) {
            for (int i = 0; i < perRoom; i++) {
                SessionData data = session(random);
                out.add(new ExportedSession("!room" + r + ":example.org", data.sessionId(), data));
            }
        }
        return out;
    }

    /** The sending device's keys (fixed; only their format matters here). */
    private static final String SENDER_CURVE25519 = Base64Unpadded.encode(new byte[] {9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
            16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31});
    private static final String SENDER_ED25519 = Base64Unpadded.encode(new byte[32]);

    /** One Megolm session export at index 0: 0x01, index, 128 ratchet bytes, the session's Ed25519 public key. */
    private static SessionData session(Random random) throws Exception {
        byte[] export = new byte[165];
        export[0] = 0x01;
        byte[] ratchet = new byte[128];
        random.nextBytes(ratchet);
        System.arraycopy(ratchet, 0, export, 5, 128);
        byte[] seed = new byte[32];
        random.nextBytes(seed);
        try (Ed25519PrivateKey sessionKey = Ed25519PrivateKey.fromSeed(seed)) {
            System.arraycopy(sessionKey.publicKey().bytes(), 0, export, 133, 32);
        }
        return SessionData.from(Json.obj(
                "algorithm", Json.of(MegolmBackupV1.ROOM_KEY_ALGORITHM),
                "forwarding_curve25519_key_chain", Json.arr(List.of()),
                "sender_claimed_keys", Json.obj("ed25519", Json.of(SENDER_ED25519)),
                "sender_key", Json.of(SENDER_CURVE25519),
                "session_key", Json.of(Base64Unpadded.encode(export))));
    }

    /** "room|session" → session_key, as the sessions were made. */
    public static Map<String, String> expectedKeys(List<ExportedSession> sessions) {
        Map<String, String> m = new TreeMap<>();
        for (ExportedSession s : sessions) m.put(s.roomId() + "|" + s.sessionId(), s.data().sessionKey());
        return m;
    }

    // ---- versions ----

    /**
     * An old-style backup: a fresh backup key (stored in Secret Storage as {@code m.megolm_backup.v1}),
     * AuthData without a signing key signed by this device, and {@code sessions} uploaded unsigned.
     */
    public String unsignedVersion(List<ExportedSession> sessions) throws Exception {
        try (BackupDecryptionKey key = BackupDecryptionKey.generate()) {
            byte[] raw = key.exportBytes();
            secrets.storeKeyBytes(SecretStorage.BACKUP_DECRYPTION_KEY, raw);
            java.util.Arrays.fill(raw, (byte) 0);
            Json.Obj authData = SignedJson.sign(Json.obj("public_key", Json.of(key.publicKey().toBase64())), USER, "ed25519:" + DEVICE, deviceKey);
            String version = store.createVersion(MegolmBackupV1.ALGORITHM, authData);
            try (Uploader up = new Uploader(store, version, key.publicKey(), null, FieldNames.UNSTABLE, 2, Uploader.Limits.DEFAULT)) {
                for (ExportedSession s : sessions) up.add(s.roomId(), s.data(), KeySource.OLM);
                up.finish();
            }
            return version;
        }
    }

    /** The backup key from Secret Storage. */
    public BackupDecryptionKey backupKey() throws Exception {
        return Restore.keyFromSecretStorage(account());
    }

    /**
     * Every stored entry of {@code version}, decrypted with the backup key: "room|session" → session_key.
     * Fails if an entry is listed twice or does not decrypt.
     */
    public Map<String, String> storedKeys(String version) throws Exception {
        Map<String, String> m = new TreeMap<>();
        try (BackupDecryptionKey key = backupKey()) {
            store.streamKeys(version, (room, session, data) -> {
                String sessionKey;
                try {
                    sessionKey = MegolmBackupV1.decrypt(data.object("session_data"), key).plaintext().string("session_key");
                } catch (Exception e) {
                    throw new AssertionError(room + "|" + session + " does not decrypt: " + e.getMessage());
                }
                assertNull(m.put(room + "|" + session, sessionKey), "listed twice: " + room + "|" + session);
            });
        }
        return m;
    }

    /** "room|session" → "verdict" or "verdict reason", as this account's restore of {@code version} judges it. */
    public Map<String, String> verdicts(String version) throws Exception {
        Map<String, String> m = new TreeMap<>();
        Account account = account();
        Json.Obj info = store.version(version);
        try (BackupDecryptionKey key = backupKey()) {
            Restore.run(account, account.trust(info), key, Restore.Options.DEFAULT,
                    r -> m.put(r.roomId() + "|" + r.sessionId(),
                    r.verdict().word() + (r.verdict().reason() == null ? "" : " " + r.verdict().reason().wire())));
        }
        return m;
    }

    /** How many values of {@code m} equal {@code value}. */
    public static long countOf(Map<String, String> m, String value) {
        return m.values().stream().filter(value::equals).count();
    }

    /** The server's {@code count} of a version. */
    public long count(String version) throws Exception {
        return ((Json.Int) store.version(version).get("count")).value();
    }
}
