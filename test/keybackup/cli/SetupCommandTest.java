package keybackup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code setup} never leaves a state that stops it: a bad output path is found before anything is written, a
 * failed store write removes the key files of the run (nothing depends on them yet), and in each case the
 * command it advises (the same one, once the cause is gone) then succeeds. A user's existing file is never
 * touched.
 */
@Timeout(120)
class SetupCommandTest {
    private static final String USER = "@alice:example.org";

    @TempDir
    Path dir;

    private Path store() {
        return dir.resolve("store");
    }

    private Path rk() {
        return dir.resolve("recovery-key.txt");
    }

    private Path dk() {
        return dir.resolve("phone.key");
    }

    private static CliRun.Result run(String... args) {
        return CliRun.run(new byte[0], args);
    }

    private String[] setup(Path recoveryOut, Path deviceOut) {
        return new String[] {"setup", "--user", USER, "--store", store().toString(), "--recovery-key-out",
            recoveryOut.toString(), "--device-id", "PHONE", "--device-key-out", deviceOut.toString()};
    }

    /** The file of account data {@code type} in the local store (its layout: base64url of the type). */
    private Path accountData(String type) {
        return store().resolve("account_data").resolve("b" + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(type.getBytes(StandardCharsets.UTF_8)) + ".json");
    }

    /** Setup worked: exit 0, and its recovery key opens the store's Secret Storage. */
    private void assertSetUp(CliRun.Result r) {
        assertEquals(0, r.code(), r.err());
        assertTrue(r.outText().contains("master key: "), r.outText());
        CliRun.Result status = run("status", "--user", USER, "--store", store().toString(), "--recovery-key-file",
                rk().toString(), "--device-id", "PHONE", "--device-key-file", dk().toString());
        assertEquals(0, status.code(), status.err());
    }

    private List<String> entries() throws Exception {
        List<String> names = new ArrayList<>();
        try (var s = Files.list(dir)) {
            s.forEach(p -> names.add(p.getFileName().toString()));
        }
        names.sort(null);
        return names;
    }

    @Test
    void deviceKeyOutInAMissingDirectory_nothingWritten_rerunSucceeds() throws Exception {
        CliRun.Result r = run(setup(rk(), dir.resolve("no-such-dir").resolve("phone.key")));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("--device-key-out: no such directory"), r.err());
        assertEquals(List.of(), entries(), "no recovery key written, no store made");
        assertSetUp(run(setup(rk(), dk())));
    }

    @Test
    void deviceKeyOutAnExistingFile_userFileKeptAndNoRecoveryKeyWritten() throws Exception {
        Files.writeString(dk(), "the user's own file");
        CliRun.Result r = run(setup(rk(), dk()));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("--device-key-out: file exists, not overwriting it"), r.err());
        assertEquals("the user's own file", Files.readString(dk()));
        assertFalse(Files.exists(rk()), "the recovery key is written only once both paths are known to be good");
        Files.delete(dk());
        assertSetUp(run(setup(rk(), dk())));
    }

    @Test
    void bothOutputsOneFile_refusedBeforeWriting() throws Exception {
        CliRun.Result r = run(setup(rk(), dir.resolve(".").resolve(rk().getFileName())));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("name the same file"), r.err());
        assertFalse(Files.exists(rk()));
        assertSetUp(run(setup(rk(), dk())));
    }

    @Test
    void storeWriteFailsBeforeSecretStorage_keyFilesRemoved_sameCommandThenSucceeds() throws Exception {
        Files.createDirectories(store().resolve("identity.json").resolve("x")); // the identity cannot be written
        CliRun.Result r = run(setup(rk(), dk()));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("Secret Storage was not set up and the key files written were removed: run "
                + "the same command again"), r.err());
        assertFalse(Files.exists(rk()));
        assertFalse(Files.exists(dk()));
        deleteTree(store().resolve("identity.json"));
        assertSetUp(run(setup(rk(), dk())));
    }

    @Test
    void storeWriteFailsAmongTheSecrets_keyFilesRemovedAndNoDefaultKey_sameCommandThenSucceeds() throws Exception {
        Path master = accountData("m.cross_signing.master");
        Files.createDirectories(master.resolve("x")); // the master key's secret cannot be written
        CliRun.Result r = run(setup(rk(), dk()));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("Secret Storage was not set up"), r.err());
        assertTrue(r.err().contains("run the same command again"), r.err());
        assertFalse(Files.exists(rk()));
        assertFalse(Files.exists(dk()));
        assertTrue(Files.exists(accountData("m.secret_storage.key.keybackup")), "the key description was written");
        assertFalse(Files.exists(accountData("m.secret_storage.default_key")), "but not made the default");
        deleteTree(master);
        assertSetUp(run(setup(rk(), dk())));
    }

    @Test
    void setupDone_rerunRefused_keyFilesKept() throws Exception {
        assertSetUp(run(setup(rk(), dk())));
        String key = Files.readString(rk());
        CliRun.Result again = run(setup(dir.resolve("rk2"), dir.resolve("dk2")));
        assertEquals(1, again.code(), again.err());
        assertTrue(again.err().contains("already has Secret Storage"), again.err());
        assertEquals(key, Files.readString(rk()));
        assertFalse(Files.exists(dir.resolve("rk2")));
    }

    /**
     * A key file named inside the store directory: the store writes its own files there (identity.json is
     * replaced by an atomic rename), so a key file there could be replaced after setup reported success.
     */
    @Test
    void keyFileInsideTheStoreDirectory_refusedBeforeWriting() throws Exception {
        Files.createDirectories(store());
        Path inStore = store().resolve("identity.json");
        CliRun.Result r = run(setup(rk(), inStore));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("--device-key-out: inside the store directory"), r.err());
        assertFalse(Files.exists(rk()), "nothing written");
        assertFalse(Files.exists(inStore));
        assertSetUp(run(setup(rk(), dk())));
    }

    /**
     * Two setups started at once on one new store: without one lock over the check and the writes, both pass
     * the "no Secret Storage yet" check, both succeed, and the key description of the last one replaces the
     * first one's, whose recovery key then opens nothing. Exactly one may succeed, and its key must open it.
     */
    @Test
    void twoSetupsAtOnceOnOneStore_oneRefused_theOtherKeyOpensSecretStorage() throws Exception {
        for (int round = 0; round < 3; round++) {
            if (Files.exists(store())) deleteTree(store());
            for (String f : List.of("rk0", "rk1", "dk0", "dk1")) Files.deleteIfExists(dir.resolve(f));
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
            List<java.util.concurrent.CompletableFuture<CliRun.Result>> runs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                String[] args = setup(dir.resolve("rk" + i), dir.resolve("dk" + i));
                runs.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        start.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    return run(args);
                }));
            }
            int succeeded = 0;
            for (int i = 0; i < 2; i++) {
                CliRun.Result r = runs.get(i).get();
                if (r.code() != 0) {
                    assertTrue(r.err().contains("already has Secret Storage"), r.err());
                    assertFalse(Files.exists(dir.resolve("rk" + i)), "the refused run wrote no key file");
                    continue;
                }
                succeeded++;
                CliRun.Result status = run("status", "--user", USER, "--store", store().toString(),
                        "--recovery-key-file", dir.resolve("rk" + i).toString(), "--device-id", "PHONE",
                        "--device-key-file", dir.resolve("dk" + i).toString());
                assertEquals(0, status.code(), "round " + round + ": a setup that succeeded: " + status.err());
            }
            assertEquals(1, succeeded, "round " + round);
        }
    }

    @Test
    void interruptBeforeTheDefaultKey_keyFilesOfTheRunRemoved_userFileNever_laterStepsStopped() throws Exception {
        SetupCommand.Steps steps = new SetupCommand.Steps();
        steps.begin(SetupCommand.Steps.KEY_FILES);
        steps.create(rk()).close();
        Files.writeString(dk(), "the user's own file");
        assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> steps.create(dk()));
        steps.begin(SetupCommand.Steps.STORE);
        List<String> report = SetupCommand.interrupted(steps, "keybackup setup ...", "keybackup status ...", rk(),
                dk());
        assertTrue(report.get(0).contains("before Secret Storage was set up"), report.toString());
        assertTrue(report.get(1).contains("run the same command again: keybackup setup ..."), report.toString());
        assertFalse(Files.exists(rk()), "nothing depends on it yet");
        assertEquals("the user's own file", Files.readString(dk()));
        assertThrows(FailedException.class, () -> steps.begin(SetupCommand.Steps.DEFAULT_KEY),
                "the default key pointer is never written after the report");
    }

    @Test
    void interruptOnceTheDefaultKeyMayBeWritten_keyFilesKept_reportSaysHowToTell() throws Exception {
        SetupCommand.Steps steps = new SetupCommand.Steps();
        steps.begin(SetupCommand.Steps.KEY_FILES);
        steps.create(rk()).close();
        steps.create(dk()).close();
        steps.begin(SetupCommand.Steps.STORE);
        steps.begin(SetupCommand.Steps.DEFAULT_KEY);
        List<String> report = SetupCommand.interrupted(steps, "keybackup setup ...", "keybackup status ...", rk(),
                dk());
        assertTrue(Files.exists(rk()) && Files.exists(dk()), "Secret Storage may depend on them");
        assertTrue(report.get(0).contains("keep " + rk() + " and " + dk()), report.toString());
        assertTrue(report.get(1).contains("if keybackup status ... opens Secret Storage, setup is done"),
                report.toString());
    }

    @Test
    void interruptBeforeAnyWrite_nothingToRemove() throws Exception {
        SetupCommand.Steps steps = new SetupCommand.Steps();
        List<String> report = SetupCommand.interrupted(steps, "keybackup setup ...", "x", rk(), dk());
        assertEquals(List.of("interrupted before anything was written",
                "to go on, run the same command again: keybackup setup ..."), report);
        assertThrows(FailedException.class, () -> steps.create(rk()));
        assertFalse(Files.exists(rk()), "no file is created after the report");
    }

    private static void deleteTree(Path p) throws Exception {
        try (var walk = Files.walk(p)) {
            for (Path q : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) Files.delete(q);
        }
    }
}
