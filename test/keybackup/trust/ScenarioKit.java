package keybackup.trust;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import keybackup.backup.FixedEphemeralEncryption;
import keybackup.backup.KeyBackupData;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonReader;
import keybackup.json.SignedJson;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Curve25519PublicKey;
import keybackup.keys.Ed25519PrivateKey;

/**
 * The building blocks of {@link ScenarioFiles}: fixed keys, identities, signed and encrypted backup
 * entries, and the writer of one scenario file. Everything is deterministic (fixed seeds; Ed25519 is
 * deterministic; each entry is encrypted with an ephemeral key derived from the scenario name and the
 * entry's position), so running the generator twice gives the same bytes. Nothing here verifies.
 */
final class ScenarioKit {
    private ScenarioKit() {}

    /** A seed made by repeating {@code word} to 32 ASCII bytes ("laptop" → "laptoplaptop…la"). */
    static Ed25519PrivateKey seed(String word) {
        StringBuilder s = new StringBuilder();
        while (s.length() < Ed25519PrivateKey.SEED_LENGTH) s.append(word);
        try {
            return Ed25519PrivateKey.fromSeed(s.substring(0,
                    Ed25519PrivateKey.SEED_LENGTH).getBytes(StandardCharsets.US_ASCII));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String pub(Ed25519PrivateKey k) {
        return k.publicKey().toBase64();
    }

    static Json.Obj load(String path) {
        try {
            return (Json.Obj) JsonReader.parse(Files.readAllBytes(Path.of(path)));
        } catch (Exception e) {
            throw new IllegalStateException(path + ": " + e.getMessage(), e);
        }
    }

    static BackupDecryptionKey backupKey(byte[] raw) {
        try {
            return BackupDecryptionKey.fromBytes(raw);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] hex(String h) {
        return HexFormat.of().parseHex(h);
    }

    /** Signs as {@code entity} under {@code ed25519:<public key of key>}. */
    static Json.Obj sign(Json.Obj obj, String entity, Ed25519PrivateKey key) {
        return SignedJson.sign(obj, entity, "ed25519:" + pub(key), key);
    }

    /** A cross-signing key object ({@code usage} master or self_signing) signed by {@code signer}. */
    static Json.Obj crossSigningKey(String user, String usage, Ed25519PrivateKey key, Ed25519PrivateKey signer) {
        Json.Obj k = Json.obj("keys", Json.obj("ed25519:" + pub(key), Json.of(pub(key))),
                "usage", Json.arr(List.of(Json.of(usage))), "user_id", Json.of(user));
        return sign(k, user, signer);
    }

    /** A device object self-signed under {@code ed25519:<deviceId>}, cross-signed by {@code ssk} when not null. */
    static Json.Obj device(String user, String deviceId, Ed25519PrivateKey key, Ed25519PrivateKey ssk) {
        Json.Obj d = Json.obj("algorithms", Json.arr(List.of(Json.of("m.olm.v1.curve25519-aes-sha2"),
                Json.of("m.megolm.v1.aes-sha2"))),
                "device_id", Json.of(deviceId), "keys", Json.obj("ed25519:" + deviceId, Json.of(pub(key))), "user_id",
                        Json.of(user));
        d = SignedJson.sign(d, user, "ed25519:" + deviceId, key);
        return ssk == null ? d : sign(d, user, ssk);
    }

    /** A {@code POST /keys/query} body with {@code device} added to the user's devices. */
    static Json.Obj withDevice(Json.Obj keysQuery, String user, String deviceId, Json.Obj device) {
        Json.Obj all = keysQuery.object("device_keys") == null ? Json.obj() : keysQuery.object("device_keys");
        Json.Obj mine = all.object(user) == null ? Json.obj() : all.object(user);
        return keysQuery.with("device_keys", all.with(user, mine.with(deviceId, device)));
    }

    /** A {@code GET /room_keys/version} body. */
    static Json.Obj version(String algorithm, Json.Obj authData) {
        return Json.obj("algorithm", Json.of(algorithm), "auth_data", authData, "count", Json.of(1), "etag",
                Json.of("1"),
                "version", Json.of("1"));
    }

    /** A real Megolm session: its id and a SessionData without signatures or authenticated flag. */
    record Session(String id, Json.Obj base) {}

    /**
     * The six sessions of backup key "backup-key-1" in test/vectors/backup/backup-encryption.json (Megolm
     * sessions made by python3-olm), stripped of signatures and flags; and their vector entries as stored.
     */
    static final class VectorSessions {
        final List<Session> sessions = new ArrayList<>();
        final List<Json.Obj> storedEntries = new ArrayList<>();
        final Json.Obj vectors = load("test/vectors/backup/backup-encryption.json");

        VectorSessions() {
            for (Json c : ((Json.Arr) vectors.get("cases")).elements()) {
                Json.Obj cs = (Json.Obj) c;
                if (!"backup-key-1".equals(cs.string("key"))) continue;
                Json.Obj plain;
                try {
                    plain = (Json.Obj) JsonReader.parse(cs.string("plaintext"));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                for (String f : List.of("signatures", "authenticated", "org.matrix.mscxxxx.authenticated",
                        "org.matrix.msc4048.authenticated")) {
                    plain = plain.without(f);
                }
                sessions.add(new Session(cs.string("session_id"), plain));
                storedEntries.add(cs.object("key_backup_data"));
            }
            if (sessions.size() != 6) {
                throw new IllegalStateException("expected 6 backup-key-1 cases, found " + sessions.size());
            }
        }

        Session get(int i) {
            return sessions.get(i);
        }
    }

    /** Expected outcome of one stored session, as the scenario's table states it. */
    record Expect(String room, String session, String verdict) {}

    /** One scenario being built: the three server answers, the backup key, the anchors and the expectations. */
    static final class Scenario {
        final String name;
        final String description;
        String source;
        String user;
        String anchorMaster;
        String anchorDevice;
        final List<String> verifiedDevices = new ArrayList<>();
        String expectBackup;
        Json.Obj version;
        Json.Obj identity;
        String backupKeyText;
        Curve25519PublicKey backupPublicKey;
        final Map<String, Map<String, Json>> rooms = new LinkedHashMap<>();
        final List<Expect> expects = new ArrayList<>();
        private int encrypted;

        Scenario(String name, String description) {
            this.name = name;
            this.description = description;
        }

        /** Stores {@code kbd} under room/session and states its expected verdict ("verdict [reason]"). */
        Scenario entry(String room, String session, Json kbd, String expect) {
            Map<String, Json> sessions = rooms.computeIfAbsent(room, r -> new LinkedHashMap<>());
            if (sessions.put(session, kbd) != null) {
                throw new IllegalStateException(name + ": " + session + " stored twice in " + room);
            }
            expects.add(new Expect(room, session, expect));
            return this;
        }

        /** A KeyBackupData holding {@code plaintext} encrypted to this scenario's backup key. */
        Json.Obj encrypt(Json.Obj plaintext) {
            return encryptBytes(CanonicalJson.encode(plaintext));
        }

        Json.Obj encryptBytes(byte[] plaintext) {
            try (BackupDecryptionKey ephemeral = backupKey(sha256("keybackup trust scenario ephemeral " + name + " "
                    + (encrypted++)))) {
                Json.Obj sessionData = FixedEphemeralEncryption.encrypt(plaintext, backupPublicKey, ephemeral);
                return new KeyBackupData(0, 0, false, sessionData).toJson();
            }
        }

        Json.Obj keys() {
            Map<String, Json> r = new LinkedHashMap<>();
            rooms.forEach((room, sessions) -> r.put(room, Json.obj("sessions",
                    new Json.Obj(new LinkedHashMap<>(sessions)))));
            return Json.obj("rooms", new Json.Obj(r));
        }

        /** The file text: header, blank line, body. */
        String render() {
            StringBuilder h = new StringBuilder();
            line(h, "description", description);
            if (source != null) line(h, "source", source);
            line(h, "user", user);
            if (anchorMaster != null) line(h, "anchor-master", anchorMaster);
            if (anchorDevice != null) line(h, "anchor-device", anchorDevice);
            for (String d : verifiedDevices) line(h, "anchor-verified-device", d);
            line(h, "expect-backup", expectBackup);
            long auth = 0, sna = 0, unauth = 0, rej = 0, missing = 0;
            for (Expect e : expects) {
                line(h, "expect", e.room() + " " + e.session() + " " + e.verdict());
                String v = e.verdict().split(" ")[0];
                if (v.equals("authenticated")) auth++;
                else if (v.equals("signed_not_authenticated")) sna++;
                else if (v.equals("unauthenticated")) unauth++;
                else rej++;
                if (e.verdict().equals("unauthenticated signature_missing")) missing++;
            }
            // The summary follows from the lines above: counts per verdict, and the unsigned entries of a backup
            // whose signing key is usable (signature_missing can only be the verdict of such a backup).
            if (!expectBackup.equals("refused")) {
                line(h, "expect-summary", "total=" + expects.size() + " authenticated=" + auth
                        + " signed_not_authenticated=" + sna
                        + " unauthenticated=" + unauth + " rejected=" + rej + " unsigned_in_signed_backup=" + missing);
            }
            Json.Obj body = Json.obj("backup_key", Json.of(backupKeyText), "version", version, "keys", keys(),
                    "identity", identity);
            StringBuilder b = new StringBuilder();
            pretty(body, b, "");
            return h + "\n" + b + "\n";
        }

        private static void line(StringBuilder h, String key, String value) {
            if (value.contains("\n")) throw new IllegalArgumentException(key + ": one line only");
            h.append(key).append(": ").append(value).append('\n');
        }
    }

    /** JSON with two-space indentation, members in their insertion order, strings escaped as canonical JSON does. */
    static void pretty(Json v, StringBuilder out, String indent) {
        String inner = indent + "  ";
        if (v instanceof Json.Obj o && !o.members().isEmpty()) {
            out.append("{\n");
            int i = 0;
            for (Map.Entry<String, Json> m : o.members().entrySet()) {
                out.append(inner).append(CanonicalJson.encodeToString(Json.of(m.getKey()))).append(": ");
                pretty(m.getValue(), out, inner);
                out.append(++i < o.members().size() ? ",\n" : "\n");
            }
            out.append(indent).append('}');
        } else if (v instanceof Json.Arr a && !a.elements().isEmpty()) {
            out.append("[\n");
            for (int i = 0; i < a.elements().size(); i++) {
                out.append(inner);
                pretty(a.elements().get(i), out, inner);
                out.append(i + 1 < a.elements().size() ? ",\n" : "\n");
            }
            out.append(indent).append(']');
        } else {
            out.append(CanonicalJson.encodeToString(v));
        }
    }
}
