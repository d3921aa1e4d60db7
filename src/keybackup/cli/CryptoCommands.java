package keybackup.cli;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import keybackup.backup.DecryptionException;
import keybackup.backup.MegolmBackupV1;
import keybackup.backup.SessionData;
import keybackup.internal.Bytes;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.Utf8;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Curve25519PublicKey;
import keybackup.keys.RecoveryKey;

/** Backup-key and session-encryption commands ({@code m.megolm_backup.v1.curve25519-aes-sha2}). */
final class CryptoCommands {
    private CryptoCommands() {}

    static List<Command> all() {
        return List.of(new GenerateBackupKey(), new RecoveryKeyDecode(), new RecoveryKeyEncode(), new EncryptSession(),
                new DecryptSession());
    }

    static final class GenerateBackupKey implements Command {
        public String name() { return "generate-backup-key"; }
        public String summary() { return "new backup key: recovery key to FILE, public key to stdout"; }
        public String usage() {
            return "keybackup generate-backup-key --out FILE\n"
                    + "Writes the recovery key of a new X25519 backup "
                    + "decryption key to FILE (mode 600; an existing file\n"
                    + "is not overwritten) and prints the backup public key (unpadded base64, for "
                    + "auth_data.public_key).";
        }
        public int run(List<String> argv, Io io) throws Exception {
            String out = new Args(argv, Set.of("out"), Set.of()).required("out");
            try (BackupDecryptionKey key = BackupDecryptionKey.generate()) {
                UserFiles.writeSecretFile("--out", out, key.toRecoveryKey() + "\n");
                io.println(key.publicKey().toBase64());
            }
            return 0;
        }
    }

    /** stdin as text (strict UTF-8), surrounding whitespace removed. */
    private static String stdinText(Io io) throws Exception {
        String s = Utf8.decode(io.readStdin()).strip();
        if (s.isEmpty()) throw new FailedException("stdin: empty");
        return s;
    }

    static final class RecoveryKeyDecode implements Command {
        public String name() { return "recovery-key decode"; }
        public String summary() { return "stdin recovery key -> unpadded base64 key"; }
        public String usage() {
            return "keybackup recovery-key decode\n"
                    + "Reads a recovery key on stdin (whitespace anywhere is ignored) and prints the 32-byte key as\n"
                    + "unpadded base64. Errors name the failed check: character, length, prefix or parity.";
        }
        public int run(List<String> argv, Io io) throws Exception {
            new Args(argv, Set.of(), Set.of());
            byte[] key = RecoveryKey.decode(stdinText(io));
            try {
                io.println(Base64Unpadded.encode(key));
            } finally {
                Bytes.zero(key);
            }
            return 0;
        }
    }

    static final class RecoveryKeyEncode implements Command {
        public String name() { return "recovery-key encode"; }
        public String summary() { return "stdin unpadded base64 key -> recovery key"; }
        public String usage() {
            return "keybackup recovery-key encode\n"
                    + "Reads a 32-byte key as unpadded base64 on stdin and prints its recovery key.";
        }
        public int run(List<String> argv, Io io) throws Exception {
            new Args(argv, Set.of(), Set.of());
            byte[] key = Base64Unpadded.decode("stdin", stdinText(io), 32);
            try {
                io.println(RecoveryKey.encode(key));
            } finally {
                Bytes.zero(key);
            }
            return 0;
        }
    }

    static final class EncryptSession implements Command {
        public String name() { return "encrypt-session"; }
        public String summary() { return "stdin SessionData -> encrypted session_data"; }
        public String usage() {
            return "keybackup encrypt-session --public-key B64\n"
                    + "Reads a SessionData JSON object on stdin, checks it, encrypts its canonical JSON to the backup\n"
                    + "public key with a fresh ephemeral key and prints {ephemeral, ciphertext, mac} as canonical "
                    + "JSON.";
        }
        public int run(List<String> argv, Io io) throws Exception {
            String pub = new Args(argv, Set.of("public-key"), Set.of()).required("public-key");
            Curve25519PublicKey key = Curve25519PublicKey.parse("--public-key", pub);
            Json.Obj obj = io.readStdinObject("stdin");
            SessionData.from(obj); // refuse to back up something no client could restore
            byte[] plaintext = CanonicalJson.encode(obj);
            try {
                io.printCanonical(MegolmBackupV1.encrypt(plaintext, key));
            } catch (IllegalArgumentException e) {
                throw new FailedException(e.getMessage()); // small-order public key
            } finally {
                Bytes.zero(plaintext);
            }
            return 0;
        }
    }

    static final class DecryptSession implements Command {
        public String name() { return "decrypt-session"; }
        public String summary() { return "stdin session_data -> SessionData (mac must match)"; }
        public String usage() {
            return "keybackup decrypt-session --key-file FILE\n"
                    + "FILE holds the backup decryption key: a recovery "
                    + "key or unpadded base64. Decrypts the session_data\n"
                    + "object {ephemeral, ciphertext, mac} on stdin and prints the SessionData as canonical JSON.\n"
                    + "Fails (exit 1) on any decryption error, on a "
                    + "plaintext that is not a valid SessionData, and on a\n"
                    + "mac that is missing or does not match: without the backup signing key nothing can forgive it.";
        }
        public int run(List<String> argv, Io io) throws Exception {
            String keyFile = new Args(argv, Set.of("key-file"), Set.of()).required("key-file");
            Json.Obj sessionData = io.readStdinObject("stdin");
            MegolmBackupV1.Decrypted d;
            try (BackupDecryptionKey key = BackupDecryptionKey.fromKeyFileText(UserFiles.readTextFile("--key-file",
                    keyFile))) {
                d = MegolmBackupV1.decrypt(sessionData, key);
            } catch (DecryptionException e) {
                throw new FailedException("decryption failed: " + e.getMessage());
            }
            if (d.mac() != MegolmBackupV1.MacCheck.MATCH) {
                throw new FailedException("mac: " + d.mac().name().toLowerCase(Locale.ROOT)
                        + " (no backup signing key here could forgive it)");
            }
            io.printCanonical(SessionData.from(d.plaintext()).json());
            return 0;
        }
    }
}
