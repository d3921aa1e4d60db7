package keybackup.cli;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import keybackup.json.Json;
import keybackup.json.SignedJson;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.keys.Ed25519PublicKey;
import keybackup.internal.Bytes;

/** The foundation commands: canonical JSON, Ed25519 signing keys, signed JSON. */
final class JsonCommands {
    private JsonCommands() {}

    static List<Command> all() {
        return List.of(new CanonicalJsonCmd(), new GenerateSigningKey(), new SignJson(), new VerifyJson());
    }

    static final class CanonicalJsonCmd implements Command {
        public String name() { return "canonical-json"; }
        public String summary() { return "stdin JSON -> its canonical form"; }
        public String usage() {
            return "keybackup canonical-json\n"
                    + "Reads one JSON document on stdin and prints its Matrix canonical JSON and a newline.\n"
                    + "Floats, exponents, integers outside ±(2^53−1), duplicate keys "
                    + "and lone surrogates are rejected.";
        }
        public int run(List<String> argv, Io io) throws Exception {
            new Args(argv, Set.of(), Set.of());
            io.printCanonical(io.readStdinJson());
            return 0;
        }
    }

    static final class GenerateSigningKey implements Command {
        public String name() { return "generate-signing-key"; }
        public String summary() { return "new Ed25519 key: seed to FILE, public key to stdout"; }
        public String usage() {
            return "keybackup generate-signing-key --out FILE\n"
                    + "Writes the unpadded base64 seed of a new Ed25519 "
                    + "key to FILE (mode 600; an existing file is not\n"
                    + "overwritten) and prints the public key.";
        }
        public int run(List<String> argv, Io io) throws Exception {
            Args a = new Args(argv, Set.of("out"), Set.of());
            String out = a.required("out");
            try (Ed25519PrivateKey key = Ed25519PrivateKey.generate()) {
                byte[] seed = key.exportSeed();
                try {
                    UserFiles.writeSecretFile("--out", out, Base64Unpadded.encode(seed) + "\n");
                } finally {
                    Bytes.zero(seed);
                }
                io.println(key.publicKey().toBase64());
            }
            return 0;
        }
    }

    static Ed25519PrivateKey readSeedFile(String option, String path) throws Exception {
        String line = UserFiles.firstLine(option, path);
        return Ed25519PrivateKey.parseSeed(option + " (ed25519 seed)", line);
    }

    static final class SignJson implements Command {
        public String name() { return "sign-json"; }
        public String summary() { return "sign stdin JSON as a Matrix signed object"; }
        public String usage() {
            return "keybackup sign-json --user USER_ID --key-file FILE [--key-id ed25519:ID]\n"
                    + "FILE holds an unpadded base64 Ed25519 seed on its first line. Signs the JSON object on stdin\n"
                    + "(signatures and unsigned excluded from the signed bytes; existing signatures kept) and prints\n"
                    + "it as canonical JSON. The key id defaults to ed25519:<public key>.";
        }
        public int run(List<String> argv, Io io) throws Exception {
            Args a = new Args(argv, Set.of("user", "key-file", "key-id"), Set.of());
            String user = a.required("user");
            String keyFile = a.required("key-file");
            String keyId = a.optional("key-id");
            Json.Obj obj = io.readStdinObject("stdin");
            try (Ed25519PrivateKey key = readSeedFile("--key-file", keyFile)) {
                if (keyId == null) keyId = "ed25519:" + key.publicKey().toBase64();
                checkKeyId(keyId);
                io.printCanonical(SignedJson.sign(obj, user, keyId, key));
            }
            return 0;
        }
    }

    static void checkKeyId(String keyId) throws UsageException {
        if (!keyId.startsWith("ed25519:") || keyId.length() == "ed25519:".length()) {
            throw new UsageException("--key-id must look like ed25519:ID");
        }
    }

    static final class VerifyJson implements Command {
        public String name() { return "verify-json"; }
        public String summary() { return "check one signature on stdin JSON"; }
        public String usage() {
            return "keybackup verify-json --user USER_ID --public-key B64 [--key-id ed25519:ID]\n"
                    + "Checks signatures[USER_ID][KEY_ID] of the JSON object on stdin with the Ed25519 public key.\n"
                    + "Prints 'valid' and exits 0, or prints the reason (missing, malformed, invalid) and exits 1.\n"
                    + "The key id defaults to ed25519:<public key>.";
        }
        public int run(List<String> argv, Io io) throws Exception {
            Args a = new Args(argv, Set.of("user", "public-key", "key-id"), Set.of());
            String user = a.required("user");
            String pub = a.required("public-key");
            String keyId = a.optional("key-id");
            Ed25519PublicKey key = Ed25519PublicKey.parse("--public-key", pub);
            if (keyId == null) keyId = "ed25519:" + pub;
            checkKeyId(keyId);
            Json.Obj obj = io.readStdinObject("stdin");
            SignedJson.Check check = SignedJson.verify(obj, user, keyId, key);
            if (check.valid()) {
                io.println("valid");
                return 0;
            }
            io.println(check.status().name().toLowerCase(Locale.ROOT) + ": " + check.detail());
            return 1;
        }
    }
}
