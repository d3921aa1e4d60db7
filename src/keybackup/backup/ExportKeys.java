package keybackup.backup;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import keybackup.internal.Bytes;
import keybackup.internal.Jca;

/**
 * The two keys of one encrypted key export, {@code K ‖ K' = PBKDF2-HMAC-SHA-512(passphrase, salt, rounds,
 * 64 bytes)}: K for AES-256-CTR, K' for HMAC-SHA-256. {@link #close()} zeroes them.
 */
final class ExportKeys implements AutoCloseable {
    /** PBKDF2 runs in this JVM, counted so that tests can check that one export's keys are derived once. */
    private static final AtomicLong DERIVATIONS = new AtomicLong();

    final byte[] aes;
    private final byte[] mac;

    /** Derives the keys; the rounds were range-checked by the caller. */
    ExportKeys(char[] passphrase, ExportPrefix p) {
        byte[] both = derive(passphrase, p.salt(), p.rounds());
        aes = Arrays.copyOfRange(both, 0, 32);
        mac = Arrays.copyOfRange(both, 32, 64);
        Bytes.zero(both);
    }

    /** A fresh HMAC-SHA-256 under K'. */
    Mac hmac() throws GeneralSecurityException {
        Mac m = Jca.mac("HmacSHA256");
        m.init(new SecretKeySpec(mac, "HmacSHA256"));
        return m;
    }

    /** How many times PBKDF2 ran in this JVM (any export, any thread). */
    static long derivations() {
        return DERIVATIONS.get();
    }

    @Override
    public void close() {
        Bytes.zero(aes, mac);
    }

    /**
     * PBKDF2-HMAC-SHA-512 to 64 bytes. The JDK encodes the {@code char[]} passphrase as UTF-8, as Element
     * ({@code TextEncoder}) and the Rust SDK ({@code as_bytes}) do; its key spec is cleared after use.
     */
    private static byte[] derive(char[] passphrase, byte[] salt, int rounds) {
        DERIVATIONS.incrementAndGet();
        PBEKeySpec spec = new PBEKeySpec(passphrase, salt, rounds, 512); // copies the passphrase
        try {
            return Jca.secretKeyFactory("PBKDF2WithHmacSHA512").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA512 is not available", e);
        } finally {
            spec.clearPassword();
        }
    }
}
