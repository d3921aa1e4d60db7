package keybackup.backup;

import static keybackup.backup.Vectors.key;
import static keybackup.backup.Vectors.list;
import static keybackup.backup.Vectors.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Curve25519PublicKey;
import org.junit.jupiter.api.Test;

/**
 * Every case of test/vectors/backup/backup-encryption.json. Expected values come from the file; where
 * the file leaves the outcome to the project ("accept or reject"), protocol.md §6.5 decides. Failures are
 * collected so one run shows all of them.
 */
class MegolmBackupV1VectorsTest {
    private final Json.Obj file = Vectors.backup();

    private BackupDecryptionKey privateKey(String name) throws Exception {
        return BackupDecryptionKey.parse("private_key", key(file, name).string("private_key"));
    }

    @Test
    void keys_privateKeyDerivesPublicAndRecoveryKey() throws Exception {
        for (Json.Obj k : list(file, "keys")) {
            try (BackupDecryptionKey priv = privateKey(k.string("name"))) {
                assertEquals(k.string("public_key"), priv.publicKey().toBase64(), k.string("name"));
                assertEquals(k.string("recovery_key"), priv.toRecoveryKey(), k.string("name"));
                assertEquals(k.string("public_key"), k.object("auth_data").string("public_key"));
            }
        }
    }

    @Test
    void cases_decryptToExactPlaintextBytes_macMatches_sessionDataValid() throws Exception {
        List<String> failures = new ArrayList<>();
        int n = 0;
        for (Json.Obj c : list(file, "cases")) {
            String id = c.string("id");
            try (BackupDecryptionKey k = privateKey(c.string("key"))) {
                byte[] expected = utf8(c.string("plaintext"));
                MegolmBackupV1.RawDecrypted raw = MegolmBackupV1.decryptRaw(c.object("encrypted"), k);
                if (!Arrays.equals(expected, raw.plaintext())) failures.add(id + ": plaintext bytes differ");
                if (raw.mac() != MegolmBackupV1.MacCheck.MATCH) failures.add(id + ": mac " + raw.mac());

                MegolmBackupV1.Decrypted d = MegolmBackupV1.decrypt(c.object("encrypted"), k);
                if (!d.plaintext().equals(c.object("session_data"))) failures.add(id + ": parsed plaintext differs from session_data");
                boolean canonical = c.string("plaintext_note").startsWith("canonical JSON");
                if (canonical && !Arrays.equals(expected, CanonicalJson.encode(d.plaintext()))) failures.add(id + ": not canonical");
                if (!canonical && Arrays.equals(expected, CanonicalJson.encode(d.plaintext()))) failures.add(id + ": note says not canonical");

                SessionData sd = SessionData.from(d.plaintext());
                if (!sd.matchesSessionId(c.string("session_id"))) failures.add(id + ": session id " + sd.sessionId());
                if (sd.json() != d.plaintext()) failures.add(id + ": SessionData does not keep the original object");

                KeyBackupData kbd = KeyBackupData.from(c.object("key_backup_data"));
                if (!kbd.sessionData().equals(c.object("encrypted"))) failures.add(id + ": key_backup_data.session_data");
                if (!kbd.toJson().equals(c.object("key_backup_data"))) failures.add(id + ": key_backup_data round trip");
                if (kbd.firstMessageIndex() != sd.export().firstIndex()) failures.add(id + ": first index");
                for (Map.Entry<String, Json> peer : c.object("decrypted_by").members().entrySet()) {
                    if (!c.string("plaintext").equals(((Json.Obj) peer.getValue()).string("plaintext"))) failures.add(id + ": peer " + peer.getKey());
                }
                n++;
            } catch (Exception e) {
                failures.add(id + ": " + e);
            }
        }
        assertEquals(List.of(), failures);
        assertEquals(12, n);
    }

    @Test
    void deterministicReferenceCases_reproducedByteForByte_withIntermediates() throws Exception {
        List<String> failures = new ArrayList<>();
        for (Json.Obj c : list(file, "deterministic_reference_cases")) {
            String id = c.string("id");
            Json.Obj inter = c.object("intermediate");
            Curve25519PublicKey backupPub = Curve25519PublicKey.parse("public_key", key(file, c.string("key")).string("public_key"));
            try (BackupDecryptionKey eph = BackupDecryptionKey.parse("ephemeral_private_key", c.string("ephemeral_private_key"));
                    BackupDecryptionKey backup = privateKey(c.string("key"))) {
                byte[] plaintext = utf8(c.string("plaintext"));
                Json.Obj out = MegolmBackupV1.encrypt(plaintext, backupPub, eph);
                if (!out.equals(c.object("expected"))) failures.add(id + ": encrypt gave " + out);
                if (!Arrays.equals(CanonicalJson.encode(out), CanonicalJson.encode(c.object("expected")))) failures.add(id + ": canonical bytes");

                byte[] shared = eph.agree(backupPub);
                byte[] sharedOtherSide = backup.agree(Curve25519PublicKey.parse("ephemeral", c.object("expected").string("ephemeral")));
                byte[] okm = MegolmBackupV1.deriveKeys(shared);
                check(failures, id + ": shared_secret", inter.string("shared_secret"), shared);
                check(failures, id + ": shared_secret (recipient)", inter.string("shared_secret"), sharedOtherSide);
                check(failures, id + ": aes_key", inter.string("aes_key"), Arrays.copyOfRange(okm, 0, 32));
                check(failures, id + ": mac_key", inter.string("mac_key"), Arrays.copyOfRange(okm, 32, 64));
                check(failures, id + ": aes_iv", inter.string("aes_iv"), Arrays.copyOfRange(okm, 64, 80));

                MegolmBackupV1.RawDecrypted raw = MegolmBackupV1.decryptRaw(c.object("expected"), backup);
                if (!Arrays.equals(plaintext, raw.plaintext()) || raw.mac() != MegolmBackupV1.MacCheck.MATCH) failures.add(id + ": decrypt");

                // The "intended" MAC over the ciphertext is 8 well-formed bytes of the wrong value.
                Json.Obj intended = c.object("expected").with("mac", Json.of(c.string("mac_if_computed_over_ciphertext")));
                if (MegolmBackupV1.decryptRaw(intended, backup).mac() != MegolmBackupV1.MacCheck.MISMATCH) failures.add(id + ": intended mac accepted");
            }
        }
        assertEquals(List.of(), failures);
    }

    private static void check(List<String> failures, String what, String expectedB64, byte[] actual) throws Exception {
        if (!Arrays.equals(Base64Unpadded.decode(what, expectedB64), actual)) failures.add(what);
    }

    /**
     * The outcome of each negative case under this project's rules. "reject" for this layer means a
     * DecryptionException or a MacCheck other than MATCH (which the CLI and an unsigned restore reject).
     */
    private static final Map<String, String> NEGATIVE = Map.of(
            "mac-over-ciphertext", "MISMATCH",
            "tampered-ciphertext", "not-original",
            "wrong-private-key", "reject",
            "mac-random", "MISMATCH",
            "mac-truncated-6-bytes", "MALFORMED",
            "mac-truncated-1-byte", "MALFORMED",
            "mac-padded", "MATCH",
            "mac-empty", "MALFORMED",
            "wrong-ephemeral", "reject",
            "ciphertext-not-block-multiple", "exception");

    @Test
    void negativeCases_outcomeUnderProjectRules() throws Exception {
        List<String> failures = new ArrayList<>();
        List<Json.Obj> cases = list(file, "negative_cases");
        assertEquals(NEGATIVE.size(), cases.size());
        Json.Obj original = Json.obj("a", Json.of(1)); // plaintext of ref-short, which these cases alter
        for (Json.Obj c : cases) {
            String id = c.string("id");
            String expected = NEGATIVE.get(id);
            if (expected == null) {
                failures.add(id + ": not in the table");
                continue;
            }
            String outcome;
            Json.Obj plaintext = null;
            try (BackupDecryptionKey k = privateKey(c.string("key"))) {
                MegolmBackupV1.Decrypted d = MegolmBackupV1.decrypt(c.object("encrypted"), k);
                outcome = d.mac().name();
                plaintext = d.plaintext();
            } catch (DecryptionException e) {
                outcome = "exception";
            }
            boolean ok;
            switch (expected) {
                case "reject": ok = !outcome.equals("MATCH"); break;
                case "not-original": ok = outcome.equals("exception") || !original.equals(plaintext); break;
                default: ok = expected.equals(outcome);
            }
            if (expected.equals("MATCH") && !original.equals(plaintext)) ok = false;
            if (!ok) failures.add(id + ": expected " + expected + ", got " + outcome);
            // The file's own verdict for the strict reader, except where it leaves the choice to us.
            boolean rejected = !outcome.equals("MATCH") || !original.equals(plaintext);
            if (c.string("expected_strict").equals("reject") && !rejected) failures.add(id + ": file says reject");
        }
        assertEquals(List.of(), failures);
    }
}
