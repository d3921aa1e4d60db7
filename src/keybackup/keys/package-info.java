/**
 * Keys and their encodings: unpadded base64 ({@link keybackup.keys.Base64Unpadded}), Ed25519 signing
 * keys ({@link keybackup.keys.Ed25519PrivateKey}, {@link keybackup.keys.Ed25519PublicKey}), recovery
 * keys and passphrase keys.
 *
 * <p>Implements the spec appendix "Unpadded Base64" as protocol.md §3.2 decides (padding accepted,
 * URL-safe alphabet rejected, non-zero trailing bits accepted, byte length checked) and plain RFC 8032
 * Ed25519 with 32-byte seeds (protocol.md §4.1), on the JDK's own provider.
 *
 * <p>Not guaranteed: "strict" Ed25519 verification beyond what the JDK does (small-order keys are not
 * refused here: protocol.md §4.1); complete erasure of secrets — seeds are zeroed on close, but the JCA key
 * objects keep their own copies.
 */
package keybackup.keys;
