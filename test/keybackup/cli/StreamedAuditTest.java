package keybackup.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import keybackup.backup.KeyBackupData;
import keybackup.backup.MegolmBackupV1;
import keybackup.backup.SessionData;
import keybackup.homeserver.AccessToken;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.keys.BackupDecryptionKey;
import keybackup.trust.AuthDataTrust;
import keybackup.trust.BackupAudit;
import keybackup.trust.OwnIdentity;
import keybackup.trust.SessionVerifier;
import keybackup.trust.TrustAnchors;
import keybackup.trust.TrustResolver;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The online audit's report written from disk prints the same bytes as the report of an audit that kept every
 * entry in memory ({@link AuditTable#render}, {@link BackupAudit#toJson()}), over one run or many.
 */
class StreamedAuditTest {
    private static final String USER = "@alice:example.org";
    private static final String TOKEN = "syt_c2VjcmV0dG9rZW4_abcdefghij";
    private static final String[] ROOMS = {"!a:example.org", "!b:example.org", "!é:example.org", "!😀:example.org",
        "!x\n!forged:row authenticated", "!\u001b[2J:example.org", "!" + "long".repeat(30) + ":example.org",
        "!" + TOKEN + ":example.org", "!\u202e:example.org"};

    private static AuthDataTrust trust;
    private static OwnIdentity identity;
    private static List<SessionVerifier.Result> results;

    @TempDir
    Path dir;

    /** 300 verdicts of a backup the server chose: decrypted ones, sessions under another id, malformed ones. */
    @BeforeAll
    static void audit() throws Exception {
        try (BackupDecryptionKey key = BackupDecryptionKey.generate()) {
            Json.Obj info = Json.obj("algorithm", Json.of(MegolmBackupV1.ALGORITHM), "version", Json.of("7"),
                    "auth_data", Json.obj("public_key", Json.of(key.publicKey().toBase64())), "count", Json.of(300),
                    "etag", Json.of("1"));
            identity = OwnIdentity.fromKeysQuery(USER, Json.obj());
            trust = TrustResolver.resolve(info, identity, new TrustAnchors(USER, List.of()));
            SessionVerifier verifier = new SessionVerifier(trust, key);
            DemoSessions.Sender sender = DemoSessions.Sender.generate();
            List<SessionData> sessions = new ArrayList<>();
            for (int i = 0; i < 8; i++) sessions.add(DemoSessions.newSession(sender, List.of()));
            Random random = new Random(7);
            results = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                String room = ROOMS[random.nextInt(ROOMS.length)];
                SessionData s = sessions.get(random.nextInt(sessions.size()));
                Json.Obj kbd = new KeyBackupData(0, 0, false, MegolmBackupV1.encrypt(CanonicalJson.encode(s.json()),
                        key.publicKey())).toJson();
                results.add(switch (random.nextInt(3)) {
                    case 0 -> verifier.verify(room, s.sessionId(), kbd);
                    case 1 -> verifier.verify(room, sessions.get(0).sessionId(), kbd); // ties, other verdicts
                    default -> verifier.verify(room, "s" + random.nextInt(5), Json.obj());
                });
            }
        }
    }

    private static byte[] printed(boolean terminal, boolean redact, Printer p) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Io io = new Io(new ByteArrayInputStream(new byte[0]), out, new ByteArrayOutputStream(), terminal);
        if (redact) io.redact(AccessToken.of(TOKEN));
        p.print(io);
        return out.toByteArray();
    }

    private interface Printer {
        void print(Io io) throws Exception;
    }

    private long filesLeft() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    private void assertSameAsInMemory(List<SessionVerifier.Result> rs) throws Exception {
        BackupAudit full = new BackupAudit(USER, trust);
        BackupAudit counts = new BackupAudit(USER, trust, false);
        for (SessionVerifier.Result r : rs) {
            full.add(r);
            counts.add(r);
        }
        for (boolean json : new boolean[] {false, true}) {
            for (int runRows : new int[] {3, ExternalSort.RUN_ROWS}) {
                for (boolean terminal : new boolean[] {false, true}) {
                    for (boolean redact : new boolean[] {false, true}) {
                        byte[] expected = printed(terminal, redact, io -> {
                            if (json) io.printCanonical(full.toJson());
                            else io.println(AuditTable.render(full, identity));
                        });
                        byte[] actual = printed(terminal, redact, io -> {
                            try (StreamedAudit report = new StreamedAudit(json, dir, runRows)) {
                                for (SessionVerifier.Result r : rs) report.add(BackupAudit.entry(r));
                                report.print(io, counts, identity);
                            }
                        });
                        String label = "json " + json + ", runs of " + runRows + ", terminal " + terminal
                                + ", redacted " + redact;
                        assertEquals(new String(expected, StandardCharsets.UTF_8),
                                new String(actual, StandardCharsets.UTF_8), label);
                        assertArrayEquals(expected, actual, label);
                        assertEquals(0, filesLeft(), label);
                    }
                }
            }
        }
    }

    @Test
    void print_manyEntries_sameBytesAsInMemoryReport() throws Exception {
        assertSameAsInMemory(results);
    }

    @Test
    void print_oneEntry_sameBytesAsInMemoryReport() throws Exception {
        assertSameAsInMemory(results.subList(0, 1));
    }

    @Test
    void print_noEntry_sameBytesAsInMemoryReport() throws Exception {
        assertSameAsInMemory(List.of());
    }

    @Test
    void print_hostileIds_sameBytesAsInMemoryReport() throws Exception {
        String longId = "!!" + "\u00e9\ud83d\ude00x".repeat(20_000) + ":x"; // over 65,535 bytes; pieces cut pairs
        String[] ids = {"", "\u0000", "a\u0000", "a", "a\n!forged verdict", "\r\n", "\u2028\u2029", "\u0085",
            "\u007f\u009b2J", "\u001b]0;title\u0007", "\uffff", "\ud83d\ude00", "\ufeff", "\\u000a", longId,
            longId + "\u0000", TOKEN, "-", "rejected", " ".repeat(200)};
        List<SessionVerifier.Result> rs = new ArrayList<>();
        try (BackupDecryptionKey key = BackupDecryptionKey.generate()) {
            SessionVerifier verifier = new SessionVerifier(trust, key);
            Random random = new Random(11);
            for (int i = 0; i < 120; i++) {
                rs.add(verifier.verify(ids[random.nextInt(ids.length)], ids[random.nextInt(ids.length)],
                        i % 2 == 0 ? Json.obj() : Json.obj("session_data", Json.of(ids[i % ids.length]))));
            }
        }
        assertSameAsInMemory(rs);
    }

    @Test
    void print_runsOfOneRow_tableSortedByRoomThenSessionTiesInArrivalOrder() throws Exception {
        try (BackupDecryptionKey key = BackupDecryptionKey.generate()) {
            SessionVerifier verifier = new SessionVerifier(trust, key);
            SessionData session = DemoSessions.newSession(DemoSessions.Sender.generate(), List.of());
            Json.Obj elsewhere = new KeyBackupData(0, 0, false, MegolmBackupV1.encrypt(
                    CanonicalJson.encode(session.json()), key.publicKey())).toJson(); // stored under another id
            List<SessionVerifier.Result> rs = List.of(verifier.verify("!b:x", "s2", Json.obj()),
                    verifier.verify("!a:x", "s9", Json.obj()), verifier.verify("!b:x", "s1", Json.obj()),
                    verifier.verify("!a:x", "s9", elsewhere));
            String first = rs.get(1).verdict().reason().wire();
            String second = rs.get(3).verdict().reason().wire();
            assertNotEquals(first, second); // else the tie's order would not show
            BackupAudit counts = new BackupAudit(USER, trust, false);
            for (SessionVerifier.Result r : rs) counts.add(r);
            byte[] b = printed(false, false, io -> {
                try (StreamedAudit report = new StreamedAudit(false, dir, 1)) {
                    for (SessionVerifier.Result r : rs) report.add(BackupAudit.entry(r));
                    report.print(io, counts, identity);
                }
            });
            String table = new String(b, StandardCharsets.UTF_8);
            assertTrue(table.endsWith("\nROOM SESSION VERDICT  REASON\n"
                    + "!a:x s9      rejected " + first + "\n"
                    + "!a:x s9      rejected " + second + "\n"
                    + "!b:x s1      rejected " + first + "\n"
                    + "!b:x s2      rejected " + first + "\n"
                    + "\n"
                    + "total 4: 0 authenticated, 0 signed_not_authenticated, 0 unauthenticated, 4 rejected\n"), table);
            assertEquals(0, filesLeft());
        }
    }
}
