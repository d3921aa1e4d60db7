package keybackup.internal;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.NoSuchProviderException;
import java.security.Provider;
import java.security.Security;
import java.security.Signature;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;

/**
 * The one place where JCA objects are created, by standard algorithm name. A deployment that must use
 * a particular provider (a FIPS one, or a faster one) installs it through the JDK's security properties
 * ({@code -Djava.security.properties=FILE}) and names it with {@code -Dkeybackup.provider=NAME}; the
 * project never depends on it. Unset, the JDK's default provider order applies.
 *
 * <p>Every call returns a new object, so no key material outlives its use in a cached object. What is
 * cached is only which provider serves an algorithm: looking that up by name walks the provider list
 * and, for a cipher, parses the transformation (a few microseconds, which restore pays several times
 * per key). The first request for an algorithm is answered by the JDK's normal search, and the
 * provider it picked serves that algorithm from then on.
 */
public final class Jca {
    private Jca() {}

    /** The provider name chosen at start-up, or null for the JDK default. */
    public static final String PROVIDER = emptyToNull(System.getProperty("keybackup.provider"));

    /** "Type/algorithm" to the provider that served it first. */
    private static final ConcurrentHashMap<String, Provider> CHOSEN = new ConcurrentHashMap<>();

    private static String emptyToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    @FunctionalInterface
    private interface ByName<T> {
        T get(String algorithm) throws GeneralSecurityException;
    }

    @FunctionalInterface
    private interface From<T> {
        T get(String algorithm, Provider provider) throws GeneralSecurityException;
    }

    private static <T> T instance(String type, String algorithm, ByName<T> byName, From<T> from, Function<T, Provider> providerOf)
            throws GeneralSecurityException {
        String slot = type + "/" + algorithm;
        Provider p = CHOSEN.get(slot);
        if (p != null) return from.get(algorithm, p);
        T made;
        if (PROVIDER == null) {
            made = byName.get(algorithm);
        } else {
            Provider named = Security.getProvider(PROVIDER);
            if (named == null) throw new NoSuchProviderException("no JCA provider named " + PROVIDER + " is installed (-Dkeybackup.provider)");
            made = from.get(algorithm, named);
        }
        CHOSEN.putIfAbsent(slot, providerOf.apply(made));
        return made;
    }

    public static Signature signature(String algorithm) throws GeneralSecurityException {
        return instance("Signature", algorithm, Signature::getInstance, Signature::getInstance, Signature::getProvider);
    }

    public static KeyFactory keyFactory(String algorithm) throws GeneralSecurityException {
        return instance("KeyFactory", algorithm, KeyFactory::getInstance, KeyFactory::getInstance, KeyFactory::getProvider);
    }

    public static KeyPairGenerator keyPairGenerator(String algorithm) throws GeneralSecurityException {
        return instance("KeyPairGenerator", algorithm, KeyPairGenerator::getInstance, KeyPairGenerator::getInstance, KeyPairGenerator::getProvider);
    }

    public static KeyAgreement keyAgreement(String algorithm) throws GeneralSecurityException {
        return instance("KeyAgreement", algorithm, KeyAgreement::getInstance, KeyAgreement::getInstance, KeyAgreement::getProvider);
    }

    public static Cipher cipher(String transformation) throws GeneralSecurityException {
        return instance("Cipher", transformation, Cipher::getInstance, Cipher::getInstance, Cipher::getProvider);
    }

    public static Mac mac(String algorithm) throws GeneralSecurityException {
        return instance("Mac", algorithm, Mac::getInstance, Mac::getInstance, Mac::getProvider);
    }

    public static SecretKeyFactory secretKeyFactory(String algorithm) throws GeneralSecurityException {
        return instance("SecretKeyFactory", algorithm, SecretKeyFactory::getInstance, SecretKeyFactory::getInstance, SecretKeyFactory::getProvider);
    }
}
