package keybackup.internal;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.Signature;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;

/**
 * The one place where JCA objects are created, by standard algorithm name. A deployment that must use
 * a particular provider (a FIPS one, or a faster one) installs it through the JDK's security properties
 * ({@code -Djava.security.properties=FILE}) and names it with {@code -Dkeybackup.provider=NAME}; the
 * project never depends on it. Unset, the JDK's default provider order applies. Every call returns a
 * new object; the few objects reused per thread for speed are lent by {@link Reused}.
 */
public final class Jca {
    private Jca() {}

    /** The provider name chosen at start-up, or null for the JDK default. */
    public static final String PROVIDER = emptyToNull(System.getProperty("keybackup.provider"));

    private static String emptyToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    public static Signature signature(String algorithm) throws GeneralSecurityException {
        return PROVIDER == null ? Signature.getInstance(algorithm) : Signature.getInstance(algorithm, PROVIDER);
    }

    public static KeyFactory keyFactory(String algorithm) throws GeneralSecurityException {
        return PROVIDER == null ? KeyFactory.getInstance(algorithm) : KeyFactory.getInstance(algorithm, PROVIDER);
    }

    public static KeyPairGenerator keyPairGenerator(String algorithm) throws GeneralSecurityException {
        return PROVIDER == null ? KeyPairGenerator.getInstance(algorithm)
                : KeyPairGenerator.getInstance(algorithm, PROVIDER);
    }

    public static KeyAgreement keyAgreement(String algorithm) throws GeneralSecurityException {
        return PROVIDER == null ? KeyAgreement.getInstance(algorithm) : KeyAgreement.getInstance(algorithm, PROVIDER);
    }

    public static Cipher cipher(String transformation) throws GeneralSecurityException {
        return PROVIDER == null ? Cipher.getInstance(transformation) : Cipher.getInstance(transformation, PROVIDER);
    }

    public static Mac mac(String algorithm) throws GeneralSecurityException {
        return PROVIDER == null ? Mac.getInstance(algorithm) : Mac.getInstance(algorithm, PROVIDER);
    }

    public static SecretKeyFactory secretKeyFactory(String algorithm) throws GeneralSecurityException {
        return PROVIDER == null ? SecretKeyFactory.getInstance(algorithm)
                : SecretKeyFactory.getInstance(algorithm, PROVIDER);
    }
}
