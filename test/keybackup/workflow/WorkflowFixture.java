package keybackup.workflow;

import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import keybackup.backup.ExportedSession;
import keybackup.backup.FieldNames;
import keybackup.backup.MegolmBackupV1;
import keybackup.backup.SessionData;
import keybackup.backup.SessionExport;
import keybackup.cli.NewIdentity;
import keybackup.homeserver.AccessToken;
import keybackup.homeserver.BackupStore;
import keybackup.homeserver.ClientOptions;
import keybackup.homeserver.HomeserverClient;
import keybackup.homeserver.SpecReplacement;
import keybackup.homeserver.StoreException;
import keybackup.homeserver.SynapseReplacement;
import keybackup.homeserver.TestHomeserver;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.SignedJson;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.localstore.LocalStore;
import keybackup.localstore.ReplacementRule;
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
    /** The local store's directory, or null for the homeserver. */
    private final Path storeDir;

    private WorkflowFixture(BackupStore store, TestHomeserver server, Path storeDir) throws Exception {
        this.store = store;
        this.server = server;
        this.storeDir = storeDir;
        deviceKey = alice.addDevice(DEVICE, true);
        if (server != null) server.setIdentity(alice.keysQueryResponse());
        else ((LocalStore) store).publishIdentity(alice.keysQueryResponse());
        ssKey = SecretStorageKey.generate();
        secrets = UnlockedSecretStorage.create(store, ssKey, "fixture");
        byte[] seed = alice.master().exportSeed();
        try {
            secrets.storeKeyBytes(SecretStorage.CROSS_SIGNING_MASTER, seed);
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    /** Alice's identity and Secret Storage on a new store of the given kind. */
    public static WorkflowFixture open(Backend backend, Path dir, ReplacementRule rule) throws Exception {
        if (backend == Backend.LOCAL) {
            Path storeDir = dir.resolve("store");
            return new WorkflowFixture(LocalStore.open(storeDir, USER, rule), null, storeDir);
        }
        TestHomeserver server = TestHomeserver.start(USER, TOKEN);
        server.setRule(rule == ReplacementRule.SPEC ? SpecReplacement.RULE : SynapseReplacement.RULE); // the server's own copies
        try {
            return new WorkflowFixture(client(server), server, null);
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
    }

    public static WorkflowFixture open(Backend backend, Path dir) throws Exception {
        return open(backend, dir, ReplacementRule.SPEC);
    }

    // ---- single keys, outside the workflows (BackupStore has no such calls; both stores have them) ----

    /** {@code PUT /room_keys/keys/{room}/{session}} on either store; returns {@code {"etag","count"}}. */
    public Json.Obj putSessionKey(String version, String roomId, String sessionId, Json.Obj data) throws StoreException {
        if (store instanceof LocalStore local) return local.putSessionKey(version, roomId, sessionId, data);
        return ((HomeserverClient) store).putSessionKey(version, roomId, sessionId, data);
    }

    /** The stored KeyBackupData of one key on either store; empty when it is not stored. */
    public Optional<Json.Obj> getSessionKey(String version, String roomId, String sessionId) throws StoreException {
        if (store instanceof LocalStore local) return local.getSessionKey(version, roomId, sessionId);
        return ((HomeserverClient) store).getSessionKey(version, roomId, sessionId);
    }

    /** {@code DELETE /room_keys/keys/{room}/{session}} on either store. */
    public Json.Obj deleteSessionKey(String version, String roomId, String sessionId) throws StoreException {
        if (store instanceof LocalStore local) return local.deleteSessionKey(version, roomId, sessionId);
        return ((HomeserverClient) store).deleteSessionKey(version, roomId, sessionId);
    }

    /** {@code DELETE /room_keys/keys} (every key of the version) on either store. */
    public Json.Obj deleteKeys(String version) throws StoreException {
        if (store instanceof LocalStore local) return local.deleteKeys(version);
        return ((HomeserverClient) store).deleteKeys(version);
    }

    /** A client with 8 attempts and 1–20 ms backoff: faults are retried without slowing the tests. */
    public static HomeserverClient client(TestHomeserver server) throws Exception {
        return HomeserverClient.connect(server.uri(), USER, AccessToken.of(TOKEN),
                ClientOptions.defaults().withRetries(8, Duration.ofMillis(1), Duration.ofMillis(20)));
    }

    /** Alice on this device, with Secret Storage unlocked and no supplied master key. */
    public Account account() {
        return new Account(store, secrets, new Account.Device(DEVICE, deviceKey), null, Map.of());
    }

    /**
     * The command-line options that reach this account, with its key files written into {@code dir}:
     * {@code --homeserver URI --user USER --access-token-file FILE} (the homeserver) or
     * {@code --user USER --store DIR} (the local store), then {@code --recovery-key-file FILE --device-id ID
     * --device-key-file FILE}.
     */
    public List<String> cliOptions(Path dir) throws IOException {
        Path rk = Files.writeString(dir.resolve("recovery-key.txt"), ssKey.toRecoveryKey() + "\n");
        byte[] seed = deviceKey.exportSeed();
        Path dk;
        try {
            dk = Files.writeString(dir.resolve("device-key.txt"), Base64Unpadded.encode(seed) + "\n");
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
        List<String> out = new ArrayList<>();
        if (server != null) {
            Path token = Files.writeString(dir.resolve("token.txt"), TOKEN + "\n");
            out.addAll(List.of("--homeserver", server.uri().toString(), "--user", USER,
                    "--access-token-file", token.toString()));
        } else {
            out.addAll(List.of("--user", USER, "--store", storeDir.toString()));
        }
        out.addAll(List.of("--recovery-key-file", rk.toString(), "--device-id", DEVICE, "--device-key-file", dk.toString()));
        return List.copyOf(out);
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
        byte[] ratchet = new byte[128];
        random.nextBytes(ratchet);
        byte[] seed = new byte[32];
        random.nextBytes(seed);
        String export;
        try (Ed25519PrivateKey sessionKey = Ed25519PrivateKey.fromSeed(seed)) {
            export = SessionExport.encode(0, ratchet, sessionKey.publicKey().bytes());
        }
        return SessionData.from(Json.obj(
                "algorithm", Json.of(MegolmBackupV1.ROOM_KEY_ALGORITHM),
                "forwarding_curve25519_key_chain", Json.arr(List.of()),
                "sender_claimed_keys", Json.obj("ed25519", Json.of(SENDER_ED25519)),
                "sender_key", Json.of(SENDER_CURVE25519),
                "session_key", Json.of(export)));
    }

    /** Writes {@code sessions} as a plain key-export file, the JSON array {@code upload --keys} reads. */
    public static Path writeExport(Path file, List<ExportedSession> sessions) throws IOException {
        List<Json> entries = new ArrayList<>();
        for (ExportedSession s : sessions) entries.add(s.toExportJson());
        return writeEntries(file, entries);
    }

    /** Writes {@code entries} (export entries, changed or not) as a key-export file's array. */
    public static Path writeEntries(Path file, List<? extends Json> entries) throws IOException {
        return Files.write(file, CanonicalJson.encode(Json.arr(entries)));
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
            Arrays.fill(raw, (byte) 0);
            Json.Obj authData = SignedJson.sign(Json.obj("public_key", Json.of(key.publicKey().toBase64())), USER, "ed25519:" + DEVICE, deviceKey);
            String version = store.createVersion(MegolmBackupV1.ALGORITHM, authData);
            try (Uploader up = new Uploader(store, version, key.publicKey(), null, FieldNames.UNSTABLE, 2, Uploader.Limits.DEFAULT)) {
                for (ExportedSession s : sessions) up.add(s.roomId(), s.data(), KeySource.OLM);
                up.finish();
            }
            return version;
        }
    }

    /**
     * A backup made by {@link Enable} (signed, trusted, its keys in Secret Storage), then {@code olm} uploaded as
     * keys from Olm and {@code exported} as keys from an export: signed, two threads, small batches.
     */
    public String signedVersion(List<ExportedSession> olm, List<ExportedSession> exported) throws Exception {
        String version = Enable.run(account(), FieldNames.UNSTABLE).version();
        Upload.run(account(), olm, Upload.Options.of(KeySource.OLM).withThreads(2).with(SMALL_BATCHES));
        Upload.run(account(), exported, Upload.Options.of(KeySource.EXPORT).withThreads(2).with(SMALL_BATCHES));
        return version;
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
