package keybackup.cli;

import static keybackup.workflow.WorkflowFixture.USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import keybackup.json.Json;
import keybackup.secrets.SecretStorage;
import keybackup.workflow.WorkflowFixture;
import keybackup.workflow.WorkflowFixture.Backend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the CLI user learns that Secret Storage opened for reading only: one {@code keybackup: warning: …}
 * line on stderr when it is unlocked, then a one-line refusal (exit 1) from any command that would write a
 * secret under that key, with nothing written.
 */
@Timeout(60)
class SecretStorageWarningTest {
    @TempDir
    Path dir;
    private WorkflowFixture f;

    @AfterEach
    void close() {
        if (f != null) f.close();
    }

    private CliRun.Result enable(String stdin, String... more) {
        List<String> args = new ArrayList<>(List.of("enable", "--store", dir.resolve("store").toString(), "--user",
                USER));
        args.addAll(List.of(more));
        return CliRun.run(stdin, args.toArray(String[]::new));
    }

    @Test
    void enable_servedPassphraseDescriptionWithoutCheck_warnsThenRefuses() throws Exception {
        f = WorkflowFixture.open(Backend.LOCAL, dir);
        f.store.putAccountData(SecretStorage.KEY_TYPE_PREFIX + "served",
                Json.obj("algorithm", Json.of(SecretStorage.ALGORITHM),
                "passphrase", Json.obj("algorithm", Json.of("m.pbkdf2"), "salt", Json.of("abcdefghijklmnop"),
                        "iterations", Json.of(1))));
        f.store.putAccountData(SecretStorage.DEFAULT_KEY_TYPE, Json.obj("key", Json.of("served")));

        CliRun.Result r = enable("any passphrase at all\n", "--passphrase-stdin");

        assertEquals(1, r.code(), r.err());
        List<String> lines = r.err().lines().toList();
        assertEquals(2, lines.size(), r.err());
        assertEquals("keybackup: warning: secret storage key served: it has no key check (iv/mac), so this device "
                + "cannot tell whether "
                + "the key is right; secrets can be read, but none will be written under this key", lines.get(0));
        assertTrue(lines.get(1).startsWith("keybackup: error: refusing to write secrets under secret storage key "
                + "served: it has no key check"),
                lines.get(1));
        assertEquals(Optional.empty(), f.store.getAccountData(SecretStorage.BACKUP_DECRYPTION_KEY));
        assertEquals(Optional.empty(), f.store.getAccountData(SecretStorage.BACKUP_SIGNING_KEY));
        assertEquals(Optional.empty(), f.store.currentVersion());
    }

    @Test
    void enable_recoveryKeyAndCheckStripped_warnsThenRefuses_butAnIntactDescriptionGivesNoWarning() throws Exception {
        f = WorkflowFixture.open(Backend.LOCAL, dir);
        Path keyFile = dir.resolve("recovery-key.txt");
        Files.writeString(keyFile, f.ssKey.toRecoveryKey() + "\n");
        Json.Obj intact = f.store.getAccountData(SecretStorage.KEY_TYPE_PREFIX + "fixture").orElseThrow();
        f.store.putAccountData(SecretStorage.KEY_TYPE_PREFIX + "fixture", intact.without("iv"));

        CliRun.Result r = enable("", "--recovery-key-file", keyFile.toString());

        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().startsWith("keybackup: warning: secret storage key fixture: it has no key check"), r.err());
        assertTrue(r.err().contains("keybackup: error: refusing to write secrets under secret storage key fixture"),
                r.err());
        assertFalse(r.err().contains(f.ssKey.toRecoveryKey()));
        assertEquals(Optional.empty(), f.store.getAccountData(SecretStorage.BACKUP_DECRYPTION_KEY));
        assertEquals(Optional.empty(), f.store.currentVersion());

        // The description as it was written (with its key check): no warning, and enable works (signed by the master
        // key).
        f.store.putAccountData(SecretStorage.KEY_TYPE_PREFIX + "fixture", intact);
        CliRun.Result ok = enable("", "--recovery-key-file", keyFile.toString());
        assertEquals(0, ok.code(), ok.err());
        assertEquals("", ok.err());
        assertTrue(f.store.getAccountData(SecretStorage.BACKUP_SIGNING_KEY).isPresent());
    }

    @Test
    void enable_backupKeyAlreadyInSecretStorage_refusesWithoutTheFlag_replacesWithIt() throws Exception {
        f = WorkflowFixture.open(Backend.LOCAL, dir);
        f.secrets.storeKeyBytes(SecretStorage.BACKUP_DECRYPTION_KEY, new byte[32]);
        Json.Obj before = f.store.getAccountData(SecretStorage.BACKUP_DECRYPTION_KEY).orElseThrow();
        Path keyFile = dir.resolve("recovery-key.txt");
        Files.writeString(keyFile, f.ssKey.toRecoveryKey() + "\n");

        CliRun.Result refused = enable("", "--recovery-key-file", keyFile.toString());

        assertEquals(1, refused.code(), refused.err());
        assertTrue(refused.err().startsWith("keybackup: error: Secret Storage already holds m.megolm_backup.v1 but "
                + "the server reports no "
                + "backup version"), refused.err());
        assertEquals(1, refused.err().lines().count());
        assertEquals(before, f.store.getAccountData(SecretStorage.BACKUP_DECRYPTION_KEY).orElseThrow());
        assertEquals(Optional.empty(), f.store.currentVersion());

        CliRun.Result replaced = enable("", "--recovery-key-file", keyFile.toString(), "--replace-backup-secrets");

        assertEquals(0, replaced.code(), replaced.err());
        assertFalse(before.equals(f.store.getAccountData(SecretStorage.BACKUP_DECRYPTION_KEY).orElseThrow()));
        assertTrue(f.store.currentVersion().isPresent());
    }
}
