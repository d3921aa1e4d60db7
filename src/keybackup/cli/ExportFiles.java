package keybackup.cli;

import java.io.ByteArrayInputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import keybackup.backup.EncryptedKeyExport;
import keybackup.backup.KeyExportException;
import keybackup.json.JsonReader;
import keybackup.workflow.ExportReader;
import keybackup.workflow.Upload;

/**
 * Key-export files on the command line: {@code upload --keys} reads the plain JSON array or Element's
 * encrypted export (told apart by its header), {@code restore --encrypt} writes the encrypted one. The
 * export passphrase comes from {@code --export-passphrase-file FILE} (its first line; {@code -}: standard
 * input) or is typed at the terminal, never from the command line; it is wiped once the keys are derived.
 */
final class ExportFiles {
    private ExportFiles() {}

    static final String PASSPHRASE_OPTION = "export-passphrase-file";
    static final String USAGE = "--keys FILE may be Element's encrypted export "
            + "(\"-----BEGIN MEGOLM SESSION DATA-----\"); its passphrase comes\n"
            + "from --export-passphrase-file FILE (the first line; - reads it from stdin) or is asked for at\n"
            + "the terminal.\n";

    /** How {@code --export-passphrase-file -} claims stdin ({@link Io#claimStdin}). */
    static final String PASSPHRASE_STDIN = "--" + PASSPHRASE_OPTION + " -";

    /**
     * Claims stdin for {@code --export-passphrase-file -} at the start of a command, so that another option
     * reading stdin ({@code --passphrase-stdin}, {@code --recovery-key-file -}, {@code --keys -}) is a usage
     * error before anything is asked for, read or written; {@link #passphrase} reads it later.
     */
    static void claimPassphraseStdin(Args a, Io io) throws UsageException {
        if (!"-".equals(a.optional(PASSPHRASE_OPTION))) return;
        io.claimStdin(PASSPHRASE_STDIN);
        // Secret Storage's options claim stdin only once the store is open: an upload reads its export (and this
        // passphrase) before that, so their conflict is told here, before anything is read
        if (a.flag("passphrase-stdin")) io.claimStdin("--passphrase-stdin");
        if ("-".equals(a.optional("recovery-key-file"))) io.claimStdin("--recovery-key-file -");
    }

    /**
     * {@code --keys}: the plain JSON array, or an encrypted export, as sessions an upload walks twice
     * ({@link Upload#select}, then {@link Upload#run}): each walk reads the file again, entry by entry, so
     * memory does not grow with its size. An encrypted file's keys are derived once, here, and its passphrase
     * wiped; it is decrypted on each walk (its MAC checked before any plaintext is used, each time) until
     * {@link KeyFile#close()} zeroes the keys.
     * {@code -} is standard input, copied once to an encrypted temporary file ({@link StdinSpool}) and
     * walked from there: bounded memory at any size, and no plaintext key on disk. A path that is not a regular
     * file (a pipe such as {@code <(command)}, a FIFO, a device) can be read only once too, and is copied the
     * same way; a directory is refused.
     */
    static KeyFile keys(String option, String path, Args a, Io io) throws FailedException, IOException, UsageException {
        if (path.equals("-")) return keysFromStdin(option, a, io);
        Path file = Path.of(path);
        if (Files.isDirectory(file)) {
            throw new FailedException(option + ": " + path + ": a directory, not a file"); // as every file option says
        }
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            // a pipe (<(command), a FIFO) or a device: it can be read once only, so it is copied once as stdin is
            try (InputStream in = Files.newInputStream(file)) {
                return keysFromStream(option, a, io, in, path);
            }
        }
        byte[] start;
        try (InputStream in = Files.newInputStream(file)) {
            start = in.readNBytes(64);
        } catch (NoSuchFileException e) {
            throw new FailedException(option + ": no such file: " + path);
        } catch (IOException e) {
            throw UserFiles.unreadable(option, path, e);
        }
        if (encrypted(start)) {
            char[] pass = passphrase(a, false, io);
            EncryptedKeyExport.Unlocked unlocked;
            try {
                unlocked = EncryptedKeyExport.unlock(file, pass); // PBKDF2 once, for both walks
            } catch (KeyExportException e) {
                throw new FailedException(option + ": " + reason(e));
            } finally {
                Arrays.fill(pass, '\0'); // the keys are derived: the passphrase is not needed again
            }
            return new KeyFile(option, null, unlocked::open, null, unlocked);
        }
        return new KeyFile(option, null, () -> Files.newInputStream(file), null, null);
    }

    /** Whether the first bytes of an export are the encrypted one's; '-': a damaged header gets the armour's error. */
    private static boolean encrypted(byte[] start) {
        return EncryptedKeyExport.looksEncrypted(start, start.length) || firstNonBlank(start) == '-';
    }

    /**
     * An export read once per pass; closing it zeroes the keys of an encrypted file or of the copy of
     * standard input, and removes that copy. It holds no passphrase: each was wiped once the keys were derived.
     */
    static final class KeyFile implements AutoCloseable {
        private final String option;
        /** What the copy was made of, for its messages: "standard input" or the pipe's path; null for a file. */
        private final String copied;
        private final ExportReader.Source source;
        private final StdinSpool spool;
        private final EncryptedKeyExport.Unlocked unlocked;

        private KeyFile(String option, String copied, ExportReader.Source source, StdinSpool spool,
                        EncryptedKeyExport.Unlocked unlocked) {
            this.option = option;
            this.copied = copied;
            this.source = source;
            this.spool = spool;
            this.unlocked = unlocked;
        }

        /** The walk over the entries; each bad input is a {@link FailedException} naming the option. */
        Upload.Sessions<FailedException> sessions() {
            return visitor -> {
                try (InputStream in = source.open()) {
                    ExportReader.read(in, visitor);
                } catch (ExportReader.FormatException e) {
                    throw new FailedException(option + ": " + e.getMessage());
                } catch (KeyExportException e) {
                    if (spool != null && spool.wasPlain()) throw new FailedException(copyChanged(option, copied, e));
                    throw new FailedException(option + ": " + reason(e));
                } catch (NoSuchFileException e) {
                    throw new FailedException(option + ": the file was removed while it was read");
                } catch (IOException e) {
                    throw new FailedException(Errors.describe(e)); // the words Main gives any i/o error
                }
            };
        }

        @Override
        public void close() throws IOException {
            if (unlocked != null) unlocked.close();
            if (spool != null) spool.close();
        }
    }

    /**
     * {@code --keys -}: the export on standard input, plain or encrypted, copied once to a temporary file
     * that the upload's two walks read ({@link StdinSpool}: an encrypted input as it came, a plain one
     * encrypted under a one-time key). Why not one walk over the stream: an encrypted export's MAC covers
     * the whole file and must match before any key is used; every entry is checked before anything is
     * sent; and the best copy of each session is known only once all were seen.
     */
    private static KeyFile keysFromStdin(String option, Args a, Io io) throws FailedException, IOException,
            UsageException {
        if ("-".equals(a.optional(PASSPHRASE_OPTION))) {
            throw new UsageException("--keys - and --" + PASSPHRASE_OPTION + " - cannot both read stdin");
        }
        return keysFromStream(option, a, io, io.stdinStream(option), null);
    }

    /**
     * An export that can be read only once ({@code in}: standard input, or the pipe or device at {@code path}),
     * copied to a temporary file as {@link #keysFromStdin} says.
     *
     * @param path the path it was opened at, or null for standard input (the messages name it)
     */
    private static KeyFile keysFromStream(String option, Args a, Io io, InputStream in, String path)
            throws FailedException, IOException, UsageException {
        String what = path == null ? "standard input" : path;
        byte[] start = in.readNBytes(64);
        boolean encrypted = encrypted(start);
        char[] pass = encrypted ? passphrase(a, false, io) : null; // asked before the copy, which may take a while
        StdinSpool spool;
        try {
            spool = StdinSpool.copy(start, in, encrypted);
        } catch (IOException e) {
            if (pass != null) Arrays.fill(pass, '\0');
            throw new FailedException(option + ": cannot keep a temporary copy of " + what + " in "
                    + System.getProperty("java.io.tmpdir") + " (" + Errors.describe(e) + "); free space there,"
                    + " set another with -Djava.io.tmpdir=DIR in KEYBACKUP_JAVA_OPTS, or give the export as a"
                    + " regular file");
        }
        try {
            spool.unlock(pass); // PBKDF2 once, for both walks
        } catch (KeyExportException e) {
            spool.close();
            throw new FailedException(spool.wasPlain() ? copyChanged(option, what, e) : option + ": " + reason(e));
        } catch (IOException | RuntimeException e) {
            spool.close();
            throw e;
        } finally {
            if (pass != null) Arrays.fill(pass, '\0'); // the keys are derived: the passphrase is not needed again
        }
        return new KeyFile(option, what, spool::open, spool, null);
    }

    /** A plain input's copy failed its check: encrypted here, under a key only this process has, it was changed. */
    private static String copyChanged(String option, String what, KeyExportException e) {
        return option + ": the temporary encrypted copy of " + what + " was changed while it was read ("
                + e.getMessage() + "); run the upload again";
    }

    private static int firstNonBlank(byte[] b) {
        for (byte x : b) {
            if (x != ' ' && x != '\t' && x != '\r' && x != '\n') return x;
        }
        return -1;
    }

    private static String reason(KeyExportException e) {
        String hint = switch (e.kind()) {
            case WRONG_PASSPHRASE_OR_MODIFIED -> "; check the passphrase";
            case BAD_ARMOUR, TRUNCATED -> "; is this the file Element exported, complete?";
            default -> "";
        };
        return "encrypted key export: " + e.getMessage() + hint;
    }

    /**
     * The export passphrase: the first line of {@code --export-passphrase-file}, or typed at the terminal
     * (twice when {@code confirm}, for a new file; as UTF-8 whatever the locale: {@link TerminalPassphrase}).
     * {@code -} is standard input, with the rules of the other options that read it: one option only
     * ({@link #claimPassphraseStdin}), at most {@link UserFiles#MAX_KEY_FILE} bytes (a passphrase file's cap),
     * the bytes wiped once decoded. The caller wipes the passphrase.
     */
    static char[] passphrase(Args a, boolean confirm, Io io) throws FailedException, IOException, UsageException {
        String file = a.optional(PASSPHRASE_OPTION);
        if (file != null) {
            byte[] b = file.equals("-") ? io.readStdinSecret(PASSPHRASE_STDIN, UserFiles.MAX_KEY_FILE)
                    : UserFiles.readCapped("--" + PASSPHRASE_OPTION, file, UserFiles.MAX_KEY_FILE, "a passphrase file");
            char[] pass = StoreOptions.firstLine(b, "--" + PASSPHRASE_OPTION);
            if (pass.length == 0) throw new FailedException("--" + PASSPHRASE_OPTION + ": the first line is empty");
            return pass;
        }
        Console console = System.console();
        if (console == null) {
            throw new UsageException("an encrypted key export needs a passphrase: give --" + PASSPHRASE_OPTION
                    + " FILE (no terminal to ask on)");
        }
        String wayOut = "--" + PASSPHRASE_OPTION + " FILE";
        char[] pass = TerminalPassphrase.read(console, "Key export passphrase: ", wayOut);
        if (pass == null || pass.length == 0) throw new FailedException("no export passphrase given");
        if (confirm) {
            char[] again = null;
            boolean same = false;
            try {
                again = TerminalPassphrase.read(console, "Key export passphrase (again): ", wayOut);
                same = Arrays.equals(pass, again);
            } finally {
                if (again != null) Arrays.fill(again, '\0');
                if (!same) Arrays.fill(pass, '\0');
            }
            if (!same) throw new FailedException("the two export passphrases differ");
        }
        return pass;
    }

    /** The rounds for a new encrypted export: {@code --export-rounds N}, or Element's 500,000. */
    static int rounds(Args a) throws UsageException {
        String s = a.optional("export-rounds");
        if (s == null) return EncryptedKeyExport.DEFAULT_ROUNDS;
        int n;
        try {
            n = Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new UsageException("--export-rounds: not a number");
        }
        if (n < EncryptedKeyExport.MIN_ROUNDS || n > EncryptedKeyExport.MAX_ROUNDS) {
            throw new UsageException("--export-rounds: must be " + EncryptedKeyExport.MIN_ROUNDS + " to "
                    + EncryptedKeyExport.MAX_ROUNDS);
        }
        return n;
    }

    /** Wraps {@code file} so what is written to it lands encrypted; closing it writes the MAC and footer. */
    static OutputStream encrypting(OutputStream file, char[] pass, int rounds) throws IOException {
        return EncryptedKeyExport.encryptingStream(file, pass, rounds);
    }
}
