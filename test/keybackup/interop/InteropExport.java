package keybackup.interop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import keybackup.backup.AuthData;
import keybackup.backup.FieldNames;
import keybackup.backup.FixedEphemeralEncryption;
import keybackup.backup.KeyBackupData;
import keybackup.backup.MegolmBackupV1;
import keybackup.backup.SessionData;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonException;
import keybackup.json.JsonReader;
import keybackup.json.SignedJson;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.keys.Ed25519PublicKey;
import keybackup.keys.PassphraseKey;
import keybackup.keys.RecoveryKey;
import keybackup.secrets.KeyDescription;
import keybackup.secrets.SecretStorage;
import keybackup.secrets.SecretStorageKey;
import keybackup.trust.KeySource;
import keybackup.trust.SessionSigner;

/**
 * Writes this library's output in the formats of the interop harness ({@code shared/interop/README.md}),
 * for independent implementations to check: {@code make interop}. Run from the project root:
 * <pre>java -cp build/classes:build/test-classes keybackup.interop.InteropExport OUTDIR</pre>
 * OUTDIR gets java-signed.json (verify_signed.py), java-backup.json plus the one-line files user-id,
 * signing-public-key and recovery-key (decrypt_backup.py), java-canonical.json (canonicalize.py --cases)
 * and vectors/ (check_vectors.py). Keys are fresh on every run; the random JSON uses a fixed seed.
 * Every expectation written is first checked against this library, so a file never claims what we
 * do not ourselves compute.
 */
public final class InteropExport {
    static final String USER = "@alice:example.org";
    static final String DEVICE_KEY_ID = "ed25519:JAVADEVICE";
    static final long RANDOM_SEED = 4048;
    static final int RANDOM_CASES = 300;

    private final Ed25519PrivateKey signingKey = Ed25519PrivateKey.generate();
    private final Ed25519PrivateKey masterKey = Ed25519PrivateKey.generate();
    private final Ed25519PrivateKey deviceKey = Ed25519PrivateKey.generate();
    private final Ed25519PrivateKey attackerKey = Ed25519PrivateKey.generate();
    private final BackupDecryptionKey backupKey = BackupDecryptionKey.generate();
    private final List<Json.Obj> sessions; // real SessionData plaintexts, re-signed below

    private InteropExport(List<Json.Obj> sessions) {
        this.sessions = sessions;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: InteropExport OUTDIR");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        Files.createDirectories(out.resolve("vectors"));
        InteropExport x = new InteropExport(vectorSessions());

        List<Json> signed = x.signedEntries();
        write(out.resolve("java-signed.json"), Json.arr(signed));
        write(out.resolve("vectors/signed-json.json"), Json.obj("verification_cases", Json.arr(signed)));

        write(out.resolve("java-backup.json"), x.backupBody());
        Files.writeString(out.resolve("user-id"), USER + "\n");
        Files.writeString(out.resolve("signing-public-key"), x.signingKey.publicKey().toBase64() + "\n");
        Files.writeString(out.resolve("recovery-key"), x.backupKey.toRecoveryKey() + "\n");
        write(out.resolve("vectors/backup-encryption.json"), x.backupVectors());
        write(out.resolve("vectors/recovery-key.json"), recoveryVectors());
        write(out.resolve("vectors/secret-storage.json"), secretStorageVectors());

        List<Json> canonical = canonicalCases();
        write(out.resolve("java-canonical.json"), Json.arr(canonical));
        write(out.resolve("vectors/canonical-json.json"), Json.obj("cases", Json.arr(canonical)));
        System.out.printf("interop: wrote %d signed entries, %d canonical cases to %s%n", signed.size(),
                canonical.size(), out);
    }

    // ---------------------------------------------------------------- (a) signed JSON

    private List<Json> signedEntries() {
        List<Json> entries = new ArrayList<>();
        Ed25519PublicKey signingPub = signingKey.publicKey();
        String signingKeyId = "ed25519:" + signingPub.toBase64();

        // SessionData signed by the backup signing key: both field spellings, both flag values.
        for (int i = 0; i < sessions.size(); i++) {
            for (FieldNames names : FieldNames.values()) {
                for (KeySource source : List.of(KeySource.OLM, KeySource.UNTRUSTED_FORWARD)) {
                    Json.Obj o = SessionSigner.unchecked(USER, signingKey, names).sign(sessions.get(i), source);
                    String id = "session-" + i + "/" + names.name().toLowerCase() + "/authenticated-"
                            + source.authenticated();
                    entries.add(entry(id, o, USER, signingKeyId, signingPub, true));
                }
            }
        }

        // AuthData signed by the master key and by a device key (key id "ed25519:<device id>").
        for (FieldNames names : FieldNames.values()) {
            Json.Obj a = AuthData.create(backupKey.publicKey().toBase64(), signingPub, names).json();
            a = SignedJson.sign(a, USER, "ed25519:" + masterKey.publicKey().toBase64(), masterKey);
            a = SignedJson.sign(a, USER, DEVICE_KEY_ID, deviceKey);
            String id = "auth-data/" + names.name().toLowerCase();
            entries.add(entry(id + "/master", a, USER, "ed25519:" + masterKey.publicKey().toBase64(),
                    masterKey.publicKey(), true));
            entries.add(entry(id + "/device", a, USER, DEVICE_KEY_ID, deviceKey.publicKey(), true));
            // reject: the server swapped in its own signing key after the master key signed.
            Json.Obj swapped = a.with(names.signingPublicKey(), Json.of(attackerKey.publicKey().toBase64()));
            entries.add(entry(id + "/tampered-signing-key", swapped, USER,
                    "ed25519:" + masterKey.publicKey().toBase64(), masterKey.publicKey(), false));
        }

        // Objects whose canonical form is easy to get wrong, signed as generic JSON.
        Map<String, Json.Obj> tricky = trickyObjects();
        for (Map.Entry<String, Json.Obj> t : tricky.entrySet()) {
            Json.Obj o = SignedJson.sign(t.getValue(), USER, signingKeyId, signingKey);
            entries.add(entry("unicode/" + t.getKey(), o, USER, signingKeyId, signingPub, true));
        }
        Json.Obj session = SessionSigner.unchecked(USER, signingKey, FieldNames.UNSTABLE).sign(
                sessions.get(0).with("org.example.note", Json.of("Grüße\u2028日本\uD83D\uDE00")), KeySource.OLM);
        entries.add(entry("unicode/session-with-unknown-field", session, USER, signingKeyId, signingPub, true));

        // `unsigned` is not covered by the signature: present while signing, or added afterwards.
        Json unsigned = Json.obj("age", Json.of(1234), "transaction_id", Json.of("tx\u2028ü"));
        Json.Obj withUnsigned = SignedJson.sign(tricky.get("code-point-order").with("unsigned", unsigned), USER,
                signingKeyId, signingKey);
        entries.add(entry("unsigned/signed-with", withUnsigned, USER, signingKeyId, signingPub, true));
        entries.add(entry("unsigned/added-after", session.with("unsigned", unsigned), USER, signingKeyId, signingPub,
                true));
        entries.add(entry("unsigned/changed-after", withUnsigned.with("unsigned", Json.obj("age", Json.of(1))), USER,
                signingKeyId, signingPub, true));

        // Tampered: each must fail.
        Json.Obj authTrue = SessionSigner.unchecked(USER, signingKey, FieldNames.UNSTABLE).sign(sessions.get(0),
                KeySource.OLM);
        Json.Obj authFalse = SessionSigner.unchecked(USER, signingKey, FieldNames.STABLE).sign(sessions.get(1),
                KeySource.EXPORT);
        entries.add(entry("tampered/flag-false-to-true", authFalse.with(FieldNames.STABLE.authenticated(),
                Json.of(true)), USER, signingKeyId, signingPub, false));
        entries.add(entry("tampered/session-key-swapped", authTrue.with("session_key",
                sessions.get(1).get("session_key")), USER, signingKeyId, signingPub, false));
        entries.add(entry("tampered/member-added", authTrue.with("room_id", Json.of("!other:example.org")), USER,
                signingKeyId, signingPub, false));
        entries.add(entry("tampered/u2028-to-u2029", session.with("org.example.note",
                Json.of("Grüße\u2029日本\uD83D\uDE00")), USER, signingKeyId, signingPub, false));
        Json.Obj emoji = SignedJson.sign(tricky.get("supplementary"), USER, signingKeyId, signingKey);
        entries.add(entry("tampered/supplementary-key", renameKey(emoji, "\uD83D\uDE00", "\uD83D\uDE01"), USER,
                signingKeyId, signingPub, false));
        entries.add(entry("tampered/other-key-under-our-key-id",
                SignedJson.sign(sessions.get(0), USER, signingKeyId, attackerKey), USER, signingKeyId, signingPub,
                false));
        entries.add(entry("tampered/signed-as-other-user", SignedJson.sign(sessions.get(0), "@mallory:example.org",
                signingKeyId, signingKey), USER, signingKeyId, signingPub, false));
        return entries;
    }

    /** Objects whose canonical bytes depend on key order by code point, escapes and raw UTF-8. */
    private static Map<String, Json.Obj> trickyObjects() {
        Map<String, Json.Obj> m = new LinkedHashMap<>();
        // UTF-16 order puts U+10000 (D800 DC00) before U+E000 and U+FFFF; code-point order puts it last.
        m.put("code-point-order", Json.obj("\uFFFF", Json.of(1), "\uD800\uDC00", Json.of(2), "\uE000", Json.of(3), "z",
                Json.of(4), "é", Json.of(5)));
        m.put("supplementary", Json.obj("\uD83D\uDE00", Json.of("\uDBFF\uDFFF"), "\uD83D\uDE01", Json.of("𝄞")));
        m.put("line-separators", Json.obj("\u2028", Json.of("a\u2028b\u2029c"), "\u2029", Json.of("\u0085")));
        m.put("controls", Json.obj("\u0000", Json.of("\u0001\u001f\b\f\n\r\t\u000b"), "\u007f", Json.of("\"\\/")));
        m.put("non-ascii", Json.obj("Grüße", Json.of("日本語"), "Ωmega", Json.obj("ключ", Json.of("значение"))));
        m.put("integers", Json.obj("max", Json.of(Json.MAX_INTEGER), "min", Json.of(-Json.MAX_INTEGER), "zero",
                Json.of(0),
                "nested", Json.arr(List.of(Json.of(-1), Json.Null.INSTANCE, Json.of(true), Json.arr(List.of())))));
        return m;
    }

    private static Json.Obj renameKey(Json.Obj o, String from, String to) {
        LinkedHashMap<String, Json> m = new LinkedHashMap<>(o.members());
        m.put(to, m.remove(from));
        return new Json.Obj(m);
    }

    /** One verify_signed.py entry, after checking that this library agrees with {@code valid}. */
    private static Json entry(String id, Json.Obj object, String user, String keyId, Ed25519PublicKey key,
            boolean valid) {
        if (SignedJson.verify(object, user, keyId, key).valid() != valid) {
            throw new IllegalStateException(id + ": keybackup itself does not find the signature "
                    + (valid ? "valid" : "invalid"));
        }
        return Json.obj("id", Json.of(id), "object", object, "user_id", Json.of(user), "key_id", Json.of(keyId),
                "public_key", Json.of(key.toBase64()), "expected_valid", Json.of(valid));
    }

    // ---------------------------------------------------------------- (b) key backup

    /** A GET /room_keys/keys body: every vector session, signed in both spellings, encrypted by MegolmBackupV1. */
    private Json.Obj backupBody() throws Exception {
        Map<String, Json> rooms = new LinkedHashMap<>();
        for (FieldNames names : FieldNames.values()) {
            SessionSigner signer = SessionSigner.unchecked(USER, signingKey, names);
            Map<String, Json> byId = new LinkedHashMap<>();
            for (int i = 0; i < sessions.size(); i++) {
                Json.Obj plain = sessions.get(i);
                if (names == FieldNames.STABLE && i == 0) {
                    plain = plain.with("org.example.note", Json.of("Grüße\u2028\uD83D\uDE00"));
                }
                Json.Obj signed = signer.sign(plain, i % 2 == 0 ? KeySource.OLM : KeySource.UNTRUSTED_FORWARD);
                SessionData data = SessionData.from(signed);
                byId.put(data.sessionId(), encrypt(signed, data.export().firstIndex()));
            }
            rooms.put("!" + names.name().toLowerCase() + "-Ω:example.org", Json.obj("sessions", new Json.Obj(byId)));
        }
        return Json.obj("rooms", new Json.Obj(rooms));
    }

    /** KeyBackupData for {@code sessionData}, after checking that it decrypts back to the same canonical bytes. */
    private Json encrypt(Json.Obj sessionData, long firstIndex) throws Exception {
        byte[] plaintext = CanonicalJson.encode(sessionData);
        Json.Obj encrypted = MegolmBackupV1.encrypt(plaintext, backupKey.publicKey());
        MegolmBackupV1.Decrypted back = MegolmBackupV1.decrypt(encrypted, backupKey);
        if (back.mac() != MegolmBackupV1.MacCheck.MATCH || !Arrays.equals(CanonicalJson.encode(back.plaintext()),
                plaintext)) {
            throw new IllegalStateException("keybackup does not decrypt its own backup entry");
        }
        return new KeyBackupData(firstIndex, 0, false, encrypted).toJson();
    }

    /** backup-encryption.json format: random-ephemeral cases with expected plaintext, and fixed-ephemeral ones. */
    private Json.Obj backupVectors() throws Exception {
        List<Json> cases = new ArrayList<>();
        for (int i = 0; i < sessions.size(); i++) {
            Json.Obj signed = SessionSigner.unchecked(USER, signingKey, FieldNames.UNSTABLE).sign(sessions.get(i),
                    KeySource.OLM);
            cases.add(Json.obj("id", Json.of("java/session-" + i), "key", Json.of("java-backup-key"),
                    "key_backup_data", encrypt(signed, 0), "plaintext", Json.of(CanonicalJson.encodeToString(signed))));
        }
        // Fixed ephemeral keys; plaintexts around the AES block size and with multi-byte UTF-8.
        List<Json> reference = new ArrayList<>();
        Random seeded = new Random(RANDOM_SEED);
        String[] plaintexts = {"{\"a\":1}", "{\"abcdefghij\":1}", "{\"abcdefghijk\":1}", "{\"abcdefghijkl\":1}",
                "{\"é\":\"\u2028\uD83D\uDE00\"}"};
        for (int i = 0; i < plaintexts.length; i++) {
            byte[] seed = new byte[32];
            seeded.nextBytes(seed);
            try (BackupDecryptionKey ephemeral = BackupDecryptionKey.fromBytes(seed)) {
                Json.Obj expected = FixedEphemeralEncryption.encrypt(plaintexts[i].getBytes(StandardCharsets.UTF_8),
                        backupKey.publicKey(), ephemeral);
                reference.add(Json.obj("id", Json.of("java/fixed-ephemeral-" + i), "key", Json.of("java-backup-key"),
                        "plaintext", Json.of(plaintexts[i]), "expected", expected));
            }
        }
        Json key = Json.obj("name", Json.of("java-backup-key"), "private_key", Json.of(base64(backupKey.exportBytes())),
                "public_key", Json.of(backupKey.publicKey().toBase64()), "recovery_key",
                        Json.of(backupKey.toRecoveryKey()));
        Json signer = Json.obj("public_key", Json.of(signingKey.publicKey().toBase64()), "user_id", Json.of(USER));
        return Json.obj("keys", Json.arr(List.of(key)), "backup_signing_key", signer,
                "cases", Json.arr(cases), "deterministic_reference_cases", Json.arr(reference));
    }

    /** recovery-key.json format: fixed edge keys and seeded random ones, encoded by RecoveryKey. */
    private static Json.Obj recoveryVectors() {
        List<Json> cases = new ArrayList<>();
        Random seeded = new Random(RANDOM_SEED);
        for (int i = 0; i < 20; i++) {
            byte[] key = new byte[32];
            if (i == 1) Arrays.fill(key, (byte) 0xff);
            if (i > 1) seeded.nextBytes(key);
            cases.add(Json.obj("id", Json.of("java/" + i), "key", Json.of(base64(key)), "recovery_key",
                    Json.of(RecoveryKey.encode(key))));
        }
        return Json.obj("cases", Json.arr(cases));
    }

    /**
     * secret-storage.json format: secrets encrypted by SecretStorage (random IVs), key checks made by
     * KeyDescription.create, and PBKDF2 keys from PassphraseKey; matrix-js-sdk re-derives each one.
     */
    private static Json.Obj secretStorageVectors() throws Exception {
        List<Json> cases = new ArrayList<>();
        List<Json> checks = new ArrayList<>();
        List<Json> pbkdf2 = new ArrayList<>();
        String[][] secrets = {{"m.key_backup.signing", "m0W0IF1xvemHQb2wo2fFuqwdx4BYCam/VlDRehVCBOU"},
                {"m.megolm_backup.v1", "ELL4eu4DjEbxkj87wE+peNEVGAVgAOszvumiGc8jnG8"},
                {"org.example.unicode", "p\u00e4ss w\u00f6rd \ud83d\ude00 \u2028"}, {"org.example.empty", ""},
                {"org.example.long", "x".repeat(1000)}};
        for (int i = 0; i < 6; i++) {
            try (SecretStorageKey key = SecretStorageKey.generate()) {
                String keyB64 = base64(key.exportBytes());
                for (String[] sec : secrets) {
                    Json.Obj enc = SecretStorage.encrypt(sec[0], sec[1], key, "k").object("encrypted").object("k");
                    cases.add(Json.obj("id", Json.of("java/" + i + "/" + sec[0]), "key", Json.of(keyB64), "name",
                            Json.of(sec[0]),
                            "plaintext", Json.of(sec[1]), "iv", enc.get("iv"), "ciphertext", enc.get("ciphertext"),
                                    "mac", enc.get("mac")));
                }
                Json.Obj desc = KeyDescription.create(key, null, null);
                checks.add(Json.obj("id", Json.of("java/" + i), "key", Json.of(keyB64), "iv", desc.get("iv"), "mac",
                        desc.get("mac")));
            }
        }
        String[][] phrases = {{"correct horse battery staple", "saltsaltsalt", "1000"},
                {"p\u00e4ss\ud83d\ude00", "IuLnH7S85YtZmkkBJKwNUKxWF42g9O1H", "10"},
                {"", "s", "1"}};
        for (int i = 0; i < phrases.length; i++) {
            byte[] k = PassphraseKey.derive(phrases[i][0].toCharArray(), phrases[i][1],
                    Integer.parseInt(phrases[i][2]), 256);
            pbkdf2.add(Json.obj("id", Json.of("java/" + i), "passphrase", Json.of(phrases[i][0]), "salt",
                    Json.of(phrases[i][1]),
                    "iterations", Json.of(Integer.parseInt(phrases[i][2])), "bits", Json.of(256), "key",
                            Json.of(base64(k))));
        }
        return Json.obj("cases", Json.arr(cases), "key_check_cases", Json.arr(checks), "pbkdf2_cases",
                Json.arr(pbkdf2));
    }

    // ---------------------------------------------------------------- (c) canonical JSON

    /** Our canonical form of every spec-valid input of the shared vectors, then of seeded random objects. */
    private static List<Json> canonicalCases() throws IOException {
        List<Json> cases = new ArrayList<>();
        Path vectors = Files.exists(Path.of("test/vectors/json/canonical-json.json"))
                ? Path.of("test/vectors/json/canonical-json.json") : Path.of("../shared/vectors/canonical-json.json");
        if (Files.exists(vectors)) {
            for (Json c : canonicalVectorCases(vectors).elements()) {
                Json.Obj o = (Json.Obj) c;
                cases.add(canonicalCase("vectors/" + o.string("id"), o.string("input")));
            }
        } else {
            System.err.println("interop: no canonical-json.json vectors found; random cases only");
        }
        RandomJson random = new RandomJson(RANDOM_SEED);
        for (int i = 0; i < RANDOM_CASES; i++) {
            cases.add(canonicalCase("random/" + i, random.loose(random.object(4))));
        }
        return cases;
    }

    /**
     * The {@code cases} array of a canonical-json.json vector file, read by streaming: the file's later
     * {@code out_of_spec_inputs} quote another-json's output with a lone surrogate, which our strict
     * parser rightly refuses, so the reader stops once it has the cases.
     */
    private static Json.Arr canonicalVectorCases(Path file) throws IOException {
        try (JsonReader r = new JsonReader(Files.newInputStream(file), JsonReader.DEFAULT_MAX_BYTES)) {
            r.beginObject();
            for (String key = r.nextKey(); key != null; key = r.nextKey()) {
                if (key.equals("cases")) return (Json.Arr) r.readValue();
                r.skipValue();
            }
            throw new IllegalStateException(file + ": no cases");
        } catch (JsonException e) {
            throw new IllegalStateException(file + ": " + e.getMessage(), e);
        }
    }

    /** A canonicalize.py case; an input we reject gets a marker instead of output, so the peer reports it. */
    private static Json canonicalCase(String id, String input) {
        String canonical;
        try {
            canonical = CanonicalJson.encodeToString(JsonReader.parse(input));
        } catch (JsonException e) {
            canonical = "<keybackup rejected the input: " + e.getMessage() + ">";
        }
        return Json.obj("id", Json.of(id), "input", Json.of(input), "canonical", Json.of(canonical));
    }

    // ---------------------------------------------------------------- helpers

    /** The SessionData plaintexts of the backup vectors (real 165-byte session exports). */
    private static List<Json.Obj> vectorSessions() throws IOException {
        Json.Obj file = (Json.Obj) parse(Files.readString(Path.of("test/vectors/backup/backup-encryption.json")));
        List<Json.Obj> out = new ArrayList<>();
        for (Json c : ((Json.Arr) file.get("cases")).elements()) {
            out.add((Json.Obj) parse(((Json.Obj) c).string("plaintext")));
        }
        return out;
    }

    private static Json parse(String text) {
        try {
            return JsonReader.parse(text);
        } catch (JsonException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private static String base64(byte[] bytes) {
        return Base64Unpadded.encode(bytes);
    }

    private static void write(Path file, Json value) throws IOException {
        Files.write(file, CanonicalJson.encode(value));
    }
}
