package keybackup.cli;

import java.io.Console;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import keybackup.homeserver.AccessToken;
import keybackup.homeserver.BackupStore;
import keybackup.homeserver.HomeserverClient;
import keybackup.homeserver.StoreException;
import keybackup.homeserver.UserId;
import keybackup.internal.StrictUtf8;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.keys.Ed25519PublicKey;
import keybackup.localstore.LocalStore;
import keybackup.secrets.SecretStorageException;
import keybackup.secrets.SecretStorageKey;
import keybackup.trust.OwnIdentity;
import keybackup.trust.TrustAnchors;
import keybackup.workflow.Account;
import keybackup.workflow.UnlockedSecretStorage;
import keybackup.workflow.WorkflowException;

/**
 * The options every store command shares: where the backup lives ({@code --homeserver URL --user ID
 * [--access-token-file FILE]}, or the local store {@code --store DIR}, the default), how Secret Storage is
 * opened ({@code --recovery-key-file FILE}, or a passphrase read from the terminal or, with
 * {@code --passphrase-stdin}, from the first line of stdin — never from argv), and the trust anchors
 * ({@code --device-id ID --device-key-file FILE}, {@code --trusted-master-key B64}, {@code --verified-device ID}).
 */
final class StoreOptions {
    private StoreOptions() {}

    static final String DEFAULT_STORE = "keybackup-store";

    static final Set<String> VALUED = Set.of("homeserver", "user", "access-token-file", "store", "recovery-key-file",
            "device-id", "device-key-file", "trusted-master-key", "verified-device", "threads");
    static final Set<String> FLAGS = Set.of("passphrase-stdin");

    static final String USAGE =
            "Store options: --user USER_ID and either --homeserver URL [--access-token-file FILE] (else the\n"
            + "  token comes from $KEYBACKUP_ACCESS_TOKEN) or --store DIR (the local store; default ./" + DEFAULT_STORE
            + ").\n"
            + "Secret Storage: --recovery-key-file FILE, or a passphrase "
            + "typed at the terminal, or --passphrase-stdin.\n"
            + "Trust: --device-id ID --device-key-file FILE (this device), "
            + "--trusted-master-key B64, --verified-device ID[:KEY]...\n"
            + "--threads N: worker threads (default: the number of processors).";

    static Set<String> valued(String... more) {
        Set<String> s = new HashSet<>(VALUED);
        s.addAll(Set.of(more));
        return s;
    }

    static Set<String> flags(String... more) {
        Set<String> s = new HashSet<>(FLAGS);
        s.addAll(Set.of(more));
        return s;
    }

    /**
     * The store the options name. A homeserver's access token is registered with {@code io} before any
     * request, so no line printed afterwards (results, warnings, errors) can show a piece of it.
     */
    static BackupStore open(Args a, Io io) throws Exception {
        String user = user(a);
        String hs = a.optional("homeserver");
        if (hs != null) {
            if (a.optional("store") != null) throw new UsageException("give --homeserver or --store, not both");
            URI uri = homeserverUrl(hs);
            String tokenFile = a.optional("access-token-file");
            String env = System.getenv(AccessToken.ENVIRONMENT_VARIABLE);
            if (tokenFile == null && (env == null || env.isBlank())) {
                throw new UsageException("no access token: set " + AccessToken.ENVIRONMENT_VARIABLE
                        + " or give --access-token-file FILE");
            }
            AccessToken token = tokenFile != null ? AccessToken.fromFile(Path.of(tokenFile))
                    : AccessToken.fromEnvironment();
            io.redact(token);
            try {
                return HomeserverClient.connect(uri, user, token); // makes no request: what fails here is the URL
            } catch (StoreException e) {
                throw new UsageException("--" + e.getMessage());
            }
        }
        if (a.optional("access-token-file") != null) throw new UsageException("--access-token-file needs --homeserver");
        return LocalStore.open(existingStore(a), user);
    }

    /**
     * The local store's directory, which must exist and hold a store: only {@code setup} creates a store, so a
     * mistyped {@code --store} is an error rather than a new, empty store that answers "no key backup", and an
     * existing directory that holds no store (the home directory, {@code .}) is left as it is, not made into one.
     */
    static Path existingStore(Args a) throws UsageException, FailedException {
        String dir = a.optional("store");
        Path p = Path.of(dir == null ? DEFAULT_STORE : dir);
        if (!Files.isDirectory(p)) {
            throw new FailedException((dir == null ? "no local store in ./" + DEFAULT_STORE
                    : "--store: no local store at " + dir)
                    + " (create one with keybackup setup, give --store DIR, or --homeserver URL)");
        }
        // store.json marks a store of layout 2; one of layout 1 has versions/ or account_data/ only
        if (!Files.exists(p.resolve("store.json")) && !Files.isDirectory(p.resolve("versions"))
                && !Files.isDirectory(p.resolve("account_data"))) {
            throw new FailedException((dir == null ? "./" + DEFAULT_STORE : "--store: " + dir) + " holds no local "
                    + "store (no store.json, versions/ or account_data/ in it): give the store's directory, or create "
                    + "one with keybackup setup");
        }
        return p;
    }

    /**
     * Creates the directory of a new local store, readable only by its owner whatever the umask (a mode given
     * at creation is only ever narrowed by the umask, never widened); an existing directory is narrowed to its
     * owner by {@link LocalStore#open}.
     */
    static Path createStore(String dir) throws IOException {
        Path p = Path.of(dir == null ? DEFAULT_STORE : dir);
        if (Files.isDirectory(p)) return p;
        try {
            Files.createDirectories(p, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
        } catch (UnsupportedOperationException e) {
            Files.createDirectories(p); // not a POSIX file system
        }
        return p;
    }

    /** {@code --homeserver}: a URL, or a usage error naming what is wrong with it (never the JDK's parser message). */
    static URI homeserverUrl(String hs) throws UsageException {
        try {
            URI uri = new URI(hs);
            if (uri.getScheme() != null && uri.getHost() != null) return uri;
        } catch (URISyntaxException e) {
            // reported below, in the same words
        }
        throw new UsageException("--homeserver: not a URL: " + hs + " (expected e.g. https://matrix.example.org)");
    }

    /** {@code --user}, checked against the user id grammar (one place: {@link keybackup.homeserver.UserId}). */
    static String user(Args a) throws Exception {
        String user = a.required("user");
        String why = UserId.problem(user);
        if (why != null) throw new FailedException("--user: " + why);
        return user;
    }

    static int threads(Args a) throws UsageException {
        String t = a.optional("threads");
        if (t == null) return Runtime.getRuntime().availableProcessors();
        try {
            int n = Integer.parseInt(t);
            if (n < 1 || n > 256) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("--threads must be a number from 1 to 256");
        }
    }

    /**
     * Opens Secret Storage as {@link #unlock} does and, when its key is one no secret will be written under
     * (no key check, too few passphrase iterations), says so on stderr as {@code keybackup: warning: …}.
     */
    static UnlockedSecretStorage secrets(Args a, BackupStore store, Io io, boolean required) throws Exception {
        UnlockedSecretStorage s = unlock(a, store, io, required);
        if (s != null) s.writeWarning().ifPresent(w -> io.errln("keybackup: warning: " + w));
        return s;
    }

    /** Opens Secret Storage if a way to unlock it was given (or a terminal can ask); null otherwise unless required. */
    private static UnlockedSecretStorage unlock(Args a, BackupStore store, Io io, boolean required) throws Exception {
        String file = a.optional("recovery-key-file");
        if (file != null) {
            // The key stays open for the life of the command: Secret Storage keeps using it.
            SecretStorageKey k = SecretStorageKey.fromKeyFileText(io.readKeyText("--recovery-key-file", file));
            return UnlockedSecretStorage.unlock(store, k);
        }
        if (a.flag("passphrase-stdin")) {
            io.claimStdin("--passphrase-stdin");
            char[] pass = firstLine(io.readStdin(), "--passphrase-stdin");
            try {
                if (pass.length == 0) throw new FailedException("--passphrase-stdin: no passphrase on stdin");
                return UnlockedSecretStorage.unlockWithPassphrase(store, pass);
            } finally {
                Arrays.fill(pass, '\0');
            }
        }
        if (!required) return null;
        boolean hasPassphrase;
        try {
            hasPassphrase = UnlockedSecretStorage.defaultKeyHasPassphrase(store);
        } catch (WorkflowException | SecretStorageException e) {
            hasPassphrase = true; // no usable Secret Storage: the advice below is still the way out
        }
        if (!hasPassphrase) {
            throw new UsageException("this command needs Secret Storage, whose key has no passphrase: give "
                    + "--recovery-key-file FILE");
        }
        Console console = System.console();
        if (console == null) {
            throw new UsageException("this command needs Secret Storage: give --recovery-key-file FILE or "
                    + "--passphrase-stdin");
        }
        char[] pass = TerminalPassphrase.read(console, "Secret Storage passphrase: ", "--passphrase-stdin");
        if (pass == null || pass.length == 0) throw new FailedException("no passphrase given");
        try {
            return UnlockedSecretStorage.unlockWithPassphrase(store, pass);
        } finally {
            Arrays.fill(pass, '\0');
        }
    }

    /**
     * The first line of {@code utf8} (up to the first LF or CR) as characters, strictly decoded: a passphrase
     * read from stdin or a file ({@code option} names it in the error). {@code utf8} and every intermediate
     * buffer are wiped. No {@code String} is made: a String cannot be wiped.
     */
    static char[] firstLine(byte[] utf8, String option) throws FailedException {
        int end = 0;
        while (end < utf8.length && utf8[end] != '\n' && utf8[end] != '\r') end++;
        try {
            return StrictUtf8.decodeChars(utf8, 0, end);
        } catch (CharacterCodingException e) {
            throw new FailedException(option + ": the passphrase is not valid UTF-8");
        } finally {
            Arrays.fill(utf8, (byte) 0);
        }
    }

    /** The account: store, Secret Storage (when unlocked), this device, and the user's trust anchors. */
    static Account account(Args a, BackupStore store, Io io, boolean secretsRequired) throws Exception {
        UnlockedSecretStorage secrets = secrets(a, store, io, secretsRequired);
        String deviceId = a.optional("device-id");
        String deviceKeyFile = a.optional("device-key-file");
        if ((deviceId == null) != (deviceKeyFile == null)) {
            throw new UsageException("--device-id and --device-key-file go together");
        }
        Account.Device device = null;
        if (deviceId != null) {
            Ed25519PrivateKey k = JsonCommands.readSeedFile("--device-key-file", deviceKeyFile);
            device = new Account.Device(deviceId, k);
        }
        String master = a.optional("trusted-master-key");
        Ed25519PublicKey trustedMaster = master == null ? null : Ed25519PublicKey.parse("--trusted-master-key", master);
        List<String> pins = a.all("verified-device");
        List<TrustAnchors.Anchor> given = new ArrayList<>();
        if (trustedMaster != null) given.add(new TrustAnchors.PinnedMasterKey(trustedMaster));
        // The identity only improves the warnings for bare ids; it decides nothing here.
        given.addAll(DevicePins.verifiedDevices(pins, pins.isEmpty() ? null
                : OwnIdentity.fromKeysQuery(store.userId(), store.queryOwnKeys()), io));
        return new Account(store, secrets, device, given);
    }
}
