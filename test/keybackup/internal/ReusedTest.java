package keybackup.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** A lent JCA object comes back keyed with the public filler, whatever secret it was used with. */
class ReusedTest {
    private static final byte[] FILLER = filler();
    private static final byte[] SECRET =
            Bytes.fromHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");

    private static byte[] filler() {
        byte[] b = new byte[32];
        Arrays.fill(b, (byte) 0x5c);
        return b;
    }

    @Test
    void mac_afterUseWithASecret_holdsOnlyTheFiller() throws Exception {
        Mac lent;
        try (Reused.Lease<Mac> lease = Reused.hmacSha256()) {
            lent = lease.get();
            lent.init(new SecretKeySpec(SECRET, "HmacSHA256"));
            lent.update((byte) 1); // left mid-computation on purpose
        }
        Mac reference = Mac.getInstance("HmacSHA256");
        reference.init(new SecretKeySpec(FILLER, "HmacSHA256"));
        assertArrayEquals(reference.doFinal("x".getBytes()), lent.doFinal("x".getBytes()));
    }

    @Test
    void cipher_afterUseWithASecret_holdsOnlyTheFiller() throws Exception {
        Cipher lent;
        try (Reused.Lease<Cipher> lease = Reused.aesCbc()) {
            lent = lease.get();
            lent.init(Cipher.DECRYPT_MODE, new SecretKeySpec(SECRET, "AES"), new IvParameterSpec(SECRET, 0, 16));
        }
        Cipher reference = Cipher.getInstance("AES/CBC/PKCS5Padding");
        reference.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(FILLER, "AES"), new IvParameterSpec(FILLER, 0, 16));
        assertArrayEquals(reference.doFinal(new byte[20]), lent.doFinal(new byte[20]));
    }

    @Test
    void keyAgreement_afterUseWithASecret_holdsOnlyTheFiller() throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("X25519");
        KeyPair mine = gen.generateKeyPair();
        KeyPair peer = gen.generateKeyPair();
        KeyAgreement lent;
        try (Reused.Lease<KeyAgreement> lease = Reused.x25519()) {
            lent = lease.get();
            lent.init(mine.getPrivate());
        }
        lent.doPhase(peer.getPublic(), true);
        PrivateKey filler = KeyFactory.getInstance("X25519")
                .generatePrivate(new PKCS8EncodedKeySpec(Bytes.concat(Bytes.fromHex("302e020100300506032b656e04220420"), FILLER)));
        KeyAgreement reference = KeyAgreement.getInstance("X25519");
        reference.init(filler);
        reference.doPhase(peer.getPublic(), true);
        assertArrayEquals(reference.generateSecret(), lent.generateSecret());
    }

    @Test
    void mac_givenBackAfterAnException_isReKeyedToo() throws Exception {
        Mac lent = null;
        try (Reused.Lease<Mac> lease = Reused.hmacSha256()) {
            lent = lease.get();
            lent.init(new SecretKeySpec(SECRET, "HmacSHA256"));
            throw new IllegalStateException("the caller's work failed");
        } catch (IllegalStateException expected) {
            // the lease was closed on the way out
        }
        Mac reference = Mac.getInstance("HmacSHA256");
        reference.init(new SecretKeySpec(FILLER, "HmacSHA256"));
        assertArrayEquals(reference.doFinal("y".getBytes()), lent.doFinal("y".getBytes()));
    }

    @Test
    void nestedUse_getsItsOwnObject_andTheThreadKeepsOne() throws Exception {
        Mac outer;
        try (Reused.Lease<Mac> a = Reused.hmacSha256()) {
            outer = a.get();
            try (Reused.Lease<Mac> b = Reused.hmacSha256()) {
                assertNotSame(outer, b.get());
            }
        }
        try (Reused.Lease<Mac> again = Reused.hmacSha256()) {
            assertSame(outer, again.get());
        }
    }

    @Test
    void otherThread_getsAnotherObject() throws Exception {
        Mac here;
        try (Reused.Lease<Mac> a = Reused.hmacSha256()) {
            here = a.get();
        }
        Mac there = CompletableFuture.supplyAsync(() -> {
            try (Reused.Lease<Mac> b = Reused.hmacSha256()) {
                return b.get();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }).get();
        assertNotSame(here, there);
    }

    @Test
    void staleSecondClose_doesNotReKeyTheNextCallersObject() throws Exception {
        Reused.Lease<Mac> stale = Reused.hmacSha256();
        stale.close();
        try (Reused.Lease<Mac> next = Reused.hmacSha256()) {
            next.get().init(new SecretKeySpec(SECRET, "HmacSHA256"));
            stale.close(); // a caller's bug: must not touch the object now lent to `next`
            Mac reference = Mac.getInstance("HmacSHA256");
            reference.init(new SecretKeySpec(SECRET, "HmacSHA256"));
            assertArrayEquals(reference.doFinal("z".getBytes()), next.get().doFinal("z".getBytes()));
        }
    }

    @Test
    void get_afterClose_isIllegalState() throws Exception {
        Reused.Lease<Cipher> lease = Reused.aesCbc();
        lease.close();
        assertThrows(IllegalStateException.class, lease::get);
    }
}
