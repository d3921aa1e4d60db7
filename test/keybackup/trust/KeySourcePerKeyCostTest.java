package keybackup.trust;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.List;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.trust.AuthDataTrust.TrustedVia;
import keybackup.trust.AuthDataTrust.Via;
import org.junit.jupiter.api.Test;

/**
 * {@link KeySource#fromRestore} runs once or twice for every key a migration, an upload from a restore or an
 * export writes: the answer depends only on the signer, which every verdict of a version shares, so it must not
 * build anything per key (a stream, a set, a list over the signer's trusted signers).
 */
class KeySourcePerKeyCostTest {
    private static final int CALLS = 200_000;

    @Test
    void fromRestore_allocatesNothingPerKey() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        if (!mx.isThreadAllocatedMemorySupported()) return; // nothing to measure on this JVM
        mx.setThreadAllocatedMemoryEnabled(true);
        TrustedBackupKey strong;
        TrustedBackupKey weak;
        try (Ed25519PrivateKey k = Ed25519PrivateKey.generate()) {
            String pub = k.publicKey().toBase64();
            strong = new TrustedBackupKey("@a:x", pub, k.publicKey(), List.of(
                    new TrustedVia(Via.DEVICE_AS_PUBLISHED, "ed25519:B"), new TrustedVia(Via.MASTER_KEY, "ed25519:M"),
                    new TrustedVia(Via.THIS_DEVICE, "ed25519:A")));
            weak = new TrustedBackupKey("@a:x", pub, k.publicKey(),
                    List.of(new TrustedVia(Via.DEVICE_AS_PUBLISHED, "ed25519:B")));
        }
        SessionVerdict a = new SessionVerdict.Authenticated(strong);
        SessionVerdict w = new SessionVerdict.Authenticated(weak);
        assertTrue(KeySource.fromRestore(a).authenticated());
        assertFalse(KeySource.fromRestore(w).authenticated());
        long thread = Thread.currentThread().getId();
        int authenticated = 0;
        for (int i = 0; i < CALLS; i++) if (KeySource.fromRestore(i % 2 == 0 ? a : w).authenticated()) authenticated++;
        long before = mx.getThreadAllocatedBytes(thread);
        for (int i = 0; i < CALLS; i++) if (KeySource.fromRestore(i % 2 == 0 ? a : w).authenticated()) authenticated++;
        long perCall = (mx.getThreadAllocatedBytes(thread) - before) / CALLS;
        assertTrue(authenticated == CALLS, "half of the calls are authenticated");
        assertTrue(perCall < 8, "bytes allocated per call: " + perCall);
    }
}
