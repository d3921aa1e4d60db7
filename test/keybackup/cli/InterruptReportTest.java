package keybackup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The words of an interrupt report, without a child process ({@link InterruptTest} sends the real signal): the
 * command to go on says when its input must be piped in again, because stdin was read once and is gone.
 */
class InterruptReportTest {
    private static Io io(String stdin) {
        return new Io(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), new ByteArrayOutputStream(),
                new ByteArrayOutputStream());
    }

    @Test
    void upload_keysFromStdin_saysToPipeThemInAgain() throws Exception {
        Io io = io("[]");
        io.stdinStream("--keys");
        List<String> argv = List.of("--keys", "-", "--source", "olm");
        assertEquals(List.of("interrupted: the upload of 3 sessions from stdin stopped before it finished; the keys "
                + "the server accepted stay in the backup, and sending them again is safe (the server keeps the better "
                + "copy of each key)",
                "to go on, run the same command again, with the same input piped to it (--keys - read stdin): "
                + "keybackup upload --keys - --source olm"), UploadCommand.interrupted(io, 3, "-", argv));
    }

    @Test
    void upload_keysFromAFile_sameCommandAgain() {
        List<String> argv = List.of("--keys", "k.json", "--source", "olm");
        assertEquals("to go on, run the same command again: keybackup upload --keys k.json --source olm",
                UploadCommand.interrupted(io(""), 3, "k.json", argv).get(1));
    }

    @Test
    void sameCommandAgain_anyOptionThatReadStdin_named() throws Exception {
        Io io = io("");
        assertEquals("run the same command again", Interrupts.sameCommandAgain(io));
        io.claimStdin("--passphrase-stdin"); // restore with --passphrase-stdin, --backup-key-file - ...
        assertEquals("run the same command again, with the same input piped to it (--passphrase-stdin read stdin)",
                Interrupts.sameCommandAgain(io));
    }

    private static final List<String> ENABLE = List.of("--user", "@a:b.org", "--store", "s", "--recovery-key-file",
            "rk.txt", "--stable-names", "--json");

    @Test
    void enable_noBackupSecretsBefore_saysToCheckStatusThenReplaceThisRunsSecrets() {
        assertEquals(List.of("interrupted: enable stopped before it finished; Secret Storage may already hold the new "
                + "backup keys, and the new backup version may exist",
                "to go on, run keybackup status --user @a:b.org --store s --recovery-key-file rk.txt: if it shows a "
                + "backup version, enable created it and Secret Storage holds its keys, so nothing is left to do; if "
                + "it shows no key backup, run the command again with --replace-backup-secrets (Secret Storage held "
                + "no backup secrets before it: any it holds now are this run's, of no backup): keybackup enable "
                + "--user @a:b.org --store s --recovery-key-file rk.txt --stable-names --json "
                + "--replace-backup-secrets"),
                EnableCommand.interrupted(io(""), ENABLE, false, false, false));
    }

    @Test
    void enable_replaceAsked_sameCommandAgainAfterStatus() throws Exception {
        List<String> argv = new java.util.ArrayList<>(ENABLE);
        argv.add("--replace-backup-secrets");
        Io io = io("");
        io.claimStdin("--passphrase-stdin");
        assertEquals("to go on, run keybackup status --user @a:b.org --store s --recovery-key-file rk.txt: if it "
                + "shows a backup version, enable created it and Secret Storage holds its keys, so nothing is left to "
                + "do; if it shows no key backup, run the same command again, with the same input piped to it "
                + "(--passphrase-stdin read stdin): keybackup enable --user @a:b.org --store s --recovery-key-file "
                + "rk.txt --stable-names --json --replace-backup-secrets",
                EnableCommand.interrupted(io, argv, true, true, false).get(1));
    }

    @Test
    void enable_backupSecretsAlreadyHeld_nothingWasWritten() {
        assertEquals(List.of("interrupted: enable stopped before it wrote anything (Secret Storage already holds "
                + "backup secrets, and enable keeps them)", "to go on, run the same command again: keybackup enable "
                + "--user @a:b.org --store s --recovery-key-file rk.txt --stable-names --json"),
                EnableCommand.interrupted(io(""), ENABLE, false, true, false));
    }

    /**
     * Secret Storage unlocked from stdin: the status command to run first does not read stdin (it needs no
     * Secret Storage to show whether the version exists, and nobody pipes anything to it); the enable command
     * after it keeps them and says to pipe the input again.
     */
    @Test
    void enable_secretStorageFromStdin_statusReadsNoStdin() throws Exception {
        for (List<String> unlock : List.of(List.of("--passphrase-stdin"), List.of("--recovery-key-file", "-"),
                List.of("--recovery-key-file=-"))) {
            List<String> argv = new java.util.ArrayList<>(List.of("--user", "@a:b.org", "--store", "s"));
            argv.addAll(unlock);
            Io io = io("");
            io.claimStdin(unlock.get(0));
            String advice = EnableCommand.interrupted(io, argv, false, false, false).get(1);
            assertEquals("to go on, run keybackup status --user @a:b.org --store s: if it shows a backup version, "
                    + "enable created it and Secret Storage holds its keys, so nothing is left to do; if it shows no "
                    + "key backup, run the command again with --replace-backup-secrets (Secret Storage held no backup "
                    + "secrets before it: any it holds now are this run's, of no backup), with the same input piped "
                    + "to it (" + unlock.get(0) + " read stdin): " + Interrupts.commandLine("enable", argv,
                    "--replace-backup-secrets"), advice);
        }
    }

    /**
     * A backup version the server showed before the run: enable refuses it before writing anything, so status
     * showing a version afterwards would not mean enable finished; the report says so and gives no command.
     */
    @Test
    void enable_backupExistedBefore_nothingWasWrittenAndNoStatusAdvice() {
        for (boolean replace : new boolean[] {false, true}) {
            assertEquals(List.of("interrupted: enable stopped before it wrote anything (the account already has a "
                    + "backup version, which enable does not replace: see migrate)"),
                    EnableCommand.interrupted(io(""), ENABLE, replace, false, true));
        }
    }

    /**
     * A restore to stdout writes the export as it goes: interrupted, what it wrote is not "not written" but an
     * export that may stop short, holding plaintext keys.
     */
    @Test
    void restore_toStdout_saysTheExportWrittenMayStopShort() {
        List<String> argv = List.of("--store", "s", "--out", "-");
        assertEquals(List.of("interrupted: the restore of version 7 stopped after 12 keys were verified; the export "
                + "it wrote to stdout may stop short of its end (it holds plaintext keys): do not keep it",
                "to go on, run the same command again: keybackup restore --store s --out -"),
                RestoreCommand.interrupted(io(""), "7", 12, null, "-", argv));
    }

    @Test
    void restore_toAFile_partialRemovedAndFileNotWritten() {
        List<String> argv = List.of("--store", "s", "--out", "k.json");
        assertEquals("interrupted: the restore of version 7 stopped after 12 keys were verified; its partial file "
                + "k.json.partial (plaintext keys) was removed; k.json was not written",
                RestoreCommand.interrupted(io(""), "7", 12, java.nio.file.Path.of("k.json.partial"), "k.json", argv)
                        .get(0));
    }

    @Test
    void migrate_secretStorageFromStdin_saysToPipeItInAgain() throws Exception {
        List<String> argv = List.of("--user", "@a:b.org", "--store", "s", "--passphrase-stdin");
        assertEquals(List.of("interrupted: the migration stopped (last step: none yet)",
                "nothing was recorded or changed yet; to go on, run the same command again: "
                + "keybackup migrate --user @a:b.org --store s --passphrase-stdin"),
                MigrateCommand.interrupted(io(""), "none yet", false, argv));
        Io io = io("");
        io.claimStdin("--passphrase-stdin");
        assertEquals("to go on, run the same command with --resume, with the same input piped to it "
                + "(--passphrase-stdin read stdin): keybackup migrate --user @a:b.org --store s --passphrase-stdin "
                + "--resume", MigrateCommand.interrupted(io, "uploaded", true, argv).get(1));
        assertEquals("nothing was recorded or changed yet; to go on, run the same command again, with the same input "
                + "piped to it (--passphrase-stdin read stdin): keybackup migrate --user @a:b.org --store s "
                + "--passphrase-stdin", MigrateCommand.interrupted(io, "none yet", false, argv).get(1));
    }
}
