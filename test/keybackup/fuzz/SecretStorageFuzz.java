package keybackup.fuzz;

import keybackup.json.Json;
import keybackup.secrets.KeyDescription;
import keybackup.secrets.SecretStorage;
import keybackup.secrets.SecretStorageException;
import keybackup.secrets.SecretStorageKey;

/**
 * Fuzz target: on any JSON object, {@link KeyDescription#parse} (a key description from account data) and
 * the secret readers of {@link SecretStorage} throw only {@link SecretStorageException}. The passphrase is
 * derived only for descriptions of at most {@value #MAX_FUZZ_ITERATIONS} iterations, to keep runs fast
 * (the iteration caps themselves are checked by parse).
 */
public final class SecretStorageFuzz {
    private SecretStorageFuzz() {}

    private static final int MAX_FUZZ_ITERATIONS = 1000;
    private static final SecretStorageKey KEY = SecretStorageKey.fromBytes(new byte[SecretStorageKey.LENGTH]);

    public static void fuzzerTestOneInput(byte[] data) {
        Json.Obj o = Documented.object(data);
        if (o == null) return;
        Documented.allow(SecretStorageException.class, () -> {
            KeyDescription d = KeyDescription.parse(o);
            d.writeWeakness(d.check(KEY));
            if (d.passphrase() != null && d.passphrase().iterations() <= MAX_FUZZ_ITERATIONS) {
                SecretStorageKey.fromPassphrase("fuzz".toCharArray(), d);
            }
        });
        Documented.allow(SecretStorageException.class,
                () -> SecretStorage.decrypt(SecretStorage.BACKUP_SIGNING_KEY, o, KEY, "k"));
        Documented.allow(SecretStorageException.class,
                () -> SecretStorage.loadKeyBytes(SecretStorage.BACKUP_DECRYPTION_KEY, o, KEY, "k"));
        Documented.allow(SecretStorageException.class, () -> SecretStorage.loadBackupSigningKey(o, KEY, "k").close());
    }
}
