package keybackup.trust;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import keybackup.json.Json;
import keybackup.json.JsonException;
import keybackup.json.JsonReader;

/**
 * One file of test/vectors/trust-scenarios: a header of {@code key: value} lines, a blank line, then a
 * JSON body. The only reader of that format; it refuses anything it does not know, so a misspelt key
 * can never make a case silently weaker.
 *
 * <pre>
 * description: one line saying what is tested            (required)
 * source: where the case comes from                      (optional)
 * user: @alice:localhost                                 (required)
 * anchor-master: B64                                     (optional; --trusted-master-key)
 * anchor-device: ID or ID:KEY                            (optional; --device-id)
 * anchor-verified-device: ID or ID:KEY                   (repeatable; --verified-device)
 * expect-backup: trusted [REASON] | not_trusted REASON | refused     (required)
 * expect: ROOM SESSION VERDICT [REASON]                  (one per stored session; none when refused)
 * expect-summary: total=N authenticated=N signed_not_authenticated=N unauthenticated=N rejected=N unsigned_in_signed_backup=N
 * </pre>
 * The body is a JSON object with exactly {@code backup_key} (recovery key or unpadded base64),
 * {@code version}, {@code keys} and {@code identity} (the bodies of GET /room_keys/version,
 * GET /room_keys/keys and POST /keys/query).
 */
record TrustScenario(String name, String description, String source, String user, String anchorMaster,
        String anchorDevice,
                     List<String> anchorVerifiedDevices, Backup expectBackup, List<Session> expect, Map<String,
                             Long> expectSummary,
                     String backupKey, Json.Obj version, Json.Obj keys, Json.Obj identity) {

    /** The expected backup-level outcome; {@code reason} is null for a trusted backup with a usable key. */
    record Backup(String outcome, String reason) {}

    /** The expected verdict of the session stored under room/session; {@code reason} is null for authenticated. */
    record Session(String room, String session, String verdict, String reason) {}

    static final Set<String> KEYS = Set.of("description", "source", "user", "anchor-master", "anchor-device",
            "anchor-verified-device", "expect-backup", "expect", "expect-summary");
    static final Set<String> REPEATABLE = Set.of("anchor-verified-device", "expect");
    static final Set<String> REQUIRED = Set.of("description", "user", "expect-backup");
    static final List<String> SUMMARY = List.of("total", "authenticated", "signed_not_authenticated", "unauthenticated",
            "rejected", "unsigned_in_signed_backup");
    static final Set<String> BODY = Set.of("backup_key", "version", "keys", "identity");
    /** The contract's words (issue 03): each verdict with the reasons it may carry. */
    static final Map<String, Set<String>> VERDICTS = Map.of(
            "authenticated", Set.of(),
            "signed_not_authenticated", Set.of("flag_false", "flag_conflict"),
            "unauthenticated", Set.of("no_signing_key", "backup_not_trusted", "signature_missing", "signature_invalid"),
            "rejected", Set.of("decryption_failed", "session_id_mismatch"));

    /** A malformed scenario file. */
    static final class FormatException extends Exception {
        private static final long serialVersionUID = 1L;

        FormatException(String message) {
            super(message);
        }
    }

    static TrustScenario load(Path file) throws IOException, FormatException {
        String name = file.getFileName().toString();
        if (!name.endsWith(".txt")) throw new FormatException(name + ": not a .txt file");
        return parse(name.substring(0, name.length() - 4), Files.readString(file, StandardCharsets.UTF_8));
    }

    static TrustScenario parse(String name, String text) throws FormatException {
        int split = text.indexOf("\n\n");
        if (split < 0) throw new FormatException(name + ": no blank line between header and body");
        Map<String, List<String>> header = new LinkedHashMap<>();
        int lineNo = 0;
        for (String line : text.substring(0, split).split("\n", -1)) {
            lineNo++;
            int colon = line.indexOf(": ");
            if (colon <= 0) throw new FormatException(name + ":" + lineNo + ": expected 'key: value'");
            String key = line.substring(0, colon);
            String value = line.substring(colon + 2);
            if (!KEYS.contains(key)) {
                throw new FormatException(name + ":" + lineNo + ": unknown header key '" + key + "'");
            }
            if (value.isBlank() || !value.equals(value.strip())) {
                throw new FormatException(name + ":" + lineNo + ": " + key + ": empty or padded value");
            }
            List<String> values = header.computeIfAbsent(key, k -> new ArrayList<>());
            if (!values.isEmpty() && !REPEATABLE.contains(key)) {
                throw new FormatException(name + ":" + lineNo + ": " + key + " given twice");
            }
            values.add(value);
        }
        for (String key : REQUIRED) {
            if (!header.containsKey(key)) throw new FormatException(name + ": missing header key '" + key + "'");
        }
        Backup backup = backup(name, one(header, "expect-backup"));
        List<Session> sessions = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String e : header.getOrDefault("expect", List.of())) {
            Session s = session(name, e);
            if (!seen.add(s.room() + " " + s.session())) {
                throw new FormatException(name + ": expect: " + s.room() + " " + s.session() + " given twice");
            }
            sessions.add(s);
        }
        Map<String, Long> summary = summary(name, one(header, "expect-summary"));
        if (backup.outcome().equals("refused")) {
            if (!sessions.isEmpty() || summary != null) {
                throw new FormatException(name + ": a refused audit has no expect or expect-summary");
            }
        } else if (sessions.isEmpty() || summary == null) {
            throw new FormatException(name
                    + ": expect lines and expect-summary are required unless the audit is refused");
        }

        Json.Obj body;
        try {
            body = JsonReader.parseObject(text.substring(split + 2).getBytes(StandardCharsets.UTF_8));
        } catch (JsonException e) {
            throw new FormatException(name + ": body: " + e.getMessage());
        }
        if (!body.members().keySet().equals(BODY)) {
            throw new FormatException(name + ": body must hold exactly " + BODY + ", has " + body.members().keySet());
        }
        String backupKey = body.string("backup_key");
        Json.Obj version = body.object("version");
        Json.Obj keys = body.object("keys");
        Json.Obj identity = body.object("identity");
        if (backupKey == null || version == null || keys == null || identity == null) {
            throw new FormatException(name + ": body: backup_key must be a string, version, keys and identity objects");
        }
        return new TrustScenario(name, one(header, "description"), one(header, "source"), one(header, "user"),
                one(header, "anchor-master"), one(header, "anchor-device"),
                        List.copyOf(header.getOrDefault("anchor-verified-device", List.of())),
                backup, List.copyOf(sessions), summary, backupKey, version, keys, identity);
    }

    private static String one(Map<String, List<String>> header, String key) {
        List<String> v = header.get(key);
        return v == null ? null : v.get(0);
    }

    private static Backup backup(String name, String value) throws FormatException {
        String[] w = value.split(" ");
        Set<String> reasons = Set.of("no_signing_key", "backup_not_trusted");
        if (w.length == 1 && (w[0].equals("trusted") || w[0].equals("refused"))) return new Backup(w[0], null);
        if (w.length == 2 && (w[0].equals("trusted") || w[0].equals("not_trusted")) && reasons.contains(w[1])) {
            return new Backup(w[0], w[1]);
        }
        throw new FormatException(name
                + ": expect-backup: expected 'trusted [no_signing_key]', 'not_trusted REASON' or 'refused', got '"
                + value + "'");
    }

    private static Session session(String name, String value) throws FormatException {
        String[] w = value.split(" ");
        if (w.length < 3 || w.length > 4) {
            throw new FormatException(name + ": expect: expected 'ROOM SESSION VERDICT [REASON]', got '" + value + "'");
        }
        Set<String> reasons = VERDICTS.get(w[2]);
        if (reasons == null) throw new FormatException(name + ": expect: unknown verdict '" + w[2] + "'");
        String reason = w.length == 4 ? w[3] : null;
        if (reasons.isEmpty() ? reason != null : !reasons.contains(reason)) {
            throw new FormatException(name + ": expect: verdict " + w[2] + " cannot have reason '" + reason + "'");
        }
        return new Session(w[0], w[1], w[2], reason);
    }

    private static Map<String, Long> summary(String name, String value) throws FormatException {
        if (value == null) return null;
        Map<String, Long> out = new LinkedHashMap<>();
        String[] w = value.split(" ");
        if (w.length != SUMMARY.size()) {
            throw new FormatException(name + ": expect-summary: expected " + SUMMARY.size() + " counts");
        }
        for (int i = 0; i < w.length; i++) {
            String prefix = SUMMARY.get(i) + "=";
            if (!w[i].startsWith(prefix) || !w[i].substring(prefix.length()).matches("[0-9]{1,9}")) {
                throw new FormatException(name + ": expect-summary: expected " + prefix + "N at position " + (i + 1)
                        + ", got '" + w[i] + "'");
            }
            out.put(SUMMARY.get(i), Long.parseLong(w[i].substring(prefix.length())));
        }
        return out;
    }
}
