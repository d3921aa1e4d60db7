package keybackup.backup;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import keybackup.internal.Jca;

/**
 * AES-256-CTR as Element runs it for key exports: WebCrypto with {@code length: 64}, so only the low 64
 * bits of the counter block count up and wrap to zero without carrying into the high 64 bits. The JDK's
 * {@code AES/CTR/NoPadding} (like matrix-rust-sdk's {@code Ctr128BE}) carries, so the two differ once
 * the low half overflows. Writers clear IV bit 63 (spec "Key exports", step 3; protocol.md §12.2), which keeps the low
 * half from overflowing for any real file; for a file whose IV has it set, this class follows Element
 * by restarting the JDK cipher at the wrap with the high half unchanged and the low half zero.
 * React-sdk's test vector with an all-ones IV checks exactly this.
 *
 * <p>Encryption and decryption are the same operation. The key bytes are copied into a JCA key
 * object (which keeps its own copy; zeroing is best effort, see {@code Bytes.zero}).
 */
final class ExportCipher {
    private static final int BLOCK = 16;

    private final SecretKeySpec key;
    private final byte[] high = new byte[8];
    private Cipher cipher;
    /** Bytes left before the low 64 bits wrap, or -1 if more than Long.MAX_VALUE (never in practice). */
    private long untilWrap;

    ExportCipher(byte[] aesKey, byte[] iv) throws GeneralSecurityException {
        key = new SecretKeySpec(aesKey, "AES");
        System.arraycopy(iv, 0, high, 0, 8);
        long low = 0;
        for (int i = 8; i < 16; i++) low = low << 8 | (iv[i] & 0xff);
        long blocks = -low; // 2^64 - low, as an unsigned number; 0 means 2^64
        untilWrap = blocks == 0 || Long.compareUnsigned(blocks, Long.MAX_VALUE / BLOCK) > 0 ? -1 : blocks * BLOCK;
        cipher = start(iv);
    }

    private Cipher start(byte[] counterBlock) throws GeneralSecurityException {
        Cipher c = Jca.cipher("AES/CTR/NoPadding");
        c.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(counterBlock));
        return c;
    }

    /** XORs {@code len} bytes of keystream into {@code out}; {@code in} and {@code out} may be the same array. */
    void apply(byte[] in, int inOff, int len, byte[] out, int outOff) throws GeneralSecurityException {
        while (len > 0) {
            int take = untilWrap < 0 ? len : (int) Math.min(len, untilWrap);
            if (take > 0) {
                int n = cipher.update(in, inOff, take, out, outOff);
                if (n != take) throw new GeneralSecurityException("AES/CTR returned " + n + " bytes for " + take);
                inOff += take;
                outOff += take;
                len -= take;
                if (untilWrap >= 0) untilWrap -= take;
            }
            if (untilWrap == 0) {
                byte[] wrapped = new byte[BLOCK];
                System.arraycopy(high, 0, wrapped, 0, 8); // low half back to zero, no carry
                cipher = start(wrapped);
                untilWrap = -1; // the next wrap is 2^64 blocks away
            }
        }
    }
}
