package keybackup.cli;

import static keybackup.workflow.WorkflowFixture.TOKEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import keybackup.homeserver.TestHomeserver.Answer;
import keybackup.json.Json;
import keybackup.json.JsonReader;
import keybackup.workflow.WorkflowFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, "nothing from the server reaches the terminal raw": a hostile homeserver echoes the access
 * token, ESC sequences, CR and bidi controls in every field of every answer the CLI prints (versions,
 * algorithm, room and session ids as member names, errcode and error with the token split between them,
 * current_version). Whatever the command prints, stdout and stderr hold no piece of the token of 8 or more
 * characters and no control or format character but the newline at the end of each line.
 */
@Timeout(60)
class ServerTextOutputTest {
    /** ESC sequences (clear screen, set the window title), the token, CR, bidi override and isolate, C1 NEL. */
    static final String HOSTILE = "\u001b[2J\u001b]0;owned\u0007" + TOKEN + "\rok\u202eevil\u2066x\u2069\u0085";
    /** {@link #HOSTILE} without the token: what the export may carry, escaped on a terminal, exact into a pipe. */
    static final String HOSTILE_NO_TOKEN = "\u001b[2J\u001b]0;owned\u0007\rok\u202eevil\u2066x\u2069\u0085";
    static final String VERSION_PATH = "GET /_matrix/client/v3/room_keys/version";
    static final String KEYS_PATH = "GET /_matrix/client/v3/room_keys/keys";

    @TempDir
    Path dir;

    private WorkflowFixture f;
    private List<String> where;

    private void start() throws Exception {
        f = WorkflowFixture.open(WorkflowFixture.Backend.HOMESERVER, dir);
        where = new ArrayList<>(f.cliOptions(dir));
        where.addAll(List.of("--threads", "2"));
    }

    /** A signed backup with 4 keys in 2 rooms, made through the CLI before the server turns hostile. */
    private void startWithBackup() throws Exception {
        start();
        assertEquals(0, run("enable").code());
        assertEquals(0, run("upload", "--keys", keysFile(), "--source", "olm").code());
    }

    private String keysFile() throws Exception {
        return WorkflowFixture.writeExport(dir.resolve("keys.json"), WorkflowFixture.sessions(2, 2, 5)).toString();
    }

    private CliRun.Result run(String command, String... more) {
        List<String> args = new ArrayList<>(List.of(command));
        args.addAll(where);
        args.addAll(List.of(more));
        return CliRun.run(new byte[0], args.toArray(new String[0]));
    }

    /** Runs the command against the rewritten server; checks stdout and stderr; returns what was printed. */
    private String hostile(UnaryOperator<Answer> rewrite, String command, String... more) {
        f.server.rewriteReplies(rewrite);
        try {
            CliRun.Result r = run(command, more);
            String printed = r.outText() + r.err();
            assertClean(command, printed, true);
            return printed;
        } finally {
            f.server.rewriteReplies(null);
        }
    }

    /**
     * No piece of the token of 8 characters; no control or format character but '\n' (unless {@code json}: then no C0).
     */
    static void assertClean(String what, String printed, boolean text) {
        for (int i = 0; i + 8 <= TOKEN.length(); i++) {
            if (printed.contains(TOKEN.substring(i, i + 8))) {
                fail(what + ": a piece of the token was printed: " + printed);
            }
        }
        for (int i = 0; i < printed.length(); i++) {
            char c = printed.charAt(i);
            int type = Character.getType(c);
            boolean bad = text ? c != '\n' && (type == Character.CONTROL || type == Character.FORMAT
                    || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR)
                    : c < 0x20 && c != '\n';
            if (bad) fail(what + ": raw U+" + String.format("%04X", (int) c) + " at " + i + " in: " + visible(printed));
        }
    }

    private static String visible(String s) {
        StringBuilder sb = new StringBuilder();
        s.chars().forEach(c -> sb.append(c >= 0x20 && c < 0x7f || c == '\n' ? Character.toString(c)
                : String.format("<%04x>", c)));
        return sb.toString();
    }

    /** Every string member (recursively) of a 2xx body set to {@link #HOSTILE} when its name is in {@code names}. */
    static UnaryOperator<Answer> fields(String request, String... names) {
        return a -> a.request().equals(request) && a.status() / 100 == 2
                ? new Answer(a.request(), a.status(), replace(a.body(), List.of(names))) : a;
    }

    /**
     * {@code rest}, then the {@code version} of a 2xx answer to {@code request} set to the token itself: a valid
     * version id ({@link keybackup.homeserver.VersionInfo}), so it is used and printed, redacted. A version with
     * controls is refused where it enters (the {@code *_refused} checks below).
     */
    static UnaryOperator<Answer> versionIsToken(String request, UnaryOperator<Answer> rest) {
        return a -> {
            Answer b = rest.apply(a);
            return b.request().equals(request) && b.status() / 100 == 2
                    ? new Answer(b.request(), b.status(), b.body().with("version", Json.of(TOKEN))) : b;
        };
    }

    private static Json.Obj replace(Json.Obj o, List<String> names) {
        Map<String, Json> m = new LinkedHashMap<>();
        o.members().forEach((k, v) -> m.put(k, names.contains(k) && v instanceof Json.Str ? Json.of(HOSTILE)
                : v instanceof Json.Obj inner ? replace(inner, names) : v));
        return new Json.Obj(m);
    }

    @Test
    void status_versionAndAlgorithmEchoToken_escapedAndRedacted() throws Exception {
        startWithBackup();
        String printed = hostile(versionIsToken(VERSION_PATH, fields(VERSION_PATH, "algorithm")), "status");
        assertTrue(printed.contains("version: [redacted]"), printed);
        assertTrue(printed.contains("algorithm: "
                + "\\u001b[2J\\u001b]0;owned\\u0007[redacted]\\u000dok\\u202eevil\\u2066x\\u2069\\u0085"), printed);
        String refused = hostile(fields(VERSION_PATH, "version"), "status");
        assertTrue(refused.contains("malformed version info: version"), refused);
    }

    @Test
    void everyStoreCommand_versionEchoesToken_escapedAndRedacted() throws Exception {
        startWithBackup();
        for (String[] cmd : List.of(new String[] {"restore", "--out", dir.resolve("out.json").toString()},
                new String[] {"upload", "--keys", keysFile(), "--source", "olm"}, new String[] {"audit"})) {
            String printed = hostile(versionIsToken(VERSION_PATH, fields(VERSION_PATH, "algorithm")), cmd[0],
                    Arrays.copyOfRange(cmd, 1, cmd.length));
            assertTrue(printed.contains("[redacted]"), cmd[0] + ": the hostile version was not printed: " + printed);
        }
    }

    @Test
    void audit_authDataKeyIdsAndSigningKeyEchoToken_tableAndJsonRedacted() throws Exception {
        startWithBackup();
        UnaryOperator<Answer> rewrite = a -> a.request().equals(VERSION_PATH) && a.status() == 200
                ? new Answer(a.request(), 200, a.body().with("auth_data",
                hostileAuthData(a.body().object("auth_data")))) : a;
        String table = hostile(rewrite, "audit");
        assertTrue(table.contains("  signature ed25519:ALICEPHONE\\u001b[2J\\u001b]0;owned\\u0007[redacted]\\u000dok"),
                table);
        f.server.rewriteReplies(rewrite);
        CliRun.Result json = run("audit", "--json");
        f.server.rewriteReplies(null);
        assertClean("audit --json stdout", json.outText(), false);
        assertClean("audit --json stderr", json.err(), true);
        assertTrue(json.outText().contains("\"key_id\":\"ed25519:ALICEPHONE\\u001b[2J\\u001b]0;owned\\u0007[redacted]\\rok\u202eevil"), json.outText());
    }

    /** Every signature's key id (a member name) and the signing public key set to the hostile text. */
    private static Json.Obj hostileAuthData(Json.Obj authData) {
        Map<String, Json> users = new LinkedHashMap<>();
        authData.object("signatures").members().forEach((user, sigs) -> {
            Map<String, Json> renamed = new LinkedHashMap<>();
            ((Json.Obj) sigs).members().forEach((keyId, sig) -> renamed.put(keyId + HOSTILE, sig));
            users.put(user, new Json.Obj(renamed));
        });
        Json.Obj out = authData.with("signatures", new Json.Obj(users));
        for (String name : authData.members().keySet()) {
            if (name.endsWith("signing_public_key")) out = out.with(name, Json.of(HOSTILE));
        }
        return out;
    }

    @Test
    void enable_createdVersionEchoesToken_escapedAndRedacted() throws Exception {
        start();
        String printed = hostile(versionIsToken("POST /_matrix/client/v3/room_keys/version", a -> a), "enable");
        assertTrue(printed.contains("[redacted]"), printed);
    }

    @Test
    void enable_createdVersionWithControls_refusedAndTheRealOneFound() throws Exception {
        start();
        // the answer's version is refused where it enters; enable then finds the version it made by reading it back
        String printed = hostile(fields("POST /_matrix/client/v3/room_keys/version", "version"), "enable");
        assertTrue(printed.contains("version: 1"), printed);
    }

    @Test
    void migrate_newVersionEchoesToken_logAndErrorEscapedAndRedacted() throws Exception {
        startWithBackup();
        String printed = hostile(versionIsToken("POST /_matrix/client/v3/room_keys/version", a -> a), "migrate",
                "--checkpoint", dir.resolve("cp.json").toString(), "--rotate");
        assertTrue(printed.contains("[redacted]"), printed);
    }

    @Test
    void migrate_newVersionWithControls_refusedAndTheRealOneFound() throws Exception {
        startWithBackup();
        String printed = hostile(fields("POST /_matrix/client/v3/room_keys/version", "version"), "migrate",
                "--checkpoint", dir.resolve("cp.json").toString(), "--rotate");
        assertTrue(printed.contains("new version 2"), printed);
    }

    @Test
    void error_tokenSplitAcrossErrcodeAndError_neitherHalfPrinted() throws Exception {
        startWithBackup();
        int half = TOKEN.length() / 2;
        String printed = hostile(a -> a.request().equals(VERSION_PATH) ? new Answer(a.request(), 403, Json.obj(
                "errcode", Json.of("M_" + TOKEN.substring(0, half) + "\u001b[1A\u001b[2K"),
                "error", Json.of(TOKEN.substring(half) + "\rkeybackup: verification: passed\u202e"))) : a, "status");
        assertTrue(printed.startsWith("keybackup: error: http 403 M_[redacted]\\u001b[1A\\u001b[2K: [redacted]\\u000dkeybackup: verification: passed\\u202e"),
                printed);
        assertEquals(1, printed.lines().count(), printed);
    }

    @Test
    void upload_wrongVersionErrorEchoesTokenInEveryField_escapedAndRedacted() throws Exception {
        startWithBackup();
        String printed = hostile(a -> a.request().startsWith("PUT /_matrix/client/v3/room_keys/keys")
                ? new Answer(a.request(), 403, Json.obj(
                "errcode", Json.of(HOSTILE), "error", Json.of(HOSTILE), "current_version", Json.of(HOSTILE))) : a,
                "upload", "--keys", keysFile(), "--source", "olm");
        assertTrue(printed.contains("keybackup: error: ") && printed.contains("[redacted]"), printed);
    }

    @Test
    void audit_roomAndSessionIdsEchoToken_tableEscapedAndRedacted() throws Exception {
        startWithBackup();
        String printed = hostile(a -> a.request().startsWith("GET /_matrix/client/v3/room_keys/keys")
                ? new Answer(a.request(), a.status(),
                renameMembers(a.body())) : a, "audit");
        assertTrue(printed.contains("[redacted]"), printed);
    }

    @Test
    void auditJson_roomIdsEchoToken_jsonRedactedAndStillValid() throws Exception {
        startWithBackup();
        f.server.rewriteReplies(a -> a.request().startsWith("GET /_matrix/client/v3/room_keys/keys")
                ? new Answer(a.request(), a.status(),
                renameMembers(a.body())) : a);
        CliRun.Result r = run("audit", "--json");
        f.server.rewriteReplies(null);
        assertEquals(0, r.code(), r.err());
        assertClean("audit --json stdout", r.outText(), false);
        assertClean("audit --json stderr", r.err(), true);
        Json.Obj report = (Json.Obj) JsonReader.parse(r.out());
        assertTrue(r.outText().contains("[redacted]"), r.outText());
        assertEquals(Json.of(4), report.object("summary").get("total"));
    }

    /**
     * JSON output is redacted string by string before it is encoded: a string whose escape ({@code \}{@code n})
     * completes a piece of the token, which the decoded string alone does not hold, is redacted as well.
     */
    @Test
    void auditJson_roomIdWhoseEscapeCompletesATokenPiece_notPrinted() throws Exception {
        startWithBackup();
        int n = TOKEN.indexOf("nValue_4");
        f.server.rewriteReplies(a -> a.request().startsWith(KEYS_PATH) && a.status() == 200
                ? new Answer(a.request(), a.status(),
                renameFirstRoomTo(a.body(), "!\n" + TOKEN.substring(n + 1, n + 8) + ":example.org")) : a);
        CliRun.Result r = run("audit", "--json");
        f.server.rewriteReplies(null);
        assertEquals(0, r.code(), r.err());
        assertClean("audit --json stdout", r.outText(), false);
        assertTrue(r.outText().contains("[redacted]"), r.outText());
        assertEquals(Json.of(4), ((Json.Obj) JsonReader.parse(r.out())).object("summary").get("total"));
    }

    @Test
    void restoreOutDash_forcedToATerminal_serverRoomIdsEscaped_intoAPipeExactBytes() throws Exception {
        startWithBackup();
        f.server.rewriteReplies(a -> a.request().startsWith("GET /_matrix/client/v3/room_keys/keys")
                ? new Answer(a.request(), a.status(), renameRooms(a.body(), HOSTILE_NO_TOKEN)) : a);
        try {
            List<String> args = new ArrayList<>(List.of("restore"));
            args.addAll(where);
            args.addAll(List.of("--out", "-", "--force-terminal"));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = Main.run(args.toArray(new String[0]), new ByteArrayInputStream(new byte[0]), out, err, true);
            String shown = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
            assertClean("restore --out - on a terminal", shown, true);
            assertClean("restore --out - on a terminal, stderr", err.toString(StandardCharsets.UTF_8), true);
            assertTrue(shown.contains("\\u202eevil\\u2066x\\u2069\\u0085"), shown);
            assertTrue(shown.contains("\\u001b[2J"), shown);

            CliRun.Result piped = run("restore", "--out", "-"); // not a terminal: the export's exact bytes
            assertEquals(0, piped.code(), piped.err());
            Json.Arr export = (Json.Arr) JsonReader.parse(piped.out());
            assertEquals(4, export.elements().size());
            for (Json e : export.elements()) {
                assertTrue(((Json.Obj) e).string("room_id").startsWith("!" + HOSTILE_NO_TOKEN), piped.outText());
            }
            assertTrue(piped.outText().contains("\u202eevil\u2066x\u2069\u0085"), "raw in a pipe");
        } finally {
            f.server.rewriteReplies(null);
        }
    }

    /** The rooms of a {@code GET /room_keys/keys} answer renamed to {@code text} plus a number. */
    private static Json.Obj renameRooms(Json.Obj body, String text) {
        Json.Obj rooms = body.object("rooms");
        if (rooms == null) return body;
        Map<String, Json> out = new LinkedHashMap<>();
        for (Map.Entry<String, Json> room : rooms.members().entrySet()) {
            out.put("!" + text + out.size() + ":example.org", room.getValue());
        }
        return Json.obj("rooms", new Json.Obj(out));
    }

    /**
     * The export's exact bytes (a pipe, a file) cannot be redacted without changing a key's room or session id,
     * so an entry whose ids hold a piece of the token is not written at all, and stderr says how many were left
     * out and why; the other entries keep their exact bytes.
     */
    @Test
    void restoreOut_roomOrSessionIdEchoesToken_entryNotWritten_toAPipeOrAFile() throws Exception {
        startWithBackup();
        // the first room's id is the token (its 2 keys are left out); in the second, one session id holds a piece of
        // it (that key is rejected: its signature covers its id), the other key is written
        f.server.rewriteReplies(a -> {
            if (!a.request().startsWith(KEYS_PATH) || a.status() != 200 || a.body().object("rooms") == null) return a;
            Map<String, Json> rooms = new LinkedHashMap<>();
            Map<String, Json> given = new java.util.TreeMap<>(a.body().object("rooms").members()); // same order each time
            for (Map.Entry<String, Json> room : given.entrySet()) {
                if (rooms.isEmpty()) {
                    rooms.put("!" + TOKEN + ":example.org", room.getValue());
                    continue;
                }
                Map<String, Json> sessions = new LinkedHashMap<>();
                new java.util.TreeMap<>(((Json.Obj) room.getValue()).object("sessions").members()).forEach((id, data) ->
                        sessions.put(sessions.isEmpty() ? "s" + TOKEN.substring(3, 14) : id, data));
                rooms.put(room.getKey(), Json.obj("sessions", new Json.Obj(sessions)));
            }
            return new Answer(a.request(), a.status(), Json.obj("rooms", new Json.Obj(rooms)));
        });
        try {
            CliRun.Result piped = run("restore", "--out", "-");
            assertEquals(0, piped.code(), piped.err());
            assertClean("restore --out - into a pipe, stderr", piped.err(), true);
            assertNoTokenPiece("restore --out - into a pipe", piped.outText());
            Json.Arr export = (Json.Arr) JsonReader.parse(piped.out());
            assertEquals(1, export.elements().size(), piped.outText());
            assertTrue(piped.err().contains("2 keys not written"), piped.err());
            assertTrue(piped.err().contains("1 rejected"), piped.err());
            assertTrue(piped.err().contains("access token"), piped.err());

            Path file = dir.resolve("restored.json");
            CliRun.Result toFile = run("restore", "--out", file.toString());
            assertEquals(0, toFile.code(), toFile.err());
            String written = java.nio.file.Files.readString(file);
            assertNoTokenPiece("restore --out FILE", written);
            assertEquals(1, ((Json.Arr) JsonReader.parse(written)).elements().size(), written);
            assertTrue(toFile.outText().contains("2 keys not written"), toFile.outText());

            // --json: a script reads the count from the object too, not only from a warning on stderr
            CliRun.Result json = run("restore", "--out", dir.resolve("restored-json.json").toString(), "--json");
            assertEquals(0, json.code(), json.err());
            Json.Obj report = (Json.Obj) JsonReader.parse(json.out());
            assertEquals(Json.of(1), report.get("written"), json.outText());
            assertEquals(Json.of(2), report.get("withheld"), json.outText());
            assertTrue(json.err().contains("2 keys not written"), json.err());
        } finally {
            f.server.rewriteReplies(null);
        }
    }

    /**
     * The check works on what is written, not only on the decoded strings: canonical JSON writes a control
     * character as an escape (a backslash and a letter for a newline or a tab), whose letter can complete a piece
     * of the token that the decoded string (7 characters after the control) does not hold. A room id the server
     * chose and a member of the session data (which whoever holds the backup's public key can write) each do so
     * here; neither entry is written.
     */
    @Test
    void restoreOut_escapeOfAControlCompletesATokenPiece_entryNotWritten() throws Exception {
        start();
        assertEquals(0, run("enable").code());
        int n = TOKEN.indexOf("nValue_4"); // the token's 'n' is the letter of the escape "\n"
        int t = TOKEN.indexOf("tureToke"); // and its 't' that of "\t"
        List<Json> entries = new ArrayList<>();
        for (keybackup.backup.ExportedSession s : WorkflowFixture.sessions(2, 2, 5)) entries.add(s.toExportJson());
        entries.set(3, ((Json.Obj) entries.get(3)).with("x.note", Json.of("\t" + TOKEN.substring(t + 1, t + 8))));
        Path keys = WorkflowFixture.writeEntries(dir.resolve("keys.json"), entries);
        assertEquals(0, run("upload", "--keys", keys.toString(), "--source", "olm").code());
        f.server.rewriteReplies(a -> a.request().startsWith(KEYS_PATH) && a.status() == 200
                ? new Answer(a.request(), a.status(),
                renameFirstRoomTo(a.body(), "!\n" + TOKEN.substring(n + 1, n + 8) + ":example.org")) : a);
        try {
            Path file = dir.resolve("restored.json");
            CliRun.Result r = run("restore", "--out", file.toString(), "--json");
            assertEquals(0, r.code(), r.err());
            String written = java.nio.file.Files.readString(file);
            assertNoTokenPiece("restore --out FILE", written);
            assertEquals(1, ((Json.Arr) JsonReader.parse(written)).elements().size(), written);
            assertEquals(Json.of(3), ((Json.Obj) JsonReader.parse(r.out())).get("withheld"), r.outText());
        } finally {
            f.server.rewriteReplies(null);
        }
    }

    /** The first room (in name order) of a {@code GET /room_keys/keys} answer renamed to {@code id}. */
    private static Json.Obj renameFirstRoomTo(Json.Obj body, String id) {
        if (body.object("rooms") == null) return body;
        Map<String, Json> rooms = new LinkedHashMap<>();
        new java.util.TreeMap<>(body.object("rooms").members()).forEach((room, v) ->
                rooms.put(rooms.isEmpty() ? id : room, v));
        return Json.obj("rooms", new Json.Obj(rooms));
    }

    private static void assertNoTokenPiece(String what, String text) {
        for (int i = 0; i + 8 <= TOKEN.length(); i++) {
            if (text.contains(TOKEN.substring(i, i + 8))) fail(what + ": a piece of the token was written: " + text);
        }
    }

    @Test
    void audit_oneHugeRoomId_otherLinesNotPaddedToIt() throws Exception {
        startWithBackup();
        String huge = "!" + "r".repeat(100_000) + ":example.org";
        String printed = hostile(a -> a.request().startsWith("GET /_matrix/client/v3/room_keys/keys") ? new Answer(a.request(), a.status(),
                renameFirstRoom(a.body(), huge)) : a, "audit");
        assertTrue(printed.contains(huge), "the long id is printed whole");
        for (String line : printed.split("\n")) {
            if (!line.contains(huge)) assertTrue(line.length() < 400, "a line padded to the longest id: " + line.length() + " columns");
        }
    }

    private static Json.Obj renameFirstRoom(Json.Obj body, String roomId) {
        Json.Obj rooms = body.object("rooms");
        if (rooms == null) return body;
        Map<String, Json> out = new LinkedHashMap<>();
        for (Map.Entry<String, Json> room : rooms.members().entrySet()) out.put(out.isEmpty() ? roomId : room.getKey(), room.getValue());
        return Json.obj("rooms", new Json.Obj(out));
    }

    /** Rooms and sessions of a {@code GET /room_keys/keys} answer renamed: the hostile text plus a number. */
    private static Json.Obj renameMembers(Json.Obj body) {
        Json.Obj rooms = body.object("rooms");
        if (rooms == null) return body;
        Map<String, Json> out = new LinkedHashMap<>();
        int n = 0;
        for (Map.Entry<String, Json> room : rooms.members().entrySet()) {
            Map<String, Json> sessions = new LinkedHashMap<>();
            for (Map.Entry<String, Json> s : ((Json.Obj) room.getValue()).object("sessions").members().entrySet()) {
                sessions.put(n % 2 == 0 ? HOSTILE + n : s.getKey(), s.getValue());
                n++;
            }
            out.put("!" + HOSTILE + n + ":example.org", Json.obj("sessions", new Json.Obj(sessions)));
        }
        return Json.obj("rooms", new Json.Obj(out));
    }
}
