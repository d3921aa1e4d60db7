package keybackup.cli;

import java.nio.charset.CharacterCodingException;
import java.util.List;
import java.util.Set;
import keybackup.internal.Bytes;
import keybackup.internal.StrictUtf8;
import keybackup.json.Json;
import keybackup.secrets.SecretStorage;
import keybackup.secrets.SecretStorageException;
import keybackup.secrets.SecretStorageKey;

/**
 * {@code secret encrypt} and {@code secret decrypt}: one Secret Storage secret on stdin/stdout
 * (protocol.md §8.5). The key comes from a file, never from the command line (which other users can see).
 */
final class SecretCommands {
    private SecretCommands() {}

    static List<Command> all() {
        return List.of(new Encrypt(), new Decrypt());
    }

    private static final String KEY_FILE_HELP =
            "FILE holds the secret storage key: a recovery key (spaces and line breaks allowed) or the base64 of\n"
            + "its 32 bytes on the first line.\n";

    static final class Encrypt implements Command {
        public String name() { return "secret encrypt"; }
        public String summary() { return "stdin secret -> account-data content {\"encrypted\":…}"; }
        public String usage() {
            return "keybackup secret encrypt --name NAME --key-file FILE --key-id ID\n"
                    + "Encrypts the UTF-8 secret on stdin (one trailing "
                    + "newline removed) as secret NAME (the account-data\n"
                    + "type, e.g. m.key_backup.signing) with "
                    + "m.secret_storage.v1.aes-hmac-sha2 and a random IV, and prints\n"
                    + "the account-data content {\"encrypted\":{ID:{iv,ciphertext,mac}}} as canonical JSON.\n"
                    + KEY_FILE_HELP
                    + "--key-id is required, there is no default: it must "
                    + "be the ID of the key's m.secret_storage.key.ID\n"
                    + "account data, because other clients look the entry up by that ID.";
        }
        public int run(List<String> argv, Io io) throws Exception {
            Args a = new Args(argv, Set.of("name", "key-file", "key-id"), Set.of());
            String name = a.required("name");
            String keyFile = a.required("key-file");
            String keyId = a.required("key-id");
            if (keyId.isEmpty()) throw new UsageException("--key-id must not be empty");
            byte[] in = io.readStdin();
            try (SecretStorageKey key = readKey(keyFile)) {
                io.printCanonical(SecretStorage.encrypt(name, secretText(in), key, keyId));
            } finally {
                Bytes.zero(in);
            }
            return 0;
        }
    }

    static final class Decrypt implements Command {
        public String name() { return "secret decrypt"; }
        public String summary() { return "stdin account-data content -> the secret"; }
        public String usage() {
            return "keybackup secret decrypt --name NAME --key-file FILE [--key-id ID]\n"
                    + "Reads the account-data content of secret NAME on "
                    + "stdin, checks its MAC and prints the secret and a\n"
                    + "newline. Exit 1 on a wrong key, tampered data, or no entry for the key.\n"
                    + KEY_FILE_HELP
                    + "Without --key-id the only entry under \"encrypted\" is used; with several, --key-id is "
                    + "required.";
        }
        public int run(List<String> argv, Io io) throws Exception {
            Args a = new Args(argv, Set.of("name", "key-file", "key-id"), Set.of());
            String name = a.required("name");
            String keyFile = a.required("key-file");
            String keyId = a.optional("key-id");
            Json.Obj content = io.readStdinObject("stdin");
            if (keyId == null) keyId = onlyKeyId(content);
            try (SecretStorageKey key = readKey(keyFile)) {
                io.printAuthenticated(SecretStorage.decrypt(name, content, key, keyId)); // MAC checked: exact bytes
            } catch (SecretStorageException e) {
                throw new FailedException(e.getMessage());
            }
            return 0;
        }
    }

    /** The single key ID under {@code encrypted}; none means "not stored" (exit 1), several need --key-id (exit 2). */
    private static String onlyKeyId(Json.Obj content) throws UsageException, FailedException {
        Json.Obj encrypted = content.object("encrypted");
        if (encrypted == null || encrypted.members().isEmpty()) {
            throw new FailedException("stdin: secret not stored under any key");
        }
        if (encrypted.members().size() > 1) {
            // Key IDs are public (they name account-data types); listing them helps choose.
            throw new UsageException("--key-id needed: the secret is stored under " + encrypted.members().size()
                    + " keys: " + String.join(", ", encrypted.members().keySet()));
        }
        return encrypted.members().keySet().iterator().next();
    }

    private static SecretStorageKey readKey(String path) throws Exception {
        try {
            return SecretStorageKey.fromKeyFileText(UserFiles.readTextFile("--key-file", path));
        } catch (SecretStorageException e) {
            throw new FailedException("--key-file: " + e.getMessage());
        }
    }

    /** Strict UTF-8 of stdin, without one trailing newline ("\n" or "\r\n") that shells and editors add. */
    private static String secretText(byte[] in) throws FailedException {
        int end = in.length;
        if (end > 0 && in[end - 1] == '\n') {
            end--;
            if (end > 0 && in[end - 1] == '\r') end--;
        }
        try {
            return StrictUtf8.decode(in, 0, end);
        } catch (CharacterCodingException e) {
            throw new FailedException("stdin: secret is not valid UTF-8");
        }
    }
}
