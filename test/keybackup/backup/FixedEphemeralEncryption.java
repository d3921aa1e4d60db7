package keybackup.backup;

import keybackup.json.Json;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Curve25519PublicKey;

/**
 * Test tree only: the deterministic {@code m.megolm_backup.v1} encryption with a caller-chosen ephemeral
 * key, for reference vectors and scenario files that must come out byte for byte the same on every run.
 * The library keeps it package-private, so no production caller can reuse an ephemeral key.
 */
public final class FixedEphemeralEncryption {
    private FixedEphemeralEncryption() {}

    /** {@code plaintextUtf8} encrypted to {@code backupKey} with {@code ephemeral} as the ephemeral key. */
    public static Json.Obj encrypt(byte[] plaintextUtf8, Curve25519PublicKey backupKey, BackupDecryptionKey ephemeral) {
        return MegolmBackupV1.encrypt(plaintextUtf8, backupKey, ephemeral);
    }
}
