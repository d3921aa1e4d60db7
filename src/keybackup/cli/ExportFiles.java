package keybackup.cli;

import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import keybackup.backup.EncryptedKeyExport;
import keybackup.backup.KeyExportException;
import keybackup.json.Json;
import keybackup.json.JsonException;
import keybackup.json.JsonReader;

/**
 * Key-export files on the command line: {@code upload --keys} reads the plain JSON array or Element's
 * encrypted export (told apart by its header), {@code restore --encrypt} writes the encrypted one. The
 * export passphrase comes from {@code --export-passphrase-file FILE} (its first line) or is typed at the
 * terminal, never from the command line; it is wiped once the keys are derived.
 */
final class ExportFiles {
    private ExportFiles() {}

    static final String PASSPHRASE_OPTION = "export-passphrase-file";
    static final String USAGE = "--keys FILE may be Element's encrypted export (\"-----BEGIN MEGOLM SESSION DATA-----\"); its passphrase comes\n"
            + "from --export-passphrase-file FILE (the first line) or is asked for at the terminal.\n";

    /** Reads {@code --keys}: the plain JSON array, or the decrypted content of an encrypted export. */
    static Json readKeys(String option, String path, Args a, Io io) throws FailedException, IOException, UsageException {
        if (path.equals("-")) return readKeysFromStdin(option, a, io);
        Path file = Path.of(path);
        byte[] start;
        try (InputStream in = Files.newInputStream(file)) {
            start = in.readNBytes(64);
        } catch (NoSuchFileException e) {
            throw new FailedException(option + ": no such file: " + path);
        }
        byte[] content;
        if (EncryptedKeyExport.looksEncrypted(start, start.length) || firstNonBlank(start) == '-') { // '-': a damaged header gets the armour's error
            char[] pass = passphrase(a, false);
            try (InputStream in = EncryptedKeyExport.decrypt(file, pass)) {
                content = in.readAllBytes(); // whole: the MAC is checked again at the end of the second pass
            } catch (KeyExportException e) {
                throw new FailedException(option + ": " + reason(e));
            } finally {
                Arrays.fill(pass, '\0');
            }
        } else {
            content = Files.readAllBytes(file);
        }
        try {
            return JsonReader.parse(content);
        } catch (JsonException e) {
            throw new FailedException(option + ": " + e.getMessage());
        } finally {
            Arrays.fill(content, (byte) 0);
        }
    }

    /**
     * {@code --keys -}: the export on standard input, plain or encrypted (then decrypted in memory: a stream
     * cannot be read twice, and the MAC must be checked before any key is used).
     */
    private static Json readKeysFromStdin(String option, Args a, Io io) throws FailedException, IOException, UsageException {
        if ("-".equals(a.optional(PASSPHRASE_OPTION))) throw new UsageException("--keys - and --" + PASSPHRASE_OPTION + " - cannot both read stdin");
        byte[] content = io.stdinStream(option).readAllBytes();
        int n = Math.min(content.length, 64);
        if (EncryptedKeyExport.looksEncrypted(Arrays.copyOf(content, n), n) || firstNonBlank(Arrays.copyOf(content, n)) == '-') {
            char[] pass = passphrase(a, false);
            byte[] armoured = content;
            try {
                content = EncryptedKeyExport.decrypt(armoured, pass);
            } catch (KeyExportException e) {
                throw new FailedException(option + ": " + reason(e));
            } finally {
                Arrays.fill(pass, '\0');
            }
        }
        try {
            return JsonReader.parse(content);
        } catch (JsonException e) {
            throw new FailedException(option + ": " + e.getMessage());
        } finally {
            Arrays.fill(content, (byte) 0);
        }
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
     * (twice when {@code confirm}, for a new file). The caller wipes it.
     */
    static char[] passphrase(Args a, boolean confirm) throws FailedException, IOException, UsageException {
        String file = a.optional(PASSPHRASE_OPTION);
        if (file != null) {
            byte[] b;
            try {
                b = Files.readAllBytes(Path.of(file));
            } catch (NoSuchFileException e) {
                throw new FailedException("--" + PASSPHRASE_OPTION + ": no such file: " + file);
            }
            char[] pass = firstLine(b);
            if (pass.length == 0) throw new FailedException("--" + PASSPHRASE_OPTION + ": the first line is empty");
            return pass;
        }
        Console console = System.console();
        if (console == null) {
            throw new UsageException("an encrypted key export needs a passphrase: give --" + PASSPHRASE_OPTION + " FILE (no terminal to ask on)");
        }
        char[] pass = console.readPassword("Key export passphrase: ");
        if (pass == null || pass.length == 0) throw new FailedException("no export passphrase given");
        if (confirm) {
            char[] again = console.readPassword("Key export passphrase (again): ");
            try {
                if (!Arrays.equals(pass, again)) {
                    Arrays.fill(pass, '\0');
                    throw new FailedException("the two export passphrases differ");
                }
            } finally {
                if (again != null) Arrays.fill(again, '\0');
            }
        }
        return pass;
    }

    /** The first line (to LF or CR), strictly decoded as UTF-8; {@code utf8} and the buffers are wiped. */
    private static char[] firstLine(byte[] utf8) throws FailedException {
        int end = 0;
        while (end < utf8.length && utf8[end] != '\n' && utf8[end] != '\r') end++;
        CharBuffer chars = null;
        try {
            chars = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(utf8, 0, end));
            char[] line = new char[chars.remaining()];
            chars.get(line);
            return line;
        } catch (CharacterCodingException e) {
            throw new FailedException("--" + PASSPHRASE_OPTION + ": the passphrase is not valid UTF-8");
        } finally {
            Arrays.fill(utf8, (byte) 0);
            if (chars != null && chars.hasArray()) Arrays.fill(chars.array(), '\0');
        }
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
            throw new UsageException("--export-rounds: must be " + EncryptedKeyExport.MIN_ROUNDS + " to " + EncryptedKeyExport.MAX_ROUNDS);
        }
        return n;
    }

    /** Wraps {@code file} so what is written to it lands encrypted; closing it writes the MAC and footer. */
    static OutputStream encrypting(OutputStream file, char[] pass, int rounds) throws IOException {
        return EncryptedKeyExport.encryptingStream(file, pass, rounds);
    }
}
