package keybackup.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import keybackup.homeserver.StoreException;
import keybackup.internal.AtomicFile;
import keybackup.json.Json;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.localstore.LocalStore;
import keybackup.secrets.SecretStorage;
import keybackup.secrets.SecretStorageException;
import keybackup.secrets.SecretStorageKey;
import keybackup.workflow.UnlockedSecretStorage;

/**
 * {@code keybackup setup}: a new cross-signing identity, this device and Secret Storage in a new local
 * store (the one command that creates a store).
 *
 * <p>Order, so that every failure leaves a state from which the same command works again and no secret is
 * lost: (1) everything that can be checked before writing (both output paths new, in existing directories
 * outside the store's, and distinct; the store a directory without Secret Storage, checked under the store's
 * write lock, which the run holds to its end, so that a second setup of the store waits and is then refused
 * instead of replacing this run's key under it); (2) the two key files, new and fsynced; (3) in the store, the
 * identity, the Secret Storage key's description and the cross-signing secrets under it; (4)
 * last, the default key pointer, one write that makes the recovery key the one Secret Storage depends on.
 * Until (4), nothing depends on the key files: a failure removes the ones this run created (never a file
 * that was there before) and the same command can run again, overwriting what (3) left. Once (4) is
 * written, the key files are never removed. An interrupt (Ctrl-C, SIGTERM) stops the steps and says the same:
 * before (4) can have begun, the key files of the run are removed and the same command runs again; after,
 * they are kept and the report says how to tell whether setup is done.
 */
final class SetupCommand implements Command {
    /** The ID of the Secret Storage key that setup creates. */
    private static final String KEY_ID = "keybackup";

    public String name() { return "setup"; }
    public String summary() { return "local store only: a new identity, device and Secret Storage"; }
    public String usage() {
        return "keybackup setup --user USER_ID [--store DIR] "
                + "--recovery-key-out FILE --device-id ID --device-key-out FILE\n"
                + "Creates, in a local store, what a homeserver account "
                + "already has: a cross-signing identity (master and\n"
                + "self-signing keys, published as /keys/query would), "
                + "this device (cross-signed), and Secret Storage with a\n"
                + "new key holding the cross-signing secrets. Writes the "
                + "Secret Storage recovery key and the device's Ed25519\n"
                + "seed to new files (mode 600) and prints the master key and the device id. "
                + "If it fails, it says\nwhether to run it again "
                + "(the key files it made are then removed) or how to check what it did.";
    }
    @SuppressWarnings("try") // held: the store's write lock, for the block
    public int run(List<String> argv, Io io) throws Exception {
        Args a = new Args(argv, Set.of("user", "store", "recovery-key-out", "device-id", "device-key-out"),
                Set.of());
        String user = StoreOptions.user(a);
        Path recoveryOut = newFile("--recovery-key-out", a.required("recovery-key-out"));
        String deviceId = a.required("device-id");
        Path deviceOut = newFile("--device-key-out", a.required("device-key-out"));
        if (sameFile(recoveryOut, deviceOut)) {
            throw new UsageException("--recovery-key-out and --device-key-out name the same file: " + deviceOut);
        }
        String dir = a.optional("store");
        Path storeDir = Path.of(dir == null ? StoreOptions.DEFAULT_STORE : dir);
        if (Files.exists(storeDir) && !Files.isDirectory(storeDir)) {
            throw new FailedException("--store: not a directory: " + storeDir);
        }
        notInStore("--recovery-key-out", recoveryOut, storeDir);
        notInStore("--device-key-out", deviceOut, storeDir);
        // the one command that creates a store
        LocalStore store = LocalStore.open(StoreOptions.createStore(dir), user);
        // the store's write lock from the check to the last write: another setup of the same store waits, then
        // finds Secret Storage there, instead of replacing this run's key description under its feet
        try (LocalStore.Held held = store.hold()) {
            if (store.getAccountData(SecretStorage.DEFAULT_KEY_TYPE).isPresent()) {
                throw new FailedException("the store already has Secret Storage; not overwriting it");
            }
            return setUp(argv, io, store, user, storeDir, recoveryOut, deviceId, deviceOut);
        }
    }

    private int setUp(List<String> argv, Io io, LocalStore store, String user, Path storeDir, Path recoveryOut,
            String deviceId, Path deviceOut) throws Exception {
        Steps steps = new Steps();
        String again = Interrupts.commandLine(name(), argv);
        String check = statusCommand(user, storeDir, recoveryOut);
        try (NewIdentity id = new NewIdentity(user); SecretStorageKey ssKey = SecretStorageKey.generate()) {
            Ed25519PrivateKey device = id.addDevice(deviceId, true);
            Interrupts.during(io, () -> interrupted(steps, again, check, recoveryOut, deviceOut), () -> {
                steps.begin(Steps.KEY_FILES);
                writeKeyFiles(ssKey, device, recoveryOut, deviceOut, steps);
                try {
                    steps.begin(Steps.STORE);
                    store.publishIdentity(id.keysQueryResponse());
                    try (UnlockedSecretStorage secrets = UnlockedSecretStorage.createKey(store, ssKey, KEY_ID)) {
                        secrets.storeSeed(SecretStorage.CROSS_SIGNING_MASTER, id.master());
                        secrets.storeSeed(SecretStorage.CROSS_SIGNING_SELF_SIGNING, id.selfSigning());
                        steps.begin(Steps.DEFAULT_KEY);
                        secrets.makeDefault(); // from here on, Secret Storage depends on the recovery key file
                    }
                } catch (StoreException | SecretStorageException | RuntimeException e) {
                    afterStoreFailure(store, e, steps.created(), recoveryOut, deviceOut, io, check);
                }
                return null;
            });
            io.println("master key: " + id.master().publicKey().toBase64());
            io.println("device: " + deviceId + " (" + device.publicKey().toBase64() + ")");
        }
        return 0;
    }

    /**
     * How far the writes got, shared with the interrupt report: a step begins only if no interrupt came first,
     * and an interrupt stops every later step, so the report knows the last step that may have begun.
     */
    static final class Steps {
        static final int NOTHING = 0;
        static final int KEY_FILES = 1;
        static final int STORE = 2;
        static final int DEFAULT_KEY = 3;
        private int step = NOTHING;
        private boolean stopped;
        /** The key files this run created (never a file that was there before). */
        private final List<Path> created = new ArrayList<>();

        /** Begins {@code next}, unless an interrupt came first. */
        synchronized void begin(int next) throws FailedException {
            if (stopped) throw new FailedException("setup: interrupted");
            step = next;
        }

        /** Stops every later step; returns the last one that may have begun. */
        synchronized int stop() {
            stopped = true;
            return step;
        }

        /** Creates {@code p} new and notes it, as one step for {@link #stop}: no file is made and left unnoted. */
        synchronized FileChannel create(Path p) throws IOException, FailedException {
            if (stopped) throw new FailedException("setup: interrupted");
            FileChannel ch = UserFiles.newOwnerOnly(p);
            created.add(p);
            return ch;
        }

        synchronized List<Path> created() {
            return List.copyOf(created);
        }
    }

    /**
     * The report of an interrupt (Ctrl-C, SIGTERM), which stops the writes first: before the default key
     * pointer can have begun, nothing depends on the key files, so the ones this run made are removed and the
     * same command runs again; once it may have begun, they are kept and the report says how to tell.
     */
    static List<String> interrupted(Steps steps, String again, String check, Path recoveryOut, Path deviceOut) {
        int reached = steps.stop();
        if (reached == Steps.NOTHING) {
            return List.of("interrupted before anything was written", "to go on, run the same command again: " + again);
        }
        if (reached < Steps.DEFAULT_KEY) {
            List<Path> left = remove(steps.created());
            return List.of("interrupted before Secret Storage was set up; " + (left.isEmpty()
                    ? "the key files it wrote were removed" : "remove " + names(left) + " (nothing depends on it)"),
                    "to go on, run the same command again: " + again);
        }
        return List.of("interrupted while Secret Storage was being set up: keep " + recoveryOut + " and " + deviceOut,
                "if " + check + " opens Secret Storage, setup is done; if it says Secret Storage is not set up, "
                + "remove both files and run the same command again: " + again);
    }

    private static String statusCommand(String user, Path storeDir, Path recoveryOut) {
        return Interrupts.commandLine("status", List.of("--user", user, "--store", storeDir.toString(),
                "--recovery-key-file", recoveryOut.toString()));
    }

    /**
     * {@code path} as a file setup may create: not there yet (not even as a symbolic link), in a directory
     * that exists. Checked before anything is written, so that a mistyped path costs nothing.
     */
    private static Path newFile(String option, String path) throws FailedException {
        Path p;
        try {
            p = Path.of(path);
        } catch (InvalidPathException e) {
            throw new FailedException(option + ": not a file name: " + path);
        }
        if (p.getFileName() == null) throw new FailedException(option + ": not a file name: " + path);
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new FailedException(option + ": file exists, not overwriting it: " + p);
        }
        Path parent = p.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new FailedException(option + ": no such directory: " + (parent == null ? p : parent));
        }
        return p;
    }

    /**
     * Refuses a key file in the store's directory or under it (compared by real paths): the store writes its
     * own files there, each replaced by a rename, and a key file among them could be replaced after setup
     * said it was done. A store not made yet cannot hold a directory that exists.
     */
    private static void notInStore(String option, Path file, Path storeDir) throws FailedException, IOException {
        if (!Files.isDirectory(storeDir)) return;
        if (file.toAbsolutePath().getParent().toRealPath().startsWith(storeDir.toRealPath())) {
            throw new FailedException(option + ": inside the store directory " + storeDir
                    + ", where the store writes its own files: " + file);
        }
    }

    /** Whether two new files' paths name one file (their directories compared by their real paths). */
    private static boolean sameFile(Path a, Path b) throws IOException {
        Path da = a.toAbsolutePath().getParent().toRealPath();
        Path db = b.toAbsolutePath().getParent().toRealPath();
        return da.equals(db) && a.getFileName().equals(b.getFileName());
    }

    /**
     * Writes the recovery key and the device's seed to new owner-only files, each fsynced; {@code created}
     * gets each file as soon as this run has created it. If either fails, the files this run created are
     * removed (nothing depends on them yet) and the error says so.
     */
    private static void writeKeyFiles(SecretStorageKey ssKey, Ed25519PrivateKey device, Path recoveryOut,
            Path deviceOut, Steps steps) throws FailedException, IOException {
        byte[] seed = device.exportSeed();
        try {
            writeNew("--recovery-key-out", recoveryOut, ssKey.toRecoveryKey() + "\n", steps);
            writeNew("--device-key-out", deviceOut, Base64Unpadded.encode(seed) + "\n", steps);
        } catch (FailedException | IOException e) {
            List<Path> created = steps.created();
            List<Path> left = remove(created);
            String message = (e instanceof FailedException ? e.getMessage() : "cannot write a key file ("
                    + e.getMessage() + ")") + "; nothing was set up";
            throw new FailedException(left.isEmpty() ? message + (created.isEmpty() ? ""
                    : ", and the key file written before was removed") + ": run the same command again"
                    : message + ": remove " + names(left) + " (nothing depends on it) and run the same command again");
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    private static void writeNew(String option, Path p, String content, Steps steps) throws FailedException,
            IOException {
        FileChannel ch;
        try {
            ch = steps.create(p);
        } catch (FileAlreadyExistsException e) {
            throw new FailedException(option + ": file exists, not overwriting it: " + p);
        } catch (IOException e) {
            throw new FailedException(option + ": cannot create " + p + " (" + e.getMessage() + ")");
        }
        try (ch) {
            ByteBuffer b = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) ch.write(b);
            ch.force(true); // on disk before Secret Storage can depend on it
        }
        AtomicFile.syncDirectory(p.toAbsolutePath().getParent()); // and its name in its directory
    }

    /** Removes the files of {@code created}; returns those it could not remove. */
    private static List<Path> remove(List<Path> created) {
        List<Path> left = new ArrayList<>();
        for (Path p : created) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                left.add(p);
            }
        }
        return left;
    }

    private static String names(List<Path> files) {
        StringBuilder b = new StringBuilder();
        for (Path p : files) b.append(b.length() == 0 ? "" : " and ").append(p);
        return b.toString();
    }

    /**
     * A store write failed after the key files were written: reads back the default key pointer, the one
     * write that makes Secret Storage depend on the recovery key. Set to this run's key: setup is complete (the
     * failure came after that write), a warning and on. Absent: nothing depends on the key files, which are
     * removed, and the same command runs again. Unreadable: the files are kept, and the error says how to tell.
     */
    private static void afterStoreFailure(LocalStore store, Exception cause, List<Path> created, Path recoveryOut,
            Path deviceOut, Io io, String check) throws FailedException {
        String what = String.valueOf(cause.getMessage());
        Optional<Json.Obj> pointer;
        try {
            pointer = store.getAccountData(SecretStorage.DEFAULT_KEY_TYPE);
        } catch (StoreException e) {
            throw new FailedException("setup: " + what + "; whether Secret Storage was set up cannot be read ("
                    + e.getMessage() + "): keep " + recoveryOut + " and " + deviceOut + "; if " + check
                    + " opens Secret Storage, setup is done; if it says Secret Storage is not set up, remove both "
                    + "files and run the same setup command again");
        }
        if (pointer.isPresent() && KEY_ID.equals(pointer.get().string("key"))) {
            io.errln("keybackup: warning: setup is complete, but its last write reported: " + what);
            return;
        }
        List<Path> left = remove(created);
        String message = "setup: " + what + "; Secret Storage was not set up";
        throw new FailedException(left.isEmpty()
                ? message + " and the key files written were removed: run the same command again"
                : message + ": remove " + names(left) + " (nothing depends on them) and run the same command again");
    }
}
