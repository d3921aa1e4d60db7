package keybackup.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import keybackup.backup.FieldNames;
import keybackup.backup.SessionData;
import keybackup.homeserver.LocalStore;
import keybackup.json.Json;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.secrets.SecretStorage;
import keybackup.secrets.SecretStorageKey;
import keybackup.trust.AuthDataTrust;
import keybackup.trust.KeySource;
import keybackup.trust.SessionSigner;
import keybackup.workflow.Account;
import keybackup.workflow.Enable;
import keybackup.workflow.NewIdentity;
import keybackup.workflow.Restore;
import keybackup.workflow.UnlockedSecretStorage;
import keybackup.workflow.Uploader;

/**
 * The benchmark's world, built with the library as the demo does: an identity with a cross-signed
 * device, Secret Storage holding the master key, a signed backup made by {@link Enable}, and a pool of
 * real-format Megolm sessions signed and encrypted by {@link Uploader}.
 */
final class Fixture implements AutoCloseable {
    static final String USER = "@bench:example.org";
    static final FieldNames NAMES = FieldNames.UNSTABLE;

    /** One backed-up session: its id, its KeyBackupData as uploaded, and the plaintext SessionData. */
    record Entry(String sessionId, Json.Obj data, SessionData session) {}

    final Path dir;
    final LocalStore store;
    final NewIdentity identity;
    final SecretStorageKey ssKey;
    final Account account;
    final Json.Obj info;
    final String version;
    final AuthDataTrust trust;          // trusted: the signing key is usable
    final AuthDataTrust untrusted;      // same backup, no anchors: no usable signing key
    final BackupDecryptionKey key;
    final Ed25519PrivateKey signingKey;
    final SessionSigner signer;
    final List<SessionData> sessions;
    final List<Entry> pool;

    Fixture(int poolSize) throws Exception {
        dir = Files.createTempDirectory("keybackup-bench-");
        store = LocalStore.open(dir, USER);
        identity = new NewIdentity(USER);
        Ed25519PrivateKey device = identity.addDevice("BENCHDEVICE", true);
        store.publishIdentity(identity.keysQueryResponse());
        ssKey = SecretStorageKey.generate();
        UnlockedSecretStorage secrets = UnlockedSecretStorage.create(store, ssKey, "bench");
        byte[] seed = identity.master().exportSeed();
        secrets.storeKeyBytes(SecretStorage.CROSS_SIGNING_MASTER, seed);
        java.util.Arrays.fill(seed, (byte) 0);
        account = new Account(store, secrets, new Account.Device("BENCHDEVICE", device), null, java.util.Map.of());
        Enable.Result enabled = Enable.run(account, NAMES);
        version = enabled.version();
        info = store.version(version);
        trust = account.trust(info);
        if (trust.usableSigningKey().isEmpty()) throw new IllegalStateException("bench fixture: AuthData not trusted: " + trust.detail());
        untrusted = new Account(store, null, null, null, java.util.Map.of()).trust(info);
        if (untrusted.usableSigningKey().isPresent()) throw new IllegalStateException("bench fixture: untrusted view has a signing key");
        key = Restore.keyFromSecretStorage(account);
        signingKey = secrets.backupSigningKey().orElseThrow();
        signer = SessionSigner.forTrustedBackup(trust.usableSigningKey().get(), signingKey, NAMES);

        sessions = newSessions(poolSize);
        BenchStore capture = new BenchStore(store, v -> { });
        List<Json.Obj> bodies = new ArrayList<>();
        capture.capture = bodies;
        try (Uploader up = new Uploader(capture, version, enabled.backupKey(), signer, NAMES, 2, Uploader.Limits.DEFAULT)) {
            for (SessionData s : sessions) up.add("!pool:bench.example", s, KeySource.OLM);
            up.finish();
        }
        Map<String, SessionData> byId = new java.util.HashMap<>();
        for (SessionData s : sessions) byId.put(s.sessionId(), s);
        List<Entry> entries = new ArrayList<>();
        for (Json.Obj rooms : bodies) {
            for (Json room : rooms.members().values()) {
                for (Map.Entry<String, Json> e : ((Json.Obj) room).object("sessions").members().entrySet()) {
                    entries.add(new Entry(e.getKey(), (Json.Obj) e.getValue(), byId.get(e.getKey())));
                }
            }
        }
        entries.sort(Comparator.comparing(Entry::sessionId));
        if (entries.size() != poolSize) throw new IllegalStateException("bench fixture: " + entries.size() + " entries for " + poolSize + " sessions");
        pool = List.copyOf(entries);
    }

    /**
     * Real-format sessions (protocol.md §6.3): a random 128-byte ratchet and a 32-byte session key id in a
     * 165-byte export at index 0. The id bytes are random rather than a generated Ed25519 key: the backup
     * never uses them as a point, and a million key generations would only slow the fixture down.
     */
    static List<SessionData> newSessions(int n) throws Exception {
        SecureRandom random = new SecureRandom();
        String senderKey;
        try (BackupDecryptionKey k = BackupDecryptionKey.generate()) {
            senderKey = k.publicKey().toBase64();
        }
        String senderEd;
        try (Ed25519PrivateKey k = Ed25519PrivateKey.generate()) {
            senderEd = k.publicKey().toBase64();
        }
        List<SessionData> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] export = new byte[165];
            export[0] = 0x01;
            byte[] body = new byte[160];
            random.nextBytes(body);
            System.arraycopy(body, 0, export, 5, 160);
            out.add(SessionData.from(Json.obj(
                    "algorithm", Json.of("m.megolm.v1.aes-sha2"),
                    "forwarding_curve25519_key_chain", Json.arr(List.of()),
                    "sender_claimed_keys", Json.obj("ed25519", Json.of(senderEd)),
                    "sender_key", Json.of(senderKey),
                    "session_key", Json.of(Base64Unpadded.encode(export)))));
        }
        return out;
    }

    @Override
    public void close() throws java.io.IOException {
        key.close();
        signingKey.close();
        identity.close();
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
