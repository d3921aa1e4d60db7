package keybackup.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.security.NoSuchAlgorithmException;
import java.security.Signature;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import org.junit.jupiter.api.Test;

/** Jca hands out a new object on every call, from the provider the JDK picks. */
class JcaTest {

    @Test
    void everyCall_returnsAFreshObject_fromTheProviderTheJdkPicks() throws Exception {
        for (int i = 0; i < 2; i++) {
            Cipher a = Jca.cipher("AES/CBC/PKCS5Padding");
            Cipher b = Jca.cipher("AES/CBC/PKCS5Padding");
            assertNotSame(a, b);
            assertEquals(Cipher.getInstance("AES/CBC/PKCS5Padding").getProvider(), a.getProvider());
            Mac m = Jca.mac("HmacSHA256");
            assertNotSame(m, Jca.mac("HmacSHA256"));
            assertEquals(Mac.getInstance("HmacSHA256").getProvider(), m.getProvider());
            Signature s = Jca.signature("Ed25519");
            assertNotSame(s, Jca.signature("Ed25519"));
            assertEquals(Signature.getInstance("Ed25519").getProvider(), s.getProvider());
            KeyAgreement k = Jca.keyAgreement("X25519");
            assertNotSame(k, Jca.keyAgreement("X25519"));
            assertEquals(KeyAgreement.getInstance("X25519").getProvider(), k.getProvider());
        }
    }

    @Test
    void unknownAlgorithm_isTheJdksTypedError_everyTime() {
        assertThrows(NoSuchAlgorithmException.class, () -> Jca.mac("HmacNoSuchThing"));
        assertThrows(NoSuchAlgorithmException.class, () -> Jca.mac("HmacNoSuchThing"));
    }
}
